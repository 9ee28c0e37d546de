// iovacheck fuzz-replay: a harness input (a crash, a corpus file) turned into a trace and replayed.
#include <array>
#include <filesystem>
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
#include "fuzz/input_profile.h"
#include "fuzz/scale_input.h"
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
    OptionSpec{"profile", "NAME", "ordinary or scale: the byte form the input is in (default: from its location, else ordinary)"},
};

// The profile a campaign's file location names: a directory (or a crash input) of a scale job
// is called <harness>-scale.<variant> (fuzz/campaign.cpp).
std::optional<fuzz::InputProfile> profile_from_location(const std::string& path) {
  for (const std::filesystem::path& part : std::filesystem::path(path))
    if (part.string().find("-scale.") != std::string::npos) return fuzz::InputProfile::Scale;
  return std::nullopt;
}

// --profile, or the input's location; the two must agree.
fuzz::InputProfile profile_of(const std::string& path, const std::optional<fuzz::InputProfile>& option) {
  const std::optional<fuzz::InputProfile> located = profile_from_location(path);
  if (option && located && *option != *located)
    throw UsageError("iovacheck fuzz-replay: " + path + " lies in a scale campaign's directory, but --profile says " +
                     std::string(fuzz::profile_name(*option)));
  return option.value_or(located.value_or(fuzz::InputProfile::Ordinary));
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

// The trace an input stands for, as text: decoded and printed (ops), or the input itself. A
// scale input expands as it runs (its bursts react to outcomes): it is run on the variant and
// implementation it is replayed on, up to its first violation.
std::string trace_text(const std::string& input, bool ops, fuzz::InputProfile profile, const std::optional<std::string>& variant,
                       const ImplementationChoice& implementation) {
  if (!ops) return input;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(input.data());
  if (profile == fuzz::InputProfile::Ordinary) return print_trace(fuzz::decode_trace({bytes, input.size()}));
  const fuzz::ScaleInput scale = fuzz::decode_scale_input({bytes, input.size()});
  return print_trace(
      fuzz::check_scale_input(scale, variant.value_or(""), implementation, CheckOptions{.check_expectations = false}).named);
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

int replay_input(const std::string& path, bool ops, fuzz::InputProfile profile, const std::optional<std::string>& variant,
                 const std::optional<std::string>& output, bool minimize_it, bool quiet,
                 const ImplementationChoice& implementation) {
  const std::optional<std::string> input = read_file(path);
  if (!input) {
    std::cerr << path << ": error: cannot open\n";
    return kExitBadInput;
  }
  std::string text;
  try {
    text = trace_text(*input, ops, profile, variant, implementation);
  } catch (const std::invalid_argument& error) {
    std::cerr << path << ": error: " << error.what() << "\n";
    return kExitBadInput;
  }
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
    const bool scale = profile == fuzz::InputProfile::Scale;
    std::cout << "== " << path << (scale ? " decoded (profile scale):\n" : " decoded:\n") << text;
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
  std::optional<fuzz::InputProfile> profile;
  if (const auto name = args.value("profile")) {
    profile = fuzz::parse_input_profile(*name);
    if (!profile) throw UsageError("iovacheck fuzz-replay: --profile expects ordinary or scale, got '" + *name + "'");
    if (kind == "trace" && *profile == fuzz::InputProfile::Scale)
      throw UsageError("iovacheck fuzz-replay: --profile scale is a byte form: it needs --input ops");
  }
  int worst = kExitOk;
  for (const std::string& path : args.positional)
    worst = std::max(worst, replay_input(path, kind == "ops", profile_of(path, profile), variant, output, args.flag("minimize"),
                                         args.flag("quiet"), implementation));
  return worst;
}

}  // namespace

const Verb& fuzz_replay_verb() {
  static const Verb verb{
      .name = "fuzz-replay",
      .summary = "turn fuzz harness inputs (crashes, corpus files) into traces and replay them",
      .usage = "iovacheck fuzz-replay FILE... [--variant NAME] [--impl IMPL] [--input ops|trace] [--minimize] [-o FILE]\n"
               "                             [--quiet] [--profile ordinary|scale]",
      .description =
          "Decodes each input as the differential harness does (every byte string is a trace:\n"
          "docs/fuzz.md, 'Byte format'), prints the trace, and replays it like 'replay'; with\n"
          "--input trace the input is trace text (the trace_parser harness's inputs). The\n"
          "harness runs every input on the variant its first byte picks, or on the one the\n"
          "campaign fixed: give that one with --variant. --minimize replays the failing prefix\n"
          "minimized under the predicate 'check' uses (on a variant other than mainline: still\n"
          "violating, and mainline holding). -o writes the trace replayed. --impl runs it as the\n"
          "harness did under IOVACHECK_IMPL (e.g. kernel:6.12: the variant is the kernel's design).\n"
          "--profile scale reads the scale byte form (campaign --profile scale): its bursts react to\n"
          "outcomes, so the input is expanded on the variant and implementation it is replayed on,\n"
          "up to its first violation. An input under a scale job's directory (<harness>-scale.<variant>)\n"
          "is read as scale without the option; an option that disagrees with the location is an error.\n"
          "\n"
          "Exit: 0 everything holds, 1 a property violated, 2 bad input; with several files, the worst.",
      .options = kOptions,
      .run = run_fuzz_replay,
  };
  return verb;
}

}  // namespace iovacheck::cli
