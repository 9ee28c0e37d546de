// iovacheck check: the property engine on one variant; a counterexample is minimized and printed.
#include <array>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "cli/trace_file.h"
#include "cli/verb.h"
#include "model/trace_io.h"
#include "props/property.h"

namespace iovacheck::cli {

namespace {

constexpr std::array kOptions{
    OptionSpec{"variant", "NAME", "the variant to check (required)"},
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

int report_counterexample(const props::PropertyOptions& options, const props::PropertyResult& result,
                          const std::optional<std::string>& output) {
  const props::Counterexample& minimized = *result.minimized;
  std::cout << "counterexample on " << options.variant << " after " << result.tests << " tests (seed " << options.seed
            << "): " << violation_comment(minimized.violation) << "\n"
            << props::print_counterexample(minimized) << "tests until failure: " << result.tests
            << "; failing case: " << result.first_failure_steps << " steps, shrunk: " << result.shrunk->trace.steps.size()
            << ", minimized: " << minimized.trace.steps.size() << "\n"
            << "search: " << throughput(result.search) << "; shrink: " << result.shrink.cases << " runs, "
            << std::fixed << std::setprecision(2) << result.shrink.seconds << " s; minimize: "
            << result.minimize_stats.predicate_calls << " predicate calls, " << result.minimize_seconds << " s\n";
  if (output && !write_text_file(*output, props::print_counterexample(minimized))) {
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
  std::cout << "passed " << result.tests << " tests on " << options.variant << " (seed " << options.seed << ")\n"
            << "search: " << throughput(result.search) << "\n";
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
      .usage = "iovacheck check --variant NAME [--tests N] [--seed S] [-o FILE]",
      .description =
          "Runs a RapidCheck stateful property: random geometries and operation sequences (every\n"
          "operation, edge-weighted arguments, caller errors included), each step judged by the\n"
          "reference model and the implementation's validate(). On a variant other than mainline\n"
          "only a distinguishing counterexample fails the property, one that mainline does not\n"
          "violate; on mainline any violation does. A failure is shrunk by RapidCheck, minimized\n"
          "by the shared trace minimizer, and printed as a trace with its '# violation:' line.\n"
          "The same seed gives the same run.\n"
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
