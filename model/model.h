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
  };
  Kind kind = Kind::Allocated;
  Pfn requested_size = 0;  // FastAllocated: the caller's size
  Pfn pfn = 0;             // Cached: the pfn in the magazine (a node's pfn_lo when it was freed)
  unsigned bin = 0;        // Cached
  CacheSlot slot;          // Cached
};

struct OwnedRange {
  Range range;
  Owner owner;
};

class Model {
 public:
  explicit Model(const Geometry& geometry, const Snapshot* snapshot = nullptr);

  // Why this op is a caller error (not to be applied), or nullopt when it is valid input.
  std::optional<std::string> caller_error(const Op& op) const;

  // Judges the step from the current state to `after`; adopts `after` when allowed.
  std::optional<Judgement> judge(const Op& op, const Outcome& outcome, const Observation& after);

  const Geometry& geometry() const { return geometry_; }
  const std::map<Pfn, OwnedRange>& ranges() const { return ranges_; }  // keyed by range.lo
  std::string describe() const;

 private:
  Geometry geometry_;
  std::map<Pfn, OwnedRange> ranges_;
};

}  // namespace iovacheck
