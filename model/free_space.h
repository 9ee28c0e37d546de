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

// The highest placement, inside [start_pfn, limit] and in free space, of an allocation
// satisfying the request; nullopt when there is none.
std::optional<Range> find_fitting_placement(const std::map<Pfn, OwnedRange>& ranges, Pfn start_pfn,
                                      const Request& request, const Occupies& occupies);

}  // namespace iovacheck
