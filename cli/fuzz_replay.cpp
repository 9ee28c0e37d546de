// iovacheck fuzz-replay: a harness input (a crash, a corpus file) turned into a trace and replayed.
#include <array>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/impl_option.h"
#include "cli/replay.h"
#include "cli/trace_file.h"
#include "cli/verb.h"
#include "fuzz/byte_trace.h"
#include "harness/implementation.h"
#include "harness/predicates.h"
#include "model/minimize.h"
#include "model/trace_io.h"

namespace iovacheck::cli {

namespace {

constexpr std::array kOptions{
    OptionSpec{"variant", "NAME", "run on this variant instead of the one the input names"},
    OptionSpec{"input", "KIND", "ops: the differential harness's byte form (default); trace: trace text"},
    OptionSpec{"minimize", "", "replay the failing prefix minimized by the shared minimizer, as 'check' does"},
    OptionSpec{"output", "FILE", "write the trace (one input only)", 'o'},
    OptionSpec{"quiet", "", "print only the verdicts and failures, not every step"},
    OptionSpec{"impl", "IMPL", "what runs it, as the harness's IOVACHECK_IMPL: impl (default), kernel, kernel:6.12, kernel:6.1, kernel:/path, each +f10 (docs/kernel.md)"},
};

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

// The trace an input stands for, as text: decoded and printed (ops), or the input itself.
std::string trace_text(const std::string& input, bool ops) {
  if (!ops) return input;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(input.data());
  return print_trace(fuzz::decode_trace({bytes, input.size()}));
}

// The failing prefix of `trace` on `variant`, minimized by the shared minimizer under the
// predicate `check` uses; the trace itself when it holds or cannot be built.
Trace minimized(const Trace& trace, const std::string& variant, const ImplementationChoice& implementation) {
  CheckReport report;
  try {
    report = check_on(trace, variant, implementation, CheckOptions{.check_expectations = false});
  } catch (const std::invalid_argument&) {
    return trace;  // replay_trace reports it
  }
  if (!report.violation) return trace;
  Trace failing = report.named;
  failing.steps.resize(report.violation->step + 1);
  failing.variant = variant;
  return minimize(failing, counterexample_predicate(variant, report.violation->property, std::nullopt, implementation));
}

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary);
  file << text;
  file.close();
  return static_cast<bool>(file);
}

int replay_input(const std::string& path, bool ops, const std::optional<std::string>& variant,
                 const std::optional<std::string>& output, bool minimize_it, bool quiet,
                 const ImplementationChoice& implementation) {
  const std::optional<std::string> input = read_file(path);
  if (!input) {
    std::cerr << path << ": error: cannot open\n";
    return kExitBadInput;
  }
  std::string text = trace_text(*input, ops);
  Trace trace;
  try {
    trace = parse_trace(text);
  } catch (const TraceError& error) {
    std::cerr << path << ":" << error.line() << ":" << error.column() << ": error: " << error.message() << "\n";
    return ops ? kExitInternal : kExitBadInput;  // a decoded trace always parses
  }
  if (minimize_it) {
    const std::size_t before = trace.steps.size();
    std::string name = variant.value_or(trace.variant);
    try {
      name = variant_for(implementation, variant.value_or(""), trace);
    } catch (const std::invalid_argument&) {
      // replay_trace reports it
    }
    text = print_trace(minimized(trace, name, implementation));
    trace = parse_trace(text);  // line numbers refer to the printed text
    std::cout << "== " << path << " minimized from " << before << " to " << trace.steps.size() << " steps:\n" << text;
  } else if (ops && !quiet) {
    std::cout << "== " << path << " decoded:\n" << text;
  }
  if (output && !write_text(*output, text)) {
    std::cerr << "iovacheck fuzz-replay: cannot write '" << *output << "'\n";
    return kExitBadInput;
  }
  return replay_trace(path, trace, variant, quiet, implementation);
}

int run_fuzz_replay(const ParsedArgs& args) {
  if (args.positional.empty()) throw UsageError("iovacheck fuzz-replay: no input file given");
  const std::optional<std::string> variant = args.value("variant");
  if (variant) {
    if (const std::string unknown = unknown_variant_message(*variant); !unknown.empty())
      throw UsageError("iovacheck fuzz-replay: " + unknown);
  }
  const ImplementationChoice implementation = implementation_option(args, "fuzz-replay");
  if (implementation.kernel) {
    try {
      variant_for(implementation, variant.value_or(""), Trace{});
    } catch (const std::invalid_argument& error) {
      throw UsageError("iovacheck fuzz-replay: " + std::string(error.what()));
    }
  }
  const std::string kind = args.value("input").value_or("ops");
  if (kind != "ops" && kind != "trace")
    throw UsageError("iovacheck fuzz-replay: --input expects ops or trace, got '" + kind + "'");
  const std::optional<std::string> output = args.value("output");
  if (output && args.positional.size() > 1) throw UsageError("iovacheck fuzz-replay: -o takes one input only");
  int worst = kExitOk;
  for (const std::string& path : args.positional)
    worst = std::max(worst, replay_input(path, kind == "ops", variant, output, args.flag("minimize"), args.flag("quiet"),
                                         implementation));
  return worst;
}

}  // namespace

const Verb& fuzz_replay_verb() {
  static const Verb verb{
      .name = "fuzz-replay",
      .summary = "turn fuzz harness inputs (crashes, corpus files) into traces and replay them",
      .usage = "iovacheck fuzz-replay FILE... [--variant NAME] [--impl IMPL] [--input ops|trace] [--minimize] [-o FILE]\n"
               "                             [--quiet]",
      .description =
          "Decodes each input as the differential harness does (every byte string is a trace:\n"
          "docs/fuzz.md, 'Byte format'), prints the trace, and replays it like 'replay'; with\n"
          "--input trace the input is trace text (the trace_parser harness's inputs). The\n"
          "harness runs every input on the variant its first byte picks, or on the one the\n"
          "campaign fixed: give that one with --variant. --minimize replays the failing prefix\n"
          "minimized under the predicate 'check' uses (on a variant other than mainline: still\n"
          "violating, and mainline holding). -o writes the trace replayed. --impl runs it as the\n"
          "harness did under IOVACHECK_IMPL (e.g. kernel:6.12: the variant is the kernel's design).\n"
          "\n"
          "Exit: 0 everything holds, 1 a property violated, 2 bad input; with several files, the worst.",
      .options = kOptions,
      .run = run_fuzz_replay,
  };
  return verb;
}

}  // namespace iovacheck::cli
