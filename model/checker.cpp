#include "model/checker.h"

#include <algorithm>
#include <span>
#include <sstream>
#include <utility>

#include "model/live_names.h"
#include "model/model.h"
#include "model/name_table.h"
#include "model/trace_io.h"

namespace iovacheck {
namespace {

// Names of live allocations, so frees can be resolved and the run printed placement-free.
class Names {
 public:
  // `trace`'s steps are names to avoid; when `runs_whole_trace` they are every step the run will
  // take and `trace` outlives the run (check()'s): their names are then taken only if a fresh
  // name is ever needed (most traces name every allocation; fingerprinting them all up front, and
  // again step by step, was a good part of a short run's cost), and take() is not needed.
  Names(const Trace& trace, bool runs_whole_trace, std::function<bool(std::string_view)> is_trace_name)
      : is_trace_name_(std::move(is_trace_name)) {
    std::size_t allocations = 0;
    for (const Step& step : trace.steps) allocations += bound_name(step.op) != nullptr;
    // At most that many names are live at once; a long trace's few live names grow as they go.
    live_.reserve(std::min(allocations, kReservedNames));
    if (runs_whole_trace) {
      untaken_ = trace.steps;
      takes_each_step_ = false;
    } else {
      for (const Step& step : trace.steps) take(step);
    }
  }

  // Fresh names never reuse a name the trace binds itself: called with each step as it is run.
  void take_step(const Step& step) {
    if (takes_each_step_) take(step);
  }

  // A free by name becomes a free by pfn; nullopt when the name is not live.
  std::optional<Pfn> resolve(const std::string& name) const { return live_.pfn_of(name); }

  // The live name of the allocation a range holds: the one bound at the pfn its allocation
  // returned (a range holds one live allocation; its pfn may lie above the range's start when
  // it grew under a reserve). O(1): a scan here made every free of an unnamed range (a
  // snapshot's) cost O(live names).
  std::optional<std::string> owner_of(const OwnedRange& holder) const {
    if (holder.owner.kind != Owner::Kind::Allocated && holder.owner.kind != Owner::Kind::FastAllocated) return std::nullopt;
    const std::string* name = live_.name_at(holder.owner.pfn);
    return name ? std::optional<std::string>(*name) : std::nullopt;
  }

  // Binds the allocation; `name` is the trace's own, or empty for a fresh r<N>, which it becomes.
  void bind(std::string& name, Pfn pfn) {
    if (name.empty()) name = fresh_name();
    live_.bind(name, pfn);
  }

  void release(const std::string& name) { live_.release(name); }

 private:
  void take(const Step& step) {
    if (is_trace_name_) return;  // the trace's reader keeps them
    if (const std::string* name = bound_name(step.op); name && !name->empty()) taken_.add(*name);
  }

  std::string fresh_name() {
    for (const Step& step : untaken_) take(step);
    untaken_ = {};
    // Built by appending to a fresh string: GCC 12 at -O3 reports a false -Wrestrict on
    // "r" + to_string() and on assigning a literal to a reused string (GCC bug 105329).
    for (;;) {
      std::string name(1, 'r');
      name += std::to_string(++counter_);
      if (taken_.maybe_contains(name) || (is_trace_name_ && is_trace_name_(name))) continue;
      if (!is_trace_name_) taken_.add(name);
      return name;
    }
  }

  static constexpr std::size_t kReservedNames = 1024;

  std::function<bool(std::string_view)> is_trace_name_;
  NameFingerprints taken_;  // every name the trace binds; a false hit only skips a fresh name
  std::span<const Step> untaken_;  // the whole trace's steps, until a fresh name needs their names in taken_
  bool takes_each_step_ = true;
  LiveNames live_;
  unsigned counter_ = 0;
};

bool expectation_met(const Expectation& expect, const StepRecord& record) {
  const bool applied_ok = !record.caller_error && record.outcome.status == Outcome::Status::Ok;
  switch (expect.kind) {
    case Expectation::Kind::Fail: return !applied_ok;
    case Expectation::Kind::Ok: return applied_ok;
    case Expectation::Kind::At: return applied_ok && record.outcome.pfn == expect.value.lo;
    case Expectation::Kind::Node: return applied_ok && record.outcome.node == expect.value;
    case Expectation::Kind::None: return !record.caller_error && record.outcome.status == Outcome::Status::Fail;
  }
  return false;
}

std::string actual_result(const StepRecord& record) {
  if (record.caller_error) return "caller error (" + record.caller_error->reason() + ")";
  const Outcome& outcome = record.outcome;
  if (outcome.status == Outcome::Status::Rejected) return "rejected";
  if (outcome.status == Outcome::Status::Fail) return std::holds_alternative<Find>(record.op) ? "none" : "fail";
  if (std::holds_alternative<Alloc>(record.op) || std::holds_alternative<FastAlloc>(record.op)) return hex(outcome.pfn);
  if (outcome.node) return hex(outcome.node->lo) + " " + hex(outcome.node->hi);
  return "ok";
}

std::string describe_observation(const Observation& observed, const std::string& internals) {
  std::ostringstream out;
  for (const Range& node : observed.nodes) out << "node " << to_string(node) << "\n";
  for (const CachedPfn& entry : observed.cached)
    out << "cached " << hex(entry.pfn) << " bin " << entry.bin << " "
        << (entry.slot.in_depot() ? std::string("depot") : "cpu " + std::to_string(entry.slot.cpu)) << "\n";
  out << internals;
  return out.str();
}

}  // namespace

class CheckSession::Run {
 public:
  Run(const Trace& start, SystemUnderTest& sut, const CheckOptions& options, bool runs_whole_trace)
      : sut_(sut), options_(options), model_(start.geometry, start.snapshot ? &*start.snapshot : nullptr, options.violation_reasons),
        names_(start, runs_whole_trace, options.is_trace_name) {
    report_.named = Trace{start.geometry, start.variant, start.snapshot, {}};
    // check() passes the whole trace: room for every step spares the vectors' regrowth.
    if (keeps_every_step()) report_.named.steps.reserve(start.steps.size());
    if (keeps_every_result()) report_.steps.reserve(start.steps.size());
  }

  bool step(Step&& step) {
    if (!report_.ok() || finished_) return false;
    names_.take_step(step);
    run_step(steps_run_++, std::move(step));
    return report_.ok();
  }

  bool finish() {
    if (finished_ || !report_.ok() || steps_run_ == 0) return finished_ = true, report_.ok();
    finished_ = true;
    const std::size_t last = steps_run_ - 1;
    if (auto broken = sut_.validate()) violate(last, Judgement{Property::Structure, std::move(*broken)});
    else if (auto differs = model_.whole_state_difference(sut_.observe())) violate(last, std::move(*differs));
    return report_.ok();
  }

  const CheckReport& report() const { return report_; }
  CheckReport take_report() { return std::move(report_); }
  std::size_t steps_run() const { return steps_run_; }
  const Model& model() const { return model_; }

 private:
  // The step is moved into the report and worked on in place: `named` as it is printed, and its
  // one copy `record` as applied.
  void run_step(std::size_t index, Step&& original) {
    Step& named = place_for_step(report_.named.steps, keeps_every_step());
    named = std::move(original);
    StepRecord& record = place_for_step(report_.steps, keeps_every_result());
    copy_op(record.op, named.op);
    record.outcome = Outcome{};
    record.caller_error.reset();
    record.caller_error = resolve_target(record.op);
    if (!record.caller_error) {
      if (auto error = model_.caller_error(record.op)) {
        record.caller_error = std::move(error);
        if (record.caller_error->must_refuse) apply_refused(index, record);
      } else {
        apply(index, record, named);
      }
    }
    if (named.expect && options_.check_expectations && report_.ok() && !expectation_met(*named.expect, record))
      report_.miss = ExpectationMiss{index, print_expectation(*named.expect), actual_result(record)};
  }

  bool keeps_every_step() const { return !options_.latest_step_only; }
  bool keeps_every_result() const { return keeps_every_step() && options_.record_results; }

  // The report's place for the next step: a new one, or when only the latest is kept the one
  // place, reused (its strings keep their storage).
  template <class Entry>
  static Entry& place_for_step(std::vector<Entry>& entries, bool keep_every) {
    if (!keep_every && !entries.empty()) return entries.front();
    return entries.emplace_back();
  }

  // Replaces a name by the pfn of its live allocation; a dead or unknown name is a caller error.
  std::optional<CallerError> resolve_target(Op& op) const {
    Target* target = free_target(op);
    if (!target || !target->by_name()) return std::nullopt;
    auto pfn = names_.resolve(target->name);
    if (!pfn) return CallerError{.kind = CallerError::Kind::DeadName, .name = target->name};
    target->pfn = *pfn;
    target->name.clear();
    return std::nullopt;
  }

  void apply(std::size_t index, StepRecord& record, Step& named) {
    Target* const freed = free_target(named.op);
    if (freed) name_by_owner(*freed, free_target(record.op)->pfn);
    record.outcome = sut_.apply(record.op);
    if (auto broken = validate_now()) return violate(index, Judgement{Property::Structure, std::move(*broken)});
    if (auto judged = judge(record.op, record.outcome)) return violate(index, std::move(*judged));
    if (freed && freed->by_name()) names_.release(freed->name);
    if (std::string* name = bound_name_of(named.op); name && record.outcome.status == Outcome::Status::Ok)
      names_.bind(*name, record.outcome.pfn);
  }

  // Input the API must refuse: applied, and judged refused with nothing changed.
  void apply_refused(std::size_t index, StepRecord& record) {
    record.outcome = sut_.apply(record.op);
    if (auto broken = validate_now()) return violate(index, Judgement{Property::Structure, std::move(*broken)});
    sut_.changes(changes_);
    auto judged = options_.paranoid || !changes_.complete ? model_.judge_refusal(record.outcome, sut_.observe())
                                                           : model_.judge_refusal(record.outcome, changes_);
    if (judged && !options_.paranoid) {
      if (auto broken = sut_.validate()) judged = Judgement{Property::Structure, std::move(*broken)};
    }
    if (judged) return violate(index, std::move(*judged));
  }

  // validate() after every step when paranoid, else when the spacing has passed (and at the end).
  std::optional<std::string> validate_now() {
    if (!options_.paranoid && ++steps_since_validate_ < validate_spacing()) return std::nullopt;
    steps_since_validate_ = 0;
    return sut_.validate();
  }

  std::size_t validate_spacing() const {
    if (options_.validate_every != 0) return options_.validate_every;
    return std::max(kAutomaticValidateSpacing, model_.ranges().size());
  }

  // The change report is always taken, so the next one starts from this step. A step the model
  // finds violating is validated first, so a broken structure is named as paranoid names it.
  std::optional<Judgement> judge(const Op& op, const Outcome& outcome) {
    sut_.changes(changes_);
    const bool whole = options_.paranoid || !changes_.complete;
    auto judged = whole ? model_.judge(op, outcome, sut_.observe()) : model_.judge(op, outcome, changes_);
    if (judged && !options_.paranoid) {
      if (auto broken = sut_.validate()) return Judgement{Property::Structure, std::move(*broken)};
    }
    return judged;
  }

  // A valid free releases a live name: the one it was written with (it resolved, so it is live,
  // and a range holds one live allocation), else the owner of the range holding `pfn` before the
  // step, which the printed step then names instead of the pfn.
  void name_by_owner(Target& written, Pfn pfn) const {
    if (written.by_name()) return;
    const OwnedRange* holder = model_.range_holding(pfn);
    if (!holder) return;
    if (std::optional<std::string> owner = names_.owner_of(*holder)) written = Target{0, std::move(*owner)};
  }

  static std::string* bound_name_of(Op& op) {
    if (auto* alloc = std::get_if<Alloc>(&op)) return &alloc->name;
    if (auto* fast = std::get_if<FastAlloc>(&op)) return &fast->name;
    return nullptr;
  }

  // By value: the reason is moved into the report, not copied.
  void violate(std::size_t index, Judgement judged) {
    if (options_.violation_reasons == Reasons::Omitted) judged.reason.clear();  // validate()'s text comes made
    report_.violation = Violation{index, judged.property, std::move(judged.reason), {}, {}};
    if (!options_.describe_states) return;
    report_.violation->model_state = model_.describe();
    report_.violation->impl_state = describe_observation(sut_.observe(), sut_.describe());
  }

  SystemUnderTest& sut_;
  const CheckOptions options_;
  Model model_;
  Names names_;
  CheckReport report_;
  ChangeReport changes_;  // the latest step's, its storage reused from step to step
  std::size_t steps_run_ = 0;
  std::size_t steps_since_validate_ = 0;
  bool finished_ = false;
};

CheckSession::CheckSession(const Trace& start, SystemUnderTest& sut, const CheckOptions& options)
    : run_(std::make_unique<Run>(start, sut, options, false)) {}
CheckSession::~CheckSession() = default;
bool CheckSession::step(const Step& step) { return run_->step(Step(step)); }
bool CheckSession::step(Step&& step) { return run_->step(std::move(step)); }
bool CheckSession::finish() { return run_->finish(); }
std::size_t CheckSession::steps_run() const { return run_->steps_run(); }
const Model& CheckSession::model() const { return run_->model(); }
const CheckReport& CheckSession::report() const { return run_->report(); }
CheckReport CheckSession::take_report() { return run_->take_report(); }

CheckReport check(const Trace& trace, SystemUnderTest& sut, const CheckOptions& options) {
  // The session's run itself, in place (no session's heap-allocated run): it runs exactly the
  // trace's steps, and the trace outlives it.
  CheckSession::Run run(trace, sut, options, true);
  for (const Step& step : trace.steps)
    if (!run.step(Step(step))) break;
  run.finish();
  return run.take_report();
}

std::string violation_comment(const Violation& violation) {
  return "violation: " + std::string(property_name(violation.property)) + " \u2014 " + violation.reason;
}

}  // namespace iovacheck
