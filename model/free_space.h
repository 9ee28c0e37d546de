#pragma once
// Questions about the free space of a model state: the completeness and soundness rules'
// arithmetic, kept apart from the per-op rules that ask them.
#include <functional>
#include <map>
#include <optional>

#include "model/geometry.h"
#include "model/model_state.h"
#include "model/request.h"

namespace iovacheck {

// Which ranges stand in the way of an allocation.
using Occupies = std::function<bool(const OwnedRange&)>;

// The scan behind find_fitting_placement, for ranges held anywhere: fed every range that
// occupies, ascending, it answers the highest placement in the free space between them.
class FittingScan {
 public:
  FittingScan(Pfn start_pfn, const Request& request) : start_pfn_(start_pfn), request_(request) {}
  // Takes the next occupying range up; false once nothing above it can be free (2^64-1 reached).
  bool add(const Range& occupied);
  // The highest placement found, the free space above the last range included.
  std::optional<Range> result() const;

 private:
  Pfn start_pfn_;
  Request request_;
  std::optional<Range> found_;
  Pfn first_free_ = 0;  // lowest pfn not yet known to be occupied
  bool beyond_top_ = false;
};

// The highest placement, inside [start_pfn, limit] and in free space, of an allocation
// satisfying the request; nullopt when there is none.
std::optional<Range> find_fitting_placement(const std::map<Pfn, OwnedRange>& ranges, Pfn start_pfn,
                                      const Request& request, const Occupies& occupies);

}  // namespace iovacheck
