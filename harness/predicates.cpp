#include "harness/predicates.h"

#include <optional>
#include <stdexcept>

#include "harness/implementation.h"
#include "harness/known.h"

namespace iovacheck {
namespace {

// Expectations pin one variant's placements; the predicates judge properties only.
std::optional<Violation> violation_on(const Trace& trace, const std::string& variant,
                                      const ImplementationChoice& choice = {}) {
  return check_on(trace, variant, choice, CheckOptions{.check_expectations = false}).violation;
}

// A candidate an implementation cannot be built for (a snapshot it cannot hold) keeps nothing.
TracePredicate unless_unrunnable(TracePredicate keeps) {
  return [keeps = std::move(keeps)](const Trace& trace) {
    try {
      return keeps(trace);
    } catch (const std::invalid_argument&) {
      return false;
    }
  };
}

}  // namespace

TracePredicate distinguishes_from_mainline(const std::string& variant, std::optional<Property> property,
                                           const ImplementationChoice& choice) {
  return unless_unrunnable([variant, property, choice](const Trace& trace) {
    const std::optional<Violation> violation = violation_on(trace, variant, choice);
    if (!violation || (property && violation->property != *property)) return false;
    return !violation_on(trace, mainline_with_fixes_of(variant)).has_value();
  });
}

TracePredicate violates_same_property(const std::string& variant, Property property,
                                      const ImplementationChoice& choice) {
  return unless_unrunnable([variant, property, choice](const Trace& trace) {
    const std::optional<Violation> violation = violation_on(trace, variant, choice);
    return violation && violation->property == property;
  });
}

TracePredicate counterexample_predicate(const std::string& variant, Property property, std::optional<unsigned> known,
                                        const ImplementationChoice& choice) {
  const bool distinguishing = without_fixes(variant) != kDefaultVariant;
  const bool identity_matters = may_be_known(variant, choice) || known;
  // The variant runs once; mainline and the fixed variants only when it violates (the fuzzer
  // asks this of every violating input).
  return unless_unrunnable([=](const Trace& trace) {
    const std::optional<Violation> violation = violation_on(trace, variant, choice);
    if (!violation || violation->property != property) return false;
    if (distinguishing && violation_on(trace, mainline_with_fixes_of(variant))) return false;
    return !identity_matters || known_as(trace, violation->step, variant, choice) == known;
  });
}

}  // namespace iovacheck
