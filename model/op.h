#pragma once
// The operation vocabulary: one value type per trace statement (trace-format.md "Operations").
// Every engine produces and consumes these; nothing else describes an operation.
#include <optional>
#include <string>
#include <variant>

#include "model/range.h"

namespace iovacheck {

// What a free names: a pfn, or the name given to an earlier allocation.
struct Target {
  Pfn pfn = 0;
  std::string name;  // non-empty: the allocation of that name
  bool by_name() const { return !name.empty(); }
  friend bool operator==(const Target&, const Target&) = default;
};

struct Alloc {  // alloc_iova(size, limit, size_aligned)
  std::string name;
  Pfn size = 1;
  Pfn limit = 0;
  bool aligned = true;
  friend bool operator==(const Alloc&, const Alloc&) = default;
};

struct FastAlloc {  // alloc_iova_fast(size, limit, flush_rcache) on a CPU
  std::string name;
  Pfn size = 1;
  Pfn limit = 0;
  unsigned cpu = 0;
  bool flush = true;
  friend bool operator==(const FastAlloc&, const FastAlloc&) = default;
};

struct Free {  // free_iova(pfn)
  Target target;
  friend bool operator==(const Free&, const Free&) = default;
};

struct FastFree {  // free_iova_fast(pfn, size) on a CPU
  Target target;
  Pfn size = 1;
  unsigned cpu = 0;
  friend bool operator==(const FastFree&, const FastFree&) = default;
};

struct Reserve {  // reserve_iova(lo, hi)
  Pfn lo = 0;
  Pfn hi = 0;
  friend bool operator==(const Reserve&, const Reserve&) = default;
};

struct Flush {  // free_cpu_cached_iovas(cpu) / free_global_cached_iovas() / both
  enum class Scope { Cpu, Depot, All };
  Scope scope = Scope::All;
  unsigned cpu = 0;
  friend bool operator==(const Flush&, const Flush&) = default;
};

struct Trim {  // one run of every bin's depot-trimming work
  friend bool operator==(const Trim&, const Trim&) = default;
};

struct Find {  // find_iova(pfn)
  Pfn pfn = 0;
  friend bool operator==(const Find&, const Find&) = default;
};

using Op = std::variant<Alloc, FastAlloc, Free, FastFree, Reserve, Flush, Trim, Find>;

// Copies `from` over `to`, reusing to's storage. std::variant's copy-assignment, when the two
// hold different operations (most steps of a trace: an alloc follows a free), copies `from` into
// a temporary and moves that in; this destroys `to`'s operation and copies `from`'s in place.
// For the places that keep a step's copy in storage reused from step to step.
void copy_op(Op& to, const Op& from);

// The keyword that starts the op's statement ("alloc", "fast", ...).
std::string_view keyword(const Op& op);
// The name an allocating op binds, if any.
const std::string* bound_name(const Op& op);
// The target a freeing op names, if any (mutable so the checker can resolve names).
Target* free_target(Op& op);
const Target* free_target(const Op& op);

// Expectations at the end of an operation line ("=> ...").
struct Expectation {
  enum class Kind { Fail, Ok, At, Node, None };  // At: succeeds at pfn value.lo
  Kind kind = Kind::Ok;
  Range value{};  // At: value.lo; Node: [lo, hi]
  friend bool operator==(const Expectation&, const Expectation&) = default;
};

// Which expectation kinds make sense after which op; the parser rejects the rest.
bool expectation_applies(const Op& op, Expectation::Kind kind);

}  // namespace iovacheck
