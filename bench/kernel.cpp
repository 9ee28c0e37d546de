// The cost of the real drivers/iommu/iova.c behind the shim against impl/'s mainline, both driven
// through the same system-under-test interface (the harness's argument checks included):
//   kernel-churn  fast-path churn on 4 CPUs, 1..16 pages under 4 GiB, about 2000 live ranges,
//                 each iteration one alloc_iova_fast or free_iova_fast (the real magazine
//                 size, 127).
// A kernel that was not built is reported as skipped with the reason.
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/suite.h"
#include "harness/implementation.h"
#include "model/trace_io.h"

namespace iovacheck::bench {
namespace {

constexpr std::size_t kLive = 2000;
constexpr unsigned kCpus = 4;

struct Live {
  Pfn pfn;
  Pfn size;
  unsigned cpu;
};

void churn(benchmark::State& state, const ImplementationChoice& choice) {
  const Trace start = parse_trace("iova-trace 1\ndomain granule=0x1000 start=0x1 cpus=4\n");
  std::unique_ptr<ExactSystemUnderTest> sut;
  try {
    sut = make_exact_implementation(start, "mainline", choice);
  } catch (const std::invalid_argument& refusal) {
    state.SkipWithError(("not run: " + std::string(refusal.what())).c_str());
    return;
  }
  std::mt19937_64 random(0x5eed);
  std::vector<Live> live;
  live.reserve(kLive);
  for (auto _ : state) {
    if (live.size() < kLive && (live.empty() || random() % 2 == 0)) {
      const Pfn size = 1 + random() % 16;
      const auto cpu = static_cast<unsigned>(random() % kCpus);
      const Outcome outcome = sut->apply(FastAlloc{"", size, 0xfffff, cpu, true});
      if (outcome.status == Outcome::Status::Ok) live.push_back(Live{outcome.pfn, size, cpu});
    } else {
      const std::size_t index = random() % live.size();
      const Live freed = live[index];
      live[index] = live.back();
      live.pop_back();
      sut->apply(FastFree{Target{freed.pfn, ""}, freed.size, static_cast<unsigned>(random() % kCpus)});
    }
  }
  if (const std::optional<std::string> broken = sut->validate())
    state.SkipWithError(("broken after the run: " + *broken).c_str());
  state.SetLabel(sut->name());
}

}  // namespace

void register_kernel_benchmarks() {
  const Scenario scenario{"kernel-churn/live:2000", 1};
  add_case(scenario, "mainline", [](benchmark::State& state) { churn(state, ImplementationChoice{}); });
  add_case(scenario, "kernel:6.12", [](benchmark::State& state) { churn(state, ImplementationChoice{true, "6.12", {}}); });
}

}  // namespace iovacheck::bench
