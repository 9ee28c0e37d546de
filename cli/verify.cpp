// iovacheck verify: the corpus and every engine on every variant within a budget; a summary that
// fits a screen, and the reports (report.json, report.md, report.html) under --out.
#include <algorithm>
#include <cmath>
#include <array>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "cli/impl_option.h"
#include "cli/repository.h"
#include "cli/text.h"
#include "cli/trace_file.h"
#include "cli/verb.h"
#include "fuzz/text_files.h"
#include "harness/implementation.h"
#include "verify/corpus.h"
#include "verify/coverage.h"
#include "verify/engines.h"
#include "verify/report.h"
#include "verify/run.h"

namespace iovacheck::cli {

namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kDefaultBudgetSeconds = 300;

constexpr std::array kOptions{
    OptionSpec{"budget", "SECONDS", "wall-clock time for the engines, split over variants and engines (default 300)"},
    OptionSpec{"variants", "LIST", "comma-separated variants, full or short names (default: all)"},
    OptionSpec{"engines", "LIST", "comma-separated engines besides the corpus replay (default: all; 'corpus': none)"},
    OptionSpec{"jobs", "J", "engine runs at once (default: the number of CPUs)"},
    OptionSpec{"seed", "S", "the engines' seed (default 0); the same seed, budget and jobs give the same cases"},
    OptionSpec{"out", "DIR", "where report.json, report.md and report.html go (default: verify-report)"},
    OptionSpec{"corpus", "DIR", "the corpus to replay (default: corpus/ in the working directory or the repository)"},
    OptionSpec{"fail-on-new", "", "exit 1 when a finding is new"},
    OptionSpec{"fuzz-build", "DIR", "the libFuzzer build the fuzz engine runs (default: build/fuzz of the repository)"},
    OptionSpec{"impl", "IMPL", "what runs the variants: impl (default), kernel, kernel:6.12, kernel:6.1, kernel:/path, each +f10 (docs/kernel.md)"},
    OptionSpec{"coverage-build", "DIR",
               "the fuzz-coverage build: engines run on it and coverage is measured (default: build/fuzz-coverage)"},
    OptionSpec{"no-coverage", "", "do not measure coverage: every engine runs on this build"},
    OptionSpec{"no-known", "", "search the variants as named: known findings end the engines' search (see check, campaign)"},
};

// On a kernel the variants default to the design it implements; a proposal's is bad usage.
std::vector<std::string> variants_on(const ImplementationChoice& implementation, const ParsedArgs& args,
                                     std::vector<std::string> variants) {
  if (!implementation.kernel) return variants;
  try {
    if (!args.value("variants")) return {variant_for(implementation, {}, Trace{})};
    for (std::string& variant : variants) variant = variant_for(implementation, variant, Trace{});
  } catch (const std::invalid_argument& error) {
    throw UsageError("iovacheck verify: " + std::string(error.what()));
  }
  return variants;
}

std::vector<std::string> chosen_variants(const ParsedArgs& args) {
  std::vector<std::string> names;
  if (!args.value("variants")) {
    for (const VariantInfo& variant : implemented_variants()) names.push_back(variant.name);
    return names;
  }
  for (const std::string& name : fuzz::split_list(*args.value("variants"))) {
    if (const std::string unknown = unknown_variant_message(name); !unknown.empty())
      throw UsageError("iovacheck verify: " + unknown);
    const std::string full = canonical_variant(name);
    if (std::find(names.begin(), names.end(), full) == names.end()) names.push_back(full);
  }
  if (names.empty()) throw UsageError("iovacheck verify: --variants names no variant");
  return names;
}

std::vector<std::string> chosen_engines(const ParsedArgs& args) {
  std::vector<std::string> names;
  if (!args.value("engines")) {
    for (const verify::Engine& engine : verify::all_engines()) names.push_back(engine.name);
    return names;
  }
  for (const std::string& name : fuzz::split_list(*args.value("engines"))) {
    if (name == "corpus") continue;  // always run
    if (verify::find_engine(name) == nullptr) {
      std::string known = "corpus";
      for (const verify::Engine& engine : verify::all_engines()) known += ", " + engine.name;
      throw UsageError("iovacheck verify: unknown engine '" + name + "' (known: " + known + ")");
    }
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

std::optional<fs::path> repository_corpus() {
  const std::optional<fs::path> root = repository_root();
  return root ? std::optional<fs::path>(*root / "corpus") : std::nullopt;
}

fs::path chosen_corpus(const ParsedArgs& args) {
  const std::optional<fs::path> corpus =
      args.value("corpus") ? std::optional<fs::path>(*args.value("corpus")) : repository_corpus();
  std::error_code error;
  if (!corpus || !fs::is_directory(*corpus, error)) {
    throw UsageError("iovacheck verify: no corpus directory" +
                     (corpus ? " '" + corpus->string() + "'" : std::string(" found; give one with --corpus DIR")));
  }
  return *corpus;
}

// The output directory must be creatable and writable before any work starts.
fs::path chosen_out(const ParsedArgs& args) {
  const fs::path out = args.value("out").value_or("verify-report");
  std::error_code error;
  fs::create_directories(out, error);
  if (error || !fs::is_directory(out, error)) {
    throw UsageError("iovacheck verify: cannot use '" + out.string() + "' as the output directory");
  }
  return out;
}

// The coverage build named, which must be usable; else the repository's, or why there is none.
std::variant<verify::CoverageBuild, std::string> chosen_coverage(const ParsedArgs& args) {
  if (args.flag("no-coverage")) {
    if (args.value("coverage-build")) throw UsageError("iovacheck verify: give --coverage-build or --no-coverage, not both");
    return std::string("not asked for (--no-coverage)");
  }
  if (const auto named = args.value("coverage-build")) {
    auto build = verify::find_coverage_build(*named);
    if (const auto* problem = std::get_if<std::string>(&build)) throw UsageError("iovacheck verify: --coverage-build: " + *problem);
    return build;
  }
  const std::optional<fs::path> root = repository_root();
  if (!root) return std::string("no repository found for the default build/fuzz-coverage; give --coverage-build DIR");
  return verify::find_coverage_build(*root / "build" / "fuzz-coverage");
}

std::string binary_path() {
  std::error_code error;
  const fs::path self = fs::canonical("/proc/self/exe", error);
  if (error) throw std::runtime_error("cannot find the iovacheck binary: " + error.message());
  return self.string();
}

void print_matrix(const verify::VerifyResult& result) {
  std::size_t width = 0;
  for (const std::string& variant : result.variants) width = std::max(width, short_variant(variant).size());
  std::vector<std::size_t> widths;
  for (const std::string& engine : result.engines) {
    std::size_t column = engine.size();
    for (const std::string& variant : result.variants) {
      if (const verify::Cell* cell = result.cell(variant, engine)) column = std::max(column, verify::cell_label(*cell).size());
    }
    widths.push_back(column);
  }
  // Columns padded to their widest cell; the last one is not, so no line ends in spaces.
  const auto print_row = [&](const std::string& head, const std::vector<std::string>& cells) {
    std::string line = padded(head, width);
    for (std::size_t e = 0; e < cells.size(); ++e) line += "  " + (e + 1 < cells.size() ? padded(cells[e], widths[e]) : cells[e]);
    std::cout << line << "\n";
  };
  std::cout << "\n";
  print_row("", result.engines);
  for (const std::string& variant : result.variants) {
    std::vector<std::string> cells;
    for (const std::string& engine : result.engines) {
      const verify::Cell* cell = result.cell(variant, engine);
      cells.push_back(cell ? verify::cell_label(*cell) : "");
    }
    print_row(short_variant(variant), cells);
  }
  std::cout << "(FN: known as finding FN of docs/findings.md; delta: the variant's own bug, docs/variants.md;\n"
            << " new: neither. "
            << (result.past_known ? "Engines search each variant with the fixes of its known findings applied.\n"
                                  : "Engines search each variant as named (--no-known).\n")
            << " smt n/a: the Z3 encoding does not model the variant; on a range-cache variant it proved the tree only.)\n";
}

void print_summary(const verify::VerifyResult& result, const fs::path& out) {
  const std::size_t regressions = result.corpus_regressions();
  if (regressions == 0) {
    std::cout << "corpus: all " << counted(result.corpus.size(), "trace") << " behave as annotated\n";
  } else {
    if (result.implementation == "impl")
      std::cout << "corpus: REGRESSION: " << regressions << " of " << counted(result.corpus.size(), "trace")
                << " do not behave as annotated\n";
    else  // the annotations pin impl/'s behaviour: the kernel doing otherwise is what was found
      std::cout << "corpus: " << regressions << " of " << counted(result.corpus.size(), "trace") << " do not behave on "
                << result.implementation << " as annotated (the annotations pin impl/'s behaviour)\n";
    for (const verify::CorpusTrace& trace : result.corpus) {
      if (trace.load_error) std::cout << "  " << *trace.load_error << "\n";
      if (trace.annotation_mismatch) std::cout << "  " << trace.path << ": " << *trace.annotation_mismatch << "\n";
    }
  }
  std::map<std::string, std::size_t> skipped;
  for (const verify::CorpusTrace& trace : result.corpus)
    if (trace.skipped) ++skipped[*trace.skipped];
  if (!skipped.empty()) {
    std::size_t total = 0;
    for (const auto& [reason, count] : skipped) total += count;
    std::cout << "corpus: skipped " << counted(total, "trace") << " " << result.implementation << " cannot run:\n";
    for (const auto& [reason, count] : skipped) std::cout << "  " << count << ": " << reason << "\n";
  }
  print_matrix(result);
  std::cout << "\n" << counted(result.findings.size(), "finding") << ", " << result.new_findings() << " new";
  if (!result.findings.empty()) std::cout << " (each with its trace in " << (out / "report.md").string() << ")";
  std::cout << "\n";
  // New findings one line each; known ones one line per identity, so the summary fits a screen.
  std::size_t id_width = 0;
  for (const verify::Finding& finding : result.findings) id_width = std::max(id_width, finding.id.size());
  std::map<std::string, std::pair<std::size_t, std::set<std::string>>> known;  // id -> count, variants
  for (const verify::Finding& finding : result.findings) {
    std::string variants;
    for (const std::string& variant : finding.variants) {
      variants += (variants.empty() ? "" : ",") + short_variant(variant);
      if (finding.known_as) known[finding.id].second.insert(short_variant(variant));
    }
    if (finding.known_as) {
      ++known[finding.id].first;
      continue;
    }
    std::string line = "  " + padded(finding.id, id_width) + "  NEW   " + finding.property + " on " + variants + ": " +
                       finding.example.reason;
    if (line.size() > 118) line = line.substr(0, 115) + "...";
    std::cout << line << "\n";
  }
  if (!known.empty()) {
    std::string line = "  known:";
    for (const auto& [id, seen] : known) {
      std::string on;
      for (const std::string& variant : seen.second) on += (on.empty() ? "" : ",") + variant;
      std::string item = " " + id + (seen.first > 1 ? " x" + std::to_string(seen.first) : "") + " (" + on + ")";
      if (line.size() + item.size() > 110) {
        std::cout << line << "\n";
        line = "        ";
      }
      line += item;
    }
    std::cout << line << "\n";
  }
  std::string firsts = "time to first finding:";
  for (const verify::FirstFinding& first : verify::first_findings(result)) {
    firsts += " " + first.engine + " " +
              (first.earliest_seconds ? seconds_text(*first.earliest_seconds) : first.runs_finding ? "not timed" : "none found") + ";";
  }
  if (firsts.back() == ';') std::cout << firsts.substr(0, firsts.size() - 1) << "\n";
  if (!result.coverage.measured) {
    std::cout << "coverage: " << result.coverage.note << "\n";
  } else {
    for (const verify::CoverageFigure& figure : result.coverage.figures) {
      if (figure.scope != "all") continue;
      std::cout << "coverage of model/ and impl/ by all engines: lines "
                << (figure.lines_percent ? std::to_string(std::lround(*figure.lines_percent)) + " %" : "n/a") << ", branches "
                << (figure.branches_percent ? std::to_string(std::lround(*figure.branches_percent)) + " %" : "n/a")
                << " (per engine in the report)\n";
    }
  }
  if (const std::string missed = verify::budget_notes_summary(result); !missed.empty())
    std::cout << wrapped("note: " + missed + " (each in the report)", 110, "      ");
  for (const verify::Cell& cell : result.cells) {
    if (cell.kind == verify::CellKind::Error) std::cout << "error: " << cell.variant << " " << cell.engine << ": " << cell.detail << "\n";
  }
  std::cout << "\nreports: " << (out / "report.html").string() << ", report.md, report.json\n";
}

int run_verify(const ParsedArgs& args) {
  if (!args.positional.empty()) {
    throw UsageError("iovacheck verify: unexpected argument '" + args.positional.front() + "'");
  }
  // Every option is checked before any work starts.
  verify::VerifyOptions options;
  options.budget_seconds = static_cast<double>(number_option(args, "verify", "budget", kDefaultBudgetSeconds, 7 * 24 * 3600));
  options.jobs = static_cast<unsigned>(number_option(args, "verify", "jobs", std::max(1u, std::thread::hardware_concurrency()), 256));
  if (options.jobs == 0) throw UsageError("iovacheck verify: --jobs expects at least 1");
  options.seed = number_option(args, "verify", "seed", 0, UINT64_MAX);
  options.implementation = implementation_option(args, "verify");
  options.variants = variants_on(options.implementation, args, chosen_variants(args));
  options.engines = chosen_engines(args);
  options.corpus = chosen_corpus(args);
  const fs::path out = chosen_out(args);
  options.work_dir = out / "runs";
  options.binary = binary_path();
  options.fuzz_build = args.value("fuzz-build").value_or("");
  options.coverage = chosen_coverage(args);
  options.past_known = searches_past_known(!args.flag("no-known"));
  options.progress = [](const std::string& line) { std::cerr << "verify: " << line << "\n"; };

  std::cout << "iovacheck verify on " << implementation_name(options.implementation) << ": "
            << counted(options.variants.size(), "variant") << ", engines corpus";
  for (const std::string& engine : options.engines) std::cout << ", " << engine;
  std::cout << "; budget " << options.budget_seconds << " s on " << options.jobs << " jobs, seed " << options.seed
            << (options.past_known ? "; past the known findings" : "; variants as named") << "\n\n";

  verify::VerifyResult result = verify::run_verification(options);
  result.version = IOVACHECK_VERSION;
  result.implementation = implementation_name(options.implementation);
  verify::write_reports(result, out);
  print_summary(result, out);

  if (result.errors() != 0) return kExitInternal;
  if (result.corpus_unloadable() != 0) return kExitBadInput;
  if (result.corpus_regressions() != 0) return kExitFinding;
  if (args.flag("fail-on-new") && result.new_findings() != 0) return kExitFinding;
  return kExitOk;
}

}  // namespace

const Verb& verify_verb() {
  static const Verb verb{
      .name = "verify",
      .summary = "the verification run: the corpus and every engine on every variant, with reports",
      .usage = "iovacheck verify [--budget SECONDS] [--variants LIST] [--engines LIST] [--jobs J] [--seed S]\n"
               "                        [--out DIR] [--corpus DIR] [--fail-on-new] [--fuzz-build DIR]\n"
               "                        [--coverage-build DIR | --no-coverage] [--impl IMPL] [--no-known]",
      .description =
          "Replays every corpus trace on every chosen variant and checks that each behaves as its\n"
          "annotations say on its own variant ('# expect-exit:', '# expect-violation:'); says so\n"
          "first. Then runs every engine on every variant, each as a child iovacheck process with\n"
          "an even share of the budget (budget x jobs / runs), --jobs at a time, with progress and\n"
          "the time left on standard error. Every counterexample an engine returns is replayed\n"
          "through the checker before it is reported.\n"
          "\n"
          "Prints the verdict matrix (variant x engine: 'no violation' within the stated bounds, a\n"
          "violation with its minimized length and whether it is known, 'proved', 'unknown', 'not\n"
          "built' or 'error'), the findings grouped across variants, and writes report.json,\n"
          "report.md and report.html under --out with every trace and the bounds of every verdict,\n"
          "when each engine first found a violation (from its own output), and the line and branch\n"
          "coverage of model/ and impl/ by each engine: with a coverage build (the fuzz-coverage\n"
          "preset) the engines run on its instrumented CLI and harness, slower than on a release\n"
          "build; without one the reports say coverage was not measured and why.\n"
          "\n"
          "Deterministic for a given seed, budget and job count: each engine gets a fixed amount of\n"
          "work computed from its share (property engine: cases), not a wall-clock stop; only the\n"
          "timings differ, and an engine run that overruns three times its share is stopped and\n"
          "reported 'unknown'.\n"
          "\n"
          "The property engine and the campaign search each variant past its known findings, with\n"
          "the fixes of docs/findings.md that apply to it (as 'check' and 'campaign' do): a cell\n"
          "shows the first violation that remains, with its identity. --no-known searches the\n"
          "variants as named: a known finding then ends the search and shows as 'FN'.\n"
          "\n"
          "--impl kernel[:6.12|:6.1|:/path] runs it all on the real drivers/iommu/iova.c: the\n"
          "design the kernel implements by default (a proposal is bad usage), corpus traces it\n"
          "cannot run (snapshots, magazine sizes without a copy) counted as skipped with the\n"
          "reason, the SMT engine not applicable (it checks the spec's encoding, not code).\n"
          "\n"
          "Exit: 0 the run completed and every corpus trace behaved as annotated, whatever the engines\n"
          "found; 1 a corpus trace did not (a regression), or with --fail-on-new a new finding;\n"
          "2 bad usage (nothing started) or a corpus trace that does not parse; 3 an engine failed\n"
          "(a defect in iovacheck).",
      .options = kOptions,
      .run = run_verify,
  };
  return verb;
}

}  // namespace iovacheck::cli
