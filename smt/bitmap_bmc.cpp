#include "smt/bitmap_bmc.h"

#include <optional>
#include <stdexcept>

#include "smt/bitmap_encoding.h"
#include "smt/confirm.h"
#include "smt/solving.h"

namespace iovacheck::smt {
namespace {

// One depth's query on a fresh SAT solver: the assertions so far and the goal.
z3::check_result solve(z3::context& context, const ProveOptions& options, Clock::time_point start,
                       const z3::solver& assertions, const z3::expr& goal, std::optional<z3::model>& model,
                       std::string& unknown) {
  z3::solver fresh = make_solver(context, SolverMode::Fresh);
  if (!budget(fresh, context, options, start)) {
    unknown = unknown_reason("timeout");
    return z3::unknown;
  }
  for (const z3::expr& assertion : assertions.assertions()) fresh.add(assertion);
  fresh.add(goal);
  const z3::check_result answer = fresh.check();
  if (answer == z3::unknown) unknown = unknown_reason(fresh.reason_unknown());
  if (answer == z3::sat) model = fresh.get_model();
  return answer;
}

}  // namespace

ProveResult bitmap_model_check(const ProveOptions& options, const std::function<void(const DepthReport&)>& progress) {
  const Clock::time_point start = Clock::now();
  const impl::Variant variant = variant_named(options.variant);
  if (options.reference) throw std::invalid_argument("the bitmap encoding takes no --distinguish");
  if (const std::string why = bitmap_unsupported(variant); !why.empty()) throw std::invalid_argument(why);
  z3::context context;
  const BitmapEncoding encoding(context, options.alphabet, options.nodes);
  z3::solver assertions(context);  // only holds them: each query is solved on a fresh SAT solver
  ProveResult result;

  BitmapState state = encoding.initial();
  std::vector<EncodedOp> ops;
  std::vector<BitmapStep> steps;
  bool lemmas = true;  // every lemma so far was proved, so the next one is worth trying
  for (unsigned depth = 1; depth <= options.depth; ++depth) {
    const unsigned step = depth - 1;
    ops.push_back(encoding.fresh_op("op" + std::to_string(step) + "_"));
    const EncodedOp& op = ops.back();
    assertions.add(encoding.in_alphabet(op, state));
    if (step > 0) assertions.add(encoding.canonical(ops[step - 1], op));
    steps.push_back(encoding.step(variant, state, op));
    const BitmapStep& now = steps.back();
    assertions.add(now.in_bounds);

    DepthReport report{.depth = depth};
    std::optional<z3::model> model;
    std::string unknown;
    Clock::time_point check_start = Clock::now();
    solve(context, options, start, assertions, now.violation(), model, unknown);
    report.solver_seconds = since(check_start);
    if (unknown.empty() && !model) {
      result.refuted_depth = depth;
      assertions.add(!now.violation());  // shorter traces hold: only the last step can violate
      // A step that leaves the state as it was can be dropped from any counterexample, which
      // would then be shorter (the state is canonical: equal states have equal futures).
      assertions.add(encoding.differs(state, now.next));
      if (lemmas && depth < options.depth) {
        // Proved from everything asserted, the lemma adds no constraint, only a fact the SAT
        // solver would otherwise have to rediscover inside every later query.
        check_start = Clock::now();
        std::optional<z3::model> broken;
        const z3::expr lemma = encoding.lemma(variant, now.next);
        lemmas = solve(context, options, start, assertions, !lemma, broken, unknown) == z3::unsat;
        if (lemmas) assertions.add(lemma);
        report.lemma = lemmas ? LemmaCheck::Proved : LemmaCheck::NotProved;
        report.lemma_seconds = since(check_start);
      }
    }
    report.total_seconds = since(start);
    result.depths.push_back(report);
    if (progress) progress(report);
    if (!unknown.empty()) {
      result.reason = unknown;
      break;
    }
    if (model) {
      result.counterexample =
          confirm(trace_of(options, encoding.decode(*model, ops, steps)), options.variant, std::nullopt, step);
      result.verdict = Verdict::Counterexample;
      break;
    }
    state = now.next;
    if (depth == options.depth) result.verdict = Verdict::Proved;
  }
  result.seconds = since(start);
  return result;
}

}  // namespace iovacheck::smt
