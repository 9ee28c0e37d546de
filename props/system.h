#pragma once
// The system under test of the property: an implementation run in lockstep with the reference
// model through the shared checker, step by step, with the property's verdict on each step.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "harness/implementation.h"
#include "model/checker.h"
#include "model/trace.h"

namespace iovacheck::props {

// A failing case: the trace run, up to and including the violating step, allocations named.
struct Counterexample {
  Trace trace;
  Violation violation;
};

// The counterexample as a trace, with its "# violation:" comment before the violating step.
std::string print_counterexample(const Counterexample& found);

// What the runs of one property have shown so far.
struct RunLog {
  std::optional<Counterexample> last_failure;  // RapidCheck's final shrunk case is the last one
  std::size_t failures = 0;
  std::size_t first_failure_steps = 0;  // the length of the first failing case, before shrinking
  std::size_t shared_with_mainline = 0;  // violations mainline shares: mainline's findings
  std::size_t steps_checked = 0;
};

class CheckedSystem {
 public:
  // `start` gives the geometry and the variant to build.
  // `choice` runs the variant (impl/ by default); throws std::invalid_argument when it cannot
  // run the start's geometry (a kernel's refusal).
  CheckedSystem(const Trace& start, RunLog& log, const ImplementationChoice& choice = {},
                const CheckOptions& options = property_checking());

  // Checks one step; the failure to report when the property fails at it. On a variant the
  // property fails only where mainline does not violate the same trace; on mainline, at any
  // violation. After a violation later steps are not checked.
  std::optional<std::string> step(const Step& step);
  // Ends the case: validate() and the whole-state comparison; the failure to report, if any.
  std::optional<std::string> finish();

  // The property's checking: fast judgement, validate() after every step (the states are small).
  static CheckOptions property_checking();

 private:
  std::unique_ptr<SystemUnderTest> implementation_;
  CheckSession session_;
  RunLog& log_;
  bool violated_ = false;

  std::optional<std::string> failure();
};

}  // namespace iovacheck::props
