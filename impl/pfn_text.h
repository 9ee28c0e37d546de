#pragma once
// How impl/ prints pfns and nodes in validate() and describe() messages.
#include <cstdio>
#include <string>

#include "impl/domain_types.h"

namespace iovacheck::impl {

inline std::string hex(Pfn value) {
  char text[24];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

// Appended piece by piece: GCC 12 at -O3 reports a false -Wrestrict on "[" + string&&
// (GCC bug 105329).
inline std::string range_text(Pfn lo, Pfn hi) {
  std::string text(1, '[');
  text += hex(lo);
  text += ", ";
  text += hex(hi);
  text += ']';
  return text;
}
inline std::string range_text(const Node& node) { return range_text(node.pfn_lo, node.pfn_hi); }

}  // namespace iovacheck::impl
