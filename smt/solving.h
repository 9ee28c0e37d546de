#pragma once
// What the Z3 procedures of smt/ share about running the solver: the SAT pipeline, the budget
// taken from --timeout, the wording of an unknown answer.
#include <chrono>
#include <string>

#include <z3++.h>

#include "impl/variant.h"
#include "smt/prove.h"

namespace iovacheck::smt {

using Clock = std::chrono::steady_clock;

inline double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The variant `NAME[+fN...]` (impl/variant.h); std::invalid_argument naming what is wrong.
impl::Variant variant_named(const std::string& name);

// Fresh: the query bit-blasted to SAT from scratch, which on these encodings is 5 to 80 times
// faster than Z3's incremental SMT solver (docs/smt.md); Incremental: that solver.
z3::solver make_solver(z3::context& context, SolverMode mode);

// Sets the solver's budget to what is left of the run; false when nothing is left.
bool budget(z3::solver& solver, z3::context& context, const ProveOptions& options, Clock::time_point start);

std::string unknown_reason(const std::string& solver_reason);

// A trace of `options`' geometry and variant with these steps.
Trace trace_of(const ProveOptions& options, std::vector<Step> steps, std::optional<Snapshot> snapshot = std::nullopt);

}  // namespace iovacheck::smt
