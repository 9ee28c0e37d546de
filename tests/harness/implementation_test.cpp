// The implementations behind the checker: every variant is reachable by name, and the checker
// tells the spec's own example apart on mainline and z1.
#include "harness/implementation.h"

#include <gtest/gtest.h>

#include "model/trace_io.h"

namespace iovacheck {
namespace {

constexpr const char* kSpecExample = R"(iova-trace 1
domain granule=0x1000 start=0x1 dma32=0x4 variant=z1-max32-reset
alloc 0x1 limit=0x3 => 0x3
alloc 0x1 limit=0x3 => 0x2
free 0x3
alloc 0x2 limit=0x3 => fail
free 0x2
alloc 0x2 limit=0x3
)";

TEST(Implementations, EveryVariantOfTheSpecIsImplemented) {
  const std::vector<std::string> expected{"mainline", "z1-max32-reset", "z2-retry-overflow", "z3-no-retry",
                                          "z4-stale-cached32", "z5-no-underflow-guard", "z6-rcache-bound",
                                          "z7-fast-no-roundup", "z8-flush-cpu-only", "z9-capped-depot", "p1-best-fit",
                                          "p2-augmented", "p3-maple", "f1a-whole-space", "f1b-unaligned", "f1c-split"};
  std::vector<std::string> names;
  for (const VariantInfo& variant : implemented_variants()) {
    names.push_back(variant.name);
    EXPECT_FALSE(variant.origin.empty()) << variant.name;
    EXPECT_FALSE(variant.summary.empty()) << variant.name;
  }
  EXPECT_EQ(names, expected);
}

TEST(Implementations, UnknownVariantIsAnErrorNamingTheKnownOnes) {
  const Trace trace = parse_trace("iova-trace 1\ndomain granule=0x1000 start=0x1\n");
  try {
    make_implementation(trace, "z9-nonsense");
    FAIL() << "no error";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("z9-nonsense"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("mainline"), std::string::npos);
  }
}

TEST(Implementations, TheSpecExampleViolatesCompletenessOnZ1Only) {
  const Trace trace = parse_trace(kSpecExample);
  const CheckReport z1 = check_on(trace);
  ASSERT_TRUE(z1.violation);
  EXPECT_EQ(z1.violation->step, 5u);
  EXPECT_EQ(z1.violation->property, Property::Completeness);
  EXPECT_NE(z1.violation->reason.find("[0x2, 0x3]"), std::string::npos) << z1.violation->reason;

  const CheckReport mainline = check_on(trace, "mainline");
  EXPECT_TRUE(mainline.ok());
  EXPECT_EQ(mainline.named.variant, "mainline");
  EXPECT_EQ(mainline.steps.back().outcome.pfn, 0x2u);
}

TEST(Implementations, NamedTraceRoundTripsAndReplaysTheSame) {
  const CheckReport first = check_on(parse_trace(kSpecExample), "mainline");
  const Trace reparsed = parse_trace(print_trace(first.named));
  EXPECT_EQ(reparsed, first.named);
  const CheckReport second = check_on(reparsed);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second.steps.size(), first.steps.size());
  for (std::size_t i = 0; i < first.steps.size(); ++i) EXPECT_EQ(second.steps[i].outcome.pfn, first.steps[i].outcome.pfn);
}

// Mainline's reserve lowers r1's pfn_lo to 0x5 (finding F3, reported at the reserve); with f3
// the free part [0x5, 0xf] is reserved on its own and r1 keeps [0x10, 0x10], freed by name.
TEST(Implementations, AReserveBelowALiveRangeIsF3AndWithF3TheRangeIsStillFreedByName) {
  const Trace trace = parse_trace(R"(iova-trace 1
domain granule=0x1000 start=0x1 dma32=0x100
alloc 0x1 limit=0x10
reserve 0x5 0x10
free 0x10
)");
  const CheckReport mainline = check_on(trace, "mainline");
  ASSERT_TRUE(mainline.violation);
  EXPECT_EQ(mainline.violation->step, 1u);
  EXPECT_EQ(mainline.violation->property, Property::Reserve);
  const CheckReport fixed = check_on(trace, "mainline+f3");
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(std::get<Free>(fixed.named.steps[2].op).target, (Target{0, "r1"}));
}

TEST(Implementations, StaleCached32IsCaughtByValidateOnZ4) {
  // Freeing b moves cached32_node to its successor a, a node above dma32. Freeing a then leaves
  // the pointer dangling on z4 (removal step 1 lacks "free == c" and a.pfn_hi >= dma32), which
  // validate() reports before anything uses it.
  const Trace trace = parse_trace(R"(iova-trace 1
domain granule=0x1000 start=0x1 dma32=0x10 variant=z4-stale-cached32
a: alloc 0x1 limit=0x1f
b: alloc 0x1 limit=0xf
free b
free a
)");
  const CheckReport z4 = check_on(trace);
  ASSERT_TRUE(z4.violation);
  EXPECT_EQ(z4.violation->step, 3u);
  EXPECT_EQ(z4.violation->property, Property::Structure);
  EXPECT_TRUE(check_on(trace, "mainline").ok());
}

}  // namespace
}  // namespace iovacheck
