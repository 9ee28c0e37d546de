#pragma once
// What the checker benchmarks share: a layout as the trace the checker starts from, and the
// checker's two modes.
#include "bench/workload.h"
#include "model/checker.h"
#include "model/trace.h"

namespace iovacheck::bench {

// The layout as a trace starting from a snapshot of its tree, on mainline.
Trace start_trace(const Layout& layout);

// Fast judgement (the change report, validate() spaced) or paranoid (the whole state and
// validate() every step); only the latest step kept in the report, as a long replay keeps it.
inline CheckOptions checking(bool paranoid) {
  CheckOptions options;
  options.paranoid = paranoid;
  options.latest_step_only = true;
  return options;
}

}  // namespace iovacheck::bench
