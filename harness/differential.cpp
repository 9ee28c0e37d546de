#include "harness/differential.h"

#include <map>
#include <stdexcept>

#include "model/model.h"
#include "model/trace_io.h"

namespace iovacheck {
namespace {

std::string outcome_text(const Op& op, const Outcome& outcome) {
  switch (outcome.status) {
    case Outcome::Status::Rejected: return "rejected";
    case Outcome::Status::Fail: return "fail";
    case Outcome::Status::Ok: break;
  }
  std::string text = "ok";
  if (std::holds_alternative<Alloc>(op) || std::holds_alternative<FastAlloc>(op)) text += " " + hex(outcome.pfn);
  if (outcome.node) text += " " + to_string(*outcome.node);
  return text;
}

std::string validation_text(const std::optional<std::string>& problem) { return problem ? *problem : "valid"; }

// The op with its free target resolved to a pfn; nullopt when it names no live allocation.
std::optional<Op> resolved(const Op& op, const std::map<std::string, Pfn>& names) {
  Op applied = op;
  if (Target* target = free_target(applied); target && target->by_name()) {
    auto found = names.find(target->name);
    if (found == names.end()) return std::nullopt;
    target->pfn = found->second;
    target->name.clear();
  }
  return applied;
}

void bind_names(const Op& op, const Outcome& outcome, std::map<std::string, Pfn>& names) {
  if (outcome.status != Outcome::Status::Ok) return;
  if (const std::string* name = bound_name(op); name && !name->empty()) names[*name] = outcome.pfn;
  if (const Target* target = free_target(op); target && target->by_name()) names.erase(target->name);
}

}  // namespace

DifferentialRun run_differential(const Trace& trace, const ExactFactory& make_a, const ExactFactory& make_b) {
  DifferentialRun run;
  std::unique_ptr<ExactSystemUnderTest> a, b;
  try {
    a = make_a(trace);
    b = make_b(trace);
  } catch (const std::invalid_argument& refusal) {
    run.refused = refusal.what();
    return run;
  }
  run.a_name = a->name();
  run.b_name = b->name();
  Model model(trace.geometry, trace.snapshot ? &*trace.snapshot : nullptr);
  std::map<std::string, Pfn> names;
  auto differ = [&](std::size_t index, const std::string& what) {
    run.difference = Difference{index, "after step " + std::to_string(index + 1) + " (" + print_op(trace.steps[index].op) +
                                           "): " + what + " (" + run.a_name + " vs " + run.b_name + ")",
                                a->describe(), b->describe()};
  };
  for (std::size_t index = 0; index < trace.steps.size(); ++index) {
    const Step& step = trace.steps[index];
    const std::optional<Op> op = resolved(step.op, names);
    if (!op) continue;
    const std::optional<CallerError> caller_error = model.caller_error(*op);
    if (caller_error && !caller_error->must_refuse) continue;
    const Outcome from_a = a->apply(*op);
    const Outcome from_b = b->apply(*op);
    ++run.steps;
    const std::string result_a = outcome_text(*op, from_a), result_b = outcome_text(*op, from_b);
    if (result_a != result_b) {
      differ(index, "result: " + result_a + " vs " + result_b);
      return run;
    }
    // Each side words its own invariants: whether they hold is what must agree.
    const std::optional<std::string> broken_a = a->validate(), broken_b = b->validate();
    if (broken_a.has_value() != broken_b.has_value()) {
      differ(index, "validate: " + validation_text(broken_a) + " vs " + validation_text(broken_b));
      return run;
    }
    if (auto what = first_difference(a->exact_state(), b->exact_state())) {
      differ(index, *what);
      return run;
    }
    bind_names(step.op, from_a, names);
    if (!caller_error) model.judge(*op, from_a, a->observe());  // only to classify later ops
  }
  return run;
}

Trace minimize_difference(const Trace& trace, const ExactFactory& a, const ExactFactory& b,
                          const MinimizeOptions& options, MinimizeStats* stats) {
  auto differs = [&](const Trace& candidate) { return run_differential(candidate, a, b).difference.has_value(); };
  return minimize(trace, differs, options, stats);
}

}  // namespace iovacheck
