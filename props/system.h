#pragma once
// The system under test of the property: an implementation run in lockstep with the reference
// model through the shared checker, step by step, with the property's verdict on each step.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

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
};

class CheckedSystem {
 public:
  // `start` gives the geometry and the variant to build.
  CheckedSystem(const Trace& start, RunLog& log);

  // Checks one step; the failure to report when the property fails at it. On a variant the
  // property fails only where mainline does not violate the same trace; on mainline, at any
  // violation. After a violation later steps are not checked.
  std::optional<std::string> step(const Step& step);

 private:
  std::unique_ptr<SystemUnderTest> implementation_;
  CheckSession session_;
  RunLog& log_;
  bool violated_ = false;
};

}  // namespace iovacheck::props
