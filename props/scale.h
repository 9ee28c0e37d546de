#pragma once
// The scale profile (`check --profile scale`): the real geometry (4 KiB granule, dma32 0x100000,
// magazine size 127, 4 to 64 CPUs) and long traces (10^4 operations and up) shaped like the
// drivers that fill real IOVA domains, with the ordinary generators' operations mixed in, so the
// profile adds shapes and removes no operation, argument class or edge.
//
// A case is a few drawn parameters; the workload expands them into steps one at a time,
// deterministically, reacting to outcomes as iommu-dma does (a 64-bit PCI device asks below 4 GiB
// first, without flushing, and retries with its full mask). Shrinking the length gives a prefix
// of the same run, so RapidCheck's shrinking finds the shortest failing prefix and the shared
// minimizer does the rest.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <rapidcheck.h>

#include "model/geometry.h"
#include "model/sut.h"
#include "model/trace.h"
#include "workload/drivers.h"

namespace iovacheck::props {

// The driver shapes (workload/drivers.h, shared with the fuzzer's scale byte form); a case runs a
// non-empty subset of them side by side on one domain.
using workload::DriverShape;

struct ScaleCase {
  Geometry geometry;
  std::uint64_t seed = 0;          // the workload's own generator
  std::size_t ops = 0;             // the trace's length
  std::uint32_t shapes = 0;        // bit i: DriverShape i
  unsigned generic_per_mille = 0;  // share of operations drawn by the ordinary generators
  unsigned trim_every = 0;         // a depot trim every N operations (the kernel's delayed work)
  bool msi_window = false;         // reserve the x86 MSI window first, as iommu-dma does
};

// Cases of min_ops..max_ops operations (log-uniform), the length shrinking toward min_ops... and
// below: a prefix of any length is a case.
rc::Gen<ScaleCase> scale_cases(std::size_t min_ops, std::size_t max_ops);

// The steps of a case, one at a time. After each step, observe() gets what it returned (or
// nullopt when the checker refused it as a caller error).
class ScaleWorkload {
 public:
  explicit ScaleWorkload(const ScaleCase& scale_case);
  ~ScaleWorkload();
  ScaleWorkload(const ScaleWorkload&) = delete;
  ScaleWorkload& operator=(const ScaleWorkload&) = delete;

  Step next();
  void observe(const std::optional<Outcome>& outcome);

 private:
  class Drivers;
  std::unique_ptr<Drivers> drivers_;
};

// A whole case as steps, every outcome taken as success (for the generators' tests).
Trace sample_scale_case(std::uint64_t seed, std::size_t ops);

}  // namespace iovacheck::props
