#include "model/owned_range.h"

#include "model/concat.h"

namespace iovacheck {
namespace {

std::string owner_name(const Owner& owner) {
  switch (owner.kind) {
    case Owner::Kind::Allocated: return "allocated";
    case Owner::Kind::FastAllocated: return concat("fast-allocated (size ", hex(owner.requested_size), ")");
    case Owner::Kind::Reserved: return "reserved";
    case Owner::Kind::Cached:
      return concat("cached pfn ", hex(owner.pfn), " bin ", std::to_string(owner.bin), " ", slot_name(owner.slot));
    case Owner::Kind::Leaked: return "leaked (fast placed it at pfn 0 and reported failure)";
  }
  return "?";
}

}  // namespace

std::string slot_name(CacheSlot slot) { return slot.in_depot() ? "depot" : "cpu " + std::to_string(slot.cpu); }

std::string describe_range(const OwnedRange& owned) { return concat(to_string(owned.range), " ", owner_name(owned.owner)); }

}  // namespace iovacheck
