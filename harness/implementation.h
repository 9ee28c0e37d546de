#pragma once
// Plugs the implementations (impl/) into the checker (model/): the only place that sees both.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/exact_state.h"
#include "impl/domain.h"
#include "model/checker.h"
#include "model/sut.h"
#include "model/trace.h"

namespace iovacheck {

struct VariantInfo {
  std::string name;
  std::string origin;
  std::string summary;
};

// Every implemented variant, mainline first.
std::vector<VariantInfo> implemented_variants();

// The fixes of the known findings (docs/findings.md), by name: f1, f2, f4, ...
struct FixDescription {
  std::string name;
  std::string summary;
};
std::vector<FixDescription> implemented_fixes();

// A variant as the command line and trace headers name it, `NAME[+fN...]` (docs/findings.md
// lists the fixes): why it names nothing runnable (unknown name or fix, a fix that does not
// apply), or empty.
std::string variant_problem(std::string_view spec);
bool is_implemented_variant(std::string_view spec);
// The canonical spelling: full name, fixes ascending. Throws std::invalid_argument when invalid.
std::string canonical_variant(std::string_view spec);
// The short spelling the matrices use: "z1" for z1-max32-reset, "z1+f1" with a fix; a spec that
// names no variant is returned as given.
std::string short_variant(std::string_view spec);
// Whether the variant differs from mainline in the range caches (section 4: z6..z9, fix f5), which
// the SMT encoding does not model: a proof there is about its tree only. Throws
// std::invalid_argument when the spec names no variant.
bool has_range_cache_delta(std::string_view spec);
// The variant with every fix that applies to it: its known findings fixed.
std::string with_known_fixes(std::string_view spec);
// The variant without any fix.
std::string without_fixes(std::string_view spec);
// Mainline with those of the variant's fixes that apply to mainline: what a variant's
// violation is compared with to tell whether it distinguishes the variant.
std::string mainline_with_fixes_of(std::string_view spec);
// The fixes that apply to the variant and are not applied yet, by number.
std::vector<unsigned> fixes_not_applied(std::string_view spec);
// The variant with fix N added.
std::string with_fix(std::string_view spec, unsigned number);

// The implementation of `variant` (the trace's own when empty), built from the trace's geometry
// and snapshot. Throws std::invalid_argument naming the problem (unknown variant, a snapshot
// the implementation cannot hold).
std::unique_ptr<SystemUnderTest> make_implementation(const Trace& trace, std::string_view variant = {});

// What a tool that explains a step (log-check, draw) reads beyond the observation: the tree's
// hints and where the last allocation's tree searches ended. Never used to judge a step.
using impl::HintRef;
using impl::SearchExit;
using impl::TreeAttempt;
using impl::TreeHints;

class InspectableImplementation : public ExactSystemUnderTest {
 public:
  virtual TreeHints hints() const = 0;
  // The tree allocations the last applied op made, in order.
  virtual std::vector<TreeAttempt> last_attempts() const = 0;
};

// make_implementation, inspectable.
std::unique_ptr<InspectableImplementation> make_inspectable_implementation(const Trace& trace,
                                                                         std::string_view variant = {});

// make_implementation + check: the one call every engine makes to run a trace.
CheckReport check_on(const Trace& trace, std::string_view variant = {}, const CheckOptions& options = {});

// What runs a trace: our re-implementation (impl/) or a compiled kernel (kernel/), the option
// `--impl impl|kernel[:6.12|:6.1|:PATH][+fN...]` of every verb.
struct ImplementationChoice {
  bool kernel = false;
  std::string tree = "6.12";    // kernel only: "6.12", "6.1" or an absolute path
  std::vector<unsigned> fixes;  // kernel only: our source fixes applied to it (kernel/fixes/), ascending
  std::string fix_suffix() const;  // "+f10", or empty
  std::string text() const { return kernel ? "kernel:" + tree + fix_suffix() : "impl"; }
};

// The fixes of the real kernel's own findings (kernel/fixes/: F10) that `choice` lacks and that
// were built for its tree, by number; none for impl/ (its fixes are named in the variant).
std::vector<unsigned> kernel_fixes_not_applied(const ImplementationChoice& choice);
// The choice with kernel fix N added.
ImplementationChoice with_kernel_fix(ImplementationChoice choice, unsigned number);
// The choice with every kernel fix built for its tree: what searching past the kernel's known
// findings runs. impl/ is returned as it is.
ImplementationChoice with_kernel_fixes(const ImplementationChoice& choice);
// The choice without any kernel fix: the unmodified iova.c.
ImplementationChoice without_kernel_fixes(ImplementationChoice choice);

// The implementation as reports name it: impl, kernel:6.12.117, kernel:/src/linux@v6.13-rc1-dirty
// (the unmodified build's version; a run on a magazine copy names the copy itself).
std::string implementation_name(const ImplementationChoice& choice);

// A design some kernel tree has had (mainline, z1..z9), as opposed to a proposal (p1..p3).
bool is_kernel_design(std::string_view variant);

// Throws std::invalid_argument naming what is wrong with `text`, or why the kernel it names was
// not built: an unknown fix, impl/'s fixes (f1..f9: deltas of impl/, which the kernel's file cannot
// take), a fix whose statement the tree does not have.
ImplementationChoice parse_implementation(std::string_view text);

// The variant a choice runs when asked for `requested` (empty: the trace's own for impl, the
// kernel's own design for a kernel). Throws std::invalid_argument on a pairing that makes no
// sense: an unknown variant, or a kernel with a design it does not implement (a p-variant, or
// z1 on 6.12); a user's tree may claim any historical variant.
std::string variant_for(const ImplementationChoice& choice, std::string_view requested, const Trace& trace);

// The variant the other side of the exact differential (`--against`) runs when the first side
// runs `variant`: a kernel its own design, impl/ the same variant. Throws std::invalid_argument
// when `variant` is a proposal's design and `against` a kernel (no kernel runs it).
std::string against_variant(const ImplementationChoice& against, const std::string& variant);

// Whether an engine searches past the known findings (docs/findings.md): unless asked not to
// (--no-known), and never in the exact differential (`against`), which compares the variant as
// named (a fix would be the difference). The one place check, the campaign and verify decide it.
bool searches_past_known(bool asked, const std::optional<ImplementationChoice>& against = std::nullopt);
// The variant such an engine runs for `spec` on `runs`: on impl/ with every fix of its known
// findings (with_known_fixes) when it searches past them, else as named (canonical); a kernel's
// own fixes are in its ImplementationChoice (with_kernel_fixes), and impl/'s cannot apply to it.
std::string searched_variant(std::string_view spec, bool past_known, const ImplementationChoice& runs = {});

// The chosen implementation of `variant` for the trace; reports name it (impl:mainline,
// kernel:6.12.117). Throws std::invalid_argument when it cannot run the trace (a refusal: the
// kernel's magazine size, a snapshot) or the variant is unknown.
std::unique_ptr<ExactSystemUnderTest> make_exact_implementation(const Trace& trace, std::string_view variant,
                                                                const ImplementationChoice& choice);

// check() on the chosen implementation; the report's trace names the variant that ran.
CheckReport check_on(const Trace& trace, std::string_view variant, const ImplementationChoice& choice,
                     const CheckOptions& options = {});
// The same on a trace the caller is done with: renamed in place rather than copied (the fuzz
// harness checks each decoded input once).
CheckReport check_on(Trace&& trace, std::string_view variant, const ImplementationChoice& choice,
                     const CheckOptions& options = {});

}  // namespace iovacheck
