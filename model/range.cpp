#include "model/range.h"

#include <charconv>

namespace iovacheck {

std::string hex(Pfn value) {
  char digits[16];
  const auto result = std::to_chars(std::begin(digits), std::end(digits), value, 16);
  return "0x" + std::string(digits, result.ptr);
}

std::string to_string(const Range& range) { return "[" + hex(range.lo) + ", " + hex(range.hi) + "]"; }

}  // namespace iovacheck
