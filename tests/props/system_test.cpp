// CheckedSystem: the property's verdict on each step. A variant fails only where mainline does
// not violate the same trace; mainline fails at any violation; the failing case is recorded.
#include "props/system.h"

#include <gtest/gtest.h>

#include "model/trace_io.h"

namespace iovacheck::props {
namespace {

// The seed bug in minimal form (trace-format.md): z1-max32-reset violates completeness at the
// last step, mainline does not.
const char* const kSeedBug = R"(iova-trace 1
domain granule=0x1000 start=0x1 dma32=0x4
alloc 0x1 limit=0x3
alloc 0x1 limit=0x3
free 0x3
alloc 0x2 limit=0x3
free 0x2
alloc 0x2 limit=0x3
)";

// Limit 2^64-1 wraps L to 0 and the allocation fails on an empty domain: the spec keeps this
// (docs/spec.md section 1), so mainline and z1 violate completeness alike.
const char* const kSharedWithMainline = R"(iova-trace 1
domain granule=0x1000 start=0x1 dma32=0x2
alloc 0x1 limit=0x1
alloc 0x1 limit=0xffffffffffffffff
)";

// Feeds every step; the index of the first step the system failed, if any.
std::optional<std::size_t> first_failure(const char* text, const std::string& variant, RunLog& log) {
  Trace trace = parse_trace(text);
  trace.variant = variant;
  CheckedSystem system(trace, log);
  for (std::size_t i = 0; i < trace.steps.size(); ++i)
    if (system.step(trace.steps[i])) return i;
  return std::nullopt;
}

TEST(CheckedSystem, FailsAVariantWhereMainlineHolds) {
  RunLog log;
  EXPECT_EQ(first_failure(kSeedBug, "z1-max32-reset", log), 5u);
  ASSERT_TRUE(log.last_failure);
  EXPECT_EQ(log.last_failure->violation.property, Property::Completeness);
  EXPECT_EQ(log.last_failure->trace.steps.size(), 6u);
  EXPECT_EQ(log.last_failure->trace.variant, "z1-max32-reset");
  EXPECT_EQ(log.failures, 1u);
  EXPECT_EQ(log.first_failure_steps, 6u);
  EXPECT_EQ(log.steps_checked, 6u);
  // The recorded trace names the allocations, so it replays on any variant.
  EXPECT_EQ(print_op(log.last_failure->trace.steps[2].op), "free r1");
}

TEST(CheckedSystem, PassesWhatMainlineDoesToo) {
  RunLog log;
  EXPECT_EQ(first_failure(kSeedBug, "mainline", log), std::nullopt);
  EXPECT_EQ(log.failures, 0u);
}

TEST(CheckedSystem, AViolationMainlineSharesIsNotTheVariantsFailure) {
  RunLog variant_log;
  EXPECT_EQ(first_failure(kSharedWithMainline, "z1-max32-reset", variant_log), std::nullopt);
  EXPECT_EQ(variant_log.shared_with_mainline, 1u);
  EXPECT_FALSE(variant_log.last_failure);

  RunLog mainline_log;
  EXPECT_EQ(first_failure(kSharedWithMainline, "mainline", mainline_log), 1u);
  EXPECT_EQ(mainline_log.shared_with_mainline, 0u);
}

TEST(CheckedSystem, ChecksNothingAfterAViolation) {
  RunLog log;
  Trace trace = parse_trace(kSeedBug);
  trace.variant = "z1-max32-reset";
  CheckedSystem system(trace, log);
  for (const Step& step : trace.steps) system.step(step);
  EXPECT_EQ(system.step(trace.steps.front()), std::nullopt);
  EXPECT_EQ(log.steps_checked, 6u);
}

}  // namespace
}  // namespace iovacheck::props
