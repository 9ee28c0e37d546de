#include "harness/predicates.h"

#include <optional>

#include "harness/implementation.h"

namespace iovacheck {
namespace {

// Expectations pin one variant's placements; the predicates judge properties only.
std::optional<Violation> violation_on(const Trace& trace, const std::string& variant) {
  return check_on(trace, variant, CheckOptions{.check_expectations = false}).violation;
}

}  // namespace

TracePredicate distinguishes_from_mainline(const std::string& variant) {
  return [variant](const Trace& trace) {
    return violation_on(trace, variant).has_value() && !violation_on(trace, kDefaultVariant).has_value();
  };
}

TracePredicate violates_same_property(const std::string& variant, Property property) {
  return [variant, property](const Trace& trace) {
    const std::optional<Violation> violation = violation_on(trace, variant);
    return violation && violation->property == property;
  };
}

TracePredicate counterexample_predicate(const std::string& variant, Property property) {
  if (variant == kDefaultVariant) return violates_same_property(variant, property);
  return distinguishes_from_mainline(variant);
}

}  // namespace iovacheck
