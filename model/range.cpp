#include "model/range.h"

#include <charconv>

namespace iovacheck {

std::string hex(Pfn value) {
  char digits[16];
  const auto result = std::to_chars(std::begin(digits), std::end(digits), value, 16);
  return "0x" + std::string(digits, result.ptr);
}

std::string to_string(const Range& range) {
  std::string text = "[";  // appended piece by piece: g++ 12 -O3 warns falsely (-Wrestrict) on a + chain
  text += hex(range.lo);
  text += ", ";
  text += hex(range.hi);
  text += "]";
  return text;
}

}  // namespace iovacheck
