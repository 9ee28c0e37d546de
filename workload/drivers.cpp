#include "workload/drivers.h"

#include <algorithm>
#include <utility>

namespace iovacheck::workload {
namespace {

Pfn draw_from(std::mt19937_64& random, Pfn low, Pfn high) { return std::uniform_int_distribution<Pfn>(low, high)(random); }

std::string numbered(const std::string& prefix, std::size_t number) {
  std::string name = prefix;  // appended, not prefix + to_string(): GCC 12 -O3's false -Wrestrict
  name += std::to_string(number);
  return name;
}

Step step(Op op) { return Step{std::move(op), std::nullopt, 0}; }

}  // namespace

Geometry real_geometry(unsigned cpus) {
  Geometry geometry;
  geometry.granule = 0x1000;
  geometry.start_pfn = 1;
  geometry.dma32_pfn = *Geometry::real_dma32(0x1000);
  geometry.mag_size = kDefaultMagazineSize;
  geometry.cpus = cpus;
  return geometry;
}

bool has_shape(std::uint32_t shapes, DriverShape shape) { return shapes >> static_cast<unsigned>(shape) & 1u; }

DriverFleet::DriverFleet(const Geometry& geometry, std::uint64_t seed) : geometry_(geometry), random_(seed) {
  const unsigned queues = std::min(geometry_.cpus, 16u);
  for (unsigned q = 0; q < queues; ++q)
    nic_.push_back(Ring{q, draw_from(random_, 256, 2048), draw_from(random_, 1, 5) == 1 ? Pfn{16} : Pfn{1}, {}});
  nvme_target_ = draw_from(random_, 64, 4096);
  // Half the fleets give the 32-bit device large buffers and enough of them to fill the space
  // below 4 GiB (a million pages): allocations fail, the fast path flushes every CPU's caches
  // and retries, at the real magazine size.
  legacy_large_ = draw_from(random_, 0, 1) == 1;
  legacy_target_ = legacy_large_ ? draw_from(random_, 2048, 16384) : draw_from(random_, 16, 8192);
  device_limit_ = draw_from(random_, 0, 1) == 1 ? kLimit48 : kLimit64;
}

Burst DriverFleet::random_burst(std::uint32_t shapes) {
  std::vector<DriverShape> active;
  for (DriverShape shape : {DriverShape::NicRings, DriverShape::NvmeQueues, DriverShape::Legacy32})
    if (has_shape(shapes, shape)) active.push_back(shape);
  if (active.empty()) active.push_back(DriverShape::NicRings);
  Burst burst;
  burst.driver = active[draw_from(random_, 0, active.size() - 1)];
  burst.seed = random_();
  burst_random_.seed(burst.seed);
  if (burst.driver == DriverShape::NicRings) burst.queue = static_cast<unsigned>(draw_from(random_, 0, nic_.size() - 1));
  const bool allocating = wants_to_allocate(burst);
  burst.direction = allocating ? Burst::Direction::Allocate : Burst::Direction::Release;
  switch (burst.driver) {
    case DriverShape::NicRings:
      burst.count = draw_from(random_, 16, 64);
      // Completions mostly on the queue's CPU; some on another one (RPS, a migrated thread).
      burst.cpu = allocating || draw_from(random_, 1, 10) <= 9 ? nic_[burst.queue].queue % geometry_.cpus
                                                               : static_cast<unsigned>(draw_from(random_, 0, geometry_.cpus - 1));
      break;
    case DriverShape::NvmeQueues:
      burst.count = draw_from(random_, 1, 32);
      burst.cpu = static_cast<unsigned>(draw_from(random_, 0, geometry_.cpus - 1));
      break;
    default:
      burst.count = draw_from(random_, 1, 16);
      burst.cpu = static_cast<unsigned>(draw_from(random_, 0, geometry_.cpus - 1));
      break;
  }
  return burst;
}

// Auto: a ring refills below half and completes when full, a queue fills toward its depth, the
// 32-bit device toward its count of buffers; in between, either, as the burst's draw says.
bool DriverFleet::wants_to_allocate(const Burst& burst) {
  switch (burst.driver) {
    case DriverShape::NicRings: {
      const Ring& ring = nic_[burst.queue % nic_.size()];
      const Pfn held = ring.buffers.size();
      return held < ring.entries / 2 || (held < ring.entries && chance(1, 2));
    }
    case DriverShape::NvmeQueues:
      return nvme_.size() < nvme_target_ && (nvme_.size() < nvme_target_ / 2 || chance(1, 2));
    default:
      return legacy_.size() < legacy_target_ && (legacy_.size() < legacy_target_ / 2 || chance(2, 3));
  }
}

void DriverFleet::start(const Burst& burst) {
  burst_ = burst;
  burst_.cpu %= geometry_.cpus;
  burst_.queue %= static_cast<unsigned>(nic_.size());
  if (burst_.driver != DriverShape::NvmeQueues && burst_.driver != DriverShape::Legacy32) burst_.driver = DriverShape::NicRings;
  burst_random_.seed(burst.seed);
  allocating_ = burst.direction == Burst::Direction::Auto ? wants_to_allocate(burst_)
                                                          : burst.direction == Burst::Direction::Allocate;
  remaining_ = burst.count;
}

Step DriverFleet::next() {
  pending_ = Pending{};
  if (fallback_) return retry_above_4g();
  if (remaining_ > 0) --remaining_;
  switch (burst_.driver) {
    case DriverShape::NicRings: return nic_step();
    case DriverShape::NvmeQueues: return nvme_step();
    default: return legacy_step();
  }
}

void DriverFleet::observe(const std::optional<Outcome>& outcome) {
  if (!pending_.buffer) return;
  if (outcome && outcome->status == Outcome::Status::Ok) pending_.into->push_back(*pending_.buffer);
  else if (pending_.below_4g_first) fallback_ = Fallback{*pending_.buffer, pending_.into};
}

std::string DriverFleet::fresh(const std::string& prefix) { return numbered(prefix, ++names_); }

Pfn DriverFleet::size_for(Pfn own) { return burst_.pages.value_or(own); }

// iommu_dma_alloc_iova for a 64-bit PCI device: below 4 GiB first, without flushing the caches;
// with the device's whole mask (and flushing) only when that fails.
Step DriverFleet::allocate_64bit(Buffers& into, const std::string& prefix, Pfn size) {
  Buffer buffer{fresh(prefix), size, burst_.cpu, true};
  pending_.buffer = buffer;
  pending_.into = &into;
  pending_.below_4g_first = true;
  return step(FastAlloc{buffer.name, size, kLimit32, burst_.cpu, false});
}

Step DriverFleet::retry_above_4g() {
  Fallback fallback = std::move(*fallback_);
  fallback_.reset();
  fallback.buffer.name = fresh("hi");
  pending_.buffer = fallback.buffer;
  pending_.into = fallback.into;
  return step(FastAlloc{fallback.buffer.name, fallback.buffer.size, device_limit_, fallback.buffer.cpu, true});
}

namespace {
// A driver frees with the call and the size it allocated with.
Step release(const std::string& name, Pfn size, bool fast, unsigned cpu) {
  if (!fast) return step(Free{Target{0, name}});
  return step(FastFree{Target{0, name}, size, cpu});
}
}  // namespace

// A ring refills (rx buffers, or a tx fragment of 1..4 pages) and completes oldest first; a
// ring with nothing to complete refills, a full one completes.
Step DriverFleet::nic_step() {
  Ring& ring = nic_[burst_.queue];
  const bool refill = ring.buffers.empty() || (allocating_ && ring.buffers.size() < ring.entries);
  if (refill) {
    const Pfn size = size_for(chance(7, 10) ? ring.rx_pages : draw(1, 4));
    return allocate_64bit(ring.buffers, numbered("nic", ring.queue) + "_", size);
  }
  Buffer done = std::move(ring.buffers.front());
  ring.buffers.pop_front();
  return release(done.name, done.size, done.fast, burst_.cpu);
}

// NVMe requests of 4 KiB .. 1 MiB (one in ten of any length), completed out of order, one in
// five freed on another CPU than the one that submitted it.
Step DriverFleet::nvme_step() {
  if (allocating_ || nvme_.empty()) {
    static constexpr std::array<Pfn, 9> kPages{1, 2, 4, 8, 16, 32, 64, 128, 256};
    static constexpr std::array<std::size_t, 9> kWeights{30, 15, 10, 15, 8, 10, 6, 4, 2};
    std::discrete_distribution<std::size_t> pick(kWeights.begin(), kWeights.end());
    Pfn size = kPages[pick(burst_random_)];
    if (chance(1, 10)) size = draw(1, 256);
    return allocate_64bit(nvme_, "nvme_", size_for(size));
  }
  const std::size_t index = draw(0, nvme_.size() - 1);
  std::swap(nvme_[index], nvme_.back());
  Buffer done = std::move(nvme_.back());
  nvme_.pop_back();
  return release(done.name, done.size, done.fast, chance(4, 5) ? done.cpu : draw_cpu());
}

// A 32-bit-only device sharing the domain: alloc_iova_fast below 4 GiB (flushing when it
// must), and one in five by plain alloc_iova / free_iova.
Step DriverFleet::legacy_step() {
  if (allocating_ || legacy_.empty()) {
    const Pfn size = size_for(legacy_large_ ? draw(1, Pfn{1} << draw(0, 9)) : draw(1, 8));
    Buffer buffer{fresh("lgc"), size, burst_.cpu, !chance(1, 5)};
    pending_.buffer = buffer;
    pending_.into = &legacy_;
    if (buffer.fast) return step(FastAlloc{buffer.name, buffer.size, kLimit32, buffer.cpu, true});
    return step(Alloc{buffer.name, buffer.size, kLimit32, !chance(1, 4)});
  }
  const std::size_t index = draw(0, legacy_.size() - 1);
  std::swap(legacy_[index], legacy_.back());
  Buffer done = std::move(legacy_.back());
  legacy_.pop_back();
  return release(done.name, done.size, done.fast, done.cpu);
}

}  // namespace iovacheck::workload
