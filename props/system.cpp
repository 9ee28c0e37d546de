#include "props/system.h"

#include "harness/implementation.h"
#include "harness/known.h"
#include "model/trace_io.h"

namespace iovacheck::props {

CheckOptions CheckedSystem::property_checking() {
  CheckOptions options;
  options.validate_every = 1;
  return options;
}

struct CheckedSystem::Unfixed {
  Unfixed(const Trace& start, const ImplementationChoice& runs_on)
      : variant(start.variant),
        choice(runs_on),
        implementation(make_exact_implementation(start, start.variant, runs_on)),
        session(start, *implementation) {}
  std::string variant;
  ImplementationChoice choice;
  std::unique_ptr<SystemUnderTest> implementation;
  CheckSession session;
};

CheckedSystem::CheckedSystem(const Trace& start, RunLog& log, const ImplementationChoice& choice,
                             const CheckOptions& options, const std::string& unfixed,
                             const ImplementationChoice& unfixed_choice)
    : implementation_(make_exact_implementation(start, start.variant, choice)),
      session_(start, *implementation_, options),
      log_(log) {
  if (unfixed.empty()) return;
  Trace unfixed_start = start;
  unfixed_start.variant = unfixed;
  unfixed_ = std::make_unique<Unfixed>(unfixed_start, unfixed_choice);
}

CheckedSystem::~CheckedSystem() = default;

// Only while searching: once the property has failed, RapidCheck's shrinking reruns cases.
void CheckedSystem::count_unfixed(const Step& step) {
  if (!unfixed_) return;
  if (unfixed_->session.step(step)) return;
  const CheckReport& report = unfixed_->session.report();
  if (report.violation && log_.failures == 0) {
    if (const std::optional<unsigned> known =
            known_as(report.named, report.violation->step, unfixed_->variant, unfixed_->choice))
      ++log_.known_met[*known];
    else
      ++log_.met_unexplained;
  }
  unfixed_.reset();
}

std::optional<std::string> CheckedSystem::step(const Step& step) {
  if (violated_) return std::nullopt;
  count_unfixed(step);
  ++log_.steps_checked;
  if (session_.step(step)) return std::nullopt;
  return failure();
}

std::optional<Outcome> CheckedSystem::last_outcome() const {
  const CheckReport& report = session_.report();
  if (report.steps.empty() || report.steps.back().caller_error) return std::nullopt;
  return report.steps.back().outcome;
}

std::optional<std::string> CheckedSystem::finish() {
  if (violated_ || session_.finish()) return std::nullopt;
  return failure();
}

std::optional<std::string> CheckedSystem::failure() {
  violated_ = true;
  const CheckReport& report = session_.report();
  if (!report.violation) return std::nullopt;  // generated steps carry no expectations
  const Violation& violation = *report.violation;
  Trace failing = report.named;
  failing.steps.resize(violation.step + 1);
  if (without_fixes(failing.variant) != kDefaultVariant &&
      check_on(failing, mainline_with_fixes_of(failing.variant)).violation) {
    ++log_.shared_with_mainline;
    return std::nullopt;
  }
  if (log_.failures++ == 0) log_.first_failure_steps = failing.steps.size();
  log_.last_failure = Counterexample{std::move(failing), violation};
  return "step " + std::to_string(violation.step) + ": " + violation_comment(violation);
}

}  // namespace iovacheck::props
