#pragma once
// Line and branch coverage of model/ and impl/ over what verify's engines executed, measured with
// llvm-cov from a coverage-instrumented build (the fuzz-coverage preset: its CLI runs the corpus,
// property, SMT and log engines; its differential harness replays the fuzz campaign's corpus).
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include "verify/result.h"

namespace iovacheck::verify {

struct CoverageBuild {
  std::filesystem::path cli;      // DIR/cli/iovacheck
  std::filesystem::path harness;  // the differential harness, as DIR/fuzz/harnesses.tsv lists it
  std::filesystem::path dir;
};

// The coverage build in `dir`, or why coverage cannot be measured with it.
std::variant<CoverageBuild, std::string> find_coverage_build(const std::filesystem::path& dir);

// Where an engine run on the coverage CLI writes its profile (LLVM_PROFILE_FILE, merged online).
std::string profile_pattern(const std::filesystem::path& work_dir, const std::string& engine);

// Merges each engine's profiles (the fuzz engine's: its campaigns' coverage/all.profdata under
// work_dir) and reports model/ and impl/ per engine and for the whole run, with an HTML view of
// the whole run in work_dir/coverage/html. `sources` is the repository the build was made from.
Coverage measure_coverage(const CoverageBuild& build, const std::filesystem::path& work_dir,
                          const std::filesystem::path& sources, const std::vector<std::string>& engines);

}  // namespace iovacheck::verify
