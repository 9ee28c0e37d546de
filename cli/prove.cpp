// iovacheck prove: the Z3 engine; bounded model checking, or induction with --induction.
#include <algorithm>
#include <iostream>

#include "cli/smt_options.h"
#include "cli/text.h"
#include "cli/trace_file.h"
#include "cli/verb.h"
#include "smt/bitmap_encoding.h"
#include "smt/confirm.h"
#include "smt/prove.h"

namespace iovacheck::cli {

namespace {

const std::vector<OptionSpec>& options() {
  static const std::vector<OptionSpec> all = with_alphabet_options({
      {"depth", "D", "BMC: longest trace (default 5)"},
      {"nodes", "K", "every state holds at most K nodes, the anchor excluded (default 6)"},
      {"induction", "", "prove for all lengths by induction over states of at most K nodes"},
      {"then-induction", "",
       "after a BMC proof, try induction on the variant with what is left of --timeout; its proof, when it "
       "finishes, is the verdict"},
      {"induction-first", "",
       "try induction on the variant first; its proof, when it finishes within --timeout, is the verdict, and "
       "otherwise BMC runs with what is left"},
      {"timeout", "S", "give up after S seconds and answer unknown (default 60)"},
      {"incremental", "", "BMC on one incremental Z3 solver instead of a fresh SAT solver per depth"},
      {"encoding", "E", "BMC's state: slots (a sorted node array; the default) or bitmap (pfn bitmaps: first-fit "
                        "variants, no --distinguish)"},
      {"output", "FILE", "write the counterexample trace to FILE", 'o'},
  });
  return all;
}

std::string space_of(const smt::ProveOptions& options) {
  return std::to_string(options.alphabet.width) + "-bit space (" + options.alphabet.bounds() + ")";
}

std::string restrictions_of(const smt::ProveOptions& options) {
  const std::string restricted = options.alphabet.restrictions();
  return restricted.empty() ? "" : "\n  with the restrictions: " + restricted;
}

void print_induction_proof(const smt::ProveOptions& options) {
  std::cout << "proved for every trace whose states hold at most " << options.nodes << " nodes (k-induction), in a "
            << space_of(options) << restrictions_of(options) << "\n";
}

void print_bounded_proof(const smt::ProveOptions& options) {
  std::cout << "proved up to " << options.depth << " operations / " << options.nodes << " nodes in a "
            << space_of(options)
            << (options.reference
                    ? "\n  (no trace violates on " + options.variant + " and holds on " + *options.reference + ")"
                    : "")
            << restrictions_of(options) << "\n";
}

// Why induction did not prove the variant, in one line.
std::string induction_outcome(const smt::ProveResult& induction) {
  return induction.verdict == smt::Verdict::Counterexample
             ? "a state satisfying the invariants leads to a violation (it may be unreachable)"
             : induction.reason;
}

// --then-induction after a BMC proof: the induction's proof leads (it covers every length, and
// with it no trace violates on the variant, let alone distinguishes it); otherwise the bounded
// proof stands and the induction's outcome is stated below it.
int report_both(const smt::ProveOptions& options, const smt::ProveResult& bounded, const smt::ProveResult& induction) {
  if (induction.verdict == smt::Verdict::Proved) {
    print_induction_proof(options);
    std::cout << "  and by bounded model checking: ";
    print_bounded_proof(options);
  } else {
    print_bounded_proof(options);
    std::cout << "  induction did not prove it: " << induction_outcome(induction) << "\n";
  }
  std::cout << "solver time: " << seconds_text(bounded.seconds + induction.seconds) << " (bounded "
            << seconds_text(bounded.seconds) << ", induction " << seconds_text(induction.seconds) << ")\n";
  return kExitOk;
}

int report(const smt::ProveOptions& options, const smt::ProveResult& result, bool induction,
           const std::optional<std::string>& output) {
  const std::string with = restrictions_of(options);
  const std::string space = space_of(options);
  if (result.verdict == smt::Verdict::Proved) {
    if (induction)
      print_induction_proof(options);
    else
      print_bounded_proof(options);
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
  if (!induction && result.refuted_depth > 0)
    std::cout << "  no trace of up to " << result.refuted_depth << " operations violates"
              << (options.reference ? " on " + options.variant + " and holds on " + *options.reference : "") << "\n";
  return kExitUnknown;
}

void print_induction_case(const smt::InductionCase& step) {
  static const char* const kinds[] = {"alloc", "free", "reserve"};
  std::cout << "  states of " << step.nodes << " nodes, " << kinds[step.kind] << ": solver "
            << seconds_text(step.solver_seconds) << ", total " << seconds_text(step.total_seconds) << "\n"
            << std::flush;
}

// --induction-first: induction on the variant alone, before BMC. Its proof covers every length,
// and with it no trace violates on the variant, let alone distinguishes it from a reference: when
// it proves, that is the verdict (the exit code returned). Otherwise the line below says why, and
// its time is taken off what BMC gets of --timeout.
std::optional<int> try_induction_first(smt::ProveOptions& options, double& spent) {
  smt::ProveOptions alone = options;
  alone.reference.reset();
  std::cout << "induction on " << options.variant << " first\n";
  const smt::ProveResult proof = smt::prove_by_induction(alone, print_induction_case);
  if (proof.verdict == smt::Verdict::Proved) return report(alone, proof, true, std::nullopt);
  std::cout << "  induction did not prove it: " << induction_outcome(proof) << "\n";
  spent = proof.seconds;
  options.timeout_seconds -= proof.seconds;
  std::cout << "bounded model checking, " << seconds_text(std::max(0.0, options.timeout_seconds)) << " left\n";
  return std::nullopt;
}

// --encoding bitmap: refused before any solving when the variant or a reference is outside it.
void check_bitmap_applies(const smt::ProveOptions& options) {
  if (options.reference) throw UsageError("iovacheck prove: the bitmap encoding takes no --distinguish");
  if (const std::string why = smt::bitmap_unsupported(impl::parse_variant(options.variant)); !why.empty())
    throw UsageError("iovacheck prove: " + why);
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
  const bool then_induction = args.flag("then-induction");
  const bool induction_first = args.flag("induction-first");
  if (args.flag("incremental")) options.solver = smt::SolverMode::Incremental;
  if (const auto encoding = args.value("encoding")) {
    if (*encoding != "slots" && *encoding != "bitmap")
      throw UsageError("iovacheck prove: --encoding expects slots or bitmap, not '" + *encoding + "'");
    options.encoding = *encoding == "bitmap" ? smt::BmcEncoding::Bitmap : smt::BmcEncoding::Slots;
    if (args.flag("induction")) throw UsageError("iovacheck prove: --encoding chooses BMC's state, not induction's");
    if (options.encoding == smt::BmcEncoding::Bitmap) check_bitmap_applies(options);
  }
  if (options.depth == 0) throw UsageError("iovacheck prove: --depth expects at least 1");
  if (options.nodes == 0) throw UsageError("iovacheck prove: --nodes expects at least 1");
  if (induction && options.reference) throw UsageError("iovacheck prove: --induction does not take --distinguish");
  if (induction && then_induction) throw UsageError("iovacheck prove: --then-induction follows BMC, not --induction");
  if (induction_first && (induction || then_induction))
    throw UsageError("iovacheck prove: --induction-first takes neither --induction nor --then-induction");

  const bool bitmap = !induction && options.encoding == smt::BmcEncoding::Bitmap;
  std::cout << (induction ? "induction" : "bounded model checking") << " on " << options.variant
            << (bitmap ? " (bitmap encoding)" : "") << (options.reference ? " against " + *options.reference : "") << ", in a "
            << options.alphabet.width << "-bit space (" << options.alphabet.bounds() << "), at most " << options.nodes
            << " nodes\n";
  const auto induction_progress = print_induction_case;
  try {
    double induction_seconds = 0;  // --induction-first: spent before BMC, counted in its solver time
    if (induction_first) {
      if (const std::optional<int> proved = try_induction_first(options, induction_seconds)) return *proved;
    }
    smt::ProveResult result;
    if (induction) {
      result = smt::prove_by_induction(options, induction_progress);
    } else {
      result = smt::bounded_model_check(options, [](const smt::DepthReport& depth) {
        std::cout << "  depth " << depth.depth << ": solver " << seconds_text(depth.solver_seconds);
        if (depth.lemma != smt::LemmaCheck::None)
          std::cout << ", lemma " << (depth.lemma == smt::LemmaCheck::Proved ? "proved" : "not proved (dropped)") << " "
                    << seconds_text(depth.lemma_seconds);
        std::cout << ", total " << seconds_text(depth.total_seconds) << "\n" << std::flush;
      });
    }
    result.seconds += induction_seconds;
    if (then_induction && result.verdict == smt::Verdict::Proved) {
      smt::ProveOptions alone = options;  // induction proves the variant itself, for every length
      alone.reference.reset();
      alone.timeout_seconds = options.timeout_seconds - result.seconds;
      smt::ProveResult proof;
      proof.reason = "no time was left of --timeout";
      if (alone.timeout_seconds > 0) {
        std::cout << "induction on " << options.variant << ", " << seconds_text(alone.timeout_seconds) << " left\n";
        proof = smt::prove_by_induction(alone, induction_progress);
      }
      return report_both(options, result, proof);
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
               "[--then-induction | --induction-first] [--encoding slots|bitmap] [--timeout S] [geometry and restrictions] [-o FILE]",
      .description =
          "Encodes the tree-level semantics of the variant (mainline, z1-z5, p1-p3, the F1 candidates,\n"
          "each with the fixes NAME+fN: f1, f4, f6, f7 encoded; f2, f3, f5, f9 change nothing here)\n"
          "in Z3 over the alphabet `iovacheck explore` enumerates: alloc of any size 1..2^W\n"
          "under any limit up to 2^W-1, aligned or not; free of any live allocation; reserve of a free\n"
          "range. Properties: soundness, completeness (a fitting placement below the limit means\n"
          "success), structure.\n"
          "\n"
          "Without --induction: bounded model checking by iterative deepening, each depth bit-blasted\n"
          "to SAT (--incremental: one incremental Z3 solver); the first depth with a violation gives a\n"
          "shortest counterexample, which is replayed on the C++ implementation through the shared\n"
          "checker and printed as a trace. With --distinguish REF: the shortest trace that violates on\n"
          "V and holds on REF. Prints the solver time of every depth. --encoding bitmap keeps the state as\n"
          "bitmaps of the pfns instead of a sorted node array (first-fit variants with the underflow guard,\n"
          "no fixes, no --distinguish; the same verdicts, faster at dma32 4, slower at dma32 16).\n"
          "\n"
          "With --induction: from every state of at most K nodes satisfying the invariants (order,\n"
          "disjointness, valid cached nodes, and the hint invariant: no free run of max32_alloc_size\n"
          "pages below dma32), no operation violates a property and every operation keeps the\n"
          "invariants; the empty domain satisfies them. A counterexample is a state, printed as a\n"
          "snapshot trace and replayed by the checker. With --then-induction, induction follows a BMC\n"
          "proof within what is left of --timeout, and its proof, when it finishes, is the verdict.\n"
          "With --induction-first, induction on the variant comes first: its proof is the verdict, and\n"
          "otherwise BMC runs with what is left (what `iovacheck verify` uses).\n"
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
