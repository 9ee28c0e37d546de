#include "harness/known.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>
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

// splitmix64's finalizer: every bit of `value` reaches every bit of the result.
std::uint64_t mixed(std::uint64_t value) {
  value += 0x9e3779b97f4a7c15ull;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
  return value ^ (value >> 31);
}

// The digest of an observation is the sum of its entries' digests: a digest of the entries as a
// set (cached pfns come in any order), which a step's change report updates by subtracting what
// is gone and adding what is new.
std::uint64_t entry_digest(const Range& node) { return mixed(mixed(node.lo) ^ node.hi); }
std::uint64_t entry_digest(const CachedPfn& entry) {
  return mixed(mixed(~entry.pfn) ^ ((std::uint64_t{entry.bin} << 32) | entry.slot.cpu));
}

std::uint64_t digest(const Observation& observed) {
  std::uint64_t state = 0;
  for (const Range& node : observed.nodes) state += entry_digest(node);
  for (const CachedPfn& entry : observed.cached) state += entry_digest(entry);
  return state;
}

// The implementation as the checker drives it, with the digest of its whole observation kept up
// to date from the change reports the checker takes after each applied step: a step's digest
// costs what the step changed, not a copy of the whole state. The reports are the set
// differences between observations (model/sut.h), which the checker relies on too and checks
// against the whole state at the end of every run; a report that is not complete (the
// implementation cannot tell) digests the whole observation again.
class DigestedSystem final : public SystemUnderTest {
 public:
  explicit DigestedSystem(std::unique_ptr<SystemUnderTest> system)
      : system_(std::move(system)), state_(digest(system_->observe())) {}

  Outcome apply(const Op& op) override { return system_->apply(op); }
  Observation observe() const override { return system_->observe(); }
  void changes(ChangeReport& report) override {
    system_->changes(report);
    if (!report.complete) {
      state_ = digest(system_->observe());
      return;
    }
    for (const Range& node : report.nodes_gone) state_ -= entry_digest(node);
    for (const Range& node : report.nodes_new) state_ += entry_digest(node);
    for (const CachedPfn& entry : report.cached_gone) state_ -= entry_digest(entry);
    for (const CachedPfn& entry : report.cached_new) state_ += entry_digest(entry);
  }
  std::optional<std::string> validate() const override { return system_->validate(); }
  std::string describe() const override { return system_->describe(); }

  // The digest of the observation after the last change report.
  std::uint64_t state() const { return state_; }

 private:
  std::unique_ptr<SystemUnderTest> system_;
  std::uint64_t state_;
};

struct ObservedRun {
  std::vector<StepSeen> seen;  // one per step run, the violating one included
  std::optional<Violation> violation;
};

// Whether `run` saw something else than `reference` at step `index` (or `reference` has no such step).
bool differs_at(const ObservedRun& run, const ObservedRun& reference, std::size_t index) {
  return index >= reference.seen.size() || !same_step(run.seen[index], reference.seen[index]);
}

// The trace run on `variant`, what the checker saw at each step. With a `reference` run, the run
// stops at the first step before `reference_step` whose observations differ from the reference's:
// the rule (removes, impl_stands_in) asks for the same observations at every step before the
// violating one, so nothing after a difference could change its answer, and a fix that changes
// an early step is rejected without running the rest.
ObservedRun run_observed(const Trace& trace, std::string_view variant, const ImplementationChoice& implementation,
                         const ObservedRun* reference = nullptr, std::size_t reference_step = 0) {
  DigestedSystem system(make_exact_implementation(trace, variant, implementation));
  // Only the latest step's result is read: the report keeps no other. The rule reads which step
  // violates which property, never why.
  CheckSession session(trace, system,
                       CheckOptions{.check_expectations = false, .latest_step_only = true, .describe_states = false,
                                    .violation_reasons = Reasons::Omitted});
  ObservedRun run;
  run.seen.reserve(trace.steps.size());
  for (const Step& step : trace.steps) {
    const bool ok = session.step(step);
    const StepRecord& record = session.report().steps.back();
    // A violating step may end before its change report is taken (validate() fails first).
    const std::uint64_t state = ok ? system.state() : digest(system.observe());
    run.seen.push_back(StepSeen{record.caller_error.has_value(), record.outcome, state});
    if (!ok) {
      run.violation = session.take_report().violation;
      return run;
    }
    const std::size_t index = run.seen.size() - 1;
    if (reference != nullptr && index < reference_step && differs_at(run, *reference, index)) return run;
  }
  // validate() runs with a spacing between steps: the end of the run validates what is left, as
  // check() does, so a structure violation at the last step is seen on every side alike.
  if (!session.finish()) run.violation = session.take_report().violation;
  return run;
}

bool same_before(const ObservedRun& a, const ObservedRun& b, std::size_t step) {
  return a.seen.size() >= step && b.seen.size() >= step &&
         std::equal(a.seen.begin(), a.seen.begin() + static_cast<std::ptrdiff_t>(step), b.seen.begin(), same_step);
}

bool violates_at(const ObservedRun& run, std::size_t step) { return run.violation && run.violation->step == step; }

// The rule itself: `fixed` observes what `unfixed` did before `step` and does not violate.
bool removes(const ObservedRun& unfixed, const ObservedRun& fixed, std::size_t step) {
  return !fixed.violation && same_before(unfixed, fixed, step);
}

// The trace up to and including `step`, or nullopt when there is no such step.
std::optional<Trace> prefix_to(const Trace& trace, std::size_t step) {
  if (step >= trace.steps.size()) return std::nullopt;
  Trace prefix = trace;
  prefix.steps.resize(step + 1);
  return prefix;
}

std::string variant_or_own(const Trace& trace, std::string_view variant) {
  return std::string(variant.empty() ? std::string_view(trace.variant) : variant);
}

// impl/'s deltas (its fixes, a variant's own delta) cannot be applied to a kernel's iova.c. impl/
// running the same variant stands in for the kernel when it makes the kernel's observations
// before `step` and violates at it too, with the same property: the kernel's violation is then
// impl/'s, and the rule on impl/ names it. Otherwise (the kernel alone violates there) impl/
// says nothing about it.
bool impl_stands_in(const ObservedRun& on_kernel, const Trace& prefix, const std::string& variant, std::size_t step) {
  const ObservedRun on_impl = run_observed(prefix, variant, ImplementationChoice{}, &on_kernel, step);
  return violates_at(on_impl, step) && on_impl.violation->property == on_kernel.violation->property &&
         same_before(on_kernel, on_impl, step);
}

// A violation at `step` on a variant other than mainline, with what the delta and inheritance
// rules compare it to: mainline with the variant's fixes (`baseline`).
struct BesideMainline {
  Trace prefix;          // the trace up to `step`
  std::string baseline;  // mainline with the variant's fixes
  ObservedRun on_variant;
};

// The variant's run to `step` when it violates there (on a kernel, only where impl/ stands in for
// it) and the variant is not mainline with fixes; nullopt otherwise.
std::optional<BesideMainline> beside_mainline(const Trace& trace, std::size_t step, std::string_view variant,
                                              const ImplementationChoice& implementation) {
  std::optional<Trace> prefix = prefix_to(trace, step);
  if (!prefix) return std::nullopt;
  const std::string name = variant_or_own(trace, variant);
  std::string baseline = mainline_with_fixes_of(name);
  if (without_fixes(name) == without_fixes(baseline)) return std::nullopt;
  ObservedRun on_variant = run_observed(*prefix, name, implementation);
  if (!violates_at(on_variant, step)) return std::nullopt;
  if (implementation.kernel && !impl_stands_in(on_variant, *prefix, name, step)) return std::nullopt;
  return BesideMainline{std::move(*prefix), std::move(baseline), std::move(on_variant)};
}

// The fixes the rule tries for the violation at `step` (in order of their numbers), with the
// variant's run they are compared to: a kernel's own fix runs on the kernel itself; impl/'s run
// on impl/, for a kernel only where impl/ stands in for it. nullopt when the variant has no fix
// to try or does not violate at `step`.
struct FixCandidates {
  Trace prefix;
  std::string variant;
  ObservedRun on_variant;
  std::vector<unsigned> on_kernel;  // those among `numbers` that are the kernel's own
  std::vector<unsigned> numbers;
};

std::optional<FixCandidates> fix_candidates(const Trace& trace, std::size_t step, std::string_view variant,
                                            const ImplementationChoice& implementation) {
  std::optional<Trace> prefix = prefix_to(trace, step);
  std::string name = variant_or_own(trace, variant);
  if (!prefix || !may_be_known(name, implementation)) return std::nullopt;
  ObservedRun on_variant = run_observed(*prefix, name, implementation);
  if (!violates_at(on_variant, step)) return std::nullopt;
  std::vector<unsigned> on_kernel = kernel_fixes_not_applied(implementation);
  std::vector<unsigned> on_impl = fixes_not_applied(name);
  if (implementation.kernel && !on_impl.empty() && !impl_stands_in(on_variant, *prefix, name, step)) on_impl.clear();
  std::vector<unsigned> numbers = on_kernel;
  for (const unsigned number : on_impl)
    if (std::ranges::find(on_kernel, number) == on_kernel.end()) numbers.push_back(number);
  std::ranges::sort(numbers);
  return FixCandidates{std::move(*prefix), std::move(name), std::move(on_variant), std::move(on_kernel), std::move(numbers)};
}

// The rule for one candidate: the variant with fix `number` removes the violation at `step`.
bool fix_removes(const FixCandidates& fixes, unsigned number, std::size_t step, const ImplementationChoice& implementation) {
  const bool kernel_fix = std::ranges::find(fixes.on_kernel, number) != fixes.on_kernel.end();
  const ObservedRun fixed =
      kernel_fix ? run_observed(fixes.prefix, fixes.variant, with_kernel_fix(implementation, number), &fixes.on_variant, step)
                 : run_observed(fixes.prefix, with_fix(fixes.variant, number), ImplementationChoice{}, &fixes.on_variant, step);
  return removes(fixes.on_variant, fixed, step);
}

}  // namespace

bool known_as_delta(const Trace& trace, std::size_t step, std::string_view variant,
                    const ImplementationChoice& implementation) {
  const std::optional<BesideMainline> run = beside_mainline(trace, step, variant, implementation);
  return run && removes(run->on_variant,
                        run_observed(run->prefix, run->baseline, ImplementationChoice{}, &run->on_variant, step), step);
}

std::optional<unsigned> known_as_inherited(const Trace& trace, std::size_t step, std::string_view variant,
                                           const ImplementationChoice& implementation) {
  const std::optional<BesideMainline> run = beside_mainline(trace, step, variant, implementation);
  if (!run) return std::nullopt;
  const ObservedRun on_mainline = run_observed(run->prefix, run->baseline, ImplementationChoice{});
  if (!violates_at(on_mainline, step) || on_mainline.violation->property != run->on_variant.violation->property ||
      !same_before(run->on_variant, on_mainline, step))
    return std::nullopt;
  return known_as(run->prefix, step, run->baseline);
}

std::optional<unsigned> known_as(const Trace& trace, std::size_t step, std::string_view variant,
                                 const ImplementationChoice& implementation) {
  const std::optional<FixCandidates> fixes = fix_candidates(trace, step, variant, implementation);
  if (!fixes) return std::nullopt;
  for (const unsigned number : fixes->numbers)
    if (fix_removes(*fixes, number, step, implementation)) return number;
  return std::nullopt;
}

bool is_known(const Trace& trace, std::size_t step, std::string_view variant, const ImplementationChoice& implementation) {
  const std::optional<FixCandidates> fixes = fix_candidates(trace, step, variant, implementation);
  if (!fixes) return false;
  // The answer does not depend on the order the fixes are tried in, the cost does: the fixes that
  // removed the latest violations first (a fuzzer meets the same few known findings again and
  // again), then the rest in order of their numbers.
  thread_local std::vector<unsigned> latest_removing;
  const auto listed = [](const std::vector<unsigned>& numbers, unsigned number) {
    return std::ranges::find(numbers, number) != numbers.end();
  };
  std::vector<unsigned> order;
  for (const unsigned number : latest_removing)
    if (listed(fixes->numbers, number)) order.push_back(number);
  for (const unsigned number : fixes->numbers)
    if (!listed(order, number)) order.push_back(number);
  for (const unsigned number : order) {
    if (!fix_removes(*fixes, number, step, implementation)) continue;
    std::erase(latest_removing, number);
    latest_removing.insert(latest_removing.begin(), number);
    return true;
  }
  return false;
}

bool may_be_known(std::string_view variant, const ImplementationChoice& implementation) {
  return !fixes_not_applied(variant).empty() || !kernel_fixes_not_applied(implementation).empty();
}

std::string fixed_name(std::string_view variant, const ImplementationChoice& implementation, unsigned number) {
  const std::vector<unsigned> on_kernel = kernel_fixes_not_applied(implementation);
  if (std::ranges::find(on_kernel, number) != on_kernel.end())
    return std::string(variant) + " on " + implementation_name(with_kernel_fix(implementation, number));
  return with_fix(variant, number) + (implementation.kernel ? " on impl/" : "");
}

std::optional<std::string> known_identity(const Trace& trace, std::size_t step, const ImplementationChoice& implementation) {
  if (const std::optional<unsigned> known = known_as(trace, step, {}, implementation)) return known_label(known);
  if (known_as_delta(trace, step, {}, implementation)) return std::string("delta");
  if (const std::optional<unsigned> inherited = known_as_inherited(trace, step, {}, implementation))
    return known_label(inherited);
  return std::nullopt;
}

std::string known_label(const std::optional<unsigned>& known) {
  return known ? "F" + std::to_string(*known) : std::string("new");
}

}  // namespace iovacheck
