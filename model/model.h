#pragma once
// The reference model: the simplest obviously-correct state, ranges by owner, and per op the
// results the spec allows. Allocation is relational: the model does not choose addresses, it
// judges the implementation's choice and then adopts it.
//
// A step is judged against what changed: either the implementation's own change report (fast,
// O(log n) per op plus what the op itself moves) or the difference the model computes between
// its state and a whole observation (paranoid, O(n)). Both feed one comparison, so they reach
// the same verdict whenever the change report is true.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/caller_error.h"
#include "model/geometry.h"
#include "model/model_state.h"
#include "model/property.h"
#include "model/sut.h"
#include "model/trace.h"

namespace iovacheck {

class Model {
 public:
  // With `reasons` omitted, every verdict's reason is empty (its property and step are those an
  // explaining model gives).
  explicit Model(const Geometry& geometry, const Snapshot* snapshot = nullptr, Reasons reasons = Reasons::Explained);

  // Why this op is a caller error, or nullopt when it is valid input.
  std::optional<CallerError> caller_error(const Op& op) const;

  // Judges a valid op's step; adopts the state after it when allowed. `after` is the whole
  // observation (paranoid), `changes` what the implementation reports the step changed (fast).
  // Throws std::logic_error when the op is a caller error (judge those with judge_refusal).
  std::optional<Judgement> judge(const Op& op, const Outcome& outcome, Observation after);
  std::optional<Judgement> judge(const Op& op, const Outcome& outcome, const ChangeReport& changes);

  // Judges a caller error the API must refuse: refused, and nothing changed.
  std::optional<Judgement> judge_refusal(const Outcome& outcome, Observation after) const;
  std::optional<Judgement> judge_refusal(const Outcome& outcome, const ChangeReport& changes) const;

  // The first difference between the model's state and a whole observation, if any.
  std::optional<Judgement> whole_state_difference(Observation observed) const;
  // The change from the model's state to `observed`, as a truthful change report would give it.
  // By value: the observation is sorted in place, so a temporary (the checker's) is not copied.
  ChangeReport difference_to(Observation observed) const;

  // The range holding pfn, whoever owns it; nullptr when the pfn is free.
  const OwnedRange* range_holding(Pfn pfn) const;

  const Geometry& geometry() const { return geometry_; }
  const RangeIndex& ranges() const { return state_.ranges(); }
  std::size_t bytes() const { return state_.bytes(); }
  std::string describe() const;

 private:
  Geometry geometry_;
  Reasons reasons_;
  ModelState state_;
  // Working storage of one judgement (starts it touched, each with the model's range there
  // before the step), kept to spare allocations.
  mutable std::vector<std::pair<Pfn, const OwnedRange*>> scratch_;
};

}  // namespace iovacheck
