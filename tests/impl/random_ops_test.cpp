// Thousands of random valid operations per variant with validate() after each. The caller side
// keeps the kernel's contract (free what alloc gave, ffree what fast gave with its size, reserve
// only over nodes no cache holds), so every validate() failure is the allocator's.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "impl/domain.h"
#include "tests/impl/domain_helpers.h"

namespace iovacheck::impl {
namespace {

using testing::geometry;

struct FastAllocation {
  Pfn pfn;
  Pfn size;
};

class RandomCaller {
 public:
  RandomCaller(Domain& domain, std::uint64_t seed, bool tree_ops_only)
      : domain_(domain), random_(seed), tree_ops_only_(tree_ops_only) {}

  // One random op; a description of it for failure messages.
  std::string step() {
    if (tree_ops_only_) {
      switch (below(7)) {
        case 0: case 1: case 2: return alloc();
        case 3: case 4: case 5: return free();
        default: return below(2) == 0 ? reserve() : find();
      }
    }
    // Alternating phases of mostly allocating and mostly freeing fill the magazines and the depot.
    const bool freeing_phase = (steps_++ / 150) % 2 == 1;
    const Pfn roll = below(50);
    if (roll == 0) return reserve();
    if (roll < 4) return maintenance();
    const bool allocate = below(10) < (freeing_phase ? 3 : 7);
    const bool fast_path = below(3) != 0;
    if (allocate) return fast_path ? fast() : alloc();
    return fast_path ? fast_free() : free();
  }

 private:
  Pfn below(Pfn bound) { return random_() % bound; }

  Pfn size() { return below(4) == 0 ? 1 + below(70) : 1 + below(8); }
  Pfn limit() {
    switch (below(8)) {
      case 0: return 0xffff;
      case 1: return ~Pfn{0};
      case 2: return below(0x20);
      default: return below(0x800);
    }
  }
  unsigned cpu() { return static_cast<unsigned>(below(domain_.config().cpus)); }

  std::string alloc() {
    const Pfn n = size();
    const Pfn l = limit();
    const bool aligned = below(2) == 0;
    const AllocResult result = domain_.alloc_iova(n, l, aligned);
    EXPECT_NE(result.status, Status::BadInput);
    if (result.status == Status::Ok) allocated_.push_back(result.pfn);
    return "alloc " + std::to_string(n) + " limit " + std::to_string(l) + (aligned ? "" : " unaligned");
  }

  std::string fast() {
    const Pfn n = size();
    const Pfn l = limit();
    const bool flush = below(4) == 0;
    const AllocResult result = domain_.alloc_iova_fast(n, l, cpu(), flush);
    EXPECT_NE(result.status, Status::BadInput);
    if (result.status == Status::Ok) fast_allocated_.push_back({result.pfn, n});
    return "fast " + std::to_string(n) + " limit " + std::to_string(l) + (flush ? "" : " noflush");
  }

  std::string free() {
    if (allocated_.empty()) return "nothing to free";
    const Pfn pfn = take(allocated_);
    EXPECT_EQ(domain_.free_iova(pfn), Status::Ok) << pfn;
    return "free " + std::to_string(pfn);
  }

  std::string fast_free() {
    if (fast_allocated_.empty()) return "nothing to ffree";
    const FastAllocation allocation = take(fast_allocated_);
    EXPECT_EQ(domain_.free_iova_fast(allocation.pfn, allocation.size, cpu()), Status::Ok) << allocation.pfn;
    return "ffree " + std::to_string(allocation.pfn) + " size " + std::to_string(allocation.size);
  }

  // Ranges the reserve merges into become reserved: their callers forget them.
  std::string reserve() {
    const Pfn lo = below(0x820);
    const Pfn hi = lo + below(8);
    for (const CachedEntry& entry : domain_.cached()) {
      const std::optional<Node> node = domain_.find_iova(entry.pfn);
      if (node && node->pfn_lo <= hi && lo <= node->pfn_hi) return "reserve skipped: it would touch a cached node";
    }
    EXPECT_EQ(domain_.reserve_iova(lo, hi).status, Status::Ok);
    auto touched = [&](Pfn pfn) {
      const std::optional<Node> node = domain_.find_iova(pfn);
      return node && node->pfn_lo <= hi && lo <= node->pfn_hi;
    };
    std::erase_if(allocated_, touched);
    std::erase_if(fast_allocated_, [&](const FastAllocation& a) { return touched(a.pfn); });
    return "reserve " + std::to_string(lo) + " " + std::to_string(hi);
  }

  std::string find() {
    const Pfn probe = below(0x820);
    const std::optional<Node> found = domain_.find_iova(probe);
    const std::vector<Node> nodes = domain_.nodes();
    const bool in_some_node = std::ranges::any_of(nodes, [&](const Node& n) { return n.pfn_lo <= probe && probe <= n.pfn_hi; });
    EXPECT_EQ(found.has_value(), in_some_node) << probe;
    return "find " + std::to_string(probe);
  }

  std::string maintenance() {
    switch (below(4)) {
      case 0: return find();
      case 1: EXPECT_EQ(domain_.free_cpu_cached_iovas(cpu()), Status::Ok); return "flush cpu";
      case 2: domain_.free_global_cached_iovas(); return "flush depot";
      default: domain_.trim_depots(); return "trim";
    }
  }

  template <class T>
  T take(std::vector<T>& from) {
    const std::size_t index = below(from.size());
    const T taken = from[index];
    from[index] = from.back();
    from.pop_back();
    return taken;
  }

  Domain& domain_;
  std::mt19937_64 random_;
  // alloc, free, reserve and find only. For z4: a flush removes many nodes and could read a
  // freed cached32_node between two removals, before validate() can object.
  bool tree_ops_only_;
  int steps_ = 0;
  std::vector<Pfn> allocated_;
  std::vector<FastAllocation> fast_allocated_;
};

Config random_geometry() { return geometry(0x400, 3, 2); }
constexpr int kSteps = 3000;

TEST(RandomOps, EveryVariantKeepsItsInvariants) {
  for (const Variant& variant : all_variants()) {
    if (!variant.delete_checks_free_is_cached32 || !variant.underflow_guard) continue;  // z4, z5: below
    Domain domain(random_geometry(), variant);
    RandomCaller caller(domain, 20260101, false);
    for (int i = 0; i < kSteps; ++i) {
      const std::string op = caller.step();
      const std::optional<std::string> error = domain.validate();
      ASSERT_EQ(error, std::nullopt) << variant.name << " step " << i << " (" << op << ")\n" << domain.describe();
    }
  }
}

// z4 and z5 corrupt the state by design: run until validate() first objects, check that the
// objection is the variant's own defect, and stop there.
void run_until_invalid(const char* name, std::uint64_t seed, bool tree_ops_only,
                       const std::vector<std::string>& expected_prefixes) {
  Domain domain(random_geometry(), testing::variant(name));
  RandomCaller caller(domain, seed, tree_ops_only);
  for (int i = 0; i < kSteps; ++i) {
    const std::string op = caller.step();
    const std::optional<std::string> error = domain.validate();
    if (!error) continue;
    EXPECT_TRUE(std::ranges::any_of(expected_prefixes, [&](const std::string& p) { return error->starts_with(p); }))
        << name << " step " << i << " (" << op << "): " << *error;
    return;
  }
  ADD_FAILURE() << name << ": no invalid state in " << kSteps << " steps";
}

TEST(RandomOps, Z4EndsWithAStaleCached32) {
  run_until_invalid("z4-stale-cached32", 7, true, {"cached32_node refers to a freed node"});
}

TEST(RandomOps, Z5EndsWithAWrappedNode) {
  run_until_invalid("z5-no-underflow-guard", 7, false, {"nodes overlap", "node ", "cached_node refers to"});
}

}  // namespace
}  // namespace iovacheck::impl
