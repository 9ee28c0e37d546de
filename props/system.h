#pragma once
// The system under test of the property: an implementation run in lockstep with the reference
// model through the shared checker, step by step, with the property's verdict on each step.
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "harness/implementation.h"
#include "model/checker.h"
#include "model/counterexample.h"
#include "model/trace.h"

namespace iovacheck::props {

// A failing case (model/counterexample.h), shared by every engine.
using iovacheck::Counterexample;
using iovacheck::print_counterexample;

// What the runs of one property have shown so far.
struct RunLog {
  std::optional<Counterexample> last_failure;  // RapidCheck's final shrunk case is the last one
  std::size_t failures = 0;
  std::size_t first_failure_steps = 0;  // the length of the first failing case, before shrinking
  std::size_t shared_with_mainline = 0;  // violations mainline shares: mainline's findings
  std::size_t steps_checked = 0;
  // Searching past known findings: the cases whose first violation on the variant without the
  // fixes is known as FN (harness/known.h), by N, and those no single fix explains.
  std::map<unsigned, std::size_t> known_met;
  std::size_t met_unexplained = 0;
};

class CheckedSystem {
 public:
  // `start` gives the geometry and the variant to build; `choice` runs it (impl/ by default) and
  // throws std::invalid_argument when it cannot run the start's geometry (a kernel's refusal).
  // With `unfixed` (the variant without the fixes start's variant adds), the same steps also run
  // on it, on `unfixed_choice` (`choice` without a kernel's own fixes), and its first violation
  // is counted in the log under its identity by the rule for "known".
  CheckedSystem(const Trace& start, RunLog& log, const ImplementationChoice& choice = {},
                const CheckOptions& options = property_checking(), const std::string& unfixed = {},
                const ImplementationChoice& unfixed_choice = {});
  ~CheckedSystem();

  // Checks one step; the failure to report when the property fails at it. On a variant the
  // property fails only where mainline does not violate the same trace; on mainline, at any
  // violation. After a violation later steps are not checked.
  std::optional<std::string> step(const Step& step);
  // Ends the case: validate() and the whole-state comparison; the failure to report, if any.
  std::optional<std::string> finish();
  // What the last step returned; nullopt when it was a caller error the checker did not apply
  // (or no step ran).
  std::optional<Outcome> last_outcome() const;

  // The property's checking: fast judgement, validate() after every step (the states are small).
  static CheckOptions property_checking();

 private:
  // The variant without its fixes, run alongside until its first violation.
  struct Unfixed;
  void count_unfixed(const Step& step);

  std::unique_ptr<SystemUnderTest> implementation_;
  CheckSession session_;
  RunLog& log_;
  std::unique_ptr<Unfixed> unfixed_;
  bool violated_ = false;

  std::optional<std::string> failure();
};

}  // namespace iovacheck::props
