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

// What one step changed in the observable state: the set difference between the observation
// before the step and after it. A cached pfn that moved is gone from its old slot and new in its
// new one; a node whose pfn_lo was lowered is gone as it was and new as it is.
struct ChangeReport {
  std::vector<Range> nodes_gone;       // nodes before the step that are not nodes after it
  std::vector<Range> nodes_new;        // nodes after the step that were not nodes before it
  std::vector<CachedPfn> cached_gone;  // cache entries (pfn, bin, slot) before, not after
  std::vector<CachedPfn> cached_new;   // cache entries after, not before
  bool complete = true;                // false: the implementation cannot tell; observe the whole state

  // How many entries each list holds.
  struct Sizes {
    std::size_t nodes_gone = 0, nodes_new = 0, cached_gone = 0, cached_new = 0;
    friend bool operator==(const Sizes&, const Sizes&) = default;
  };
  Sizes sizes() const { return {nodes_gone.size(), nodes_new.size(), cached_gone.size(), cached_new.size()}; }

  // Empties the lists, keeping their storage.
  void reset(bool complete_report) {
    nodes_gone.clear();
    nodes_new.clear();
    cached_gone.clear();
    cached_new.clear();
    complete = complete_report;
  }
};

class SystemUnderTest;
// The change report as a value, for callers that keep it (tests, benchmarks).
inline ChangeReport changes_of(SystemUnderTest& sut);

class SystemUnderTest {
 public:
  virtual ~SystemUnderTest() = default;
  // Applies an op whose free targets are pfns (the checker resolves names first).
  virtual Outcome apply(const Op& op) = 0;
  virtual Observation observe() const = 0;
  // What changed since the last call (or since construction), written over `report`: its lists'
  // storage is reused, so taking a step's report allocates nothing once they have grown. The
  // default cannot tell, and the checker then compares the whole observation.
  virtual void changes(ChangeReport& report) { report.reset(false); }
  // Every structural invariant the implementation knows of; the first broken one, if any.
  virtual std::optional<std::string> validate() const = 0;
  // Internal state worth printing next to a violation (hints, counters), one item per line.
  virtual std::string describe() const = 0;
};

inline ChangeReport changes_of(SystemUnderTest& sut) {
  ChangeReport report;
  sut.changes(report);
  return report;
}

}  // namespace iovacheck
