#include "smt/alphabet.h"

#include <algorithm>
#include <bit>

namespace iovacheck::smt {

bool Alphabet::limit_allowed(Pfn limit) const {
  if (limit > space_end()) return false;
  return limits.empty() || std::ranges::find(limits, limit) != limits.end();
}

std::vector<Pfn> Alphabet::limit_values() const {
  std::vector<Pfn> values;
  for (Pfn limit = 0; limit <= space_end(); ++limit)
    if (limit_allowed(limit)) values.push_back(limit);
  return values;
}

std::string Alphabet::restrictions() const {
  std::vector<std::string> parts;
  if (!limits.empty()) {
    std::string text = "limit in {";
    for (std::size_t i = 0; i < limits.size(); ++i) text += (i ? ", " : "") + hex(limits[i]);
    parts.push_back(text + "}");
  }
  if (aligned_only) parts.push_back("size-aligned allocations only");
  if (!reserve) parts.push_back("no reserve");
  if (!free) parts.push_back("no free");
  std::string text;
  for (std::size_t i = 0; i < parts.size(); ++i) text += (i ? "; " : "") + parts[i];
  return text;
}

std::string Alphabet::bounds() const {
  return "dma32=" + hex(geometry.dma32_pfn) + " start=" + hex(geometry.start_pfn) + ", sizes 1.." + hex(max_size()) +
         ", limits and reservations up to " + hex(space_end());
}

std::string alphabet_error(const Alphabet& alphabet) {
  if (alphabet.width < 1 || alphabet.width > 16) return "--width must be between 1 and 16";
  const Pfn dma32 = alphabet.geometry.dma32_pfn;
  if (dma32 < 2 || !std::has_single_bit(dma32)) return "dma32 must be a power of two >= 2";
  if (dma32 > alphabet.space_end() + 1) return "dma32 " + hex(dma32) + " lies outside the " +
                                                std::to_string(alphabet.width) + "-bit space";
  if (alphabet.geometry.start_pfn > alphabet.space_end())
    return "start " + hex(alphabet.geometry.start_pfn) + " lies outside the space";
  for (Pfn limit : alphabet.limits)
    if (limit > alphabet.space_end()) return "limit " + hex(limit) + " lies outside the space";
  return "";
}

std::vector<Alloc> alloc_ops(const Alphabet& alphabet, const std::string& name) {
  std::vector<Alloc> ops;
  for (Pfn size = 1; size <= alphabet.max_size(); ++size)
    for (Pfn limit : alphabet.limit_values())
      for (bool aligned : {true, false}) {
        if (!aligned && alphabet.aligned_only) continue;
        ops.push_back(Alloc{name, size, limit, aligned});
      }
  return ops;
}

std::vector<Reserve> reserve_ops(const Alphabet& alphabet, const std::vector<Range>& nodes) {
  std::vector<Reserve> ops;
  if (!alphabet.reserve) return ops;
  for (Pfn lo = 0; lo <= alphabet.space_end(); ++lo)
    for (Pfn hi = lo; hi <= alphabet.space_end(); ++hi) {
      const Range range{lo, hi};
      if (std::ranges::none_of(nodes, [&](const Range& node) { return node.overlaps(range); }))
        ops.push_back(Reserve{lo, hi});
    }
  return ops;
}

}  // namespace iovacheck::smt
