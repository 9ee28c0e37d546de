#pragma once
// A trace run on one variant with everything a person needs to follow it: after each step the
// outcome, the tree's hints and nodes, where the tree searches ended, and the checker's verdict.
// For tools that explain (log-check, draw); the verdict comes from the one checker.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/implementation.h"
#include "model/checker.h"
#include "model/trace.h"

namespace iovacheck::field {

struct StepView {
  Op op;
  Outcome outcome;
  Observation after;
  TreeHints hints;
  std::vector<TreeAttempt> attempts;
};

struct InspectedRun {
  std::string variant;
  TreeHints start_hints;
  Observation start;
  std::vector<StepView> steps;       // every step, also after a violation (the checker stops there)
  std::optional<Violation> violation;  // the checker's first, with the trace's steps indexed
  std::optional<std::string> error;  // the variant cannot hold the trace's start state
};

// Runs every step of `trace` (frees by name resolved as the checker does) on `variant` (the trace's own when empty).
InspectedRun run_inspected(const Trace& trace, std::string_view variant = {});

// "the early check (size >= max32_alloc_size)", "the first pass", ...: where a search ended.
std::string describe_exit(SearchExit exit);
// "fails at the early check; after the flush, fails at the early check again" and the like.
std::string describe_attempts(const std::vector<TreeAttempt>& attempts);
// "0xf3500", "the anchor", "none", "a freed node".
std::string describe_hint(const HintRef& hint);

}  // namespace iovacheck::field
