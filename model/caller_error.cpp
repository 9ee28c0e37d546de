#include "model/caller_error.h"

namespace iovacheck {

std::string CallerError::reason() const {
  switch (kind) {
    case Kind::SizeZero: return "size 0";
    case Kind::NoSuchCpu: return "cpu " + std::to_string(cpu) + " does not exist (cpus=" + std::to_string(cpus) + ")";
    case Kind::ReserveLoAboveHi: return "reserve " + hex(reserve_lo) + " " + hex(reserve_hi) + ": lo above hi";
    case Kind::ReserveAboveMax: return "reserve above " + hex(max_reservable_pfn) + " (2^64-1 >> shift)";
    case Kind::WildFree: return "no live range holds " + hex(pfn) + " (double or wild free)";
    case Kind::FreeOfReserved: return describe_range(holder) + " is reserved, not allocated";
    case Kind::FreeOfCached: return describe_range(holder) + " is already freed (held by a range cache)";
    case Kind::FreeOfLeaked: return describe_range(holder) + ": the caller was told the allocation failed";
    case Kind::FfreeOfAllocated: return describe_range(holder) + " came from alloc; free it with free";
    case Kind::FreeOfFastAllocated: return describe_range(holder) + " came from fast; free it with ffree";
    case Kind::FfreeNotReturnedPfn: return "ffree " + hex(pfn) + " is not the pfn fast returned (" + hex(holder.owner.pfn) + ")";
    case Kind::FfreeWrongSize:
      return "ffree size " + hex(size) + " is not the size fast was asked for (" + hex(holder.owner.requested_size) + ")";
    case Kind::DeadName: return "'" + name + "' names no live allocation (it failed or was freed)";
  }
  return "?";
}

}  // namespace iovacheck
