#pragma once
// Input outside the API's contract. Some of it the API defines as refused with no state change
// (size 0, a free of a pfn no range holds, a reserve the spec rejects, a CPU that does not
// exist): the checker applies those and judges the refusal. The rest (a free of a reserved or
// cached range, mixing free and ffree, ffree with another size) is undefined or destructive in
// the kernel and never applied; so is a free by a name that names no live allocation.
//
// Which error it is and the values its reason names, not the reason's text: a judge-only run
// (the fuzz harness, a minimizer's predicate) meets many caller errors and reads none of their
// reasons, and formatting each cost a few heap allocations. reason() forms the text on demand.
#include <cstdint>
#include <string>

#include "model/owned_range.h"
#include "model/range.h"

namespace iovacheck {

struct CallerError {
  enum class Kind : std::uint8_t {
    SizeZero,             // alloc, fast or ffree of size 0
    NoSuchCpu,            // cpu: a cpu at or above cpus
    ReserveLoAboveHi,     // reserve_lo: above reserve_hi
    ReserveAboveMax,      // max_reservable_pfn: below the reserve's hi
    WildFree,             // pfn: no live range holds it (double or wild free)
    FreeOfReserved,       // holder: a reserved range
    FreeOfCached,         // holder: a range a range cache holds (already freed)
    FreeOfLeaked,         // holder: placed by a fast that reported failure
    FfreeOfAllocated,     // holder: came from alloc
    FreeOfFastAllocated,  // holder: came from fast
    FfreeNotReturnedPfn,  // pfn: inside holder, not the pfn fast returned
    FfreeWrongSize,       // size: not holder's requested size
    DeadName,             // name: no live allocation has it (it failed or was freed)
  };

  Kind kind = Kind::SizeZero;
  bool must_refuse = false;  // the API defines it as refused with nothing changed: applied and judged
  // The values the reason names, each set only by the kinds above that name it.
  Pfn pfn = 0;
  Pfn size = 0;
  OwnedRange holder{};  // the live range holding the pfn freed
  Pfn reserve_lo = 0;
  Pfn reserve_hi = 0;
  Pfn max_reservable_pfn = 0;
  unsigned cpu = 0;
  unsigned cpus = 0;  // the geometry's
  std::string name{};

  // Why it is a caller error, in words: "size 0", "'a' names no live allocation (...)".
  std::string reason() const;

  friend bool operator==(const CallerError&, const CallerError&) = default;
};

}  // namespace iovacheck
