#pragma once
// Plugs the implementations (impl/) into the checker (model/): the only place that sees both.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

// make_implementation + check: the one call every engine makes to run a trace.
CheckReport check_on(const Trace& trace, std::string_view variant = {}, const CheckOptions& options = {});

}  // namespace iovacheck
