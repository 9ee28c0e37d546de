// What max32_alloc_size is for: repeated 32-bit requests that cannot fit must fail in O(1), not
// by walking the whole tree each time (the seed's scenario: a fast path retrying a request the
// space cannot hold). Each iteration is one size-aligned alloc_iova under limit dma32 - 1 that
// fails; the first failure of a run walks every node, later ones fail at the early check when
// the variant keeps an estimate that covers them. The F1 fix candidates (docs/f1-fix.md) show
// here which of them keep the O(1) path: f1b-unaligned records only unaligned failures, so an
// aligned request walks the tree every time.
#include <string>

#include "bench/suite.h"
#include "bench/workload.h"
#include "model/range.h"

namespace iovacheck::bench {
namespace {

constexpr std::size_t kHoles[] = {10'000, 100'000};
constexpr benchmark::IterationCount kIterations = 2'000;

// The 32-bit space full except for `holes` one-page holes at its top: below dma32 - 3 * holes
// one reserved range, above it two-page ranges each followed by a free page. A size-aligned
// two-page request fits nowhere, and mainline's first failing walk visits every range.
Layout single_page_holes(std::size_t holes) {
  Layout layout{dma_config(), {}};
  const Pfn top = layout.config.dma32_pfn;
  const Pfn bottom = top - 3 * holes;
  layout.snapshot.nodes.push_back(impl::Node{layout.config.start_pfn, bottom - 1});
  for (Pfn lo = bottom; lo + 2 < top; lo += 3) layout.snapshot.nodes.push_back(impl::Node{lo, lo + 1});
  return layout;
}

void failing_case(benchmark::State& state, const Layout& layout, const impl::Variant& variant) {
  impl::Domain domain(layout.config, variant, &layout.snapshot);
  constexpr Pfn size = 2;
  for (auto _ : state) {
    if (domain.alloc_iova(size, kLimit32, true).status == impl::Status::Ok) {
      state.SkipWithError(("a " + hex(size) + "-page request that fits nowhere was placed").c_str());
      break;
    }
  }
  state.counters["live"] = static_cast<double>(layout.snapshot.nodes.size());
  state.counters[kFailRateCounter] = 1.0;
}

}  // namespace

void register_failing32_benchmarks() {
  for (const std::size_t live : kHoles) {
    const Scenario scenario{"failing32/holes:" + std::to_string(live), 1, kIterations};
    for (const impl::Variant& variant : impl::all_variants()) {
      if (variant.search != impl::Search::FirstFitFromCachedNode || !variant.delete_checks_free_is_cached32) continue;
      add_case(scenario, std::string(variant.name),
               [live, &variant](benchmark::State& state) { failing_case(state, single_page_holes(live), variant); });
    }
  }
}

}  // namespace iovacheck::bench
