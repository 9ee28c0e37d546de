#include "verify/coverage.h"

#include <algorithm>

#include "fuzz/campaign.h"
#include "verify/subprocess.h"

namespace iovacheck::verify {

namespace fs = std::filesystem;

namespace {

constexpr const char* kProfdata = "/usr/bin/llvm-profdata-14";
constexpr const char* kCov = "/usr/bin/llvm-cov-14";

// One tool run to its end; its output (stdout and stderr) and whether it succeeded.
CommandResult run_tool(std::vector<std::string> argv, const fs::path& log) {
  CommandResult outcome;
  run_commands({Command{std::move(argv), log.string(), 600, {}}}, 1,
               [&](std::size_t, const CommandResult& result) { outcome = result; });
  return outcome;
}

bool succeeded(const CommandResult& result) { return result.exit_code == 0 && result.signal == 0 && !result.timed_out; }

// Every profile the scope's runs left: the CLI engines' online-merged .profraw files, the fuzz
// campaigns' merged all.profdata.
std::vector<std::string> profiles_of(const fs::path& work_dir, const std::string& engine) {
  std::vector<std::string> found;
  std::error_code error;
  if (engine == "fuzz") {
    for (auto entry = fs::recursive_directory_iterator(work_dir, error); !error && entry != fs::recursive_directory_iterator();
         entry.increment(error)) {
      if (entry->path().filename() == "all.profdata" && entry->path().parent_path().filename() == "coverage")
        found.push_back(entry->path().string());
    }
  } else {
    const std::string prefix = engine + "-";
    for (const auto& entry : fs::directory_iterator(work_dir / "coverage", error)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind(prefix, 0) == 0 && entry.path().extension() == ".profraw") found.push_back(entry.path().string());
    }
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

std::variant<CoverageBuild, std::string> find_coverage_build(const fs::path& dir) {
  const std::string build_it = " (cmake --preset fuzz-coverage && cmake --build --preset fuzz-coverage --target iovacheck fuzz_differential)";
  std::error_code error;
  if (!fs::is_directory(dir, error)) return "no coverage build at " + dir.string() + build_it;
  for (const char* tool : {kProfdata, kCov})
    if (!fs::exists(tool, error)) return std::string(tool) + " is missing (apt-get install llvm-14)";
  CoverageBuild build{.cli = dir / "cli" / "iovacheck", .harness = {}, .dir = dir};
  if (!fs::exists(build.cli, error)) return "the coverage build " + dir.string() + " has no cli/iovacheck" + build_it;
  try {
    for (const fuzz::HarnessEntry& entry : fuzz::read_manifest(dir / "fuzz" / "harnesses.tsv"))
      if (entry.name == "differential" && fs::exists(entry.binary, error)) build.harness = entry.binary;
  } catch (const fuzz::CampaignError& problem) {
    return std::string("the coverage build's harness list: ") + problem.what() + build_it;
  }
  if (build.harness.empty()) return "the coverage build " + dir.string() + " has no differential harness" + build_it;
  return build;
}

std::string profile_pattern(const fs::path& work_dir, const std::string& engine) {
  return (work_dir / "coverage" / (engine + "-%m.profraw")).string();
}

Coverage measure_coverage(const CoverageBuild& build, const fs::path& work_dir, const fs::path& sources,
                          const std::vector<std::string>& engines) {
  const fs::path dir = work_dir / "coverage";
  fs::create_directories(dir);
  const std::vector<std::string> filter{(sources / "model").string(), (sources / "impl").string()};
  Coverage coverage;
  coverage.measured = true;

  // scope -> merged profile and the binaries that wrote it
  const auto measure = [&](const std::string& scope, const std::vector<std::string>& profiles,
                           const std::vector<fs::path>& objects) -> std::optional<std::string> {
    CoverageFigure figure{.scope = scope, .lines_percent = {}, .branches_percent = {}, .note = {}};
    const fs::path merged = dir / (scope + ".profdata");
    if (profiles.empty()) {
      figure.note = "no profile: the engine ran nothing instrumented";
      coverage.figures.push_back(figure);
      return std::nullopt;
    }
    std::vector<std::string> merge{kProfdata, "merge", "-sparse", "-o", merged.string()};
    merge.insert(merge.end(), profiles.begin(), profiles.end());
    if (!succeeded(run_tool(merge, dir / (scope + ".merge.log")))) {
      figure.note = "llvm-profdata failed: " + (dir / (scope + ".merge.log")).string();
      coverage.figures.push_back(figure);
      return std::nullopt;
    }
    std::vector<std::string> exported{kCov, "export", "-summary-only", "-instr-profile=" + merged.string(), objects.front().string()};
    for (std::size_t i = 1; i < objects.size(); ++i) exported.insert(exported.end(), {"-object", objects[i].string()});
    exported.insert(exported.end(), filter.begin(), filter.end());
    const CommandResult summary = run_tool(exported, dir / (scope + ".json"));
    figure.lines_percent = fuzz::coverage_total_percent(summary.output, "lines");
    figure.branches_percent = fuzz::coverage_total_percent(summary.output, "branches");
    if (!figure.lines_percent) figure.note = "llvm-cov found no model/ or impl/ lines: " + (dir / (scope + ".json")).string();
    coverage.figures.push_back(figure);
    return merged.string();
  };

  std::vector<std::string> all_profiles;
  for (const std::string& engine : engines) {
    // Every scope over both binaries, so that each percentage has the same lines to cover.
    const std::optional<std::string> merged = measure(engine, profiles_of(work_dir, engine), {build.cli, build.harness});
    if (merged) all_profiles.push_back(*merged);
  }
  const std::vector<fs::path> objects{build.cli, build.harness};
  const std::optional<std::string> all = measure("all", all_profiles, objects);
  if (!all) {
    coverage.note = "no engine left a profile";
    return coverage;
  }
  std::vector<std::string> show{kCov, "show", "-format=html", "-show-branches=count", "-output-dir=" + (dir / "html").string(),
                                "-instr-profile=" + *all, objects.front().string()};
  for (std::size_t i = 1; i < objects.size(); ++i) show.insert(show.end(), {"-object", objects[i].string()});
  show.insert(show.end(), filter.begin(), filter.end());
  coverage.note = succeeded(run_tool(show, dir / "show.log")) ? (dir / "html" / "index.html").string()
                                                              : "the HTML view failed: " + (dir / "show.log").string();
  return coverage;
}

}  // namespace iovacheck::verify
