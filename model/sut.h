#pragma once
// The one interface between the spec side and an implementation: the checker applies an op,
// reads the result, and observes the state it judges. Implementations plug in from harness/.
#include <optional>
#include <string>
#include <vector>

#include "model/op.h"

namespace iovacheck {

// What applying one op returned.
struct Outcome {
  enum class Status {
    Ok,        // alloc/fast: allocated; free/ffree/flush/trim/reserve: done; find: found
    Fail,      // alloc/fast/reserve failed; find found nothing
    Rejected,  // the implementation refused the input (size 0, free of no node, ...)
  };
  Status status = Status::Ok;
  Pfn pfn = 0;               // alloc/fast: the pfn handed to the caller
  std::optional<Range> node;  // the tree node behind the result (alloc, fast, find, reserve)
};

// Where a range cache holds a pfn.
struct CacheSlot {
  static constexpr unsigned kDepot = ~0u;
  unsigned cpu = kDepot;  // kDepot: the bin's depot; else the CPU whose loaded/prev holds it
  bool in_depot() const { return cpu == kDepot; }
  friend bool operator==(const CacheSlot&, const CacheSlot&) = default;
};

struct CachedPfn {
  Pfn pfn = 0;
  unsigned bin = 0;
  CacheSlot slot;
  friend bool operator==(const CachedPfn&, const CachedPfn&) = default;
};

// The state the model judges: every tree node and every cached pfn.
struct Observation {
  std::vector<Range> nodes;       // every tree node, ascending by lo, the anchor included
  std::vector<CachedPfn> cached;  // any order
};

class SystemUnderTest {
 public:
  virtual ~SystemUnderTest() = default;
  // Applies an op whose free targets are pfns (the checker resolves names first).
  virtual Outcome apply(const Op& op) = 0;
  virtual Observation observe() const = 0;
  // Every structural invariant the implementation knows of; the first broken one, if any.
  virtual std::optional<std::string> validate() const = 0;
  // Internal state worth printing next to a violation (hints, counters), one item per line.
  virtual std::string describe() const = 0;
};

}  // namespace iovacheck
