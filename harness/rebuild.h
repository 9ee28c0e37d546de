#pragma once
// A snapshot trace rebuilt through the allocator's own API, for an implementation that cannot
// start from a snapshot (the kernel): every node but the hinted ones reserved, the hinted ones
// allocated exactly where they lie (alloc_iova moves cached32_node or cached_node onto what it
// inserts), and one allocation that fails below dma32 to set max32_alloc_size. The result is
// compared with the snapshot's exact state; a state the API does not reach this way is said so,
// never approximated.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "harness/implementation.h"
#include "model/trace.h"

namespace iovacheck {

struct RebuiltTrace {
  Trace trace;                 // no snapshot: the rebuilding steps, then the original steps
  std::size_t prefix = 0;      // how many steps rebuild the snapshot
  std::string how;             // "5 reserve_iova, 2 alloc_iova, 1 failing alloc_iova"
  std::optional<std::string> unreachable;  // why the implementation's state after the prefix is not the snapshot's
};

// `trace` must have a snapshot; `variant` runs on `choice`.
RebuiltTrace rebuild_through_api(const Trace& trace, std::string_view variant, const ImplementationChoice& choice);

}  // namespace iovacheck
