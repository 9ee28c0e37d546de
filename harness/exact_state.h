#pragma once
// Everything two implementations of the same allocator must agree on, exactly: the tree, the
// hints, and which magazine holds which pfn in which slot. The exact differential compares it
// after every step; the model's Observation deliberately sees less.
#include <optional>
#include <string>
#include <vector>

#include "model/sut.h"

namespace iovacheck {

struct ExactState {
  struct CpuMagazines {
    std::vector<Pfn> loaded;
    std::vector<Pfn> prev;
    friend bool operator==(const CpuMagazines&, const CpuMagazines&) = default;
  };
  struct Bin {
    std::vector<CpuMagazines> cpus;
    std::vector<std::vector<Pfn>> depot;  // [0] is the top
    friend bool operator==(const Bin&, const Bin&) = default;
  };
  std::vector<Range> nodes;  // ascending, the anchor included
  bool has_hints = true;     // false: the design keeps no cached nodes (p2, p3)
  std::optional<Range> cached_node;    // nullopt: refers to no node of the tree
  std::optional<Range> cached32_node;
  Pfn max32_alloc_size = 0;
  std::vector<Bin> bins;
  friend bool operator==(const ExactState&, const ExactState&) = default;
};

// "cached32_node: [0x8, 0xb] vs [0xc, 0xf]", naming the first piece of state that differs, or
// nullopt when the states are equal.
std::optional<std::string> first_difference(const ExactState& a, const ExactState& b);

// A system under test whose whole state can be read exactly, and that names itself in reports
// ("impl:mainline", "kernel:6.12.117").
class ExactSystemUnderTest : public SystemUnderTest {
 public:
  virtual ExactState exact_state() const = 0;
  virtual std::string name() const = 0;
  // What this run could not do as the trace asks (e.g. "dma32 set after init"), or empty.
  virtual std::string notes() const { return {}; }
};

}  // namespace iovacheck
