#pragma once
// The one checker every engine uses: the model and an implementation in lockstep over a trace,
// validate() after every step, the first violation returned as a value.
#include <cstddef>
#include <functional>
#include <string_view>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/caller_error.h"
#include "model/property.h"
#include "model/sut.h"
#include "model/trace.h"

namespace iovacheck {

class Model;

struct Violation {
  std::size_t step = 0;  // index into the trace's steps
  Property property = Property::Soundness;
  std::string reason;
  std::string model_state;
  std::string impl_state;
};

struct ExpectationMiss {
  std::size_t step = 0;
  std::string expected;
  std::string actual;
};

struct StepRecord {
  Op op;                                    // as applied: free targets resolved to pfns
  Outcome outcome;                          // meaningless when caller_error is set and not must_refuse
  std::optional<CallerError> caller_error;  // applied only when the API must refuse it, and judged refused
};

struct CheckReport {
  std::vector<StepRecord> steps;  // one per step run, up to and including the failing one
  std::optional<Violation> violation;
  std::optional<ExpectationMiss> miss;
  // The trace as run, every successful allocation named (r1, r2, ...) and every free of a
  // named range by name: placement-independent, ready to print or minimize.
  Trace named;
  bool ok() const { return !violation && !miss; }
};

// Fast judgement asks the implementation what each step changed and runs its validate() every
// `validate_every` steps, and at a step the model finds violating (so a broken structure is
// named first, as the paranoid mode names it). The paranoid mode compares the whole state and
// validates after every step. Both compare the whole state and validate at the end of a run.
// Automatic spacing: every max(1024, live ranges) steps, so validate()'s O(n) cost stays O(1) a
// step, amortized.
inline constexpr std::size_t kAutomaticValidateSpacing = 1024;

struct CheckOptions {
  bool check_expectations = true;
  bool paranoid = false;
  std::size_t validate_every = 0;  // 0: automatic
  // Keep only the latest step in the report (steps, named.steps): memory bounded by the live
  // state for traces of any length. The step indexes stay those of the whole run.
  bool latest_step_only = false;
  // Keep every step's result (CheckReport::steps), which replay prints and the property engine
  // reads. Engines that read only the named trace (the fuzz harness, which judges and prints
  // the failing prefix) turn it off: the report then keeps the latest step's result only.
  bool record_results = true;
  // When set, the names the trace has defined so far (a streamed trace's parser knows them):
  // fresh names avoid them without the checker keeping its own copy.
  std::function<bool(std::string_view)> is_trace_name = nullptr;
  // Describe both states in a violation (Violation::model_state, impl_state), as replay prints
  // them. Engines that only judge (the predicates a minimizer keeps, the fuzz harness) turn it
  // off: the text is O(live ranges) and was most of a short violating run's heap allocations.
  bool describe_states = true;
  // Give the reason of a violation (Violation::reason). Engines that read only which step
  // violates which property (the counterexample judgement's runs) omit it: the reason is then
  // empty, and no verdict's text is built (a few heap strings a violating step).
  Reasons violation_reasons = Reasons::Explained;
};

// Runs every step of the trace until the first violation or unmet expectation.
CheckReport check(const Trace& trace, SystemUnderTest& sut, const CheckOptions& options = {});

// The same checker one step at a time, for engines that generate steps as they go.
class CheckSession {
 public:
  // `start` gives the geometry, variant and snapshot. Its steps are not run (the steps to run
  // are given one by one); fresh names only avoid the names they bind.
  CheckSession(const Trace& start, SystemUnderTest& sut, const CheckOptions& options = {});
  ~CheckSession();
  CheckSession(const CheckSession&) = delete;
  CheckSession& operator=(const CheckSession&) = delete;

  // Runs one step; returns false once the run has failed (and ignores later steps).
  bool step(const Step& step);
  // The same, the report's copy of the step taking over `step`'s storage: for a caller that has
  // no further use for it (a streamed trace's step, rebuilt by the parser for the next line).
  bool step(Step&& step);
  // Ends the run: validate() and the whole-state comparison, charged to the last step. Later
  // steps are ignored. check() calls it; engines stepping by hand call it when they stop.
  bool finish();
  const CheckReport& report() const;
  // The report moved out, for a caller done with the session (check() returns it uncopied).
  CheckReport take_report();
  std::size_t steps_run() const;
  const Model& model() const;

 private:
  // check() runs a session's Run in place: it knows the whole trace up front.
  friend CheckReport check(const Trace& trace, SystemUnderTest& sut, const CheckOptions& options);

  class Run;
  std::unique_ptr<Run> run_;
};

// "# violation: <property> — <reason>" comment for printing the trace.
std::string violation_comment(const Violation& violation);

}  // namespace iovacheck
