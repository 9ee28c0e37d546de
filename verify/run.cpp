#include "verify/run.h"

#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>

#include "fuzz/text_files.h"
#include "verify/corpus.h"
#include "verify/engines.h"
#include "verify/report.h"
#include "verify/subprocess.h"

namespace iovacheck::verify {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

// Measured: `check --variant mainline --tests 500 --seed 1` takes 0.26 s of user time on the
// fuzz-coverage CLI (RelWithDebInfo, instrumented) against 0.16 s on the release build; the
// margin covers the rest.
constexpr double kCoverageSlowdown = 2;

std::string duration_text(double seconds) {
  const auto whole = static_cast<long>(std::lround(seconds));
  std::ostringstream text;
  if (whole >= 60) text << whole / 60 << "m";
  text << (whole >= 60 && whole % 60 < 10 ? "0" : "") << whole % 60 << "s";
  return text.str();
}

// Whether the binary has the engine's verb: an engine left out of the build says so.
bool engine_built(const std::string& binary, const Engine& engine, const fs::path& work_dir) {
  bool built = false;
  const Command probe{.argv = {binary, "help", engine.verb}, .output_path = (work_dir / ("probe-" + engine.name)).string(),
                      .deadline_seconds = 30, .environment = {}};
  run_commands({probe}, 1, [&](std::size_t, const CommandResult& result) { built = result.exit_code == 0; });
  return built;
}

struct PendingCell {
  std::size_t cell_index = 0;
  const Engine* engine = nullptr;
  CellRequest request;
};

// Each finding's picture (iovacheck draw, the violating step) and KUnit reproducer (iovacheck
// emit-kunit, or its reason for refusing), when the binary has those verbs.
void illustrate_findings(const VerifyOptions& options, std::vector<Finding>& findings) {
  const fs::path dir = options.work_dir / "findings";
  fs::create_directories(dir);
  // Known findings share their id ("F1" on mainline and on z1 with other operations): the files
  // are named by position too, so that no finding's picture is another's.
  const auto base_of = [&](std::size_t index) { return (dir / (std::to_string(index + 1) + "-" + findings[index].id)).string(); };
  std::vector<Command> commands;
  for (std::size_t index = 0; index < findings.size(); ++index) {
    const Finding& finding = findings[index];
    const std::string base = base_of(index);
    std::ofstream(base + ".trace", std::ios::binary) << finding.example.trace_text;
    commands.push_back(Command{{options.binary, "draw", base + ".trace", "-o", base + ".svg"}, base + ".draw.out", 60, {}});
    commands.push_back(Command{{options.binary, "emit-kunit", base + ".trace", "-o", base + ".c"}, base + ".kunit.out", 60, {}});
  }
  run_commands(commands, options.jobs, [&](std::size_t index, const CommandResult& result) {
    Finding& finding = findings[index / 2];
    const std::string base = base_of(index / 2);
    const bool ok = result.exit_code == 0 && result.signal == 0 && !result.timed_out;
    if (index % 2 == 0 && ok) finding.picture_svg = fuzz::read_text(base + ".svg");
    if (index % 2 == 1) {
      if (ok) finding.kunit_c = fuzz::read_text(base + ".c");
      else finding.kunit_refusal = result.output;
    }
  });
}

// The corpus engine runs in this process; for its coverage the coverage build's CLI replays the
// same traces on every variant, the same checker with the same verdicts.
void replay_corpus_for_coverage(const VerifyOptions& options, const CoverageBuild& coverage,
                                const std::vector<fs::path>& traces) {
  std::vector<Command> commands;
  for (const std::string& variant : options.variants) {
    Command command{{coverage.cli.string(), "replay", "--quiet", "--variant", variant},
                    (options.work_dir / "coverage" / ("corpus-" + variant + ".out")).string(), 600,
                    {"LLVM_PROFILE_FILE=" + profile_pattern(options.work_dir, "corpus")}};
    for (const fs::path& trace : traces) command.argv.push_back((options.corpus / trace).string());
    commands.push_back(std::move(command));
  }
  fs::create_directories(options.work_dir / "coverage");
  run_commands(commands, options.jobs, [](std::size_t, const CommandResult&) {});
}

}  // namespace

double cell_share_seconds(const VerifyOptions& options) {
  const std::size_t cells = options.variants.size() * options.engines.size();
  if (cells == 0) return 0;
  return options.budget_seconds * std::max(options.jobs, 1u) / static_cast<double>(cells);
}

VerifyResult run_verification(const VerifyOptions& options) {
  const Clock::time_point start = Clock::now();
  const auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  const auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  fs::create_directories(options.work_dir);

  VerifyResult result;
  result.variants = options.variants;
  result.engines = {"corpus"};
  result.engines.insert(result.engines.end(), options.engines.begin(), options.engines.end());
  result.budget_seconds = options.budget_seconds;
  result.jobs = options.jobs;
  result.seed = options.seed;
  result.past_known = options.past_known;

  const std::vector<fs::path> traces = corpus_traces(options.corpus);
  say("corpus: replaying " + std::to_string(traces.size()) + " traces on " + std::to_string(options.variants.size()) +
      " variants");
  for (const fs::path& relative : traces) {
    result.corpus.push_back(replay_corpus_trace(options.corpus, relative, options.variants, options.implementation));
  }

  const CoverageBuild* coverage = std::get_if<CoverageBuild>(&options.coverage);
  fs::remove_all(options.work_dir / "coverage");
  std::vector<PendingCell> pending;
  const double share = cell_share_seconds(options);
  std::vector<bool> built;
  for (const std::string& name : options.engines) built.push_back(engine_built(options.binary, *find_engine(name), options.work_dir));
  for (const std::string& variant : options.variants) {
    result.cells.push_back(corpus_cell(result.corpus, variant));
    for (std::size_t e = 0; e < options.engines.size(); ++e) {
      const std::string& name = options.engines[e];
      const Engine& engine = *find_engine(name);
      Cell cell;
      cell.variant = variant;
      cell.engine = name;
      cell.kind = CellKind::NotBuilt;
      const fs::path dir = options.work_dir / variant / name;
      fs::remove_all(dir);  // a previous run's campaign would resume, its profiles would add up
      fs::create_directories(dir);
      if (!built[e]) {
        cell.detail = "this iovacheck has no '" + engine.verb + "' verb: the " + name + " engine is not built";
      } else if (options.implementation.kernel && !engine.runs_code) {
        cell.kind = CellKind::NotApplicable;
        cell.detail = "the " + name + " engine checks the spec's encoding of the design, not " +
                      options.implementation.text() + "'s code";
      } else {
        CellRequest request{options.binary, variant, share, options.seed, dir.string(), options.corpus.string(),
                            options.fuzz_build, {}, options.implementation.text(), options.past_known};
        if (coverage) {
          if (engine.runs_in_cli) request.binary = coverage->cli.string();
          request.coverage_build = coverage->dir.string();
        }
        pending.push_back(PendingCell{result.cells.size(), &engine, request});
      }
      result.cells.push_back(std::move(cell));
    }
  }

  std::vector<Command> commands;
  for (const PendingCell& cell : pending) {
    commands.push_back(cell.engine->command(cell.request));
    if (coverage && cell.engine->runs_in_cli) {
      commands.back().environment.push_back("LLVM_PROFILE_FILE=" + profile_pattern(options.work_dir, cell.engine->name));
      // The same work on the instrumented debug CLI takes longer: its deadline stretches with it,
      // so that coverage never turns a verdict into "unknown".
      commands.back().deadline_seconds *= kCoverageSlowdown;
    }
  }
  std::size_t done = 0;
  const double engines_start = elapsed();
  say("engines: " + std::to_string(commands.size()) + " runs of about " + duration_text(share) + " each on " +
      std::to_string(options.jobs) + " jobs");
  run_commands(commands, options.jobs, [&](std::size_t index, const CommandResult& command_result) {
    const PendingCell& cell = pending[index];
    Cell verdict = cell.engine->verdict(cell.request, command_result);
    result.cells[cell.cell_index] = std::move(verdict);
    ++done;
    const double spent = elapsed() - engines_start;
    const double left = spent / static_cast<double>(done) * static_cast<double>(commands.size() - done);
    say("[" + std::to_string(done) + "/" + std::to_string(commands.size()) + "] " + cell.request.variant + " " +
        cell.engine->name + ": " + cell_label(result.cells[cell.cell_index]) + "  (" +
        duration_text(elapsed()) + " elapsed, about " + duration_text(left) + " left)");
  });

  result.findings = group_findings(result.cells);
  illustrate_findings(options, result.findings);
  if (coverage) {
    say("coverage: the corpus on the coverage build, then llvm-cov over model/ and impl/");
    replay_corpus_for_coverage(options, *coverage, traces);
    std::vector<std::string> scopes{"corpus"};
    for (const std::string& engine : options.engines) scopes.push_back(engine);
    result.coverage = measure_coverage(*coverage, options.work_dir, fs::absolute(options.corpus).parent_path(), scopes);
  } else {
    result.coverage.note = "not measured: " + std::get<std::string>(options.coverage);
  }
  result.elapsed_seconds = elapsed();
  return result;
}

}  // namespace iovacheck::verify
