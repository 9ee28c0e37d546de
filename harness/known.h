#pragma once
// The one rule for "known" (docs/findings.md), used by every engine and report: a violation on
// a variant V at step k is known as FN when V+fN, driven by the same trace, makes the same
// observations (caller errors, results and observed state) at every step before k and does not
// violate at k. Never by matching text or trace shape.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "harness/implementation.h"
#include "model/trace.h"

namespace iovacheck {

// The number N of the first fix (among those that apply to `variant` and are not applied yet)
// under which the violation at `step` is known; nullopt when none is, or when the variant does
// not violate at `step`. `variant` empty: the trace's own. Runs the trace's first step + 1 steps
// once on the variant and once per candidate fix.
//
// On a kernel (`implementation`), the candidates are the kernel's own fixes it lacks
// (kernel/fixes/: f10), run on the kernel with the fix, and impl/'s fixes (f1..f9), which iova.c
// cannot take: those run on impl/, and only when impl/ running the variant stands in for the
// kernel (it observes what the kernel did before `step` and violates at it with the same
// property).
std::optional<unsigned> known_as(const Trace& trace, std::size_t step, std::string_view variant = {},
                                 const ImplementationChoice& implementation = {});

// Whether the violation at `step` is known as some fix's (known_as has a value), without naming
// which: the same runs, in an order that finds a removing fix sooner when the same few known
// findings come again and again (the fuzz harness asks this of every violating input).
bool is_known(const Trace& trace, std::size_t step, std::string_view variant = {},
              const ImplementationChoice& implementation = {});

// The same rule with the variant's own delta as the fix: true when mainline (with the fixes the
// variant carries) makes the same observations before `step` and does not violate at it, so the
// violation is the one the variant exists to show (docs/variants.md). False on mainline itself.
// On a kernel, only where impl/ stands in for it (above).
bool known_as_delta(const Trace& trace, std::size_t step, std::string_view variant = {},
                    const ImplementationChoice& implementation = {});

// A violation the variant inherits from mainline: mainline with the fixes the variant carries
// makes the same observations before `step` and violates at it too, so the violation is
// mainline's, and so is its identity there (the fix that removes it on mainline). It names what a
// fix candidate such as f1a, to which f1 cannot apply, still shares with mainline's F1. nullopt
// when mainline does not share it, when the variant is mainline's design, or when no fix removes
// it on mainline. On a kernel, only where impl/ stands in for it (above).
std::optional<unsigned> known_as_inherited(const Trace& trace, std::size_t step, std::string_view variant = {},
                                           const ImplementationChoice& implementation = {});

// The identity every report gives the violation at `step`: "FN" when known as FN, "delta" when
// it is the variant's own bug (known_as_delta), "FN" when inherited from mainline's FN
// (known_as_inherited), nullopt when it is new.
std::optional<std::string> known_identity(const Trace& trace, std::size_t step,
                                          const ImplementationChoice& implementation = {});

// Whether the rule has a fix to try for `variant` on `implementation`.
bool may_be_known(std::string_view variant, const ImplementationChoice& implementation = {});

// What fix N runs as in the rule, for reports: "mainline+f1", "mainline on kernel:6.12.117+f10",
// "mainline+f1 on impl/" (a kernel's violation that impl/ stands in for).
std::string fixed_name(std::string_view variant, const ImplementationChoice& implementation, unsigned number);

// "F1", or "new" for nullopt: how reports name a violation's identity.
std::string known_label(const std::optional<unsigned>& known);

}  // namespace iovacheck
