#include "harness/known.h"

#include <algorithm>
#include <tuple>
#include <vector>

#include "harness/implementation.h"
#include "model/checker.h"

namespace iovacheck {
namespace {

// What the checker saw of one step: whether it was a caller error, the result, the state after.
struct StepSeen {
  bool caller_error = false;
  Outcome outcome;
  Observation observed;
};

bool same_outcome(const Outcome& a, const Outcome& b) {
  return a.status == b.status && a.pfn == b.pfn && a.node == b.node;
}

bool same_step(const StepSeen& a, const StepSeen& b) {
  return a.caller_error == b.caller_error && same_outcome(a.outcome, b.outcome) && a.observed.nodes == b.observed.nodes &&
         a.observed.cached == b.observed.cached;
}

// Cached pfns come in any order; sorted, two observations compare as sets.
Observation normalized(Observation observed) {
  std::ranges::sort(observed.cached, {}, [](const CachedPfn& entry) { return std::tuple(entry.pfn, entry.bin, entry.slot.cpu); });
  return observed;
}

struct ObservedRun {
  std::vector<StepSeen> seen;  // one per step run, the violating one included
  std::optional<Violation> violation;
};

ObservedRun run_observed(const Trace& trace, std::string_view variant) {
  const std::unique_ptr<SystemUnderTest> implementation = make_implementation(trace, variant);
  CheckSession session(trace, *implementation, CheckOptions{.check_expectations = false});
  ObservedRun run;
  for (const Step& step : trace.steps) {
    const bool ok = session.step(step);
    const StepRecord& record = session.report().steps.back();
    run.seen.push_back(StepSeen{record.caller_error.has_value(), record.outcome, normalized(implementation->observe())});
    if (!ok) {
      run.violation = session.report().violation;
      return run;
    }
  }
  // validate() runs with a spacing between steps: the end of the run validates what is left, as
  // check() does, so a structure violation at the last step is seen on every side alike.
  if (!session.finish()) run.violation = session.report().violation;
  return run;
}

// The rule itself: `fixed` observes what `on_variant` did before `step` and does not violate.
bool removes(const ObservedRun& on_variant, const Trace& prefix, const std::string& fixed_variant, std::size_t step) {
  const ObservedRun fixed = run_observed(prefix, fixed_variant);
  if (fixed.violation) return false;
  return std::equal(on_variant.seen.begin(), on_variant.seen.begin() + static_cast<std::ptrdiff_t>(step),
                    fixed.seen.begin(), same_step);
}

}  // namespace

bool known_as_delta(const Trace& trace, std::size_t step, std::string_view variant) {
  if (step >= trace.steps.size()) return false;
  const std::string name(variant.empty() ? std::string_view(trace.variant) : variant);
  const std::string baseline = mainline_with_fixes_of(name);
  if (without_fixes(name) == without_fixes(baseline)) return false;
  Trace prefix = trace;
  prefix.steps.resize(step + 1);
  const ObservedRun on_variant = run_observed(prefix, name);
  if (!on_variant.violation || on_variant.violation->step != step) return false;
  return removes(on_variant, prefix, baseline, step);
}

std::optional<unsigned> known_as(const Trace& trace, std::size_t step, std::string_view variant) {
  if (step >= trace.steps.size()) return std::nullopt;
  const std::string name(variant.empty() ? std::string_view(trace.variant) : variant);
  const std::vector<unsigned> candidates = fixes_not_applied(name);
  if (candidates.empty()) return std::nullopt;
  Trace prefix = trace;
  prefix.steps.resize(step + 1);
  const ObservedRun on_variant = run_observed(prefix, name);
  if (!on_variant.violation || on_variant.violation->step != step) return std::nullopt;
  for (const unsigned number : candidates) {
    if (removes(on_variant, prefix, with_fix(name, number), step)) return number;
  }
  return std::nullopt;
}

std::optional<std::string> known_identity(const Trace& trace, std::size_t step) {
  if (const std::optional<unsigned> known = known_as(trace, step)) return known_label(known);
  if (known_as_delta(trace, step)) return std::string("delta");
  return std::nullopt;
}

std::string known_label(const std::optional<unsigned>& known) {
  return known ? "F" + std::to_string(*known) : std::string("new");
}

}  // namespace iovacheck
