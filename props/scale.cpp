#include "props/scale.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <variant>

#include "model/free_space.h"
#include "props/commands.h"
#include "props/generators.h"

namespace iovacheck::props {
namespace {

constexpr Pfn kLimit32 = 0xfffff;              // DMA_BIT_MASK(32) >> 12
constexpr Pfn kLimit48 = (Pfn{1} << 36) - 1;   // a 48-bit IOMMU aperture, in 4 KiB pages
constexpr Pfn kLimit64 = (Pfn{1} << 52) - 1;   // DMA_BIT_MASK(64) >> 12
constexpr Pfn kMsiLo = 0xfee00;                // the x86 MSI window iommu-dma reserves
constexpr Pfn kMsiHi = 0xfeeff;
constexpr unsigned kHotplugEvery = 5000;       // a CPU goes offline about this often

bool has(std::uint32_t shapes, DriverShape shape) { return shapes >> static_cast<unsigned>(shape) & 1u; }

std::string numbered(const std::string& prefix, std::size_t number) {
  std::string name = prefix;  // appended, not prefix + to_string(): GCC 12 -O3's false -Wrestrict
  name += std::to_string(number);
  return name;
}

}  // namespace

rc::Gen<ScaleCase> scale_cases(std::size_t min_ops, std::size_t max_ops) {
  return rc::gen::exec([min_ops, max_ops] {
    ScaleCase scale_case;
    Geometry& geometry = scale_case.geometry;  // the real one: init_iova_domain(4 KiB, 1) and IOVA_MAG_SIZE
    geometry.granule = 0x1000;
    geometry.start_pfn = 1;
    geometry.dma32_pfn = *Geometry::real_dma32(0x1000);
    geometry.mag_size = kDefaultMagazineSize;
    switch (*rc::gen::noShrink(weighted_index(std::array<std::size_t, 3>{3, 3, 4}))) {
      case 0: geometry.cpus = 4; break;
      case 1: geometry.cpus = 64; break;
      default: geometry.cpus = static_cast<unsigned>(*rc::gen::noShrink(uniform(5, 63)));
    }
    scale_case.seed = *rc::gen::noShrink(uniform(0, kMaxPfn));
    constexpr unsigned kShapes = static_cast<unsigned>(DriverShape::kCount);
    scale_case.shapes = static_cast<std::uint32_t>(*rc::gen::noShrink(uniform(1, (Pfn{1} << kShapes) - 1)));
    if (scale_case.shapes == (1u << static_cast<unsigned>(DriverShape::CpuHotplug)))
      scale_case.shapes |= 1u << static_cast<unsigned>(DriverShape::NicRings);  // hotplug alone allocates nothing
    scale_case.generic_per_mille = static_cast<unsigned>(*rc::gen::noShrink(rc::gen::elementOf(std::vector<Pfn>{0, 5, 20, 50})));
    scale_case.trim_every = static_cast<unsigned>(*rc::gen::noShrink(rc::gen::elementOf(std::vector<Pfn>{0, 64, 1000, 10000})));
    scale_case.msi_window = *rc::gen::noShrink(rc::gen::elementOf(std::vector<bool>{true, true, false}));
    // Log-uniform between the bounds, then shrinkable toward 1: a shorter case is a prefix.
    const double exponent = static_cast<double>(*rc::gen::noShrink(uniform(0, 1000))) / 1000.0;
    const double low = static_cast<double>(std::max<std::size_t>(min_ops, 1));
    const double high = static_cast<double>(std::max(max_ops, min_ops));
    const auto drawn = static_cast<Pfn>(low * std::pow(high / low, exponent));
    scale_case.ops = static_cast<std::size_t>(*rc::gen::shrink(rc::gen::just(drawn), [](Pfn ops) {
      return rc::shrink::towards<Pfn>(ops, 1);
    }));
    return scale_case;
  });
}

// ---- The drivers ------------------------------------------------------------------------------

class ScaleWorkload::Drivers {
 public:
  explicit Drivers(const ScaleCase& scale_case)
      : case_(scale_case), geometry_(scale_case.geometry), random_(scale_case.seed), generic_random_(scale_case.seed),
        generic_model_{scale_case.geometry, Swarm{}, {}, {}} {
    generic_model_.swarm = swarms()(generic_random_.split(), 0).value();
    const unsigned queues = std::min(geometry_.cpus, 16u);
    for (unsigned q = 0; q < queues; ++q)
      nic_.push_back(Ring{q, draw(256, 2048), chance(1, 5) ? Pfn{16} : Pfn{1}, {}});
    nvme_target_ = draw(64, 4096);
    // Half the cases give the 32-bit device large buffers and enough of them to fill the space
    // below 4 GiB (a million pages): allocations fail, the fast path flushes every CPU's caches
    // and retries, at the real magazine size.
    legacy_large_ = chance(1, 2);
    legacy_target_ = legacy_large_ ? draw(2048, 16384) : draw(16, 8192);
    device_limit_ = chance(1, 2) ? kLimit48 : kLimit64;
  }

  Step next() {
    ++emitted_;
    pending_ = Pending{};
    if (fallback_) return retry_above_4g();
    if (case_.msi_window && emitted_ == 1) return step(Reserve{kMsiLo, kMsiHi});
    if (case_.trim_every != 0 && emitted_ % case_.trim_every == 0) return step(Trim{});
    if (has(case_.shapes, DriverShape::CpuHotplug) && draw(1, kHotplugEvery) == 1)
      return step(Flush{Flush::Scope::Cpu, draw_cpu()});
    if (case_.generic_per_mille != 0 && draw(1, 1000) <= case_.generic_per_mille) return generic();
    if (batch_.remaining == 0) start_batch();
    --batch_.remaining;
    switch (batch_.shape) {
      case DriverShape::NicRings: return nic_step();
      case DriverShape::NvmeBursts: return nvme_step();
      default: return legacy_step();
    }
  }

  void observe(const std::optional<Outcome>& outcome) {
    if (pending_.generic) {
      record(generic_model_, pending_.op);
      return;
    }
    if (!pending_.buffer) return;
    const bool allocated = outcome && outcome->status == Outcome::Status::Ok;
    if (allocated) {
      pending_.into->push_back(*pending_.buffer);
    } else if (pending_.below_4g_first) {
      fallback_ = Fallback{*pending_.buffer, pending_.into};
    }
  }

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
    Pfn entries = 0;  // the ring's size: refilled below half, completed when full
    Pfn rx_pages = 1;
    Buffers buffers;  // oldest first
  };
  struct Batch {
    DriverShape shape = DriverShape::NicRings;
    bool allocating = true;
    std::size_t remaining = 0;
    unsigned ring = 0;
    unsigned cpu = 0;
  };
  // The step just handed out, for observe().
  struct Pending {
    bool generic = false;
    Op op;
    std::optional<Buffer> buffer;  // an allocation a driver would keep
    Buffers* into = nullptr;
    bool below_4g_first = false;  // a 64-bit device's first try below 4 GiB, without flushing
  };
  struct Fallback {
    Buffer buffer;
    Buffers* into = nullptr;
  };

  Pfn draw(Pfn low, Pfn high) { return std::uniform_int_distribution<Pfn>(low, high)(random_); }
  bool chance(Pfn numerator, Pfn denominator) { return draw(1, denominator) <= numerator; }
  unsigned draw_cpu() { return static_cast<unsigned>(draw(0, geometry_.cpus - 1)); }

  static Step step(Op op) { return Step{std::move(op), std::nullopt, 0}; }

  std::string fresh(const char* prefix) { return numbered(prefix, ++names_); }

  void start_batch() {
    std::vector<DriverShape> active;
    for (DriverShape shape : {DriverShape::NicRings, DriverShape::NvmeBursts, DriverShape::Legacy32})
      if (has(case_.shapes, shape)) active.push_back(shape);
    batch_ = Batch{};
    batch_.shape = active.empty() ? DriverShape::NicRings : active[draw(0, active.size() - 1)];
    switch (batch_.shape) {
      case DriverShape::NicRings: {
        batch_.ring = static_cast<unsigned>(draw(0, nic_.size() - 1));
        const Ring& ring = nic_[batch_.ring];
        const Pfn held = ring.buffers.size();
        batch_.allocating = held < ring.entries / 2 || (held < ring.entries && chance(1, 2));
        batch_.remaining = draw(16, 64);
        // Completions mostly on the queue's CPU; some on another one (RPS, a migrated thread).
        batch_.cpu = batch_.allocating || chance(9, 10) ? ring.queue % geometry_.cpus : draw_cpu();
        break;
      }
      case DriverShape::NvmeBursts:
        batch_.allocating = nvme_.size() < nvme_target_ && (nvme_.size() < nvme_target_ / 2 || chance(1, 2));
        batch_.remaining = draw(1, 32);
        batch_.cpu = draw_cpu();
        break;
      default:
        batch_.allocating = legacy_.size() < legacy_target_ && (legacy_.size() < legacy_target_ / 2 || chance(2, 3));
        batch_.remaining = draw(1, 16);
        batch_.cpu = draw_cpu();
        break;
    }
  }

  // iommu_dma_alloc_iova for a 64-bit PCI device: below 4 GiB first, without flushing the
  // caches; with the device's whole mask (and flushing) only when that fails.
  Step allocate_64bit(Buffers& into, const std::string& prefix, Pfn size, unsigned cpu) {
    Buffer buffer{fresh(prefix.c_str()), size, cpu, true};
    pending_.op = FastAlloc{buffer.name, size, kLimit32, cpu, false};
    pending_.buffer = buffer;
    pending_.into = &into;
    pending_.below_4g_first = true;
    return step(pending_.op);
  }

  Step retry_above_4g() {
    Fallback fallback = std::move(*fallback_);
    fallback_.reset();
    fallback.buffer.name = fresh("hi");
    pending_.op = FastAlloc{fallback.buffer.name, fallback.buffer.size, device_limit_, fallback.buffer.cpu, true};
    pending_.buffer = fallback.buffer;
    pending_.into = fallback.into;
    return step(pending_.op);
  }

  static Step release(const Buffer& buffer, unsigned cpu) {
    if (!buffer.fast) return step(Free{Target{0, buffer.name}});
    return step(FastFree{Target{0, buffer.name}, buffer.size, cpu});
  }

  Step nic_step() {
    Ring& ring = nic_[batch_.ring];
    if (batch_.allocating && ring.buffers.size() < ring.entries) {
      const Pfn size = chance(7, 10) ? ring.rx_pages : draw(1, 4);  // rx buffers, or a tx fragment
      return allocate_64bit(ring.buffers, numbered("nic", ring.queue) + "_", size, batch_.cpu);
    }
    if (ring.buffers.empty()) return generic();
    Buffer done = std::move(ring.buffers.front());
    ring.buffers.pop_front();
    return release(done, batch_.cpu);
  }

  Step nvme_step() {
    if (batch_.allocating) {
      static constexpr std::array<Pfn, 9> kPages{1, 2, 4, 8, 16, 32, 64, 128, 256};  // 4 KiB .. 1 MiB
      static constexpr std::array<std::size_t, 9> kWeights{30, 15, 10, 15, 8, 10, 6, 4, 2};
      std::discrete_distribution<std::size_t> pick(kWeights.begin(), kWeights.end());
      Pfn size = kPages[pick(random_)];
      if (chance(1, 10)) size = draw(1, 256);  // a request of any length
      return allocate_64bit(nvme_, "nvme_", size, batch_.cpu);
    }
    if (nvme_.empty()) return generic();
    const std::size_t index = draw(0, nvme_.size() - 1);  // completions come out of order
    std::swap(nvme_[index], nvme_.back());
    Buffer done = std::move(nvme_.back());
    nvme_.pop_back();
    return release(done, chance(4, 5) ? done.cpu : draw_cpu());
  }

  // A 32-bit-only device sharing the domain: alloc_iova_fast below 4 GiB (flushing when it
  // must), and some plain alloc_iova / free_iova.
  Step legacy_step() {
    if (batch_.allocating) {
      const Pfn size = legacy_large_ ? draw(1, Pfn{1} << draw(0, 9)) : draw(1, 8);
      Buffer buffer{fresh("lgc"), size, batch_.cpu, !chance(1, 5)};
      if (buffer.fast)
        pending_.op = FastAlloc{buffer.name, buffer.size, kLimit32, buffer.cpu, true};
      else
        pending_.op = Alloc{buffer.name, buffer.size, kLimit32, !chance(1, 4)};
      pending_.buffer = buffer;
      pending_.into = &legacy_;
      return step(pending_.op);
    }
    if (legacy_.empty()) return generic();
    const std::size_t index = draw(0, legacy_.size() - 1);
    std::swap(legacy_[index], legacy_.back());
    Buffer done = std::move(legacy_.back());
    legacy_.pop_back();
    return release(done, done.cpu);
  }

  // One operation of the ordinary generators, over their whole space: wild frees, reserves,
  // finds, flushes, odd sizes and limits, caller errors.
  Step generic() {
    const CommandPtr command = commands(generic_model_)(generic_random_.split(), 0).value();
    pending_.generic = true;
    pending_.op = static_cast<const OpCommand&>(*command).op();
    return step(pending_.op);
  }

  const ScaleCase case_;
  const Geometry geometry_;
  std::mt19937_64 random_;
  rc::Random generic_random_;
  GenModel generic_model_;
  std::size_t emitted_ = 0;
  std::size_t names_ = 0;
  std::vector<Ring> nic_;
  Buffers nvme_;
  Buffers legacy_;
  std::size_t nvme_target_ = 0;
  std::size_t legacy_target_ = 0;
  bool legacy_large_ = false;
  Pfn device_limit_ = kLimit64;
  Batch batch_;
  Pending pending_;
  std::optional<Fallback> fallback_;
};

ScaleWorkload::ScaleWorkload(const ScaleCase& scale_case) : drivers_(std::make_unique<Drivers>(scale_case)) {}
ScaleWorkload::~ScaleWorkload() = default;
Step ScaleWorkload::next() { return drivers_->next(); }
void ScaleWorkload::observe(const std::optional<Outcome>& outcome) { drivers_->observe(outcome); }

Trace sample_scale_case(std::uint64_t seed, std::size_t ops) {
  rc::Random random(seed);
  ScaleCase scale_case = scale_cases(ops, ops)(random, 0).value();
  Trace trace;
  trace.geometry = scale_case.geometry;
  ScaleWorkload workload(scale_case);
  for (std::size_t i = 0; i < scale_case.ops; ++i) {
    trace.steps.push_back(workload.next());
    workload.observe(Outcome{});
  }
  return trace;
}

}  // namespace iovacheck::props
