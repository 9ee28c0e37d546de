// iovacheck check: the property engine on one variant; a counterexample is minimized and printed.
#include <array>
#include <cstdint>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "cli/trace_file.h"
#include "cli/verb.h"
#include "harness/known.h"
#include "model/trace_io.h"
#include "props/property.h"

namespace iovacheck::cli {

namespace {

constexpr std::array kOptions{
    OptionSpec{"variant", "NAME[+fN...]", "the variant to check, short names and fixes allowed (required)"},
    OptionSpec{"no-known", "", "check the variant as named: stop at the first violation, known findings included"},
    OptionSpec{"tests", "N", "number of generated cases (default 30000)"},
    OptionSpec{"seed", "S", "RapidCheck's seed, decimal or 0x hex (default 0); same seed, same run"},
    OptionSpec{"output", "FILE", "write the minimized counterexample trace to FILE", 'o'},
};

std::string rate(std::size_t count, double seconds) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(0) << (seconds > 0 ? static_cast<double>(count) / seconds : 0.0);
  return text.str();
}

std::string throughput(const props::Throughput& run) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(2) << run.seconds << " s, " << rate(run.cases, run.seconds) << " tests/s, "
       << rate(run.steps, run.seconds) << " checked ops/s";
  return text.str();
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary);
  file << text;
  file.close();
  return static_cast<bool>(file);
}

// The known findings the variant without its fixes met while searching: news when one stops
// showing up or a new shape appears among the unexplained.
void print_known_met(const props::PropertyResult& result) {
  if (result.unfixed.empty()) return;
  std::cout << "known findings met on " << result.unfixed << " (cases, before the first counterexample):";
  std::size_t total = result.met_unexplained;
  for (const auto& [number, count] : result.known_met) {
    std::cout << " F" << number << " " << count;
    total += count;
  }
  if (total == 0) std::cout << " none";
  if (result.met_unexplained > 0) std::cout << "; no single fix explains " << result.met_unexplained;
  std::cout << "\n";
}

int report_counterexample(const props::PropertyOptions& options, const props::PropertyResult& result,
                          const std::optional<std::string>& output) {
  const props::Counterexample& minimized = *result.minimized;
  std::cout << "counterexample on " << result.variant << " after " << result.tests << " tests (seed " << options.seed
            << "), " << (result.known ? "known as " + known_label(result.known) : std::string("not known")) << ": "
            << violation_comment(minimized.violation) << "\n"
            << props::print_counterexample(minimized) << "tests until failure: " << result.tests
            << "; failing case: " << result.first_failure_steps << " steps, shrunk: " << result.shrunk->trace.steps.size()
            << ", minimized: " << minimized.trace.steps.size() << "\n"
            << "search: " << throughput(result.search) << "; shrink: " << result.shrink.cases << " runs, "
            << std::fixed << std::setprecision(2) << result.shrink.seconds << " s; minimize: "
            << result.minimize_stats.predicate_calls << " predicate calls, " << result.minimize_seconds << " s\n";
  print_known_met(result);
  if (output && !write_file(*output, props::print_counterexample(minimized))) {
    std::cerr << "iovacheck check: cannot write '" << *output << "'\n";
    return kExitBadInput;
  }
  return kExitFinding;
}

int run_check(const ParsedArgs& args) {
  if (!args.positional.empty()) throw UsageError("iovacheck check: unexpected argument '" + args.positional.front() + "'");
  const std::optional<std::string> variant = args.value("variant");
  if (!variant) throw UsageError("iovacheck check: --variant NAME is required");
  if (const std::string unknown = unknown_variant_message(*variant); !unknown.empty())
    throw UsageError("iovacheck check: " + unknown);
  props::PropertyOptions options;
  options.variant = *variant;
  options.known = !args.flag("no-known");
  options.tests = static_cast<int>(number_option(args, "check", "tests", props::kDefaultTests, 100'000'000));
  options.seed = number_option(args, "check", "seed", 0, UINT64_MAX);
  if (options.tests == 0) throw UsageError("iovacheck check: --tests expects at least 1");

  const props::PropertyResult result = props::run_property(options);
  if (result.error) {
    std::cerr << "iovacheck check: " << *result.error << "\n";
    if (result.shrunk) std::cerr << props::print_counterexample(*result.shrunk);
    return kExitInternal;
  }
  if (result.minimized) return report_counterexample(options, result, args.value("output"));
  std::cout << "passed " << result.tests << " tests on " << result.variant << " (seed " << options.seed << ")\n"
            << "search: " << throughput(result.search) << "\n";
  print_known_met(result);
  if (result.shared_with_mainline > 0)
    std::cout << result.shared_with_mainline << " cases violated on mainline too (mainline's findings: "
              << "iovacheck check --variant mainline)\n";
  return kExitOk;
}

}  // namespace

const Verb& check_verb() {
  static const Verb verb{
      .name = "check",
      .summary = "property-test a variant against the model and minimize what fails",
      .usage = "iovacheck check --variant NAME[+fN...] [--no-known] [--tests N] [--seed S] [-o FILE]",
      .description =
          "Runs a RapidCheck stateful property: random geometries and operation sequences (every\n"
          "operation, edge-weighted arguments, caller errors included), each step judged by the\n"
          "reference model and the implementation's validate(). On a variant other than mainline\n"
          "only a distinguishing counterexample fails the property, one that mainline (with the\n"
          "same fixes) does not violate; on mainline any violation does. A failure is shrunk by RapidCheck, minimized\n"
          "by the shared trace minimizer, and printed as a trace with its '# violation:' line.\n"
          "The same seed gives the same run.\n"
          "\n"
          "By default the search goes past known findings: it runs the variant with every fix\n"
          "of docs/findings.md that applies to it (mainline: mainline+f1+f2+f4+f5), reports the\n"
          "first violation that remains, and counts the cases where the variant as named met a\n"
          "known finding, by the one rule for \"known\": a violation on V at step k is known as FN\n"
          "when V+fN, on the same trace, observes the same at every step before k and does not\n"
          "violate at k. The minimized counterexample keeps its identity under that rule.\n"
          "--no-known checks the variant as named and stops at its first violation.\n"
          "\n"
          "Prints 'passed N tests' or the minimized trace followed by the tests until failure and\n"
          "the lengths of the failing, shrunk and minimized traces.\n"
          "\n"
          "Exit: 0 passed, 1 a counterexample found, 2 bad usage, 3 a defect in iovacheck.",
      .options = kOptions,
      .run = run_check,
  };
  return verb;
}

}  // namespace iovacheck::cli
