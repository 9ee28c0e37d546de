#include "harness/known.h"

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <vector>

#include "harness/implementation.h"
#include "model/checker.h"

namespace iovacheck {
namespace {

// What the checker saw of one step: whether it was a caller error, the result, and the state
// after it as a 64-bit digest of the whole observation. Keeping every observation made a long
// trace's classification take O(steps x live ranges) memory (gigabytes at 60,000 steps of the
// scale profile); two different states share a digest with odds of about 2^-64.
struct StepSeen {
  bool caller_error = false;
  Outcome outcome;
  std::uint64_t state = 0;
};

bool same_outcome(const Outcome& a, const Outcome& b) {
  return a.status == b.status && a.pfn == b.pfn && a.node == b.node;
}

bool same_step(const StepSeen& a, const StepSeen& b) {
  return a.caller_error == b.caller_error && same_outcome(a.outcome, b.outcome) && a.state == b.state;
}

// Cached pfns come in any order; sorted, two observations compare as sets.
Observation normalized(Observation observed) {
  std::ranges::sort(observed.cached, {}, [](const CachedPfn& entry) { return std::tuple(entry.pfn, entry.bin, entry.slot.cpu); });
  return observed;
}

// Every node and cache entry in order, and the counts, mixed into 64 bits (splitmix64 steps).
std::uint64_t digest(const Observation& observed) {
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  auto mix = [&state](std::uint64_t value) {
    state += value + 0x9e3779b97f4a7c15ull;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    state = z ^ (z >> 31);
  };
  mix(observed.nodes.size());
  for (const Range& node : observed.nodes) {
    mix(node.lo);
    mix(node.hi);
  }
  mix(observed.cached.size());
  for (const CachedPfn& entry : observed.cached) {
    mix(entry.pfn);
    mix((std::uint64_t{entry.bin} << 32) | entry.slot.cpu);
  }
  return state;
}

struct ObservedRun {
  std::vector<StepSeen> seen;  // one per step run, the violating one included
  std::optional<Violation> violation;
};

ObservedRun run_observed(const Trace& trace, std::string_view variant) {
  const std::unique_ptr<SystemUnderTest> implementation = make_implementation(trace, variant);
  CheckSession session(trace, *implementation, CheckOptions{.check_expectations = false, .describe_states = false});
  ObservedRun run;
  for (const Step& step : trace.steps) {
    const bool ok = session.step(step);
    const StepRecord& record = session.report().steps.back();
    run.seen.push_back(StepSeen{record.caller_error.has_value(), record.outcome, digest(normalized(implementation->observe()))});
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
