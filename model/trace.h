#pragma once
// A trace: header (geometry, variant), optional snapshot, operations (trace-format.md).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "model/geometry.h"
#include "model/op.h"

namespace iovacheck {

inline constexpr const char* kDefaultVariant = "mainline";

// A node reference in a snapshot: a node by its pfn_lo, or the anchor.
struct NodeRef {
  std::optional<Pfn> lo;  // nullopt: the anchor
  bool is_anchor() const { return !lo.has_value(); }
  friend bool operator==(const NodeRef&, const NodeRef&) = default;
};

// A tree state built directly (e.g. from a kernel log); possibly unreachable by operations.
struct Snapshot {
  std::vector<Range> nodes;  // ascending, non-overlapping, anchor excluded
  std::optional<NodeRef> cached32;
  std::optional<NodeRef> cached;
  std::optional<Pfn> max32;
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

struct Step {
  Op op;
  std::optional<Expectation> expect;
  std::size_t line = 0;  // source line, 0 when the step was generated
  // Equality ignores where a step came from.
  friend bool operator==(const Step& a, const Step& b) { return a.op == b.op && a.expect == b.expect; }
};

struct Trace {
  Geometry geometry;
  std::string variant = kDefaultVariant;
  std::optional<Snapshot> snapshot;
  std::vector<Step> steps;
  friend bool operator==(const Trace&, const Trace&) = default;
};

}  // namespace iovacheck
