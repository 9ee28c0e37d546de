#include "props/system.h"

#include "harness/implementation.h"
#include "model/trace_io.h"

namespace iovacheck::props {

CheckedSystem::CheckedSystem(const Trace& start, RunLog& log)
    : implementation_(make_implementation(start)), session_(start, *implementation_), log_(log) {}

std::optional<std::string> CheckedSystem::step(const Step& step) {
  if (violated_) return std::nullopt;
  ++log_.steps_checked;
  if (session_.step(step)) return std::nullopt;
  violated_ = true;
  const CheckReport& report = session_.report();
  if (!report.violation) return std::nullopt;  // generated steps carry no expectations
  const Violation& violation = *report.violation;
  Trace failing = report.named;
  failing.steps.resize(violation.step + 1);
  if (failing.variant != kDefaultVariant && check_on(failing, kDefaultVariant).violation) {
    ++log_.shared_with_mainline;
    return std::nullopt;
  }
  if (log_.failures++ == 0) log_.first_failure_steps = failing.steps.size();
  log_.last_failure = Counterexample{std::move(failing), violation};
  return "step " + std::to_string(violation.step) + ": " + violation_comment(violation);
}

}  // namespace iovacheck::props
