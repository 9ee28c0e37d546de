#pragma once
// Shared by the impl tests: small test geometries, variants by name, and reading describe().
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "impl/domain.h"
#include "impl/tree_allocator.h"
#include "impl/variant.h"

namespace iovacheck::impl::testing {

inline Config geometry(Pfn dma32_pfn, unsigned mag_size = 127, unsigned cpus = 1, Pfn start_pfn = 1) {
  Config config;
  config.start_pfn = start_pfn;
  config.dma32_pfn = dma32_pfn;
  config.mag_size = mag_size;
  config.cpus = cpus;
  return config;
}

inline const Variant& variant(std::string_view name) {
  const Variant* found = find_variant(name);
  if (!found) throw std::invalid_argument("no variant " + std::string(name));
  return *found;
}

// The nodes below the anchor.
inline std::vector<Node> allocated(const Domain& domain) {
  std::vector<Node> nodes = domain.nodes();
  nodes.pop_back();
  return nodes;
}

// The value after "key " on describe()'s line for key, e.g. hint(d, "cached32_node") == "anchor".
inline std::string hint(const Domain& domain, std::string_view key) {
  std::istringstream lines(domain.describe());
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with(key) && line.size() > key.size() && line[key.size()] == ' ') return line.substr(key.size() + 1);
  return "<no line " + std::string(key) + ">";
}

inline AllocResult ok(Pfn pfn) { return AllocResult{Status::Ok, pfn}; }
inline AllocResult failed() { return AllocResult{Status::Fail, 0}; }
inline AllocResult rejected() { return AllocResult{Status::BadInput, 0}; }

}  // namespace iovacheck::impl::testing

// Comparison and printing for gtest; impl/ itself has no use for them.
namespace iovacheck::impl {
inline bool operator==(const AllocResult& a, const AllocResult& b) { return a.status == b.status && a.pfn == b.pfn; }
inline std::ostream& operator<<(std::ostream& out, const AllocResult& result) {
  switch (result.status) {
    case Status::Ok: return out << "ok 0x" << std::hex << result.pfn << std::dec;
    case Status::Fail: return out << "fail";
    case Status::BadInput: return out << "bad input";
  }
  return out;
}
inline std::ostream& operator<<(std::ostream& out, const Node& node) {
  return out << "[0x" << std::hex << node.pfn_lo << ", 0x" << node.pfn_hi << std::dec << "]";
}
inline bool operator==(const CachedEntry& a, const CachedEntry& b) {
  return a.pfn == b.pfn && a.bin == b.bin && a.cpu == b.cpu;
}
inline std::ostream& operator<<(std::ostream& out, const CachedEntry& entry) {
  out << "{0x" << std::hex << entry.pfn << std::dec << " bin " << entry.bin;
  return entry.cpu == CachedEntry::kDepot ? out << " depot}" : out << " cpu " << entry.cpu << "}";
}
inline std::ostream& operator<<(std::ostream& out, Status status) {
  switch (status) {
    case Status::Ok: return out << "Ok";
    case Status::Fail: return out << "Fail";
    case Status::BadInput: return out << "BadInput";
  }
  return out;
}
}  // namespace iovacheck::impl
