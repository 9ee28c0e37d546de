#pragma once
// The drivers that fill real IOVA domains, as a workload: per-CPU NIC rings, NVMe queues, a
// 32-bit device beside the 64-bit ones, each allocating as iommu-dma does (a 64-bit PCI device
// asks below 4 GiB first, without flushing, and only then with its whole mask). One place for
// these shapes: the property engine's scale profile (props/scale.h) draws its bursts at random,
// the fuzzer's scale byte form (fuzz/scale_input.h) spells them in its records.
//
// A workload is a series of bursts: one driver on one CPU allocating or releasing `count`
// buffers. The fleet expands a burst one step at a time and sees each outcome as the driver
// would (a buffer that was not allocated is not held; a failed try below 4 GiB is retried).
#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "model/geometry.h"
#include "model/sut.h"
#include "model/trace.h"

namespace iovacheck::workload {

inline constexpr Pfn kLimit32 = 0xfffff;             // DMA_BIT_MASK(32) >> 12
inline constexpr Pfn kLimit48 = (Pfn{1} << 36) - 1;  // a 48-bit IOMMU aperture, in 4 KiB pages
inline constexpr Pfn kLimit64 = (Pfn{1} << 52) - 1;  // DMA_BIT_MASK(64) >> 12
inline constexpr Pfn kMsiLo = 0xfee00;               // the x86 MSI window iommu-dma reserves
inline constexpr Pfn kMsiHi = 0xfeeff;
// The depot trim's period in operations (the kernel's delayed work, every 100 ms); 0: never.
inline constexpr std::array<unsigned, 4> kTrimPeriods{0, 64, 1000, 10000};
// Traces at scale: 10^4 operations and more (the default longest: 2 x 10^5).
inline constexpr std::size_t kScaleMinOps = 10'000;
inline constexpr std::size_t kScaleMaxOps = 200'000;

// init_iova_domain(4 KiB, 1) with IOVA_MAG_SIZE and `cpus` CPUs: what a real domain is.
Geometry real_geometry(unsigned cpus);

// The shapes a case may combine; the first three are drivers, bursts come from them.
enum class DriverShape : unsigned {
  NicRings,    // per-CPU rx/tx rings: refills in batches, completions oldest first
  NvmeQueues,  // bursts of mixed sizes up to 1 MiB, completed out of order
  Legacy32,    // a 32-bit-only device: long-lived buffers below 4 GiB, in half the fleets large
               // and many enough to fill that space (allocations fail, the fast path flushes)
  CpuHotplug,  // now and then a CPU goes offline: its magazines are flushed
  kCount,
};
bool has_shape(std::uint32_t shapes, DriverShape shape);

struct Burst {
  enum class Direction { Auto, Allocate, Release };  // Auto: as the driver's fill level asks
  DriverShape driver = DriverShape::NicRings;  // NicRings, NvmeQueues or Legacy32
  Direction direction = Direction::Auto;
  unsigned cpu = 0;    // the CPU every step runs on (mod the CPU count); NVMe completions: see below
  unsigned queue = 0;  // NicRings: the ring (mod the ring count)
  std::size_t count = 1;
  std::optional<Pfn> pages;  // every buffer this many pages; nullopt: the driver's own mix of sizes
  std::uint64_t seed = 0;    // the burst's own draws (sizes, completion order)
};

class DriverFleet {
 public:
  // The fleet's sizes (ring lengths, rx buffer size, queue depth, the 32-bit device's buffers,
  // the 64-bit devices' mask) are drawn from `seed`.
  DriverFleet(const Geometry& geometry, std::uint64_t seed);

  // A burst as the drivers make them, among those `shapes` enables (the property engine's).
  Burst random_burst(std::uint32_t shapes);
  void start(const Burst& burst);
  // Whether next() has a step: the burst's, or the retry above 4 GiB of a failed try below.
  bool in_burst() const { return remaining_ > 0 || retry_due(); }
  // A 64-bit device's try below 4 GiB failed: its retry with the whole mask comes next.
  bool retry_due() const { return fallback_.has_value(); }
  Step next();
  // What the step next() returned gave (nullopt: the checker refused it as a caller error).
  void observe(const std::optional<Outcome>& outcome);

 private:
  // An allocation a driver holds: freed later with the call and size it was made with.
  struct Buffer {
    std::string name;
    Pfn size = 0;
    unsigned cpu = 0;
    bool fast = true;
  };
  using Buffers = std::deque<Buffer>;
  struct Ring {
    unsigned queue = 0;
    Pfn entries = 0;  // refilled below half, completed when full
    Pfn rx_pages = 1;
    Buffers buffers;  // oldest first
  };
  struct Pending {  // the step just handed out, for observe()
    std::optional<Buffer> buffer;
    Buffers* into = nullptr;
    bool below_4g_first = false;
  };
  struct Fallback {
    Buffer buffer;
    Buffers* into = nullptr;
  };

  // The burst's own draws (a burst replays the same whatever came before it).
  Pfn draw(Pfn low, Pfn high) { return std::uniform_int_distribution<Pfn>(low, high)(burst_random_); }
  bool chance(Pfn numerator, Pfn denominator) { return draw(1, denominator) <= numerator; }
  unsigned draw_cpu() { return static_cast<unsigned>(draw(0, geometry_.cpus - 1)); }
  std::string fresh(const std::string& prefix);
  bool wants_to_allocate(const Burst& burst);
  Step allocate_64bit(Buffers& into, const std::string& prefix, Pfn size);
  Step retry_above_4g();
  Step nic_step();
  Step nvme_step();
  Step legacy_step();
  Pfn size_for(Pfn own);

  Geometry geometry_;
  std::mt19937_64 random_;        // the fleet's sizes and its random bursts
  std::mt19937_64 burst_random_;  // reseeded by each burst
  std::vector<Ring> nic_;
  Buffers nvme_;
  Buffers legacy_;
  std::size_t nvme_target_ = 0;
  std::size_t legacy_target_ = 0;
  bool legacy_large_ = false;
  Pfn device_limit_ = kLimit64;
  std::size_t names_ = 0;
  Burst burst_;
  bool allocating_ = true;
  std::size_t remaining_ = 0;
  Pending pending_;
  std::optional<Fallback> fallback_;
};

}  // namespace iovacheck::workload
