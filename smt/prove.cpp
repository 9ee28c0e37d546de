#include "smt/prove.h"

#include <z3++.h>

#include "impl/variant.h"
#include "smt/bitmap_bmc.h"
#include "smt/confirm.h"
#include "smt/encoding.h"
#include "smt/solving.h"

namespace iovacheck::smt {
namespace {

// A step's violation as separate goals for induction: soundness, structure, and completeness by
// the gap that holds the fitting placement; the violation is their disjunction. One at a time,
// each is a much smaller problem for the SAT solver (docs/smt.md: induction with 8 nodes at
// dma32 16 went from 68 s to 22 s of CPU time).
std::vector<z3::expr> goals_of(const EncodedStep& step) {
  std::vector<z3::expr> goals{step.soundness, step.structure};
  goals.insert(goals.end(), step.completeness_by_gap.begin(), step.completeness_by_gap.end());
  return goals;
}

}  // namespace

ProveResult bounded_model_check(const ProveOptions& options, const std::function<void(const DepthReport&)>& progress) {
  if (options.encoding == BmcEncoding::Bitmap) return bitmap_model_check(options, progress);
  const Clock::time_point start = Clock::now();
  const impl::Variant variant = variant_named(options.variant);
  const std::optional<impl::Variant> reference_variant =
      options.reference ? std::optional(variant_named(*options.reference)) : std::nullopt;
  const impl::Variant* reference = reference_variant ? &*reference_variant : nullptr;
  z3::context context;
  const Encoding encoding(context, options.alphabet, options.nodes, options.depth);
  z3::solver solver = make_solver(context, SolverMode::Incremental);  // holds the assertions of every depth
  ProveResult result;

  EncodedState state = encoding.initial(variant);
  EncodedState reference_state = reference ? encoding.initial(*reference) : state;
  std::vector<EncodedOp> ops;
  unsigned goals = 0;  // incremental mode: one assumption literal per goal
  for (unsigned depth = 1; depth <= options.depth; ++depth) {
    const unsigned step = depth - 1;
    ops.push_back(encoding.fresh_op("op" + std::to_string(step) + "_"));
    const EncodedOp& op = ops.back();
    solver.add(encoding.in_alphabet(op, state));
    if (step > 0) solver.add(encoding.canonical(ops[step - 1], op));
    const EncodedStep on_variant = encoding.step(variant, state, op, step);
    solver.add(on_variant.in_bounds);
    const EncodedState reference_before = reference_state;
    if (reference) {
      const EncodedStep on_reference = encoding.step(*reference, reference_state, op, step);
      solver.add(on_reference.in_bounds);
      solver.add(!on_reference.violation());  // the reference holds on the whole trace
      reference_state = on_reference.next;
    }
    if (!budget(solver, context, options, start)) {
      result.reason = unknown_reason("timeout");
      break;
    }
    const Clock::time_point check_start = Clock::now();
    std::optional<z3::model> model;
    std::string unknown;
    // One goal here, not goals_of(): with --distinguish, "violates on the variant" against "holds
    // on the reference" is then the same term negated wherever the two copies agree, which Z3
    // folds away (z6 against mainline: depth 5 in 0.3 s; split by goal it timed out at 60 s).
    for (const z3::expr& goal : {on_variant.violation()}) {
      z3::check_result answer;
      std::optional<z3::solver> fresh;
      if (options.solver == SolverMode::Fresh) {
        fresh.emplace(make_solver(context, SolverMode::Fresh));
        if (!budget(*fresh, context, options, start)) {
          unknown = unknown_reason("timeout");
          break;
        }
        for (const z3::expr& assertion : solver.assertions()) fresh->add(assertion);
        fresh->add(goal);
        answer = fresh->check();
      } else {
        const z3::expr literal = context.bool_const(("goal" + std::to_string(goals++)).c_str());
        solver.add(z3::implies(literal, goal));
        z3::expr_vector assumptions(context);
        assumptions.push_back(literal);
        answer = solver.check(assumptions);
      }
      z3::solver& used = fresh ? *fresh : solver;
      if (answer == z3::unknown) unknown = unknown_reason(used.reason_unknown());
      if (answer == z3::sat) model = used.get_model();
      if (answer != z3::unsat) break;
    }
    result.depths.push_back(DepthReport{depth, since(check_start), since(start)});
    if (progress) progress(result.depths.back());
    if (!unknown.empty()) {
      result.reason = unknown;
      break;
    }
    if (model) {
      std::vector<Step> steps;
      for (unsigned i = 0; i < depth; ++i) steps.push_back(encoding.decode_op(*model, ops[i], i));
      result.counterexample = confirm(trace_of(options, steps), options.variant, options.reference, step);
      result.verdict = Verdict::Counterexample;
      break;
    }
    result.refuted_depth = depth;
    solver.add(!on_variant.violation());  // shorter traces hold: only the last step can violate
    // A step that changes neither state can be dropped from any counterexample, which would
    // then be shorter: only the last step may leave both states as they were.
    z3::expr changes = encoding.differs(state, on_variant.next);
    if (reference) changes = changes || encoding.differs(reference_before, reference_state);
    solver.add(changes);
    state = on_variant.next;
    if (depth == options.depth) result.verdict = Verdict::Proved;
  }
  result.seconds = since(start);
  return result;
}

ProveResult prove_by_induction(const ProveOptions& options, const std::function<void(const InductionCase&)>& progress) {
  const Clock::time_point start = Clock::now();
  const impl::Variant variant = variant_named(options.variant);
  // Allocation numbers only name nodes: the pre-state's are 1..K (or 0, a reservation), the
  // steps' own come after them.
  const unsigned first_step = options.nodes + 1;
  z3::context context;
  const Encoding encoding(context, options.alphabet, options.nodes, first_step + 2);
  ProveResult result;
  auto invariant = [&](const EncodedState& state) {
    return encoding.well_formed(state) && encoding.hint_invariant(variant, state);
  };

  // The base case: the empty domain satisfies the invariants.
  {
    z3::solver solver = make_solver(context, options.solver);
    solver.add(!invariant(encoding.initial(variant)));
    if (solver.check() == z3::sat) {
      result.verdict = Verdict::Counterexample;
      result.reason = "the empty domain does not satisfy the hint invariant (a free run of max32_alloc_size pages "
                      "lies below dma32)";
      result.seconds = since(start);
      return result;
    }
  }
  auto check = [&](const z3::expr& query) -> std::optional<z3::model> {
    z3::solver solver = make_solver(context, options.solver);
    if (!budget(solver, context, options, start)) {
      result.reason = unknown_reason("timeout");
      return std::nullopt;
    }
    solver.add(query);
    const z3::check_result answer = solver.check();
    if (answer == z3::unknown) result.reason = unknown_reason(solver.reason_unknown());
    if (answer != z3::sat) return std::nullopt;
    return solver.get_model();
  };

  // The inductive step, one query per node count and operation kind (each smaller for the
  // solver): from any state satisfying the invariants, the operation neither violates a
  // property nor leaves the invariants. All unsat is the proof.
  for (unsigned count = 0; count <= options.nodes; ++count) {
    for (unsigned kind : {Encoding::kAllocKind, Encoding::kFreeKind, Encoding::kReserveKind}) {
      const Clock::time_point case_start = Clock::now();
      const EncodedState pre = encoding.fresh_state("s_", count);
      z3::expr assumptions = invariant(pre);
      for (unsigned i = 0; i < count; ++i) assumptions = assumptions && z3::ult(pre.id[i], encoding.id(first_step));
      const EncodedOp first = encoding.fresh_op("o1_");
      const EncodedStep one = encoding.step(variant, pre, first, first_step);
      const z3::expr steps_ok =
          first.kind == context.bv_val(kind, 2) && encoding.in_alphabet(first, pre) && one.in_bounds;
      // A violation, one goal at a time (goals_of); then, with "no violation" as a proved lemma
      // (completeness of the search helps the solver with the hint), the invariant after the step.
      std::optional<z3::model> step_model;
      for (const z3::expr& goal : goals_of(one))
        if (!step_model && result.reason.empty()) step_model = check(assumptions && steps_ok && goal);
      if (!step_model && result.reason.empty())
        step_model = check(assumptions && steps_ok && !one.violation() && !invariant(one.next));
      if (progress) progress(InductionCase{count, kind, since(case_start), since(start)});
      if (!result.reason.empty()) {
        result.seconds = since(start);
        return result;
      }
      if (!step_model) continue;

      auto snapshot_counterexample = [&](const z3::model& model, const std::vector<Step>& steps) {
        const Trace trace = trace_of(options, steps, encoding.decode_state(model, pre));
        result.counterexample = confirm(trace, options.variant, std::nullopt, steps.size() - 1);
        result.from_snapshot = true;
        result.verdict = Verdict::Counterexample;
      };
      if (step_model->eval(one.violation(), true).is_true()) {
        snapshot_counterexample(*step_model, {encoding.decode_op(*step_model, first, first_step, &pre)});
      } else {
        // The invariant breaks without a violation; a violation one step later makes it concrete.
        const EncodedOp second = encoding.fresh_op("o2_");
        const EncodedStep two = encoding.step(variant, one.next, second, first_step + 1);
        if (auto model = check(assumptions && steps_ok && !one.violation() && encoding.in_alphabet(second, one.next) &&
                               two.in_bounds && two.violation())) {
          snapshot_counterexample(*model, {encoding.decode_op(*model, first, first_step, &pre),
                                           encoding.decode_op(*model, second, first_step + 1, &one.next)});
        } else if (result.reason.empty()) {
          const Trace trace = trace_of(options, {encoding.decode_op(*step_model, first, first_step, &pre)},
                                       encoding.decode_state(*step_model, pre));
          result.counterexample = Counterexample{
              trace, Violation{0, Property::Completeness, "the hint invariant does not hold after this step", "", ""}};
          result.from_snapshot = true;
          result.reason = "the invariant is not inductive: this step leaves a state outside it, and no violation "
                          "follows within one more step";
        }
      }
      result.seconds = since(start);
      return result;
    }
  }
  result.verdict = Verdict::Proved;
  result.seconds = since(start);
  return result;
}

}  // namespace iovacheck::smt
