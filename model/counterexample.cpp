#include "model/counterexample.h"

#include "model/trace_io.h"

namespace iovacheck {

std::string print_counterexample(const Counterexample& found) {
  return print_trace(found.trace, {StepComment{found.violation.step, violation_comment(found.violation)}});
}

}  // namespace iovacheck
