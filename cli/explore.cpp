// iovacheck explore: every operation sequence of the alphabet up to a depth, the shortest violation.
#include <iostream>

#include "cli/smt_options.h"
#include "cli/text.h"
#include "cli/trace_file.h"
#include "cli/verb.h"
#include "smt/confirm.h"
#include "smt/explore.h"

namespace iovacheck::cli {

namespace {

const std::vector<OptionSpec>& options() {
  static const std::vector<OptionSpec> all = with_alphabet_options({
      {"depth", "D", "longest sequence explored (default 4)"},
      {"output", "FILE", "write the shortest counterexample trace to FILE", 'o'},
  });
  return all;
}

int run_explore(const ParsedArgs& args) {
  if (!args.positional.empty()) throw UsageError("iovacheck explore: unexpected argument '" + args.positional.front() + "'");
  smt::ExploreOptions options;
  options.variant = variant_from(args, "explore");
  options.reference = reference_from(args, "explore");
  options.alphabet = alphabet_from(args, "explore", 4);
  // Every size times every limit, aligned or not: 2^(2W+1) allocations per step.
  constexpr unsigned kMaxExploreWidth = 6;
  if (options.alphabet.width > kMaxExploreWidth)
    throw UsageError("iovacheck explore: the " + std::to_string(options.alphabet.width) +
                     "-bit space has too many operations per step to enumerate; use --width " +
                     std::to_string(kMaxExploreWidth) + " or less (iovacheck prove handles wider spaces)");
  options.depth = static_cast<unsigned>(number_option(args, "explore", "depth", 4, 64));
  if (options.depth == 0) throw UsageError("iovacheck explore: --depth expects at least 1");

  std::cout << "exploring " << options.variant << (options.reference ? " against " + *options.reference : "")
            << ", in a " << options.alphabet.width << "-bit space (" << options.alphabet.bounds() << ")\n";
  if (const std::string restricted = options.alphabet.restrictions(); !restricted.empty())
    std::cout << "restricted to: " << restricted << "\n";
  smt::ExploreResult result;
  try {
    result = smt::explore(options, [](const smt::DepthStats& stats) {
      std::cout << "  depth " << stats.depth << ": " << stats.sequences << " sequences, " << stats.states
                << " new states, " << seconds_text(stats.seconds) << "\n"
                << std::flush;
    });
  } catch (const smt::EngineDefect& defect) {
    std::cerr << "iovacheck explore: defect: " << defect.what() << "\n";
    return kExitInternal;
  }
  if (!result.counterexample) {
    const bool exhausted = !result.depths.empty() && result.depths.back().states == 0;
    std::cout << "no violation in any sequence of up to "
              << (exhausted ? result.depths.back().depth : options.depth) << " operations"
              << (exhausted ? " (every reachable state explored)" : "") << "\n";
    return kExitOk;
  }
  const std::string text = print_counterexample(*result.counterexample);
  std::cout << "shortest counterexample: " << result.counterexample->trace.steps.size() << " operations\n" << text;
  if (auto output = args.value("output"); output && !write_text_file(*output, text)) {
    std::cerr << "iovacheck explore: cannot write '" << *output << "'\n";
    return kExitBadInput;
  }
  return kExitFinding;
}

}  // namespace

const Verb& explore_verb() {
  static const Verb verb{
      .name = "explore",
      .summary = "run every operation sequence up to a depth and report the shortest violation",
      .usage = "iovacheck explore --variant V [--distinguish REF] [--depth D] [--dma32 N] [--start N] [--width W] "
               "[restrictions] [-o FILE]",
      .description =
          "Enumerates, breadth first, every sequence of up to D operations of the alphabet: alloc of\n"
          "every size 1..2^W under every limit 0..2^W-1, aligned or not; free of every live\n"
          "allocation; reserve of every range of the space that overlaps no node. Each sequence runs\n"
          "on the C++ implementation through the shared checker; sequences reaching a state already\n"
          "seen (tree, hints, max32, live allocations) are not extended. The first violation found is\n"
          "a shortest one; it is replayed from an empty domain and printed as a trace. With\n"
          "--distinguish REF only sequences that hold on REF count. The default geometry is dma32=4,\n"
          "start=1 in a 3-bit space. The cross-check for `iovacheck prove`, which encodes the same\n"
          "alphabet.\n"
          "\n"
          "Exit: 0 no violation up to D, 1 a counterexample, 2 bad usage, 3 a defect in iovacheck.",
      .options = options(),
      .run = run_explore,
  };
  return verb;
}

}  // namespace iovacheck::cli
