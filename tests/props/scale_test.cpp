// The scale profile's cases: the real geometry; driver shapes (a 64-bit device's try below 4 GiB
// without flushing, then with its whole mask; frees on another CPU; trims; the MSI window); the
// ordinary operations still mixed in (every kind over many cases); valid, deterministic traces.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <variant>

#include "model/trace_io.h"
#include "props/scale.h"

namespace iovacheck::props {
namespace {

constexpr std::size_t kOps = 20'000;

TEST(ScaleProfile, CasesUseTheRealGeometry) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const Trace trace = sample_scale_case(seed, 100);
    EXPECT_EQ(trace.geometry.granule, 0x1000u);
    EXPECT_EQ(trace.geometry.dma32_pfn, 0x100000u);
    EXPECT_EQ(trace.geometry.mag_size, 127u);
    EXPECT_GE(trace.geometry.cpus, 4u);
    EXPECT_LE(trace.geometry.cpus, 64u);
  }
}

TEST(ScaleProfile, ASeedDrawsTheSameTraceAndItParses) {
  const Trace trace = sample_scale_case(7, 5'000);
  EXPECT_EQ(trace.steps.size(), 5'000u);
  EXPECT_EQ(trace, sample_scale_case(7, 5'000));
  EXPECT_EQ(parse_trace(print_trace(trace)), trace);
}

TEST(ScaleProfile, DriverShapesAndEveryOrdinaryOperationAppear) {
  std::set<std::string> seen;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    const Trace trace = sample_scale_case(seed, kOps);
    for (const Step& step : trace.steps) {
      seen.insert(std::string(keyword(step.op)));
      if (const auto* fast = std::get_if<FastAlloc>(&step.op)) {
        if (fast->limit == 0xfffff && !fast->flush) seen.insert("fast below 4 GiB, noflush");
        if (fast->size > 32) seen.insert("fast beyond the cached sizes");
      }
      if (const auto* reserve = std::get_if<Reserve>(&step.op); reserve && reserve->lo == 0xfee00 && reserve->hi == 0xfeeff)
        seen.insert("MSI window");
    }
  }
  for (const char* expected : {"alloc", "fast", "free", "ffree", "reserve", "flush", "trim", "find",
                               "fast below 4 GiB, noflush", "fast beyond the cached sizes", "MSI window"})
    EXPECT_TRUE(seen.contains(expected)) << expected;
}

// Every outcome taken as success (sample_scale_case), a NIC ring's buffers are freed in the
// order they were allocated, some on another CPU than the one that allocated them.
TEST(ScaleProfile, RingsCompleteInOrderSomeOnAnotherCpu) {
  bool other_cpu = false;
  for (std::uint64_t seed = 1; seed <= 12 && !other_cpu; ++seed) {
    const Trace trace = sample_scale_case(seed, kOps);
    std::map<std::string, unsigned> allocated_on;
    for (const Step& step : trace.steps) {
      if (const auto* fast = std::get_if<FastAlloc>(&step.op); fast && fast->name.starts_with("nic"))
        allocated_on[fast->name] = fast->cpu;
      if (const auto* free = std::get_if<FastFree>(&step.op); free && free->target.name.starts_with("nic"))
        other_cpu = other_cpu || allocated_on.at(free->target.name) != free->cpu;
    }
  }
  EXPECT_TRUE(other_cpu);
}

}  // namespace
}  // namespace iovacheck::props
