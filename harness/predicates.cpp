#include "harness/predicates.h"

#include <optional>
#include <stdexcept>

#include "harness/implementation.h"
#include "harness/known.h"

namespace iovacheck {
namespace {

// Expectations pin one variant's placements; the predicates judge properties only, so the
// report keeps no steps and no reasons (the minimizer and the fuzz harness's judgement ask this
// many times).
std::optional<Violation> violation_on(const Trace& trace, const std::string& variant,
                                      const ImplementationChoice& choice = {}) {
  const CheckOptions judge_only{.check_expectations = false, .latest_step_only = true, .describe_states = false,
                                .violation_reasons = Reasons::Omitted};
  return check_on(trace, variant, choice, judge_only).violation;
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
  return unless_unrunnable([=](const Trace& trace) {
    const std::optional<Violation> violation = violation_on(trace, variant, choice);
    return violation && is_counterexample(trace, *violation, variant, property, known, choice);
  });
}

bool is_counterexample(const Trace& trace, const Violation& violation, const std::string& variant, Property property,
                       std::optional<unsigned> known, const ImplementationChoice& choice) {
  if (violation.property != property) return false;
  // Mainline and the fixed variants only run when the variant violates (the fuzzer asks this of
  // every violating input).
  if (without_fixes(variant) != kDefaultVariant && violation_on(trace, mainline_with_fixes_of(variant))) return false;
  const bool identity_matters = may_be_known(variant, choice) || known;
  if (!identity_matters) return true;
  return known ? known_as(trace, violation.step, variant, choice) == known : !is_known(trace, violation.step, variant, choice);
}

}  // namespace iovacheck
