// The checker at scale: the steady-state churn through the checker next to the implementation
// alone (1k, 10k, 100k live ranges, fast and paranoid judgement), the same two in alternating
// batches for an overhead that holds under load, the 16,384-allocation full-space replay, and
// the bytes each live range costs the model and each tree.
#include <malloc.h>

#include <iomanip>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>

#include "bench/checked.h"
#include "bench/paired.h"
#include "bench/suite.h"
#include "harness/implementation.h"
#include "model/model.h"

namespace iovacheck::bench {
namespace {

constexpr std::size_t kLiveCounts[] = {1'000, 10'000, 100'000};
constexpr std::uint64_t kChurnSeed = 7;

// Churn (free a random live range, allocate a new one) as checked steps.
class CheckedChurn {
 public:
  CheckedChurn(const Layout& layout, bool paranoid)
      : start_(start_trace(layout)), sut_(make_implementation(start_)), session_(start_, *sut_, checking(paranoid)),
        mix_(RequestMix::small_pages()), rng_(kChurnSeed) {
    for (const impl::Node& node : layout.snapshot.nodes) live_.push_back(node.pfn_lo);
  }

  std::optional<std::string> step() {
    if (!live_.empty()) {
      const Pfn victim = take_random(live_, rng_);
      if (!session_.step(Step{Free{Target{victim, ""}}, std::nullopt, 0})) return stopped();
    }
    const Request request = mix_.draw(rng_);
    if (!session_.step(Step{Alloc{"", request.size, kLimit32, request.aligned}, std::nullopt, 0})) return stopped();
    const Outcome& outcome = session_.report().steps.back().outcome;
    if (outcome.status == Outcome::Status::Ok) live_.push_back(outcome.pfn);
    return std::nullopt;
  }

  const std::vector<Pfn>& live_ranges() const { return live_; }

 private:
  std::string stopped() const {
    const CheckReport& report = session_.report();
    return report.violation ? violation_comment(*report.violation) : "the checker stopped";
  }

  Trace start_;
  std::unique_ptr<SystemUnderTest> sut_;
  CheckSession session_;
  RequestMix mix_;
  std::mt19937_64 rng_;
  std::vector<Pfn> live_;
};

void steady_alone(benchmark::State& state, std::size_t live) {
  const Layout& layout = steady_layout(live);
  Churn churn(layout, impl::mainline(), RequestMix::small_pages(), kChurnSeed);
  for (auto _ : state) {
    if (auto bad = churn.step()) {
      state.SkipWithError(bad->c_str());
      break;
    }
  }
  state.counters["live"] = static_cast<double>(churn.live());
}

void steady_checked(benchmark::State& state, std::size_t live, bool paranoid) {
  CheckedChurn churn(steady_layout(live), paranoid);
  for (auto _ : state) {
    if (auto stopped = churn.step()) {
      state.SkipWithError(stopped->c_str());
      break;
    }
  }
}

// The overhead as the median of paired batch differences (bench/paired.h): mainline alone and
// mainline under the checker, both from the steady layout with the same seed, step in lockstep
// through the same operations, `steps` steps a batch, alternating which side runs first.
void steady_paired(benchmark::State& state, std::size_t live, unsigned steps) {
  const Layout& layout = steady_layout(live);
  Churn alone(layout, impl::mainline(), RequestMix::small_pages(), kChurnSeed);
  CheckedChurn checked(layout, false);
  PairedBatches batches(2 * steps);  // a step is a free and an allocation
  auto timed = [steps](auto& churn) -> std::optional<double> {
    const double start = thread_cpu_seconds();
    for (unsigned i = 0; i < steps; ++i)
      if (churn.step()) return std::nullopt;
    return thread_cpu_seconds() - start;
  };
  for (auto _ : state) {
    const bool alone_first = batches.alone_first();
    std::optional<double> alone_seconds, checked_seconds;
    if (alone_first) alone_seconds = timed(alone);
    checked_seconds = timed(checked);
    if (!alone_first) alone_seconds = timed(alone);
    // Both must have run the same operations, or their difference is not the checker's.
    if (!alone_seconds || !checked_seconds || alone.live_ranges().size() != checked.live_ranges().size() ||
        alone.live_ranges().back() != checked.live_ranges().back()) {
      state.SkipWithError("the checked churn stopped or left the lockstep with mainline alone");
      return;
    }
    batches.add(*alone_seconds, *checked_seconds);
  }
  const PairedOverhead overhead = batches.summary();
  state.counters[kPairedMedianCounter] = overhead.median;
  state.counters[kPairedQ1Counter] = overhead.q1;
  state.counters[kPairedQ3Counter] = overhead.q3;
  state.counters[kPairedLowCounter] = overhead.median_low;
  state.counters[kPairedHighCounter] = overhead.median_high;
  state.counters["alone_us"] = overhead.alone;
  state.counters["checked_us"] = overhead.checked;
}

// A KUnit-style scenario: a 16,384-page space filled one page at a time, then one more request
// that must fail. One iteration is the whole run.
constexpr Pfn kFullSpacePages = 16384;

Trace full_space_trace() {
  Trace trace;
  trace.geometry.start_pfn = 1;
  trace.geometry.dma32_pfn = 0x100000;
  for (Pfn i = 0; i <= kFullSpacePages; ++i) trace.steps.push_back(Step{Alloc{"", 1, kFullSpacePages, false}, std::nullopt, 0});
  return trace;
}

void full_space_alone(benchmark::State& state) {
  for (auto _ : state) {
    impl::Domain domain(impl::Config{0x1000, 1, 0x100000, 127, 1}, impl::mainline());
    for (Pfn i = 0; i <= kFullSpacePages; ++i) benchmark::DoNotOptimize(domain.alloc_iova(1, kFullSpacePages, false));
  }
}

void full_space_checked(benchmark::State& state, bool paranoid) {
  const Trace trace = full_space_trace();
  for (auto _ : state) {
    const CheckReport report = check_on(trace, "", checking(paranoid));
    if (report.violation) {
      state.SkipWithError(violation_comment(*report.violation).c_str());
      break;
    }
  }
}

// Small blocks in the arenas plus the large ones malloc maps on their own (big vectors).
std::size_t heap_in_use() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

}  // namespace

void register_scale_benchmarks() {
  for (const std::size_t live : kLiveCounts) {
    // Fixed and equal iteration counts: mainline's walk length changes along the churn, so the
    // subjects must run the same stretch of it for their difference to be the checker's cost.
    const benchmark::IterationCount iterations = live >= 100'000 ? 2'000 : 10'000;
    const Scenario scenario{"steady-checked/live:" + std::to_string(live), 2, iterations};
    add_case(scenario, kBaseline, [live](benchmark::State& state) { steady_alone(state, live); });
    add_case(scenario, "checker-step", [live](benchmark::State& state) { steady_checked(state, live, false); });
    add_case(scenario, "checker-paranoid", [live](benchmark::State& state) { steady_checked(state, live, true); });
    // Batches of 0.05-0.4 ms a side: short enough that another process rarely takes the core
    // within one (its cache damage would land on one side only), long enough that reading the
    // clock costs nothing measurable; enough pairs to pin the median within a few tenths of a us.
    const unsigned steps = live >= 100'000 ? 5 : 25;
    const benchmark::IterationCount pairs = live >= 100'000 ? 1'000 : 400;
    benchmark::RegisterBenchmark((kPairedScenario + std::to_string(live) + "/checker-overhead").c_str(),
                                 [live, steps](benchmark::State& state) { steady_paired(state, live, steps); })
        ->Iterations(pairs)
        ->Unit(benchmark::kMicrosecond);
  }
  const Scenario full{"full-space/pages:16384", static_cast<unsigned>(kFullSpacePages + 1), 1};
  add_case(full, kBaseline, [](benchmark::State& state) { full_space_alone(state); });
  add_case(full, "checker-step", [](benchmark::State& state) { full_space_checked(state, false); });
  add_case(full, "checker-paranoid", [](benchmark::State& state) { full_space_checked(state, true); });
}

// Heap bytes per live range: the model (its ranges and indexes), and each tree holding the same
// layout, measured as the allocator's bytes in use before and after building it.
void print_memory_table(std::ostream& out) {
  out << "\n== heap bytes per live range (steady layouts, malloc's bytes in use) ==\n"
      << "  live       model   mainline   p2-augmented   p3-maple\n";
  for (const std::size_t live : kLiveCounts) {
    const Layout& layout = steady_layout(live);
    const Trace start = start_trace(layout);
    auto per_range = [&](auto build) {
      const std::size_t before = heap_in_use();
      auto built = build();
      const std::size_t after = heap_in_use();
      return static_cast<double>(after - before) / static_cast<double>(live);
    };
    const double model = per_range([&] { return std::make_unique<Model>(start.geometry, &*start.snapshot); });
    auto tree = [&](const char* variant) {
      return per_range([&] { return make_implementation(start, variant); });
    };
    out << "  " << std::setw(6) << live << std::fixed << std::setprecision(0) << std::setw(12) << model << std::setw(11)
        << tree("mainline") << std::setw(15) << tree("p2-augmented") << std::setw(11) << tree("p3-maple") << "\n";
  }
}

}  // namespace iovacheck::bench
