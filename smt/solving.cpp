#include "smt/solving.h"

#include <cmath>
#include <stdexcept>

namespace iovacheck::smt {

impl::Variant variant_named(const std::string& name) { return impl::parse_variant(name); }

z3::solver make_solver(z3::context& context, SolverMode mode) {
  if (mode == SolverMode::Incremental) return z3::solver(context);
  return (z3::tactic(context, "simplify") & z3::tactic(context, "propagate-values") & z3::tactic(context, "solve-eqs") &
          z3::tactic(context, "bit-blast") & z3::tactic(context, "sat"))
      .mk_solver();
}

bool budget(z3::solver& solver, z3::context& context, const ProveOptions& options, Clock::time_point start) {
  const double left = options.timeout_seconds - since(start);
  if (left <= 0) return false;
  z3::params params(context);
  params.set("timeout", static_cast<unsigned>(std::ceil(left * 1000)));
  solver.set(params);
  return true;
}

std::string unknown_reason(const std::string& solver_reason) {
  if (solver_reason == "canceled" || solver_reason == "timeout")
    return "timeout: the solver was stopped at the --timeout budget (" + solver_reason + ")";
  return "the solver gave up: " + solver_reason;
}

Trace trace_of(const ProveOptions& options, std::vector<Step> steps, std::optional<Snapshot> snapshot) {
  Trace trace;
  trace.geometry = options.alphabet.geometry;
  trace.variant = options.variant;
  trace.snapshot = std::move(snapshot);
  trace.steps = std::move(steps);
  return trace;
}

}  // namespace iovacheck::smt
