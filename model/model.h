#pragma once
// The reference model: the simplest obviously-correct state, ranges by owner, and per op the
// results the spec allows. Allocation is relational: the model does not choose addresses, it
// judges the implementation's choice and then adopts it.
#include <map>
#include <optional>
#include <string>

#include "model/geometry.h"
#include "model/property.h"
#include "model/sut.h"
#include "model/trace.h"

namespace iovacheck {

// Who holds a range.
struct Owner {
  enum class Kind {
    Allocated,      // by alloc (or a snapshot node): freed with free
    FastAllocated,  // by fast: freed with ffree and the size it was asked for
    Reserved,       // by reserve: never freed
    Cached,         // held by a range cache
    Leaked,         // placed by fast at pfn 0, which alloc_iova_fast reports as failure: nobody's
  };
  Kind kind = Kind::Allocated;
  Pfn requested_size = 0;  // FastAllocated: the caller's size
  Pfn pfn = 0;             // FastAllocated: the pfn fast returned; Cached: the pfn in the magazine
  unsigned bin = 0;        // Cached
  CacheSlot slot;          // Cached

  static Owner allocated() { return Owner{Kind::Allocated, 0, 0, 0, {}}; }
  static Owner reserved() { return Owner{Kind::Reserved, 0, 0, 0, {}}; }
  static Owner fast_allocated(Pfn pfn, Pfn requested_size) { return Owner{Kind::FastAllocated, requested_size, pfn, 0, {}}; }
  static Owner cached(Pfn pfn, unsigned bin, CacheSlot slot) { return Owner{Kind::Cached, 0, pfn, bin, slot}; }
  static Owner leaked() { return Owner{Kind::Leaked, 0, 0, 0, {}}; }
};

struct OwnedRange {
  Range range;
  Owner owner;
};

// Input outside the API's contract. Some of it the API defines as refused with no state change
// (size 0, a free of a pfn no range holds, a reserve the spec rejects, a CPU that does not
// exist): the checker applies those and judges the refusal. The rest (a free of a reserved or
// cached range, mixing free and ffree, ffree with another size) is undefined or destructive in
// the kernel and never applied.
struct CallerError {
  std::string reason;
  bool must_refuse = false;
};

class Model {
 public:
  explicit Model(const Geometry& geometry, const Snapshot* snapshot = nullptr);

  // Why this op is a caller error, or nullopt when it is valid input.
  std::optional<CallerError> caller_error(const Op& op) const;

  // Judges a valid op's step from the current state to `after`; adopts `after` when allowed.
  // Throws std::logic_error when the op is a caller error (judge those with judge_refusal).
  std::optional<Judgement> judge(const Op& op, const Outcome& outcome, const Observation& after);

  // Judges a caller error the API must refuse: refused, and nothing changed.
  std::optional<Judgement> judge_refusal(const Outcome& outcome, const Observation& after) const;

  // The range holding pfn, whoever owns it; nullptr when the pfn is free.
  const OwnedRange* range_holding(Pfn pfn) const;

  const Geometry& geometry() const { return geometry_; }
  const std::map<Pfn, OwnedRange>& ranges() const { return ranges_; }  // keyed by range.lo
  std::string describe() const;

 private:
  Geometry geometry_;
  std::map<Pfn, OwnedRange> ranges_;
};

}  // namespace iovacheck
