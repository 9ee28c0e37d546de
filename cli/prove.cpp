// iovacheck prove: the Z3 engine; bounded model checking, or induction with --induction.
#include <iostream>

#include "cli/smt_options.h"
#include "cli/text.h"
#include "cli/trace_file.h"
#include "cli/verb.h"
#include "smt/confirm.h"
#include "smt/prove.h"

namespace iovacheck::cli {

namespace {

const std::vector<OptionSpec>& options() {
  static const std::vector<OptionSpec> all = with_alphabet_options({
      {"depth", "D", "BMC: longest trace (default 5)"},
      {"nodes", "K", "every state holds at most K nodes, the anchor excluded (default 6)"},
      {"induction", "", "prove for all lengths by induction over states of at most K nodes"},
      {"timeout", "S", "give up after S seconds and answer unknown (default 60)"},
      {"incremental", "", "BMC on one incremental Z3 solver instead of a fresh SAT solver per depth"},
      {"output", "FILE", "write the counterexample trace to FILE", 'o'},
  });
  return all;
}

int report(const smt::ProveOptions& options, const smt::ProveResult& result, bool induction,
           const std::optional<std::string>& output) {
  const std::string restricted = options.alphabet.restrictions();
  const std::string with = restricted.empty() ? "" : "\n  with the restrictions: " + restricted;
  const std::string space = std::to_string(options.alphabet.width) + "-bit space (" + options.alphabet.bounds() + ")";
  if (result.verdict == smt::Verdict::Proved) {
    if (induction)
      std::cout << "proved for every trace whose states hold at most " << options.nodes
                << " nodes (k-induction), in a " << space << with << "\n";
    else
      std::cout << "proved up to " << options.depth << " operations / " << options.nodes << " nodes in a " << space
                << (options.reference ? "\n  (no trace violates on " + options.variant + " and holds on " +
                                            *options.reference + ")"
                                      : "")
                << with << "\n";
    std::cout << "solver time: " << seconds_text(result.seconds) << "\n";
    return kExitOk;
  }
  if (result.counterexample) {
    const std::string text = print_counterexample(*result.counterexample);
    if (result.verdict == smt::Verdict::Counterexample)
      std::cout << (result.from_snapshot ? "counterexample to induction, from a state built directly (it may be "
                                           "unreachable by operations):\n"
                                         : "shortest counterexample: " +
                                               std::to_string(result.counterexample->trace.steps.size()) +
                                               " operations, in a " + space + with + "\n")
                << text;
    else
      std::cout << "unknown: " << result.reason << "\n" << text;
    std::cout << "solver time: " << seconds_text(result.seconds) << "\n";
    if (output && !write_text_file(*output, text)) {
      std::cerr << "iovacheck prove: cannot write '" << *output << "'\n";
      return kExitBadInput;
    }
    return result.verdict == smt::Verdict::Counterexample ? kExitFinding : kExitUnknown;
  }
  if (result.verdict == smt::Verdict::Counterexample) {
    std::cout << "counterexample: " << result.reason << "\n";
    return kExitFinding;
  }
  std::cout << "unknown: " << result.reason << " (after " << seconds_text(result.seconds) << ")\n";
  return kExitUnknown;
}

int run_prove(const ParsedArgs& args) {
  if (!args.positional.empty()) throw UsageError("iovacheck prove: unexpected argument '" + args.positional.front() + "'");
  smt::ProveOptions options;
  options.variant = variant_from(args, "prove");
  options.reference = reference_from(args, "prove");
  options.alphabet = alphabet_from(args, "prove", 16);
  options.depth = static_cast<unsigned>(number_option(args, "prove", "depth", 5, 100));
  options.nodes = static_cast<unsigned>(number_option(args, "prove", "nodes", 6, 60));
  options.timeout_seconds = static_cast<double>(number_option(args, "prove", "timeout", 60, 86400));
  const bool induction = args.flag("induction");
  if (args.flag("incremental")) options.solver = smt::SolverMode::Incremental;
  if (options.depth == 0) throw UsageError("iovacheck prove: --depth expects at least 1");
  if (options.nodes == 0) throw UsageError("iovacheck prove: --nodes expects at least 1");
  if (induction && options.reference) throw UsageError("iovacheck prove: --induction does not take --distinguish");

  std::cout << (induction ? "induction" : "bounded model checking") << " on " << options.variant
            << (options.reference ? " against " + *options.reference : "") << ", in a "
            << options.alphabet.width << "-bit space (" << options.alphabet.bounds() << "), at most " << options.nodes
            << " nodes\n";
  try {
    smt::ProveResult result;
    if (induction) {
      result = smt::prove_by_induction(options, [](const smt::InductionCase& step) {
        static const char* const kinds[] = {"alloc", "free", "reserve"};
        std::cout << "  states of " << step.nodes << " nodes, " << kinds[step.kind] << ": solver "
                  << seconds_text(step.solver_seconds) << ", total " << seconds_text(step.total_seconds) << "\n"
                  << std::flush;
      });
    } else {
      result = smt::bounded_model_check(options, [](const smt::DepthReport& depth) {
        std::cout << "  depth " << depth.depth << ": solver " << seconds_text(depth.solver_seconds) << ", total "
                  << seconds_text(depth.total_seconds) << "\n"
                  << std::flush;
      });
    }
    return report(options, result, induction, args.value("output"));
  } catch (const smt::EngineDefect& defect) {
    std::cerr << "iovacheck prove: defect in iovacheck: " << defect.what() << "\n";
    return kExitInternal;
  } catch (const std::invalid_argument& error) {
    throw UsageError("iovacheck prove: " + std::string(error.what()));
  }
}

}  // namespace

const Verb& prove_verb() {
  static const Verb verb{
      .name = "prove",
      .summary = "Z3: shortest counterexample by bounded model checking, or a proof by induction",
      .usage = "iovacheck prove --variant V [--distinguish REF] [--depth D] [--nodes K] [--width W] [--induction] "
               "[--timeout S] [geometry and restrictions] [-o FILE]",
      .description =
          "Encodes the tree-level semantics of the variant (mainline, z1-z5, p2, p3, the F1 candidates;\n"
          "not p1) in Z3 over the alphabet `iovacheck explore` enumerates: alloc of any size 1..2^W\n"
          "under any limit up to 2^W-1, aligned or not; free of any live allocation; reserve of a free\n"
          "range. Properties: soundness, completeness (a fitting placement below the limit means\n"
          "success), structure.\n"
          "\n"
          "Without --induction: bounded model checking by iterative deepening, each depth bit-blasted\n"
          "to SAT (--incremental: one incremental Z3 solver); the first depth with a violation gives a\n"
          "shortest counterexample, which is replayed on the C++ implementation through the shared\n"
          "checker and printed as a trace. With --distinguish REF: the shortest trace that violates on\n"
          "V and holds on REF. Prints the solver time of every depth.\n"
          "\n"
          "With --induction: from every state of at most K nodes satisfying the invariants (order,\n"
          "disjointness, valid cached nodes, and the hint invariant: no free run of max32_alloc_size\n"
          "pages below dma32), no operation violates a property and every operation keeps the\n"
          "invariants; the empty domain satisfies them. A counterexample is a state, printed as a\n"
          "snapshot trace and replayed by the checker.\n"
          "\n"
          "Defaults: dma32=16, start=1 in a 5-bit space, depth 5, 6 nodes, timeout 60 s; every\n"
          "restriction is an option and is printed with the verdict.\n"
          "\n"
          "Exit: 0 proved, 1 a counterexample, 2 bad usage, 3 a defect in iovacheck (a counterexample\n"
          "the checker does not reproduce), 4 unknown (timeout; the solver's reason is printed).",
      .options = options(),
      .run = run_prove,
  };
  return verb;
}

}  // namespace iovacheck::cli
