#pragma once
// A failing case as every engine reports it: the trace run up to and including the violating
// step, allocations named, and the violation.
#include <string>

#include "model/checker.h"
#include "model/trace.h"

namespace iovacheck {

struct Counterexample {
  Trace trace;
  Violation violation;
};

// The counterexample as a trace, with its "# violation:" comment before the violating step.
std::string print_counterexample(const Counterexample& found);

}  // namespace iovacheck
