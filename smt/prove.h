#pragma once
// The Z3 engine's two procedures over the encoding of smt/encoding.h: bounded model checking by
// iterative deepening on one incremental solver, and induction over states of at most K nodes.
// Every counterexample is replayed on the C++ implementation through the shared checker before
// it is reported (smt/confirm.h); one that does not replay throws EngineDefect.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/counterexample.h"
#include "smt/alphabet.h"

namespace iovacheck::smt {

enum class SolverMode {
  Fresh,        // every query bit-blasted to SAT from scratch (the default: fastest here)
  Incremental,  // one incremental Z3 solver, each depth checked under an assumption
};

// BMC's state: the sorted node array of smt/encoding.h, or the pfn bitmaps of
// smt/bitmap_encoding.h (first-fit variants, no reference).
enum class BmcEncoding { Slots, Bitmap };

struct ProveOptions {
  Alphabet alphabet;
  std::string variant = "mainline";
  std::optional<std::string> reference;  // BMC only: violates on variant, holds on reference
  unsigned depth = 5;                    // BMC: longest trace
  unsigned nodes = 6;                    // K: every state holds at most K nodes (anchor excluded)
  double timeout_seconds = 60;           // for the whole run
  SolverMode solver = SolverMode::Fresh;
  BmcEncoding encoding = BmcEncoding::Slots;
};

enum class Verdict { Proved, Counterexample, Unknown };

// The bitmap encoding's BMC proves a lemma about each depth's state before assuming it.
enum class LemmaCheck { None, Proved, NotProved };

struct DepthReport {
  unsigned depth = 0;
  double solver_seconds = 0;  // this depth's check
  double total_seconds = 0;
  LemmaCheck lemma = LemmaCheck::None;
  double lemma_seconds = 0;
};

struct ProveResult {
  Verdict verdict = Verdict::Unknown;
  std::optional<Counterexample> counterexample;  // replayed and confirmed by the checker
  bool from_snapshot = false;                    // induction: the trace starts from a state built directly
  std::string reason;                            // unknown: the solver's reason; induction: what broke
  std::vector<DepthReport> depths;               // BMC: one per depth checked
  unsigned refuted_depth = 0;                    // BMC: no trace of this many operations or fewer violates
  double seconds = 0;
};

// The shortest trace of at most `depth` operations that violates a property (distinguishing,
// with a reference); Proved when none exists within the bounds.
ProveResult bounded_model_check(const ProveOptions& options,
                                const std::function<void(const DepthReport&)>& progress = {});

// Induction: from every state of at most `nodes` nodes that satisfies the invariants (order,
// disjointness, valid cached nodes, the hint invariant), no operation violates a property
// within two steps and every operation keeps the invariants; and the empty domain satisfies
// them. Proved = complete and sound for every trace whose states hold at most K nodes.
struct InductionCase {
  unsigned nodes = 0;  // the pre-state's node count
  unsigned kind = 0;   // Encoding::kAllocKind, kFreeKind or kReserveKind
  double solver_seconds = 0;
  double total_seconds = 0;
};
ProveResult prove_by_induction(const ProveOptions& options,
                               const std::function<void(const InductionCase&)>& progress = {});

}  // namespace iovacheck::smt
