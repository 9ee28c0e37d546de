#include "smt/confirm.h"

#include "harness/implementation.h"
#include "model/trace_io.h"

namespace iovacheck::smt {

Counterexample confirm(const Trace& trace, const std::string& variant, const std::optional<std::string>& reference,
                       std::size_t expected_step) {
  const CheckOptions options{.check_expectations = false};
  const CheckReport report = check_on(trace, variant, options);
  const std::string where = "the counterexample (" + std::to_string(trace.steps.size()) + " steps)";
  if (!report.violation)
    throw EngineDefect(where + " does not violate any property on " + variant + " when replayed:\n" +
                       print_trace(trace));
  if (report.violation->step != expected_step)
    throw EngineDefect(where + " violates on " + variant + " at step " + std::to_string(report.violation->step + 1) +
                       ", not at step " + std::to_string(expected_step + 1) + " as the engine says (" +
                       violation_comment(*report.violation) + "):\n" + print_trace(trace));
  if (reference) {
    const CheckReport on_reference = check_on(trace, *reference, options);
    if (on_reference.violation)
      throw EngineDefect(where + " is meant to hold on " + *reference + " but the checker reports " +
                         violation_comment(*on_reference.violation) + " at step " +
                         std::to_string(on_reference.violation->step + 1) + ":\n" + print_trace(trace));
  }
  Trace named = report.named;
  named.steps.resize(expected_step + 1);
  return Counterexample{named, *report.violation};
}

}  // namespace iovacheck::smt
