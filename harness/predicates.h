#pragma once
// The predicates the minimizer keeps, for traces found on an implementation: they run the trace
// with check_on, so they live here, where the implementations are known.
#include <optional>
#include <string>

#include "harness/implementation.h"
#include "model/minimize.h"
#include "model/property.h"

namespace iovacheck {

// "Violates a property on `variant` (`property`, when given) and none on mainline (with the
// variant's fixes that apply to it)": a distinguishing counterexample. `choice` runs `variant`;
// mainline is always impl/'s.
TracePredicate distinguishes_from_mainline(const std::string& variant, std::optional<Property> property = std::nullopt,
                                           const ImplementationChoice& choice = {});

// "Violates `property` on `variant`" (any step, whatever the reason text).
TracePredicate violates_same_property(const std::string& variant, Property property,
                                      const ImplementationChoice& choice = {});

// The predicate a counterexample found on `variant` is minimized under: the same property, the
// same identity under the rule for "known" (harness/known.h: new stays new, known as FN stays
// FN, so a new bug cannot shrink into a known one), and for a variant other than mainline
// distinguishing too, so the minimized trace shows the same kind of violation as the one found.
// `choice` runs `variant`.
TracePredicate counterexample_predicate(const std::string& variant, Property property,
                                        std::optional<unsigned> known = std::nullopt,
                                        const ImplementationChoice& choice = {});

// counterexample_predicate's judgement of a trace already run on `variant` by `choice`, whose
// first violation is `violation` (the fuzz harness has that run in hand and would only repeat
// it): the same property, distinguishing on a variant other than mainline, the same identity.
// Throws std::invalid_argument when mainline or a fixed variant cannot run the trace.
bool is_counterexample(const Trace& trace, const Violation& violation, const std::string& variant, Property property,
                       std::optional<unsigned> known = std::nullopt, const ImplementationChoice& choice = {});

}  // namespace iovacheck
