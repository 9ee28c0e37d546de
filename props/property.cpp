#include "props/property.h"

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <unordered_map>

#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include "harness/implementation.h"
#include "harness/known.h"
#include "harness/predicates.h"
#include "props/commands.h"
#include "props/generators.h"
#include "props/scale.h"

namespace iovacheck::props {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// RapidCheck's own reporting stays quiet: the result is returned as a value.
class SilentListener final : public rc::detail::TestListener {
 public:
  void onTestCaseFinished(const rc::detail::CaseDescription&) override {}
  void onShrinkTried(const rc::detail::CaseDescription&, bool) override {}
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
};

// Bookkeeping across every run RapidCheck makes of the property, generation and shrinking.
class Runs {
 public:
  explicit Runs(std::size_t shrink_runs) : shrink_runs_(shrink_runs), started_(Clock::now()) {}

  // Past the shrinking budget every run passes at once, which ends RapidCheck's shrinking
  // with the last failing case found.
  bool shrink_budget_spent() const { return first_failure_ && shrink_cases_ >= shrink_runs_; }

  void start_case() {
    if (first_failure_) ++shrink_cases_;
    else ++cases_;
  }

  void checker_failed() { note_failure(); error_.reset(); }
  void threw(const std::string& what) {
    note_failure();
    log.last_failure.reset();
    error_ = what;
  }

  Throughput search() const { return first_failure_.value_or(now()); }
  std::size_t shared_while_searching() const { return first_failure_ ? shared_at_first_failure_ : log.shared_with_mainline; }
  Throughput shrink() const {
    if (!first_failure_) return {};
    const Throughput total = now();
    return {shrink_cases_, total.steps - first_failure_->steps, total.seconds - first_failure_->seconds};
  }
  const std::optional<std::string>& error() const { return error_; }
  // A case the implementation refused; while shrinking, a refusal is just a passing candidate.
  void skipped(std::string reason) {
    if (first_failure_) return;
    ++skips_;
    skip_reason_ = std::move(reason);
  }
  std::size_t skips() const { return skips_; }
  const std::string& skip_reason() const { return skip_reason_; }

  RunLog log;

 private:
  Throughput now() const { return {cases_, log.steps_checked, seconds_since(started_)}; }
  void note_failure() {
    if (first_failure_) return;
    first_failure_ = now();
    shared_at_first_failure_ = log.shared_with_mainline;
  }

  std::size_t shrink_runs_;
  std::size_t skips_ = 0;
  std::string skip_reason_;
  Clock::time_point started_;
  std::size_t cases_ = 0;
  std::size_t shrink_cases_ = 0;
  std::optional<Throughput> first_failure_;
  std::size_t shared_at_first_failure_ = 0;
  std::optional<std::string> error_;
};

// What a case runs besides the searched variant: the variant without the fixes, and its
// implementation without a kernel's own fixes; an empty variant when nothing is counted.
struct Unfixed {
  std::string variant;
  ImplementationChoice implementation;
};

// Builds the case's system (`start`'s variant on `searched`) and runs `body` on it, turning its
// outcome into RapidCheck's verdict and the run's bookkeeping. A start the implementation
// refuses (a kernel's geometry) is skipped.
template <class Body>
void run_checked(const ImplementationChoice& searched, const PropertyOptions& options, const Trace& start,
                 const Unfixed& unfixed, Runs& runs, Body body) {
  std::optional<CheckedSystem> built;
  try {
    built.emplace(start, runs.log, searched, options.checking, unfixed.variant, unfixed.implementation);
  } catch (const std::invalid_argument& refusal) {
    runs.skipped(refusal.what());  // counted and reported: a pass never hides them
    return;
  }
  try {
    CheckedSystem& system = *built;
    body(system);
    if (const auto failure = system.finish()) RC_FAIL(*failure);
  } catch (const rc::detail::CaseResult& result) {
    if (result.type == rc::detail::CaseResult::Type::Failure) runs.checker_failed();
    throw;
  } catch (const rc::GenerationFailure&) {
    throw;  // RapidCheck's own business: it discards the case
  } catch (const std::exception& error) {
    runs.threw(error.what());
    throw;
  }
}

Unfixed unfixed_of(const PropertyResult& result) { return Unfixed{result.unfixed, result.unfixed_implementation}; }

// One case: a geometry, then commands run through the checker until one fails the property.
// `result` names what is searched (the variant with its fixes) and what is counted alongside.
void run_case(const PropertyOptions& options, const PropertyResult& result, Runs& runs) {
  const int max_commands = options.max_commands;
  if (runs.shrink_budget_spent()) return;
  runs.start_case();
  Trace start;
  // The geometry does not shrink here: every geometry change regenerates the whole command
  // sequence, so RapidCheck would spend its shrinking on unrelated cases. The minimizer
  // simplifies the geometry of the final trace instead.
  start.geometry = *rc::gen::noShrink(geometries());
  if (options.real_magazine_size) start.geometry.mag_size = kDefaultMagazineSize;
  start.variant = result.variant;
  const Swarm swarm = *rc::gen::noShrink(swarms());
  run_checked(result.implementation, options, start, unfixed_of(result), runs, [&](CheckedSystem& system) {
    const GenModel model{start.geometry, swarm, {}, {}};
    // rc::state::check with the case length drawn from the same range in every test, rather
    // than growing with the test's index: the minimizer makes the traces small afterwards.
    const auto drawn = *rc::gen::resize(max_commands * swarm.length_scale(), rc::state::gen::commands(model, &commands));
    rc::state::runAll(drawn, model, system);
  });
}

// One case of the scale profile: its steps come from the driver workload (props/scale.h), which
// sees each outcome as a driver would. Only the length shrinks: a shorter case is a prefix.
void run_scale_case(const PropertyOptions& options, const PropertyResult& result, Runs& runs) {
  if (runs.shrink_budget_spent()) return;
  runs.start_case();
  const ScaleCase scale_case = *scale_cases(options.scale_min_ops, options.scale_max_ops);
  Trace start;
  start.geometry = scale_case.geometry;
  start.variant = result.variant;
  run_checked(result.implementation, options, start, unfixed_of(result), runs, [&](CheckedSystem& system) {
    ScaleWorkload workload(scale_case);
    for (std::size_t index = 0; index < scale_case.ops; ++index) {
      if (const auto failure = system.step(workload.next())) RC_FAIL(*failure);
      workload.observe(system.last_outcome());
    }
  });
}

std::size_t tests_run(const rc::detail::TestResult& outcome) {
  rc::detail::SuccessResult success;
  if (outcome.match(success)) return static_cast<std::size_t>(success.numSuccess);
  rc::detail::FailureResult failure;
  if (outcome.match(failure)) return static_cast<std::size_t>(failure.numSuccess) + 1;
  rc::detail::GaveUpResult gave_up;
  if (outcome.match(gave_up)) return static_cast<std::size_t>(gave_up.numSuccess);
  return 0;
}

std::optional<std::string> rapidcheck_error(const rc::detail::TestResult& outcome) {
  rc::detail::GaveUpResult gave_up;
  if (outcome.match(gave_up)) return "RapidCheck gave up: " + gave_up.description;
  rc::detail::Error error;
  if (outcome.match(error)) return "RapidCheck failed: " + error.description;
  return std::nullopt;
}

// The shared minimizer under the predicate that fits the variant, then the result replayed.
void minimize_counterexample(PropertyResult& result, const PropertyOptions& options) {
  const Clock::time_point started = Clock::now();
  const Counterexample& shrunk = *result.shrunk;
  result.known = known_as(shrunk.trace, shrunk.violation.step, result.variant, result.implementation);
  TracePredicate keeps =
      counterexample_predicate(result.variant, shrunk.violation.property, result.known, result.implementation);
  if (options.real_magazine_size)
    keeps = [keeps](const Trace& trace) { return trace.geometry.mag_size == kDefaultMagazineSize && keeps(trace); };
  const Trace minimized = minimize(shrunk.trace, keeps, options.minimize, &result.minimize_stats);
  const CheckReport replayed = check_on(minimized, result.variant, result.implementation, options.checking);
  if (replayed.violation) result.minimized = Counterexample{minimized, *replayed.violation};
  else result.error = "the minimized trace no longer violates on " + result.variant + ": a defect in iovacheck";
  result.minimize_seconds = seconds_since(started);
}

}  // namespace

PropertyResult run_property(const PropertyOptions& options) {
  PropertyResult result;
  // impl/'s fixes are named in the variant; a kernel's iova.c cannot take them and runs with its own.
  result.variant = searched_variant(options.variant, options.known, options.implementation);
  result.implementation = options.known ? with_kernel_fixes(options.implementation) : options.implementation;
  if (options.known && (result.variant != canonical_variant(options.variant) ||
                        result.implementation.fixes != options.implementation.fixes)) {
    result.unfixed = canonical_variant(options.variant);
    result.unfixed_implementation = options.implementation;
  }
  Runs runs(options.shrink_runs);
  rc::detail::TestParams params;
  params.seed = options.seed;
  params.maxSuccess = options.tests;
  SilentListener listener;
  const rc::detail::Property property =
      rc::detail::toProperty([&] {
        if (options.profile == Profile::Scale) run_scale_case(options, result, runs);
        else run_case(options, result, runs);
      });
  const rc::detail::TestResult outcome = rc::detail::checkProperty(
      property, rc::detail::TestMetadata{}, params, listener, std::unordered_map<std::string, rc::detail::Reproduce>{});

  result.tests = tests_run(outcome);
  result.known_met = runs.log.known_met;
  result.met_unexplained = runs.log.met_unexplained;
  result.shrunk = runs.log.last_failure;
  result.first_failure_steps = runs.log.first_failure_steps;
  result.error = runs.error() ? runs.error() : rapidcheck_error(outcome);
  result.shared_with_mainline = runs.shared_while_searching();
  result.skipped = runs.skips();
  result.skip_reason = runs.skip_reason();
  if (!result.error && !result.shrunk && !outcome.is<rc::detail::SuccessResult>())
    result.error = "RapidCheck reported a failure the checker did not: a defect in iovacheck";
  result.search = runs.search();
  result.shrink = runs.shrink();
  if (result.shrunk && !result.error) minimize_counterexample(result, options);
  return result;
}

PropertyResult run_property(const std::string& variant, int tests, std::uint64_t seed) {
  PropertyOptions options;
  options.variant = variant;
  options.tests = tests;
  options.seed = seed;
  return run_property(options);
}

}  // namespace iovacheck::props
