#pragma once
// Page frame numbers and inclusive ranges: the units of the whole spec side.
#include <bit>
#include <cstdint>
#include <string>

namespace iovacheck {

using Pfn = std::uint64_t;
inline constexpr Pfn kMaxPfn = ~Pfn{0};

// An inclusive range [lo, hi]; lo <= hi always.
struct Range {
  Pfn lo = 0;
  Pfn hi = 0;
  friend bool operator==(const Range&, const Range&) = default;
  bool contains(Pfn pfn) const { return lo <= pfn && pfn <= hi; }
  bool overlaps(const Range& other) const { return lo <= other.hi && other.lo <= hi; }
  // Page count; a range covering all of 2^64 pages cannot exist (the anchor is never a Range here).
  Pfn size() const { return hi - lo + 1; }
};

// The spec's bit helpers, named as the spec names them.
constexpr unsigned fls64(Pfn x) { return static_cast<unsigned>(std::bit_width(x)); }
constexpr unsigned order_base_2(Pfn n) { return n <= 1 ? 0 : fls64(n - 1); }
// roundup_pow2(n) for 1 <= n <= 2^63; 0 when the result does not fit.
constexpr Pfn roundup_pow2(Pfn n) { return n <= 1 ? 1 : (order_base_2(n) >= 64 ? 0 : Pfn{1} << order_base_2(n)); }

std::string hex(Pfn value);               // "0x1f"
std::string to_string(const Range& range);  // "[0x1, 0x2]"

}  // namespace iovacheck
