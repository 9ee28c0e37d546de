// iovacheck verify: every corpus trace on every variant, as a table of verdicts.
#include <algorithm>
#include <cstdint>
#include <array>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/text.h"
#include "cli/trace_file.h"
#include "cli/verb.h"
#include "harness/implementation.h"
#include "props/property.h"

namespace iovacheck::cli {

namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kDefaultPropertyTests = 2000;  // a few seconds per variant

constexpr std::array kOptions{
    OptionSpec{"corpus", "DIR", "the corpus to replay (default: corpus/ in the working directory or the repository)"},
    OptionSpec{"tests", "N", "property-test cases per variant (default 2000; 0 skips the property checks)"},
    OptionSpec{"seed", "S", "the property checks' seed (default 0)"},
};

// The repository's corpus/: in the working directory, else beside an ancestor of the binary.
std::optional<fs::path> default_corpus() {
  std::error_code error;
  if (fs::is_directory("corpus", error)) return fs::path("corpus");
  const fs::path binary = fs::canonical("/proc/self/exe", error);
  if (error) return std::nullopt;
  for (fs::path dir = binary.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    if (fs::is_directory(dir / "corpus", error)) return dir / "corpus";
    if (dir == dir.root_path()) break;
  }
  return std::nullopt;
}

std::vector<fs::path> corpus_traces(const fs::path& corpus) {
  std::vector<fs::path> traces;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(corpus)) {
    if (entry.is_regular_file() && entry.path().extension() == ".trace") {
      traces.push_back(entry.path().lexically_relative(corpus));
    }
  }
  std::sort(traces.begin(), traces.end());
  return traces;
}

// One trace on one variant.
struct Verdict {
  enum class Kind { Pass, Violation, Miss, Error };
  Kind kind = Kind::Pass;
  std::string label;   // the table cell: "ok", "miss", a property name, "error"
  std::string detail;  // the finding's line below the table
  std::size_t line = 0;
};

Verdict verdict_on(const Trace& trace, const std::string& variant) {
  // Expectations pin the trace's own variant; elsewhere only the properties are judged.
  const CheckOptions options{.check_expectations = variant == trace.variant};
  CheckReport report;
  try {
    report = check_on(trace, variant, options);
  } catch (const std::invalid_argument& error) {
    return {Verdict::Kind::Error, "error", std::string("error: ") + error.what(), 0};
  }
  if (report.violation) {
    const Violation& violation = *report.violation;
    return {Verdict::Kind::Violation, std::string(property_name(violation.property)), violation_comment(violation),
            trace.steps[violation.step].line};
  }
  if (report.miss) {
    return {Verdict::Kind::Miss, "miss", describe_miss(*report.miss), trace.steps[report.miss->step].line};
  }
  return {Verdict::Kind::Pass, "ok", "", 0};
}

// Column headings: "z1" for "z1-max32-reset" when the prefixes are unique, else the full names.
std::vector<std::string> short_names(const std::vector<VariantInfo>& variants) {
  std::vector<std::string> names;
  for (const VariantInfo& variant : variants) names.push_back(variant.name.substr(0, variant.name.find('-')));
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end()) return names;
  names.clear();
  for (const VariantInfo& variant : variants) names.push_back(variant.name);
  return names;
}

struct Row {
  std::string trace;
  std::string own_variant;
  std::vector<Verdict> verdicts;  // one per variant; empty when the trace does not load
  std::string load_error;
};

void print_table(const std::vector<Row>& rows, const std::vector<VariantInfo>& variants) {
  const std::vector<std::string> headings = short_names(variants);
  std::size_t trace_width = std::string("trace").size();
  for (const Row& row : rows) trace_width = std::max(trace_width, row.trace.size());
  std::vector<std::vector<std::string>> cells;
  std::vector<std::size_t> widths;
  for (const std::string& heading : headings) widths.push_back(heading.size());
  for (const Row& row : rows) {
    std::vector<std::string> line;
    for (std::size_t v = 0; v < row.verdicts.size(); ++v) {
      line.push_back(row.verdicts[v].label + (variants[v].name == row.own_variant ? "*" : ""));
      widths[v] = std::max(widths[v], line.back().size());
    }
    cells.push_back(std::move(line));
  }

  std::cout << padded("trace", trace_width);
  for (std::size_t v = 0; v < headings.size(); ++v) std::cout << "  " << padded(headings[v], widths[v]);
  std::cout << "\n";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::cout << padded(rows[r].trace, trace_width);
    if (!rows[r].load_error.empty()) std::cout << "  does not load";
    for (std::size_t v = 0; v < cells[r].size(); ++v) std::cout << "  " << padded(cells[r][v], widths[v]);
    std::cout << "\n";
  }
  std::cout << "(* the trace's own variant, the only one whose expectations are checked";
  for (std::size_t v = 0; v < variants.size(); ++v) {
    if (headings[v] != variants[v].name) std::cout << "; " << headings[v] << " = " << variants[v].name;
  }
  std::cout << ")\n";
}

void print_findings(const std::vector<Row>& rows, const std::vector<VariantInfo>& variants) {
  std::map<Verdict::Kind, std::size_t> counts;
  bool heading_printed = false;
  for (const Row& row : rows) {
    if (!row.load_error.empty()) {
      if (!heading_printed) std::cout << "\nfindings:\n";
      heading_printed = true;
      std::cout << "  " << row.load_error << "\n";
    }
    for (std::size_t v = 0; v < row.verdicts.size(); ++v) {
      const Verdict& verdict = row.verdicts[v];
      ++counts[verdict.kind];
      if (verdict.kind == Verdict::Kind::Pass) continue;
      if (!heading_printed) std::cout << "\nfindings:\n";
      heading_printed = true;
      std::cout << "  " << variants[v].name << " on " << row.trace;
      if (verdict.line != 0) std::cout << ":" << verdict.line;
      std::cout << ": " << verdict.detail << "\n";
    }
  }
  std::cout << "\n" << rows.size() << " traces on " << variants.size() << " variants: " << counts[Verdict::Kind::Pass]
            << " pass, " << counts[Verdict::Kind::Violation] << " violations, " << counts[Verdict::Kind::Miss]
            << " expectation misses, " << counts[Verdict::Kind::Error] << " errors\n";
}

// The property engine on every variant with a short budget: one line each, then every
// minimized counterexample as a replayable trace.
int print_property_checks(const std::vector<VariantInfo>& variants, std::uint64_t tests, std::uint64_t seed) {
  std::cout << "\nproperty checks: " << tests << " generated cases per variant, seed " << seed
            << ", each variant with the fixes of its known findings (docs/findings.md)\n\n";
  std::size_t name_width = 0;
  for (const VariantInfo& variant : variants) name_width = std::max(name_width, variant.name.size());
  std::vector<std::pair<std::string, props::Counterexample>> found;
  int exit_code = kExitOk;
  for (const VariantInfo& variant : variants) {
    props::PropertyOptions options;
    options.variant = variant.name;
    options.tests = static_cast<int>(tests);
    options.seed = seed;
    const props::PropertyResult result = props::run_property(options);
    std::cout << padded(variant.name, name_width) << "  ";
    if (result.error) {
      std::cout << "error: " << *result.error << "\n";
      exit_code = kExitInternal;
    } else if (result.minimized) {
      const Violation& violation = result.minimized->violation;
      std::cout << property_name(violation.property) << " after " << result.tests << " tests, minimized to "
                << result.minimized->trace.steps.size() << " steps\n";
      found.emplace_back(result.variant, *result.minimized);
    } else {
      std::cout << "passed " << result.tests << " tests\n";
    }
  }
  for (const auto& [variant, counterexample] : found)
    std::cout << "\n" << variant << ":\n" << props::print_counterexample(counterexample);
  return exit_code;
}

int run_verify(const ParsedArgs& args) {
  if (!args.positional.empty()) {
    throw UsageError("iovacheck verify: unexpected argument '" + args.positional.front() + "'");
  }
  const std::optional<fs::path> corpus = args.value("corpus") ? fs::path(*args.value("corpus")) : default_corpus();
  std::error_code error;
  if (!corpus || !fs::is_directory(*corpus, error)) {
    std::cerr << "iovacheck verify: no corpus directory"
              << (corpus ? " '" + corpus->string() + "'" : std::string(" found; give one with --corpus DIR")) << "\n";
    return kExitBadInput;
  }
  std::vector<fs::path> traces;
  try {
    traces = corpus_traces(*corpus);
  } catch (const fs::filesystem_error& walk_error) {
    std::cerr << "iovacheck verify: cannot read the corpus: " << walk_error.what() << "\n";
    return kExitBadInput;
  }
  if (traces.empty()) {
    std::cerr << "iovacheck verify: no .trace files under '" << corpus->string() << "'\n";
    return kExitBadInput;
  }

  const std::vector<VariantInfo> variants = implemented_variants();
  std::cout << "replaying " << traces.size() << " traces from " << corpus->string() << " on " << variants.size()
            << " variants\n\n";
  std::vector<Row> rows;
  int exit_code = kExitOk;
  for (const fs::path& relative : traces) {
    Row row{.trace = relative.string(), .own_variant = {}, .verdicts = {}, .load_error = {}};
    try {
      const Trace trace = load_trace_file(*corpus / relative);
      row.own_variant = trace.variant;
      for (const VariantInfo& variant : variants) row.verdicts.push_back(verdict_on(trace, variant.name));
    } catch (const TraceFileError& load_error) {
      row.load_error = load_error.what();
      exit_code = kExitBadInput;  // a broken corpus is bad input; the findings in it are not failures
    }
    rows.push_back(std::move(row));
  }
  print_table(rows, variants);
  print_findings(rows, variants);
  const std::uint64_t tests = number_option(args, "verify", "tests", kDefaultPropertyTests, 100'000'000);
  const std::uint64_t seed = number_option(args, "verify", "seed", 0, UINT64_MAX);
  if (tests > 0) exit_code = std::max(exit_code, print_property_checks(variants, tests, seed));
  return exit_code;
}

}  // namespace

const Verb& verify_verb() {
  static const Verb verb{
      .name = "verify",
      .summary = "the verification run: the corpus on every variant, then the property engine on each",
      .usage = "iovacheck verify [--corpus DIR] [--tests N] [--seed S]",
      .description =
          "Replays every .trace file under the corpus directory on every implemented variant and\n"
          "prints a table: one row per trace, one column per variant, each cell 'ok', 'miss' (an\n"
          "expectation unmet) or the name of the violated property. Expectations are checked only\n"
          "on the trace's own variant (marked *), since they pin that variant's placements. Every\n"
          "finding follows the table with its line and reason.\n"
          "\n"
          "Then runs the property engine (as `iovacheck check`) on every variant with a short\n"
          "budget and prints one line per variant (passed, or the violated property and the\n"
          "minimized length), followed by every minimized counterexample as a trace.\n"
          "\n"
          "Exit: 0 when everything was printed (violations in variants are findings, not errors),\n"
          "2 when the corpus is missing or a trace in it does not parse, 3 on a defect in iovacheck.",
      .options = kOptions,
      .run = run_verify,
  };
  return verb;
}

}  // namespace iovacheck::cli
