#include "bench/workload.h"

#include <array>
#include <map>
#include <stdexcept>
#include <utility>

#include "model/range.h"

namespace iovacheck::bench {
namespace {

constexpr Pfn kGranule = 0x1000;
constexpr unsigned kGranuleShift = 12;
constexpr Pfn kDma32Pfn = Pfn{1} << (32 - kGranuleShift);
constexpr std::uint64_t kLayoutSeed = 0x5eed'1a70'0000;

// The seed thread's second dump (000_0961fc4649b56ec0.txt), lines 1-40 as printed: pfn_lo and
// size in bytes (pfn << 12). Line 41, the anchor, is the tree's sentinel, not an allocation.
struct DumpLine {
  Pfn lo_bytes;
  Pfn size_bytes;
};
constexpr std::array<DumpLine, 40> kSeedDump{{
    {0x40800000, 0x4c9000},  {0x40d00000, 0xc4000},   {0x40e00000, 0x37a000},  {0x41200000, 0x2400000},
    {0x46800000, 0x47e2000}, {0x50200000, 0x400000},  {0x50600000, 0x265000},  {0x50a00000, 0x2ae000},
    {0x50e00000, 0x4c9000},  {0x51400000, 0x1a25000}, {0x53c00000, 0x400000},  {0x54000000, 0x400000},
    {0x54500000, 0xbc000},   {0x54600000, 0x400000},  {0x54a00000, 0xbc000},   {0x54b00000, 0xbc000},
    {0x54c00000, 0x47e2000}, {0x65000000, 0x400000},  {0x65400000, 0x47e2000}, {0x6c7e0000, 0x20000},
    {0x6c800000, 0x47e2000}, {0xebc00000, 0x400000},  {0xec000000, 0x400000},  {0xec400000, 0x400000},
    {0xf3500000, 0x100000},  {0xf3600000, 0x100000},  {0xf3700000, 0xbc000},   {0xf3800000, 0x265000},
    {0xf3c00000, 0xa13000},  {0xf4800000, 0xb400000}, {0xffcff000, 0x1000},    {0xffd00000, 0x80000},
    {0xffde0000, 0x20000},   {0xffe00000, 0x80000},   {0xffec0000, 0x20000},   {0xffef9000, 0x1000},
    {0xffefa000, 0x1000},    {0xffefb000, 0x1000},    {0xffefc000, 0x4000},    {0xfff00000, 0x100000},
}};
constexpr Pfn kSeedCached32Lo = 0xf3500;   // cached32_node 0xffffff814751a1c0, line 25
constexpr Pfn kSeedMax32 = 0x731f;         // the failed request's size
constexpr Pfn kSeedTotalKiB = 614788;      // the dump's total_size, with the anchor's 4 KiB

constexpr Pfn seed_dump_kib() {
  Pfn total = kGranule;  // the anchor line counts in the dump's total
  for (const DumpLine& line : kSeedDump) total += line.size_bytes;
  return total / 1024;
}
static_assert(seed_dump_kib() == kSeedTotalKiB, "the seed dump table disagrees with the dump's total_size");

impl::Node dump_node(const DumpLine& line) {
  const Pfn lo = line.lo_bytes >> kGranuleShift;
  return impl::Node{lo, lo + (line.size_bytes >> kGranuleShift) - 1};
}

}  // namespace

impl::Config dma_config() { return impl::Config{.granule = kGranule, .start_pfn = 1, .dma32_pfn = kDma32Pfn}; }

impl::Config seed_config() { return impl::Config{.granule = kGranule, .start_pfn = 0x40000, .dma32_pfn = kDma32Pfn}; }

RequestMix::RequestMix(std::vector<Pfn> sizes, const std::vector<double>& weights)
    : sizes_(std::move(sizes)), pick_(weights.begin(), weights.end()) {
  if (sizes_.empty() || sizes_.size() != weights.size())
    throw std::invalid_argument("request mix: one weight per size, at least one size");
}

RequestMix RequestMix::small_pages() {
  std::vector<Pfn> sizes;
  std::vector<double> weights;
  for (Pfn size = 1; size <= 16; ++size) {
    sizes.push_back(size);
    weights.push_back(1.0 / static_cast<double>(size));
  }
  return RequestMix(std::move(sizes), weights);
}

RequestMix RequestMix::seed_dump() {
  std::vector<Pfn> sizes;
  for (const DumpLine& line : kSeedDump) sizes.push_back(line.size_bytes >> kGranuleShift);
  return RequestMix(std::move(sizes), std::vector<double>(sizes.size(), 1.0));
}

Request RequestMix::draw(std::mt19937_64& rng) {
  const Pfn size = sizes_[pick_(rng)];
  return Request{size, aligned_(rng)};
}

impl::TreeSnapshot snapshot_of(const impl::Domain& domain) {
  impl::TreeSnapshot snapshot;
  for (const impl::Node& node : domain.nodes())
    if (node.pfn_lo != kMaxPfn) snapshot.nodes.push_back(node);
  return snapshot;
}

const Layout& steady_layout(std::size_t live) {
  static std::map<std::size_t, Layout> built;
  if (auto found = built.find(live); found != built.end()) return found->second;

  const Layout empty{dma_config(), {}};
  Churn churn(empty, impl::mainline(), RequestMix::small_pages(), kLayoutSeed + live);
  while (churn.live() < live) {
    if (auto bad = churn.allocate()) throw std::logic_error("steady layout: " + *bad);
    if (churn.failed() != 0)
      throw std::runtime_error("steady layout: mainline could not fit " + std::to_string(live) + " ranges below 4 GiB");
  }
  for (std::size_t step = 0; step < live; ++step)
    if (auto bad = churn.step()) throw std::logic_error("steady layout: " + *bad);
  // Hints start on the anchor, as for any loaded tree; max32_alloc_size starts reset.
  return built.emplace(live, Layout{dma_config(), snapshot_of(churn.domain())}).first->second;
}

const Layout& fragmented_layout(std::size_t holes) {
  static std::map<std::size_t, Layout> built;
  if (auto found = built.find(holes); found != built.end()) return found->second;

  const impl::Config config = dma_config();
  const Pfn top = config.dma32_pfn;
  const Pfn span = 4 * static_cast<Pfn>(holes) + 2;
  if (span >= top - config.start_pfn - 64)
    throw std::invalid_argument("fragmented layout: " + std::to_string(holes) +
                                " holes leave no free space below them");
  // Ranges at top-2, top-6, ...; the two pages between neighbours are the freed ones.
  Layout layout{config, {}};
  for (Pfn lo = top - span; lo < top; lo += 4) layout.snapshot.nodes.push_back(impl::Node{lo, lo + 1});
  // Freeing every other range in ascending order leaves cached32_node on the top range.
  layout.snapshot.cached32_lo = top - 2;
  return built.emplace(holes, std::move(layout)).first->second;
}

const Layout& seed_layout() {
  static const Layout layout = [] {
    Layout seed{seed_config(), {}};
    for (const DumpLine& line : kSeedDump) seed.snapshot.nodes.push_back(dump_node(line));
    seed.snapshot.cached32_lo = kSeedCached32Lo;  // cached_node is the anchor
    seed.snapshot.max32_alloc_size = kSeedMax32;
    return seed;
  }();
  return layout;
}

std::optional<std::string> stale_hint_risk(const Layout& layout, const impl::Variant& variant) {
  if (variant.delete_checks_free_is_cached32) return std::nullopt;
  const Pfn dma32 = layout.config.dma32_pfn;
  if (kLimit32 >= dma32)
    return "allocations may end at or above dma_32bit_pfn, where " + std::string(variant.name) +
           " can leave cached32_node on a freed node";
  for (const impl::Node& node : layout.snapshot.nodes)
    if (node.pfn_hi >= dma32)
      return "node " + to_string(Range{node.pfn_lo, node.pfn_hi}) + " ends at or above dma_32bit_pfn: " +
             std::string(variant.name) + " would leave cached32_node on it once freed";
  return std::nullopt;
}

std::optional<std::string> out_of_bounds(const impl::Domain& domain, Pfn pfn, Pfn size, Pfn limit) {
  const Pfn start = domain.config().start_pfn;
  if (pfn >= start && pfn <= limit && size - 1 <= limit - pfn) return std::nullopt;
  return std::string(domain.variant().name) + " handed out pfn " + hex(pfn) + " for " + hex(size) +
         " pages, outside [start_pfn " + hex(start) + ", limit " + hex(limit) + "]";
}

Churn::Churn(const Layout& layout, const impl::Variant& variant, RequestMix mix, std::uint64_t seed)
    : domain_(layout.config, variant, &layout.snapshot), mix_(std::move(mix)), rng_(seed) {
  live_.reserve(layout.snapshot.nodes.size() + 1);
  for (const impl::Node& node : layout.snapshot.nodes) live_.push_back(node.pfn_lo);
}

Pfn take_random(std::vector<Pfn>& live, std::mt19937_64& rng) {
  std::uniform_int_distribution<std::size_t> pick(0, live.size() - 1);
  const std::size_t index = pick(rng);
  const Pfn taken = live[index];
  live[index] = live.back();
  live.pop_back();
  return taken;
}

std::optional<std::string> Churn::step() {
  if (!live_.empty()) {
    const Pfn victim = take_random(live_, rng_);
    if (domain_.free_iova(victim) != impl::Status::Ok)
      return std::string(domain_.variant().name) + " refused to free pfn " + hex(victim) + ", which it handed out";
  }
  return allocate();
}

std::optional<std::string> Churn::allocate() {
  const Request request = mix_.draw(rng_);
  ++attempted_;
  const impl::AllocResult result = domain_.alloc_iova(request.size, kLimit32, request.aligned);
  if (result.status != impl::Status::Ok) {
    ++failed_;
    return std::nullopt;
  }
  if (auto bad = out_of_bounds(domain_, result.pfn, request.size, kLimit32)) return bad;
  live_.push_back(result.pfn);
  return std::nullopt;
}

}  // namespace iovacheck::bench
