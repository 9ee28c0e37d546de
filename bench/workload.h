#pragma once
// What the benchmarks run: geometries, request mixes, starting layouts and the steady-state
// churn (free a random live range, allocate a new one). Shared by the pair-cost and the variant
// benchmarks so every subject sees the same tree.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "impl/domain.h"
#include "impl/variant.h"

namespace iovacheck::bench {

using impl::Pfn;

// Every scenario allocates below 4 GiB: limit_pfn = dma_32bit_pfn - 1 for a 4 KiB granule.
inline constexpr Pfn kLimit32 = 0xfffff;

// The DMA layer's domain: 4 KiB granule, start_pfn 1, real dma_32bit_pfn.
impl::Config dma_config();
// The seed thread's domain (docs/spec.md section 6): start_pfn 0x40000.
impl::Config seed_config();

struct Request {
  Pfn size = 1;
  bool aligned = true;
};

// Draws requests: a size from a weighted table, size-aligned with probability 1/2.
class RequestMix {
 public:
  RequestMix(std::vector<Pfn> sizes, const std::vector<double>& weights);
  // 1..16 pages, size s with weight 1/s: small mappings dominate. Uniform 1..16 would need about
  // 1.09M pages at 100k live ranges (sizes plus alignment waste), more than the 32-bit space.
  static RequestMix small_pages();
  // The page counts of the 40 allocated nodes of the seed's second dump, each equally likely.
  static RequestMix seed_dump();
  Request draw(std::mt19937_64& rng);

 private:
  std::vector<Pfn> sizes_;
  std::discrete_distribution<std::size_t> pick_;
  std::bernoulli_distribution aligned_{0.5};
};

// A tree to start from: the live ranges of a domain and its hints.
struct Layout {
  impl::Config config;
  impl::TreeSnapshot snapshot;
};

// `live` ranges of RequestMix::small_pages() as mainline leaves them after filling the 32-bit
// space from empty and then churning `live` times (so holes exist). Built once per size.
const Layout& steady_layout(std::size_t live);
// The 32-bit space after filling its top with size-2 ranges and freeing every other one:
// `holes` two-page holes between size-2 ranges, free space below, cached32_node on the top range.
const Layout& fragmented_layout(std::size_t holes);
// The seed's second dump: 40 nodes, cached32_node on 0xf3500, max32_alloc_size 0x731f.
const Layout& seed_layout();

// z4's missing "free == cached32_node" term matters only when cached32_node sits on a node
// ending at or above dma_32bit_pfn: with every node below it (and every allocation checked to end
// at or below kLimit32 before the next operation), z4 behaves as mainline and never reaches a
// freed node. Nullopt when that holds for the layout, else why not.
std::optional<std::string> stale_hint_risk(const Layout& layout, const impl::Variant& variant);

// Why a result is not a range inside [start_pfn, limit] (z2's retry below start_pfn, z5's wrapped
// candidate), or nullopt. Checked before the range is used, so a misbehaving variant stops there.
std::optional<std::string> out_of_bounds(const impl::Domain& domain, Pfn pfn, Pfn size, Pfn limit);

// Removes and returns a random element of a non-empty `live`, in O(1) (order is not kept).
Pfn take_random(std::vector<Pfn>& live, std::mt19937_64& rng);

// A domain in steady state: each step frees a random live range (if any) and allocates a new one.
class Churn {
 public:
  Churn(const Layout& layout, const impl::Variant& variant, RequestMix mix, std::uint64_t seed);

  // One free and one allocation; why the allocation misbehaved, or nullopt.
  std::optional<std::string> step();
  // One allocation; the same contract.
  std::optional<std::string> allocate();

  std::size_t live() const { return live_.size(); }
  const std::vector<Pfn>& live_ranges() const { return live_; }  // in the order the churn picks from
  std::uint64_t attempted() const { return attempted_; }
  std::uint64_t failed() const { return failed_; }
  impl::Domain& domain() { return domain_; }

 private:
  impl::Domain domain_;
  RequestMix mix_;
  std::mt19937_64 rng_;
  std::vector<Pfn> live_;  // pfn_lo of every range this churn may free
  std::uint64_t attempted_ = 0;
  std::uint64_t failed_ = 0;
};

// A layout's live ranges as a snapshot of the domain's current tree (the anchor left out).
impl::TreeSnapshot snapshot_of(const impl::Domain& domain);

}  // namespace iovacheck::bench
