#include "field/inspect.h"

#include <map>
#include <stdexcept>

namespace iovacheck::field {

InspectedRun run_inspected(const Trace& trace, std::string_view variant) {
  InspectedRun run;
  run.variant = variant.empty() ? trace.variant : std::string(variant);
  std::unique_ptr<InspectableImplementation> sut;
  try {
    sut = make_inspectable_implementation(trace, run.variant);
  } catch (const std::invalid_argument& error) {
    run.error = error.what();
    return run;
  }
  run.start = sut->observe();
  run.start_hints = sut->hints();
  std::map<std::string, Pfn, std::less<>> named;  // allocations by name, to resolve frees by name
  for (const Step& step : trace.steps) {
    Op op = step.op;
    if (Target* target = free_target(op); target && target->by_name()) {
      const auto found = named.find(target->name);
      if (found == named.end()) {  // a caller error the checker reports; nothing to apply
        run.steps.push_back(StepView{op, Outcome{Outcome::Status::Rejected, 0, std::nullopt}, sut->observe(), sut->hints(), {}});
        continue;
      }
      target->pfn = found->second;
      named.erase(found);
    }
    const Outcome outcome = sut->apply(op);
    if (const std::string* name = bound_name(op); name && !name->empty() && outcome.status == Outcome::Status::Ok) named[*name] = outcome.pfn;
    run.steps.push_back(StepView{op, outcome, sut->observe(), sut->hints(), sut->last_attempts()});
  }
  run.violation = check_on(trace, run.variant, CheckOptions{.check_expectations = false}).violation;
  return run;
}

std::string describe_exit(SearchExit exit) {
  switch (exit) {
    case SearchExit::EarlyCheck: return "the early check (size >= max32_alloc_size)";
    case SearchExit::FirstPass: return "the first pass";
    case SearchExit::RetryPass: return "the retry pass";
    case SearchExit::WholeSearch: return "its whole-space search";
  }
  return "?";
}

std::string describe_attempts(const std::vector<TreeAttempt>& attempts) {
  if (attempts.empty()) return "served by a range cache, no tree search";
  std::string text;
  for (std::size_t k = 0; k < attempts.size(); ++k) {
    if (k > 0) text += "; after the flush, ";
    text += (attempts[k].placed ? "placed in " : "fails at ") + describe_exit(attempts[k].exit);
  }
  return text;
}

std::string describe_hint(const HintRef& hint) {
  switch (hint.kind) {
    case HintRef::Kind::None: return "none";
    case HintRef::Kind::Anchor: return "the anchor";
    case HintRef::Kind::Node: return hex(hint.pfn_lo);
    case HintRef::Kind::Freed: return "a freed node";
  }
  return "?";
}

}  // namespace iovacheck::field
