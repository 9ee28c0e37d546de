// Every implemented variant side by side on three workloads, all below 4 GiB through alloc_iova
// and free_iova. z6-z8 differ from mainline only on the fast path, so here they do exactly what
// mainline does and their rows show how noisy the figures are.
//   steady      free a random live range, allocate a new one (1..16 pages weighted 1/size, half
//               size-aligned);
//   fragmented  two-page holes under cached32_node and four-page requests that do not fit them;
//   seed        the seed thread's domain and size mix, starting from its dump.
// Every variant starts from the same tree (a snapshot), so p1's O(n) allocations never have to
// build it. A variant that hands out a range outside [start_pfn, limit] is stopped at that
// allocation, before the range is used, and reported as skipped with the reason.
#include <cstdint>
#include <optional>
#include <string>

#include "bench/suite.h"
#include "bench/workload.h"
#include "model/range.h"

namespace iovacheck::bench {
namespace {

// Sizes, and the iterations each variant runs there: the same operations for every variant
// (mainline's walk length varies along a steady-state run, so a run that stopped earlier or later
// would not be comparable). Chosen so the slowest variant takes well under a second here.
struct Size {
  std::size_t count;
  benchmark::IterationCount iterations;
};
constexpr Size kSteadyLive[] = {{10'000, 10'000}, {100'000, 2'000}};
constexpr Size kHoles[] = {{10'000, 2'000}, {100'000, 500}};
constexpr benchmark::IterationCount kSeedIterations = 100'000;
constexpr std::uint64_t kChurnSeed = 0xc4'0a11'0c;

// Refuses, with the reason, a variant that could reach freed memory on this layout (z4).
bool refuse_stale_hint(benchmark::State& state, const Layout& layout, const impl::Variant& variant) {
  const std::optional<std::string> risk = stale_hint_risk(layout, variant);
  if (risk) state.SkipWithError(("not run: " + *risk).c_str());
  return risk.has_value();
}

// After the timed loop: the tree must still be sound, else the figures mean nothing.
void finish(benchmark::State& state, const impl::Domain& domain, std::size_t live) {
  if (state.error_occurred()) return;
  if (const std::optional<std::string> broken = domain.validate())
    state.SkipWithError(("the tree is broken after the run: " + *broken).c_str());
  state.counters["live"] = static_cast<double>(live);
}

void churn_case(benchmark::State& state, const Layout& layout, const impl::Variant& variant, const RequestMix& mix) {
  if (refuse_stale_hint(state, layout, variant)) return;
  Churn churn(layout, variant, mix, kChurnSeed);
  for (auto _ : state) {
    if (const std::optional<std::string> bad = churn.step()) {
      state.SkipWithError(("stopped: " + *bad).c_str());
      break;
    }
  }
  finish(state, churn.domain(), churn.live());
  const auto attempted = static_cast<double>(churn.attempted());
  state.counters[kFailRateCounter] = attempted == 0 ? 0.0 : static_cast<double>(churn.failed()) / attempted;
}

// A size-aligned allocation below 4 GiB that must succeed and stay in bounds.
struct Placement {
  Pfn pfn = 0;
  std::optional<std::string> error;
};

Placement place(impl::Domain& domain, Pfn size) {
  const impl::AllocResult result = domain.alloc_iova(size, kLimit32, true);
  if (result.status != impl::Status::Ok)
    return {0, std::string(domain.variant().name) + " failed a " + hex(size) + "-page allocation that fits"};
  return {result.pfn, out_of_bounds(domain, result.pfn, size, kLimit32)};
}

// One round: free the top range and allocate it again (a free above cached32_node lifts the
// hint over the holes, as any free high in the space does), then allocate four pages, which
// fit in no hole, and free them. Mainline walks every hole on the third operation.
std::optional<std::string> fragmented_round(impl::Domain& domain, Pfn& top) {
  if (domain.free_iova(top) != impl::Status::Ok) return "could not free the top range " + hex(top);
  const Placement again = place(domain, 2);
  if (again.error) return again.error;
  top = again.pfn;
  const Placement wide = place(domain, 4);
  if (wide.error) return wide.error;
  domain.free_iova(wide.pfn);
  return std::nullopt;
}

void fragmented_case(benchmark::State& state, const Layout& layout, const impl::Variant& variant) {
  if (refuse_stale_hint(state, layout, variant)) return;
  impl::Domain domain(layout.config, variant, &layout.snapshot);
  Pfn top = *layout.snapshot.cached32_lo;
  for (auto _ : state) {
    if (const std::optional<std::string> error = fragmented_round(domain, top)) {
      state.SkipWithError(("stopped: " + *error).c_str());
      break;
    }
  }
  finish(state, domain, layout.snapshot.nodes.size());
}

}  // namespace

void register_variant_benchmarks() {
  for (const auto [live, iterations] : kSteadyLive) {
    const Scenario scenario{"steady/live:" + std::to_string(live), 2, iterations};
    for (const impl::Variant& variant : impl::all_variants())
      add_case(scenario, std::string(variant.name), [live, &variant](benchmark::State& state) {
        churn_case(state, steady_layout(live), variant, RequestMix::small_pages());
      });
  }
  for (const auto [holes, iterations] : kHoles) {
    const Scenario scenario{"fragmented/holes:" + std::to_string(holes), 4, iterations};
    for (const impl::Variant& variant : impl::all_variants())
      add_case(scenario, std::string(variant.name), [holes, &variant](benchmark::State& state) {
        fragmented_case(state, fragmented_layout(holes), variant);
      });
  }
  const Scenario seed{"seed/live:40", 2, kSeedIterations};
  for (const impl::Variant& variant : impl::all_variants())
    add_case(seed, std::string(variant.name), [&variant](benchmark::State& state) {
      churn_case(state, seed_layout(), variant, RequestMix::seed_dump());
    });
}

}  // namespace iovacheck::bench
