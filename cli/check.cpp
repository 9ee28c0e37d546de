// iovacheck check: the property engine on one variant; a counterexample is minimized and printed.
#include <array>
#include <chrono>
#include <map>
#include <set>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "cli/impl_option.h"
#include "cli/checking.h"
#include "cli/trace_file.h"
#include "cli/verb.h"
#include "harness/differential.h"
#include "harness/kernel_implementation.h"
#include "harness/known.h"
#include "model/trace_io.h"
#include "props/commands.h"
#include "props/property.h"

namespace iovacheck::cli {

namespace {

constexpr std::array kOptions{
    OptionSpec{"variant", "NAME[+fN...]", "the variant to check, short names and fixes allowed (required)"},
    OptionSpec{"no-known", "", "check the variant as named: stop at the first violation, known findings included"},
    OptionSpec{"tests", "N", "number of generated cases (default 30000; 20 with --profile scale)"},
    OptionSpec{"profile", "NAME", "ordinary (default) or scale: the real geometry and driver-shaped traces of 10^4 ops and up"},
    OptionSpec{"max-ops", "N", "with --profile scale: the longest case (default 200000; from 10000, log-uniform)"},
    OptionSpec{"seed", "S", "RapidCheck's seed, decimal or 0x hex (default 0); same seed, same run"},
    OptionSpec{"output", "FILE", "write the minimized counterexample trace to FILE", 'o'},
    OptionSpec{"impl", "IMPL", "what runs the variant: impl (default), kernel, kernel:6.12, kernel:6.1, kernel:/path, each +f10 (docs/kernel.md)"},
    OptionSpec{"against", "IMPL", "exact differential mode: compare every step with IMPL (e.g. kernel:6.12)"},
    OptionSpec{"mag-copies", "", "with --impl kernel: draw test magazine sizes too, run on kernel:X+mag=N copies"},
    kParanoidOption,
    kValidateEveryOption,
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

// The known findings the variant without its fixes met while searching: news when one stops
// showing up or a new shape appears among the unexplained.
void print_known_met(const props::PropertyResult& result) {
  if (result.unfixed.empty()) return;
  std::cout << "known findings met on " << result.unfixed;
  if (result.unfixed_implementation.kernel) std::cout << " on " << implementation_name(result.unfixed_implementation);
  std::cout << " (cases, before the first counterexample):";
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
            << ") on " << implementation_name(result.implementation) << ", "
            << (result.known ? "known as " + known_label(result.known) : std::string("not known")) << ": "
            << violation_comment(minimized.violation) << "\n"
            << props::print_counterexample(minimized) << "tests until failure: " << result.tests
            << "; failing case: " << result.first_failure_steps << " steps, shrunk: " << result.shrunk->trace.steps.size()
            << ", minimized: " << minimized.trace.steps.size() << "\n"
            << "search: " << throughput(result.search) << "; shrink: " << result.shrink.cases << " runs, "
            << std::fixed << std::setprecision(2) << result.shrink.seconds << " s; minimize: "
            << result.minimize_stats.predicate_calls << " predicate calls, " << result.minimize_seconds << " s\n";
  print_known_met(result);
  if (output && !write_text_file(*output, props::print_counterexample(minimized))) {
    std::cerr << "iovacheck check: cannot write '" << *output << "'\n";
    return kExitBadInput;
  }
  return kExitFinding;
}

// The factory of one side of the differential: `choice` running `variant`.
ExactFactory side(const ImplementationChoice& choice, const std::string& variant) {
  return [choice, variant](const Trace& trace) { return make_exact_implementation(trace, variant, choice); };
}

// check --against: generated traces on both sides, every step compared exactly; the first
// difference is minimized by the shared minimizer.
int run_differential_check(const ParsedArgs& args, const std::string& variant, const ImplementationChoice& primary,
                           std::uint64_t tests, std::uint64_t seed) {
  ImplementationChoice against;
  std::string other_variant = variant;
  try {
    against = parse_implementation(*args.value("against"));
    if (primary.kernel) variant_for(primary, variant, Trace{});
    // The kernel side runs its own design; the variant side may be any design with a kernel
    // tree (a difference is then the finding), never a proposal.
    other_variant = iovacheck::against_variant(against, variant);
  } catch (const std::invalid_argument& error) {
    throw UsageError(std::string("iovacheck check: ") + error.what());
  }
  const ExactFactory a = side(primary, variant);
  const ExactFactory b = side(against, other_variant);
  std::size_t traces = 0, steps = 0;
  std::map<std::string, std::size_t> refused;
  std::set<std::string> a_names, b_names;  // a kernel runs as itself or as a magazine copy
  const auto started = std::chrono::steady_clock::now();
  for (std::uint64_t index = 0; index < tests; ++index) {
    // The case length follows the seed, so `--tests 1 --seed S` reruns the trace of seed S.
    Trace trace = props::sample_case(seed + index, 1 + static_cast<int>((seed + index) % 100));
    trace.variant = variant;
    const DifferentialRun run = run_differential(trace, a, b);
    if (run.refused) {
      ++refused[*run.refused];
      continue;
    }
    ++traces;
    steps += run.steps;
    a_names.insert(run.a_name);
    b_names.insert(run.b_name);
    if (!run.difference) continue;
    MinimizeStats stats;
    const Trace minimized = minimize_difference(trace, a, b, {}, &stats);
    const DifferentialRun shown = run_differential(minimized, a, b);
    if (!shown.difference) {
      std::cerr << "iovacheck check: the minimized trace no longer differs: a defect in iovacheck\n";
      return kExitInternal;
    }
    const std::string comment = "difference: " + shown.difference->what;
    Trace prefix = minimized;
    prefix.steps.resize(shown.difference->step + 1);
    const std::string text = print_trace(prefix, {StepComment{shown.difference->step, comment}});
    std::cout << "difference between " << run.a_name << " and " << run.b_name << " in trace " << traces << " (seed "
              << seed + index << ", " << run.steps << " steps), minimized to " << prefix.steps.size() << " steps ("
              << stats.predicate_calls << " predicate calls):\n"
              << text << run.a_name << " state:\n" << shown.difference->a_state << run.b_name << " state:\n"
              << shown.difference->b_state;
    if (const auto output = args.value("output"); output && !write_text_file(*output, text)) {
      std::cerr << "iovacheck check: cannot write '" << *output << "'\n";
      return kExitBadInput;
    }
    return kExitFinding;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto joined = [](const std::set<std::string>& names, const std::string& none) {
    std::string text;
    for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
    return text.empty() ? none : text;
  };
  std::cout << "no difference: " << traces << " traces, " << steps << " steps, " << variant << " on "
            << joined(a_names, primary.text()) << " against " << joined(b_names, against.text())
            << " (seeds " << seed << ".." << seed + tests - 1 << ", " << std::fixed << std::setprecision(2) << seconds
            << " s)\n";
  std::size_t skipped = 0;
  for (const auto& [reason, count] : refused) skipped += count;
  std::cout << "skipped " << skipped << " traces\n";
  for (const auto& [reason, count] : refused) std::cout << "  " << count << ": " << reason << "\n";
  return traces == 0 ? kExitBadInput : kExitOk;
}

int run_check(const ParsedArgs& args) {
  if (!args.positional.empty()) throw UsageError("iovacheck check: unexpected argument '" + args.positional.front() + "'");
  const std::optional<std::string> variant = args.value("variant");
  if (!variant) throw UsageError("iovacheck check: --variant NAME is required");
  if (const std::string unknown = unknown_variant_message(*variant); !unknown.empty())
    throw UsageError("iovacheck check: " + unknown);
  const ImplementationChoice implementation = implementation_option(args, "check");
  if (args.value("against")) {
    if (args.value("profile").value_or("ordinary") != "ordinary" || args.value("max-ops"))
      throw UsageError("iovacheck check: --profile scale does not apply to --against");
    const std::uint64_t tests = number_option(args, "check", "tests", 1000, 100'000'000);
    if (tests == 0) throw UsageError("iovacheck check: --tests expects at least 1");
    return run_differential_check(args, *variant, implementation, tests, number_option(args, "check", "seed", 0, UINT64_MAX));
  }
  if (implementation.kernel) {
    try {
      variant_for(implementation, *variant, Trace{});
    } catch (const std::invalid_argument& error) {
      throw UsageError(std::string("iovacheck check: ") + error.what());
    }
  }
  props::PropertyOptions options;
  options.variant = *variant;
  options.implementation = implementation;
  options.real_magazine_size = implementation.kernel && !args.flag("mag-copies");
  // On a kernel, with its own fixes (kernel/fixes/); impl/'s fixes are deltas of impl/ only.
  options.known = searches_past_known(!args.flag("no-known"));
  const std::string profile = args.value("profile").value_or("ordinary");
  if (profile != "ordinary" && profile != "scale")
    throw UsageError("iovacheck check: --profile expects ordinary or scale, got '" + profile + "'");
  const bool scale = profile == "scale";
  if (args.value("max-ops") && !scale) throw UsageError("iovacheck check: --max-ops needs --profile scale");
  if (scale) {
    options.profile = props::Profile::Scale;
    options.scale_max_ops = number_option(args, "check", "max-ops", props::kDefaultScaleMaxOps, 10'000'000);
    if (options.scale_max_ops == 0) throw UsageError("iovacheck check: --max-ops expects at least 1");
    options.scale_min_ops = std::min(props::kDefaultScaleMinOps, options.scale_max_ops);
    // validate() is O(n) at tens of thousands of live ranges: spaced (automatic) unless asked.
    options.checking.validate_every = 0;
  }
  options.tests = static_cast<int>(
      number_option(args, "check", "tests", scale ? props::kDefaultScaleTests : props::kDefaultTests, 100'000'000));
  options.seed = number_option(args, "check", "seed", 0, UINT64_MAX);
  if (const auto output = args.value("output")) {
    if (const auto reason = unwritable_reason(*output)) throw UsageError("iovacheck check: -o: " + *reason);
  }
  if (options.tests == 0) throw UsageError("iovacheck check: --tests expects at least 1");
  options.checking = checking_options(args, "check", options.checking);

  const props::PropertyResult result = props::run_property(options);
  if (result.error) {
    std::cerr << "iovacheck check: " << *result.error << "\n";
    if (result.shrunk) std::cerr << props::print_counterexample(*result.shrunk);
    return kExitInternal;
  }
  if (result.minimized) return report_counterexample(options, result, args.value("output"));
  std::cout << "passed " << result.tests << " tests on " << result.variant << " (seed " << options.seed << ") on "
            << implementation_name(result.implementation) << (options.real_magazine_size ? ", magazine size 127" : "") << "\n"
            << "search: " << throughput(result.search) << "\n";
  if (options.implementation.kernel || result.skipped > 0)
    std::cout << "skipped " << result.skipped << " cases" << (result.skipped ? ": " + result.skip_reason : "") << "\n";
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
      .usage = "iovacheck check --variant NAME[+fN...] [--no-known] [--impl IMPL] [--against IMPL] [--tests N]\n"
               "                       [--seed S] [-o FILE] [--paranoid] [--validate-every K]\n"
               "                       [--profile scale [--max-ops N]]",
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
          "of docs/findings.md that applies to it (mainline: mainline+f1+f2+f3+f4+f5+f9), reports the\n"
          "first violation that remains, and counts the cases where the variant as named met a\n"
          "known finding, by the one rule for \"known\": a violation on V at step k is known as FN\n"
          "when V+fN, on the same trace, observes the same at every step before k and does not\n"
          "violate at k. The minimized counterexample keeps its identity under that rule.\n"
          "--no-known checks the variant as named and stops at its first violation.\n"
          "\n"
          "--profile scale draws cases at kernel scale instead: the real geometry (4 KiB granule,\n"
          "dma32 0x100000, magazine size 127, 4 to 64 CPUs) and traces of 10^4 to --max-ops\n"
          "operations shaped like drivers (NIC rings refilled and completed on several CPUs, NVMe\n"
          "bursts of mixed sizes completed out of order, 64-bit devices asking below 4 GiB first as\n"
          "iommu-dma does, a 32-bit device sharing the domain, periodic trims, CPUs going offline),\n"
          "with the ordinary operations mixed in. validate() runs every max(1024, live ranges)\n"
          "steps (--validate-every K to change it). The length shrinks to the shortest failing prefix.\n"
          "\n"
          "Prints 'passed N tests' or the minimized trace followed by the tests until failure and\n"
          "the lengths of the failing, shrunk and minimized traces.\n"
          "\n"
          "--impl kernel[:6.12|:6.1|:/path] runs the property on the real drivers/iommu/iova.c:\n"
          "every case has its magazine size, 127. --mag-copies draws the test sizes too (copies\n"
          "changed in IOVA_MAG_SIZE only, named kernel:X+mag=N), which reach the depot in a few\n"
          "operations. Cases it cannot run are skipped and counted. impl/'s fixes do not apply to\n"
          "the kernel's file; by default the kernel runs with its own (kernel:X+f10, our fix of\n"
          "F10 applied to the source at build time) and the unmodified kernel's findings are\n"
          "counted; a violation impl/ shares is known by impl/'s fixes. --no-known runs the\n"
          "kernel as named.\n"
          "\n"
          "--against IMPL is the exact differential mode: --tests generated traces (default 1000)\n"
          "run on the variant (--impl, default impl) and on IMPL, every result and every piece of\n"
          "state (nodes, cached nodes, max32_alloc_size, each magazine's pfns in slot order, depot\n"
          "order) compared after each step. The first difference is minimized and printed with a\n"
          "'# difference:' line and both states. A kernel runs its own design (6.12: mainline,\n"
          "6.1: z9-capped-depot); a proposal (p1..p3) with a kernel is a usage error.\n"
          "\n"
          "Exit: 0 passed, 1 a counterexample or difference found, 2 bad usage, 3 a defect in\n"
          "iovacheck.",
      .options = kOptions,
      .run = run_check,
  };
  return verb;
}

}  // namespace iovacheck::cli
