#include "harness/predicates.h"

#include <optional>
#include <stdexcept>

#include "harness/implementation.h"
#include "harness/known.h"

namespace iovacheck {
namespace {

// Expectations pin one variant's placements; the predicates judge properties only.
std::optional<Violation> violation_on(const Trace& trace, const std::string& variant) {
  return check_on(trace, variant, CheckOptions{.check_expectations = false}).violation;
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

TracePredicate distinguishes_from_mainline(const std::string& variant, std::optional<Property> property) {
  return unless_unrunnable([variant, property](const Trace& trace) {
    const std::optional<Violation> violation = violation_on(trace, variant);
    if (!violation || (property && violation->property != *property)) return false;
    return !violation_on(trace, mainline_with_fixes_of(variant)).has_value();
  });
}

TracePredicate violates_same_property(const std::string& variant, Property property) {
  return unless_unrunnable([variant, property](const Trace& trace) {
    const std::optional<Violation> violation = violation_on(trace, variant);
    return violation && violation->property == property;
  });
}

TracePredicate counterexample_predicate(const std::string& variant, Property property, std::optional<unsigned> known) {
  TracePredicate same_kind = without_fixes(variant) == kDefaultVariant ? violates_same_property(variant, property)
                                                                       : distinguishes_from_mainline(variant, property);
  if (fixes_not_applied(variant).empty() && !known) return same_kind;  // nothing it could become known as
  return unless_unrunnable([variant, known, same_kind = std::move(same_kind)](const Trace& trace) {
    if (!same_kind(trace)) return false;
    const std::optional<Violation> violation = violation_on(trace, variant);
    return known_as(trace, violation->step, variant) == known;
  });
}

}  // namespace iovacheck
