// TraceStream: the streamed parse hands out the same steps, in the same order and with the same
// errors, as parse_trace, although it reuses two steps' storage for the whole trace.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "model/trace_io.h"

namespace iovacheck {
namespace {

std::vector<Step> streamed_steps(const std::string& text, std::size_t max_line = kMaxTraceLineLength) {
  std::istringstream in(text);
  TraceStream stream(in, max_line);
  std::vector<Step> steps;
  while (const Step* step = stream.next()) steps.push_back(*step);
  return steps;
}

// Every statement's fields differ from the one before it, so a field left over from the reused
// storage would show.
const std::string kVaried =
    "iova-trace 1\n"
    "domain granule=0x1000 start=0x1 dma32=0x100 mag=3 cpus=4 variant=p3+f1\n"
    "node 0x10 0x13\n"
    "cached 0x10\n"
    "a1: fast 0x2 limit=0xff cpu=3 noflush\n"
    "fast 0x1 limit=0xfe => fail\n"
    "b_2: alloc 0x4 limit=0xff unaligned => 0x20\n"
    "alloc 0x1 limit=0x7f\n"
    "ffree a1 size=0x2 cpu=2\n"
    "ffree 0x30 size=0x1\n"
    "free b_2\n"
    "free 0x40\n"
    "reserve 0x50 0x5f\n"
    "flush cpu=1\n"
    "flush depot\n"
    "trim\n"
    "find 0x10 => 0x10 0x13\n"
    "find 0x11\n"
    "c: alloc 0x1 limit=0xff => ok  # a comment\n"
    "\n"
    "flush all\n";

TEST(TraceStream, GivesTheStepsParseTraceGivesWithTheirLines) {
  const Trace whole = parse_trace(kVaried);
  const std::vector<Step> streamed = streamed_steps(kVaried);
  ASSERT_EQ(streamed.size(), whole.steps.size());
  for (std::size_t i = 0; i < streamed.size(); ++i) {
    EXPECT_EQ(streamed[i], whole.steps[i]) << "step " << i << ": " << print_op(streamed[i].op);
    EXPECT_EQ(streamed[i].line, whole.steps[i].line) << "step " << i;
  }
}

TEST(TraceStream, HasTheHeadAndSnapshotBeforeTheFirstStep) {
  std::istringstream in(kVaried);
  TraceStream stream(in);
  const Trace whole = parse_trace(kVaried);
  EXPECT_EQ(stream.head().geometry, whole.geometry);
  EXPECT_EQ(stream.head().variant, "p3+f1");
  ASSERT_TRUE(stream.head().snapshot.has_value());
  EXPECT_EQ(stream.head().snapshot, whole.snapshot);
  EXPECT_TRUE(stream.defines("a1"));  // read ahead: the first operation defines it
  EXPECT_FALSE(stream.defines("b_2"));
}

TEST(TraceStream, ReusedStepsKeepNothingOfTheStepBefore) {
  const std::vector<Step> steps = streamed_steps(kVaried);
  ASSERT_GE(steps.size(), 7u);
  const auto& second = std::get<FastAlloc>(steps[1].op);
  EXPECT_EQ(second.name, "");
  EXPECT_EQ(second.cpu, 0u);
  EXPECT_TRUE(second.flush);
  const auto& fourth = std::get<Alloc>(steps[3].op);
  EXPECT_EQ(fourth.name, "");
  EXPECT_TRUE(fourth.aligned);
  EXPECT_FALSE(steps[3].expect.has_value());
  const auto& sixth = std::get<FastFree>(steps[5].op);
  EXPECT_FALSE(sixth.target.by_name());
  EXPECT_EQ(sixth.target.pfn, 0x30u);
  EXPECT_EQ(sixth.cpu, 0u);
}

TEST(TraceStream, AStepMovedFromLeavesTheNextOnesWhole) {
  std::istringstream in(kVaried);
  TraceStream stream(in);
  std::vector<Step> moved;
  while (Step* step = stream.next()) moved.push_back(std::move(*step));  // as replay hands them to the checker
  const Trace whole = parse_trace(kVaried);
  ASSERT_EQ(moved.size(), whole.steps.size());
  for (std::size_t i = 0; i < moved.size(); ++i) {
    EXPECT_EQ(moved[i], whole.steps[i]) << "step " << i;
    EXPECT_EQ(moved[i].line, whole.steps[i].line) << "step " << i;
  }
}

TEST(TraceStream, ReportsTheErrorParseTraceReportsAfterTheStepsBeforeIt) {
  const std::string text = "iova-trace 1\ndomain granule=0x1000 start=0x1\nalloc 0x1 limit=0xff\nalloc 0x1\n"
                           "free nobody\n";
  std::size_t whole_line = 0, whole_column = 0;
  try {
    parse_trace(text);
  } catch (const TraceError& error) {
    whole_line = error.line();
    whole_column = error.column();
  }
  ASSERT_EQ(whole_line, 4u);
  std::istringstream in(text);
  TraceStream stream(in);
  try {
    while (stream.next()) {
    }
    FAIL() << "no error";
  } catch (const TraceError& error) {
    EXPECT_EQ(error.line(), whole_line);
    EXPECT_EQ(error.column(), whole_column);
  }
}

TEST(TraceStream, RefusesALineLongerThanItsLimitNamingTheLine) {
  const std::string text = "iova-trace 1\ndomain granule=0x1000 start=0x1\nalloc 0x1 limit=0xff\n# " +
                           std::string(100, 'x') + "\nalloc 0x1 limit=0xff\n";
  try {
    streamed_steps(text, 64);
    FAIL() << "no error";
  } catch (const TraceError& error) {
    EXPECT_EQ(error.line(), 4u);
    EXPECT_EQ(error.column(), 65u);
    EXPECT_NE(error.message().find("at most 64 bytes"), std::string::npos) << error.message();
  }
}

}  // namespace
}  // namespace iovacheck
