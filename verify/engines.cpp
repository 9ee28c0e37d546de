#include "verify/engines.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

#include "fuzz/text_files.h"
#include "harness/implementation.h"
#include "harness/known.h"
#include "model/trace_io.h"

namespace iovacheck::verify {

namespace {

constexpr double kNominalCasesPerSecond = 1000;  // measured: about 3700/s on one core

// The last lines of an engine's output, for an error cell.
std::string tail(const std::string& output, std::size_t lines = 6) {
  std::size_t start = output.size();
  for (std::size_t seen = 0; start > 0 && seen <= lines;) {
    --start;
    if (output[start] == '\n') ++seen;
  }
  std::string text = output.substr(start);
  while (!text.empty() && (text.front() == '\n')) text.erase(text.begin());
  return text;
}

Cell cell_for(const CellRequest& request, const std::string& engine, CellKind kind, std::string detail,
              const CommandResult& result) {
  Cell cell;
  cell.variant = request.variant;
  cell.engine = engine;
  cell.kind = kind;
  cell.detail = std::move(detail);
  cell.seconds = result.seconds;
  return cell;
}

// A cell for an engine run that did not end with one of its own exit codes.
Cell failed_run(const CellRequest& request, const std::string& engine, const CommandResult& result) {
  if (result.timed_out) {
    return cell_for(request, engine, CellKind::Unknown, "stopped at its time limit without a verdict", result);
  }
  const std::string how = result.signal != 0 ? "killed by signal " + std::to_string(result.signal)
                                             : "exit " + std::to_string(result.exit_code);
  return cell_for(request, engine, CellKind::Error, how + ": " + tail(result.output), result);
}

// Reads an engine's counterexample file and replays it through the one checker: the verdict
// verify reports is the checker's, and a trace that does not replay is a defect. On a kernel,
// `with_kernel_fixes`: the engine searched with the kernel's own fixes applied (check does).
Cell counterexample_cell(const CellRequest& request, const std::string& engine, const std::string& path,
                         const CommandResult& result, bool with_kernel_fixes = false) {
  const std::string text = fuzz::read_text(path);
  Trace trace;
  try {
    trace = parse_trace(text);
  } catch (const TraceError& error) {
    return cell_for(request, engine, CellKind::Error,
                    "its counterexample " + path + " does not parse: line " + std::to_string(error.line()) + ": " +
                        error.message(),
                    result);
  }
  // The engine may have run the variant with fixes applied: the trace's header says which.
  CheckReport report;
  ImplementationChoice implementation;
  try {
    implementation = parse_implementation(request.impl);
    if (with_kernel_fixes) implementation = iovacheck::with_kernel_fixes(implementation);
    report = check_on(trace, {}, implementation, CheckOptions{.check_expectations = false});
  } catch (const std::invalid_argument& error) {
    return cell_for(request, engine, CellKind::Error, "its counterexample " + path + " does not run: " + error.what(), result);
  }
  if (!report.violation) {
    return cell_for(request, engine, CellKind::Error, "its counterexample " + path + " does not replay", result);
  }
  Cell cell = cell_for(request, engine, CellKind::Violation,
                       "on " + trace.variant + ": " + violation_comment(*report.violation), result);
  cell.known_as = known_identity(trace, report.violation->step, implementation);
  cell.counterexample = Counterexample{.property = std::string(property_name(report.violation->property)),
                                       .reason = report.violation->reason,
                                       .trace_text = text,
                                       .length = trace.steps.size()};
  return cell;
}

// The duration an engine printed after `prefix` at the start of a line ("search: 1.25 s, ..."), or
// nullopt when it printed none.
std::optional<double> seconds_after(const std::string& output, const std::string& prefix) {
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(prefix, 0) != 0) continue;
    try {
      return std::stod(line.substr(prefix.size()));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// Which variant the engine searched, as its bounds say: with the fixes of the variant's known
// findings (the engines' default; a kernel with its own, kernel/fixes/), or as named (--no-known).
std::string searched_text(const CellRequest& request) {
  if (!searches_past_known(request.past_known)) return ", on " + request.variant + " as named";
  if (request.impl != "impl") return ", on " + request.variant + " with the kernel's own fixes (past the known findings)";
  return ", on " + searched_variant(request.variant, true) + " (past the known findings)";
}

std::string property_output(const CellRequest& request) { return request.work_dir + "/props.trace"; }

Command property_command(const CellRequest& request) {
  std::vector<std::string> argv{request.binary, "check", "--variant", request.variant, "--tests",
                                std::to_string(property_cases_for(request.share_seconds)), "--seed",
                                std::to_string(request.seed), "-o", property_output(request), "--impl", request.impl};
  if (!request.past_known) argv.push_back("--no-known");
  return Command{.argv = argv,
                 .output_path = request.work_dir + "/props.out",
                 .deadline_seconds = 3 * request.share_seconds + 30,
                 .environment = {}};
}

Cell property_verdict(const CellRequest& request, const CommandResult& result) {
  const std::string bounds = std::to_string(property_cases_for(request.share_seconds)) + " generated cases, seed " +
                             std::to_string(request.seed) + searched_text(request);
  Cell cell;
  if (result.exit_code == 0 && result.signal == 0 && !result.timed_out) {
    cell = cell_for(request, "props", CellKind::NoViolation, "no violation in " + bounds, result);
  } else if (result.exit_code == 1 && result.signal == 0 && !result.timed_out) {
    cell = counterexample_cell(request, "props", property_output(request), result, /*with_kernel_fixes=*/true);
    // The search stops at the first failing case; shrinking and minimizing come after.
    if (cell.kind == CellKind::Violation) cell.first_finding_seconds = seconds_after(result.output, "search: ");
  } else {
    cell = failed_run(request, "props", result);
  }
  cell.bounds = bounds;
  cell.budgeted_search = true;
  return cell;
}

// The field logs kept in the corpus: every .log under corpus/field/, sorted.
std::vector<std::string> field_logs(const CellRequest& request) {
  std::vector<std::string> logs;
  std::error_code error;
  const std::filesystem::path dir = std::filesystem::path(request.corpus) / "field";
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.is_regular_file() && entry.path().extension() == ".log") logs.push_back(entry.path().string());
  }
  std::sort(logs.begin(), logs.end());
  return logs;
}

std::string history_output(const CellRequest& request) { return request.work_dir + "/history.trace"; }

// log-check on every field log, restricted to the variant; the history it replays between two
// dumps is written as a trace, the counterexample when the variant reproduces the logged failure.
Command field_log_command(const CellRequest& request) {
  std::vector<std::string> argv{request.binary, "log-check"};
  const std::vector<std::string> logs = field_logs(request);
  if (logs.empty()) return Command{{"/bin/true"}, request.work_dir + "/logs.out", 0, {}};
  argv.insert(argv.end(), logs.begin(), logs.end());
  argv.insert(argv.end(), {"--variant", request.variant, "--impl", request.impl});
  // A kernel replays the failed request only, not the history between two dumps.
  if (request.impl == "impl") argv.insert(argv.end(), {"--emit-history", history_output(request)});
  return Command{argv, request.work_dir + "/logs.out", 3 * request.share_seconds + 60, {}};
}

Cell field_log_verdict(const CellRequest& request, const CommandResult& result) {
  const std::size_t logs = field_logs(request).size();
  const std::string bounds = std::to_string(logs) + " field log" + (logs == 1 ? "" : "s") + " under corpus/field";
  Cell cell;
  const bool exited = result.signal == 0 && !result.timed_out;
  if (exited && result.exit_code == 0) {
    cell = cell_for(request, "logs", CellKind::NoViolation, logs == 0 ? "no field logs" : "every log consistent", result);
    cell.label = logs == 0 ? "no logs" : "consistent";
  } else if (exited && result.exit_code == 1 && std::filesystem::exists(history_output(request))) {
    cell = counterexample_cell(request, "logs", history_output(request), result);
    cell.first_finding_seconds = result.seconds;  // log-check searches nothing: its verdict is its run
    if (cell.kind == CellKind::Error && cell.detail.find("does not replay") != std::string::npos) {
      // The logged failure does not happen on this variant: it cannot have produced the log.
      cell = cell_for(request, "logs", CellKind::NoViolation,
                      "the logs record a failure this variant does not produce (log-check explains why)", result);
      cell.label = "not this variant";
    }
  } else if (exited && result.exit_code == 1) {
    cell = cell_for(request, "logs", CellKind::Violation, "a log is inconsistent on this variant: " + tail(result.output),
                    result);
    cell.first_finding_seconds = result.seconds;
  } else {
    cell = failed_run(request, "logs", result);
  }
  cell.bounds = bounds;
  return cell;
}

// The line of an engine's output that starts with `prefix`, or empty.
std::string line_starting(const std::string& output, const std::string& prefix) {
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(prefix, 0) == 0) return line;
  }
  return {};
}

std::string proof_output(const CellRequest& request) { return request.work_dir + "/smt.trace"; }

// The prove verb at its default bounds (a 5-bit space, depth 5, 6 nodes) with the cell's share as
// the time limit: induction on the variant first (--induction-first), whose proof covers every
// length and is the strongest verdict, then bounded model checking with what is left. Induction
// ends within a fraction of a second on a variant it cannot prove (a counterexample to induction
// comes at once), so the bounded search keeps nearly all of the share there; on a variant it
// proves, BMC at depth 5 would need more than the share (docs/smt.md).
// The variant searched is the one the other engines search (searched_variant): by default with
// the fixes of its known findings, which the encoding composes as impl/ does, so the cell shows
// the first violation that remains (z1's own bug, f1a's own refutation), not mainline's F1;
// with --no-known the variant as named. The encoding is impl/'s tree whatever --impl says.
// A proof does not scale with its share as a number of cases does: it finishes or it does not. The
// floor is what induction needs on the variants it proves at the defaults (f1b and f1c: 9 to 11 s
// of CPU, docs/smt.md) with room for a core shared two or three ways; a variant with a
// counterexample ends long before it, so the floor only lengthens runs that end without a verdict.
constexpr double kProofFloorSeconds = 30;

std::string proof_variant(const CellRequest& request) {
  return searched_variant(request.variant, searches_past_known(request.past_known));
}

Command proof_command(const CellRequest& request) {
  const auto timeout = static_cast<std::uint64_t>(std::max(kProofFloorSeconds, request.share_seconds));
  const std::string variant = proof_variant(request);
  std::vector<std::string> argv{request.binary, "prove", "--variant", variant, "--timeout",
                                std::to_string(timeout), "-o", proof_output(request)};
  // A range-cache variant's tree is mainline's with the same fixes, and the encoding has no range
  // caches: the question it can answer is whether the trees differ, by BMC (they do not; Z3 folds
  // the two identical copies at once), not mainline's own proof again under the variant's name.
  if (has_range_cache_delta(request.variant))
    argv.insert(argv.end(), {"--distinguish", mainline_with_fixes_of(variant)});
  else
    argv.push_back("--induction-first");
  return Command{argv, request.work_dir + "/smt.out", 2.0 * static_cast<double>(timeout) + 30, {}};
}

Cell proof_verdict(const CellRequest& request, const CommandResult& result) {
  const bool exited = result.signal == 0 && !result.timed_out;
  const std::string header = line_starting(result.output, "bounded model checking on ");
  Cell cell;
  if (exited && result.exit_code == 0 && has_range_cache_delta(request.variant)) {
    // The encoding has no range caches: the variant's delta is not in what was proved.
    cell = cell_for(request, "smt", CellKind::NotApplicable,
                    "n/a: range-cache variant; tree-level proof only. The variant's delta lives in the range caches, which "
                    "the Z3 encoding does not model; what was proved is about its tree: " + line_starting(result.output, "proved "),
                    result);
    cell.label = "n/a: range-cache variant";
  } else if (exited && result.exit_code == 0) {
    cell = cell_for(request, "smt", CellKind::Proved, line_starting(result.output, "proved "), result);
  } else if (exited && result.exit_code == 1) {
    cell = counterexample_cell(request, "smt", proof_output(request), result);
    // The search stops at its first (shortest) counterexample: the solver time it printed then.
    if (cell.kind == CellKind::Violation) cell.first_finding_seconds = seconds_after(result.output, "solver time: ");
  } else if (exited && result.exit_code == 4) {
    cell = cell_for(request, "smt", CellKind::Unknown, tail(result.output), result);
  } else if (exited && result.exit_code == 2 && result.output.find("is not encoded") != std::string::npos) {
    cell = cell_for(request, "smt", CellKind::NotApplicable, "the Z3 encoding does not cover this variant", result);
    cell.label = "n/a: not encoded";
  } else {
    cell = failed_run(request, "smt", result);
  }
  // "bounded model checking on V[ against R], in a 5-bit space (...), at most 6 nodes": from the space on.
  const std::size_t space = header.find(", in a ");
  cell.bounds = (space == std::string::npos ? "the prove verb's defaults" : header.substr(space + 2)) +
                ", the tree only (the range caches are not encoded), on " + proof_variant(request) +
                (searches_past_known(request.past_known) ? " (past the known findings)" : " as named");
  return cell;
}

constexpr double kNominalFuzzRunsPerSecond = 300;  // measured: about 500-650 exec/s under ASan + UBSan

std::uint64_t fuzz_runs_for(double share_seconds) {
  return std::max<std::uint64_t>(1000, static_cast<std::uint64_t>(std::llround(share_seconds * kNominalFuzzRunsPerSecond)));
}

std::string campaign_dir(const CellRequest& request) { return request.work_dir + "/campaign"; }

// A short campaign of the differential harness on the variant: a fixed number of runs from the
// seed corpus, one job, findings triaged and minimized by the campaign.
Command fuzz_command(const CellRequest& request) {
  std::vector<std::string> argv{request.binary, "campaign", "--runs", std::to_string(fuzz_runs_for(request.share_seconds)),
                                "--jobs", "1", "--variants", request.variant, "--harnesses", "differential",
                                "--seed", std::to_string(request.seed % 4294967296u), "--out", campaign_dir(request),
                                "--impl", request.impl};
  if (!request.fuzz_build.empty()) argv.insert(argv.end(), {"--fuzz-build", request.fuzz_build});
  if (!request.coverage_build.empty()) argv.insert(argv.end(), {"--coverage-build", request.coverage_build});
  if (!request.past_known) argv.push_back("--no-known");
  return Command{argv, request.work_dir + "/fuzz.out", 3 * request.share_seconds + 120, {}};
}

// When the campaign's job first wrote a finding, in seconds from the job's start: the earliest
// "first_finding_s" of its report.json (null for a job that found nothing).
std::optional<double> campaign_first_finding(const CellRequest& request) {
  static const std::regex field(R"("first_finding_s": ([0-9.eE+-]+))");
  const std::string report = fuzz::read_text(campaign_dir(request) + "/report.json");
  std::optional<double> first;
  for (auto match = std::sregex_iterator(report.begin(), report.end(), field); match != std::sregex_iterator(); ++match) {
    const double seconds = std::stod((*match)[1]);
    if (!first || seconds < *first) first = seconds;
  }
  return first;
}

// The campaign's shortest finding on the variant, replayed through the checker.
Cell fuzz_verdict(const CellRequest& request, const CommandResult& result) {
  const bool exited = result.signal == 0 && !result.timed_out;
  Cell cell;
  if (exited && result.exit_code == 2 && result.output.find("fuzz") != std::string::npos) {
    cell = cell_for(request, "fuzz", CellKind::NotBuilt, "the libFuzzer build is missing: " + line_starting(result.output, "iovacheck campaign: "), result);
  } else if (exited && result.exit_code == 0) {
    std::optional<std::string> shortest;
    std::size_t shortest_size = 0;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(campaign_dir(request) + "/findings", error)) {
      if (entry.path().extension() != ".trace") continue;
      const std::size_t size = static_cast<std::size_t>(entry.file_size(error));  // the shortest trace, near enough
      if (!shortest || size < shortest_size) {
        shortest = entry.path().string();
        shortest_size = size;
      }
    }
    cell = shortest ? counterexample_cell(request, "fuzz", *shortest, result)
                    : cell_for(request, "fuzz", CellKind::NoViolation, "no finding", result);
    if (cell.kind == CellKind::Violation) cell.first_finding_seconds = campaign_first_finding(request);
  } else {
    cell = failed_run(request, "fuzz", result);
  }
  cell.bounds = std::to_string(fuzz_runs_for(request.share_seconds)) + " runs of the differential harness from its seed corpus, seed " +
                std::to_string(request.seed % 4294967296u) + searched_text(request);
  cell.budgeted_search = true;
  return cell;
}

}  // namespace

std::uint64_t property_cases_for(double share_seconds) {
  return std::max<std::uint64_t>(100, static_cast<std::uint64_t>(std::llround(share_seconds * kNominalCasesPerSecond)));
}

const std::vector<Engine>& all_engines() {
  static const std::vector<Engine> engines{
      Engine{.name = "props", .verb = "check", .command = property_command, .verdict = property_verdict},
      Engine{.name = "fuzz", .verb = "campaign", .command = fuzz_command, .verdict = fuzz_verdict, .runs_in_cli = false},
      Engine{.name = "smt", .verb = "prove", .command = proof_command, .verdict = proof_verdict, .runs_code = false},
      Engine{.name = "logs", .verb = "log-check", .command = field_log_command, .verdict = field_log_verdict},
  };
  return engines;
}

const Engine* find_engine(const std::string& name) {
  for (const Engine& engine : all_engines()) {
    if (engine.name == name) return &engine;
  }
  return nullptr;
}

}  // namespace iovacheck::verify
