#pragma once
// One verification run: the corpus on every variant, then every chosen engine on every chosen
// variant within a budget, the engines as child processes, `jobs` at a time.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "harness/implementation.h"
#include "verify/coverage.h"
#include "verify/result.h"

namespace iovacheck::verify {

struct VerifyOptions {
  std::string binary;  // the iovacheck executable the engines run as
  std::filesystem::path corpus;
  std::vector<std::string> variants;
  std::vector<std::string> engines;  // names from all_engines()
  double budget_seconds = 300;       // wall-clock for the engines, over all jobs
  unsigned jobs = 2;
  std::uint64_t seed = 0;
  std::filesystem::path work_dir;  // each cell writes under work_dir/<variant>/<engine>/
  std::string fuzz_build;          // the libFuzzer build (empty: build/fuzz of the repository)
  ImplementationChoice implementation;  // what runs the variants: impl/ or a kernel (--impl)
  bool past_known = true;  // the engines search past the known findings (searches_past_known; --no-known)
  // The coverage-instrumented build the engines run on so that coverage is measured, or why
  // there is none (the report says "not measured" and why).
  std::variant<CoverageBuild, std::string> coverage = std::string("not asked for");
  std::function<void(const std::string&)> progress;  // one line per event
};

// Each budgeted cell's share of the budget: the wall-clock budget times the jobs running at
// once, spread evenly over the cells.
double cell_share_seconds(const VerifyOptions& options);

// Throws std::runtime_error when the corpus cannot be read or an engine cannot be started.
VerifyResult run_verification(const VerifyOptions& options);

}  // namespace iovacheck::verify
