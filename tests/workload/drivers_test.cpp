// The driver fleet: a burst expands into its count of steps on its CPU; a 64-bit device tries
// below 4 GiB without flushing and retries with its whole mask only when that fails; rings
// complete oldest first; a release with nothing held allocates; the same seed, the same bursts.
#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "workload/drivers.h"

namespace iovacheck::workload {
namespace {

Burst burst(DriverShape driver, Burst::Direction direction, std::size_t count, unsigned cpu = 2) {
  Burst made;
  made.driver = driver;
  made.direction = direction;
  made.count = count;
  made.cpu = cpu;
  made.seed = 7;
  return made;
}

// Runs the fleet's current burst to its end, every outcome a success; its steps.
std::vector<Step> run(DriverFleet& fleet) {
  std::vector<Step> steps;
  while (fleet.in_burst()) {
    steps.push_back(fleet.next());
    fleet.observe(Outcome{});
  }
  return steps;
}

TEST(DriverFleet, ARefillIsItsCountOfTriesBelow4GibWithoutFlushingOnItsCpu) {
  DriverFleet fleet(real_geometry(4), 1);
  fleet.start(burst(DriverShape::NicRings, Burst::Direction::Allocate, 40));
  const std::vector<Step> steps = run(fleet);
  ASSERT_EQ(steps.size(), 40u);
  for (const Step& step : steps) {
    const auto& fast = std::get<FastAlloc>(step.op);
    EXPECT_EQ(fast.limit, kLimit32);
    EXPECT_FALSE(fast.flush);
    EXPECT_EQ(fast.cpu, 2u);
    EXPECT_TRUE(fast.name.starts_with("nic0_"));
  }
}

TEST(DriverFleet, AFailedTryBelow4GibIsRetriedWithTheWholeMaskAndFlushing) {
  DriverFleet fleet(real_geometry(4), 1);
  fleet.start(burst(DriverShape::NvmeQueues, Burst::Direction::Allocate, 1));
  const auto first = std::get<FastAlloc>(fleet.next().op);
  fleet.observe(Outcome{Outcome::Status::Fail, 0, std::nullopt});
  ASSERT_TRUE(fleet.retry_due());
  const auto retry = std::get<FastAlloc>(fleet.next().op);
  EXPECT_GT(retry.limit, kLimit32);
  EXPECT_TRUE(retry.flush);
  EXPECT_EQ(retry.size, first.size);
  EXPECT_EQ(retry.cpu, first.cpu);
  fleet.observe(Outcome{});
  EXPECT_FALSE(fleet.in_burst());
}

TEST(DriverFleet, RingsCompleteOldestFirstWithTheSizeAllocated) {
  DriverFleet fleet(real_geometry(4), 1);
  fleet.start(burst(DriverShape::NicRings, Burst::Direction::Allocate, 10));
  const std::vector<Step> refills = run(fleet);
  fleet.start(burst(DriverShape::NicRings, Burst::Direction::Release, 10, 3));
  const std::vector<Step> completions = run(fleet);
  ASSERT_EQ(completions.size(), 10u);
  for (std::size_t i = 0; i < 10; ++i) {
    const auto& refill = std::get<FastAlloc>(refills[i].op);
    const auto& completion = std::get<FastFree>(completions[i].op);
    EXPECT_EQ(completion.target.name, refill.name);
    EXPECT_EQ(completion.size, refill.size);
    EXPECT_EQ(completion.cpu, 3u);  // completed on another CPU than the refill's
  }
}

TEST(DriverFleet, AReleaseWithNothingHeldAllocatesAndAFailedAllocationIsNotHeld) {
  DriverFleet fleet(real_geometry(4), 1);
  fleet.start(burst(DriverShape::Legacy32, Burst::Direction::Release, 1));
  const Step step = fleet.next();
  EXPECT_TRUE(std::holds_alternative<FastAlloc>(step.op) || std::holds_alternative<Alloc>(step.op));
  fleet.observe(std::nullopt);  // refused: the 32-bit device holds nothing
  fleet.start(burst(DriverShape::Legacy32, Burst::Direction::Release, 1));
  const Step again = fleet.next();
  EXPECT_FALSE(std::holds_alternative<FastFree>(again.op) || std::holds_alternative<Free>(again.op));
}

TEST(DriverFleet, FixedPagesOverrideTheDriversMix) {
  DriverFleet fleet(real_geometry(64), 3);
  Burst fixed = burst(DriverShape::NvmeQueues, Burst::Direction::Allocate, 50);
  fixed.pages = 37;
  fleet.start(fixed);
  for (const Step& step : run(fleet)) EXPECT_EQ(std::get<FastAlloc>(step.op).size, 37u);
}

TEST(DriverFleet, TheSameSeedDrawsTheSameBursts) {
  constexpr std::uint32_t kDrivers = 0b111;
  DriverFleet a(real_geometry(16), 5);
  DriverFleet b(real_geometry(16), 5);
  for (int i = 0; i < 50; ++i) {
    const Burst x = a.random_burst(kDrivers);
    const Burst y = b.random_burst(kDrivers);
    EXPECT_EQ(x.driver, y.driver);
    EXPECT_EQ(x.count, y.count);
    EXPECT_EQ(x.cpu, y.cpu);
    EXPECT_EQ(x.seed, y.seed);
    a.start(x);
    b.start(y);
    const std::vector<Step> xs = run(a);
    EXPECT_EQ(xs, run(b));
  }
}

}  // namespace
}  // namespace iovacheck::workload
