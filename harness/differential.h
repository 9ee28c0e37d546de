#pragma once
// Exact differential mode: two implementations of the same behaviour driven by one trace, every
// result and every piece of exact state compared after each step. The first difference is the
// counterexample; properties alone cannot see a placement that moved or a depot popped in the
// wrong order when both are allowed by the spec.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "harness/exact_state.h"
#include "model/minimize.h"
#include "model/trace.h"

namespace iovacheck {

// Builds one side for a trace; throws std::invalid_argument when it cannot run it (a refusal).
using ExactFactory = std::function<std::unique_ptr<ExactSystemUnderTest>(const Trace&)>;

struct Difference {
  std::size_t step = 0;  // index into the trace's steps
  std::string what;      // "after step 5 (fast 0x2 limit=0xf): cached32_node: [0x8, 0x9] vs [0xc, 0xd]"
  std::string a_state;   // each side's describe() at the difference
  std::string b_state;
};

struct DifferentialRun {
  std::string a_name, b_name;  // "impl:mainline", "kernel:6.12.117"
  std::size_t steps = 0;       // steps applied to both sides
  std::optional<Difference> difference;
  std::optional<std::string> refused;  // a side could not run the trace: why
};

// Runs the trace on a fresh pair. Ops the model classes as undefined caller errors are applied
// to neither side; names bind to the pfns the (so far identical) sides returned.
DifferentialRun run_differential(const Trace& trace, const ExactFactory& a, const ExactFactory& b);

// The shared minimizer under "the two sides still differ"; returns the smallest such trace.
Trace minimize_difference(const Trace& trace, const ExactFactory& a, const ExactFactory& b,
                          const MinimizeOptions& options = {}, MinimizeStats* stats = nullptr);

}  // namespace iovacheck
