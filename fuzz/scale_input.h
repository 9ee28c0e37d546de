#pragma once
// The scale byte form: what the differential harness decodes under IOVACHECK_FUZZ_PROFILE=scale
// (`campaign --profile scale`). The header fixes the real geometry (4 KiB granule, dma32
// 0x100000, magazine size 127; 4 to 64 CPUs), the trace's length (10^4 to 2 x 10^5 operations),
// the depot trim's period, the MSI window and the drivers' own sizes. A record is a driver's
// burst (workload/drivers.h: which driver, refill or completion, CPU, ring, count, size class,
// its own seed) that expands into 1 to 4096 operations, or one ordinary operation spelled in the
// ordinary byte form (fuzz/byte_trace.h), or a CPU going offline. The records repeat in order
// until the trace has its length, so a mutation changes a workload's shape, and every byte
// string decodes (a short header is padded with zeros, a trailing partial record ignored; no
// record at all: bursts drawn as the property engine's scale profile draws them).
//
//   header   8 bytes: [0] variant, [1] cpus, [2] length, [3] trim period, [4] MSI window,
//                     [5..7] the drivers' seed
//   record  13 bytes: [0] kind (low 6 bits, by weight) + flags (top 2 bits), [1..12] the body:
//                     burst: cpu, ring, count, size class, seed (4 bytes), 4 bytes unused;
//                     ordinary: the ordinary byte form's 12-byte record; hotplug: cpu
//
// A burst reacts to outcomes (a 64-bit device's failed try below 4 GiB is retried with its
// whole mask; a buffer not allocated is not held), so the trace an input stands for is the one
// it expands to on the implementation that runs it: check_scale_input runs both at once.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "fuzz/byte_trace.h"
#include "harness/implementation.h"
#include "model/checker.h"
#include "model/trace.h"

namespace iovacheck::fuzz {

inline constexpr std::size_t kScaleHeaderBytes = 8;
inline constexpr std::size_t kScaleRecordBytes = 13;
// Longer inputs are cut here; the records repeat anyway.
inline constexpr std::size_t kMaxScaleRecords = 256;
inline constexpr std::size_t kScaleMaxInputBytes = kScaleHeaderBytes + kMaxScaleRecords * kScaleRecordBytes;

struct ScaleInput {
  Trace start;          // the geometry and the variant; no steps
  std::size_t ops = 0;  // the trace's length
  unsigned trim_every = 0;
  bool msi_window = false;
  std::uint64_t fleet_seed = 0;
  std::vector<Bytes> records;  // kScaleRecordBytes each
};

ScaleInput decode_scale_input(std::span<const std::uint8_t> bytes);

// The steps of an input, one at a time; after each, observe() gets what it returned (nullopt:
// the checker refused it as a caller error). next() is nullopt once the trace has its length.
class ScaleExpansion {
 public:
  explicit ScaleExpansion(const ScaleInput& input);
  ~ScaleExpansion();
  ScaleExpansion(const ScaleExpansion&) = delete;
  ScaleExpansion& operator=(const ScaleExpansion&) = delete;
  std::optional<Step> next();
  void observe(const std::optional<Outcome>& outcome);

 private:
  class Expander;
  std::unique_ptr<Expander> expander_;
};

// The input expanded on `variant` (empty: the input's own) run by `choice`, every step judged
// by the shared checker as it is made and its outcome fed back: the report, whose named trace
// is the trace the input stands for there (up to the first violation). Throws
// std::invalid_argument as check_on does (an unknown variant, a refused geometry).
CheckReport check_scale_input(const ScaleInput& input, std::string_view variant, const ImplementationChoice& choice,
                              const CheckOptions& options);

// A whole input as steps, every outcome taken as success (for tests).
Trace expand_scale_input(const ScaleInput& input);

}  // namespace iovacheck::fuzz
