// field/: the inspected runs (hints, where searches end) and log-check's analysis on small logs.
#include <string>

#include <gtest/gtest.h>

#include "field/inspect.h"
#include "field/log_check.h"
#include "model/trace_io.h"

namespace iovacheck::field {
namespace {

TEST(Inspect, SaysWhereEachTreeSearchEnded) {
  // retry-pass.trace's step 3 in small: the first pass runs out below the cached node, the retry places.
  const Trace trace = parse_trace(
      "iova-trace 1\ndomain granule=0x1000 start=0x1 dma32=0x10\n"
      "a: alloc 0x4 limit=0x7\nb: alloc 0x2 limit=0x7\nc: alloc 0x4 limit=0xf\n"
      "d: alloc 0x1 limit=0xf\nalloc 0x4 limit=0xf\nfast 0x10 limit=0xf\n");
  const InspectedRun run = run_inspected(trace);
  ASSERT_EQ(run.steps.size(), 6u);
  ASSERT_EQ(run.steps[0].attempts.size(), 1u);
  EXPECT_EQ(run.steps[0].attempts[0].exit, SearchExit::FirstPass);
  EXPECT_TRUE(run.steps[0].attempts[0].placed);
  EXPECT_EQ(run.steps[2].attempts.at(0).exit, SearchExit::RetryPass);
  EXPECT_TRUE(run.steps[2].attempts.at(0).placed);
  EXPECT_EQ(run.steps[4].attempts.at(0).exit, SearchExit::RetryPass);  // fails in the retry: max32 = 4
  EXPECT_FALSE(run.steps[4].attempts.at(0).placed);
  EXPECT_EQ(run.steps[4].hints.max32_alloc_size, 4u);
  // The fast path fails at the early check (0x10 >= 4), flushes nothing, and fails there again.
  ASSERT_EQ(run.steps[5].attempts.size(), 2u);
  EXPECT_EQ(run.steps[5].attempts[1].exit, SearchExit::EarlyCheck);
  EXPECT_EQ(describe_attempts(run.steps[5].attempts),
            "fails at the early check (size >= max32_alloc_size); after the flush, fails at the early check (size >= max32_alloc_size)");
  EXPECT_EQ(run.steps[4].hints.cached32.kind, HintRef::Kind::Node);
  EXPECT_EQ(run.steps[4].hints.cached32.pfn_lo, 0xbu);  // d, the last insert below dma32
}

TEST(Inspect, ResolvesFreesByNameAndKeepsGoingAfterAViolation) {
  const Trace trace = parse_trace(
      "iova-trace 1\ndomain granule=0x1000 start=0x1 dma32=0x4 variant=z1-max32-reset\n"
      "a: alloc 0x1 limit=0x3\nb: alloc 0x1 limit=0x3\nfree a\nalloc 0x2 limit=0x3\nfree b\nalloc 0x2 limit=0x3\nfind 0x2\n");
  const InspectedRun run = run_inspected(trace);
  ASSERT_TRUE(run.violation.has_value());
  EXPECT_EQ(run.violation->step, 5u);
  ASSERT_EQ(run.steps.size(), 7u);
  EXPECT_EQ(run.steps[4].outcome.status, Outcome::Status::Ok);  // free b resolved to its pfn
  EXPECT_EQ(run.steps[5].attempts.at(0).exit, SearchExit::EarlyCheck);
}

// Two complete dumps, a flush between them and the retry failing: [0x40, 0x4f] left the tree.
std::string two_dumps(const std::string& later_max32) {
  auto dump = [](const std::string& nodes, const std::string& max32, int count, int kb) {
    return "[ 1.0] dump_iova_rbtree start, iovad:0xd0 {rbroot:0x1, cached_node:0xa9, cached32_node:0xa3, granule:0x1000, "
           "start_pfn:0x1, dma_32bit_pfn:0x100, max32_alloc_size:" + max32 + "}\n" + nodes +
           "[ 1.0] 9 0xa9 0xfffffffffffff000 0x1000 0xfffffffffffff000\n"
           "[ 1.0] dump_iova_rbtree done, iovad:0xd0, count:" + std::to_string(count) + ", total_size:" + std::to_string(kb) + "KB\n";
  };
  const std::string low = "[ 1.0] 1 0xa1 0x10000 0x10000 0x1f000\n";
  const std::string middle = "[ 1.0] 2 0xa2 0x40000 0x10000 0x4f000\n";
  const std::string high = "[ 1.0] 3 0xa3 0x80000 0x80000 0xff000\n";
  return dump(low + middle + high, "0x40", 4, 644) +
         "[ 2.0] alloc_iova_fast, flushing rcache and retry, iovad:0xd0, size:0x40, limit_pfn:0xff\n"
         "[ 2.0] __alloc_and_insert_iova_range fail goto iova32_full, iovad:0xd0, size:0x40\n" +
         dump(low + high, later_max32, 3, 580);
}

TEST(LogCheck, TheHistoryBetweenTwoCompleteDumps) {
  const LogReport report = check_log(parse_dump_log(two_dumps("0x40")), {"mainline", "z1-max32-reset"});
  ASSERT_TRUE(report.request.has_value());
  EXPECT_TRUE(report.request->fast);
  EXPECT_EQ(report.request->limit, 0xffu);
  ASSERT_EQ(report.histories.size(), 1u);
  const History& history = report.histories[0];
  ASSERT_FALSE(history.cannot.has_value()) << *history.cannot;
  ASSERT_EQ(history.runs.size(), 2u);
  // Freeing [0x40, 0x4f] (below cached32_node 0x80) resets max32 on mainline: [0x40, 0x7f] then
  // holds 0x40 pages aligned, and the retry succeeds where the log says it failed.
  EXPECT_FALSE(history.runs[0].reaches);
  EXPECT_TRUE(history.runs[1].reaches);  // z1: no reset, the retry fails at the early check
  EXPECT_TRUE(report.dumps[0].state.violations.empty()) << report.dumps[0].state.violations[0].text;
  EXPECT_TRUE(report.dumps[1].state.violations.empty()) << report.dumps[1].state.violations[0].text;
  EXPECT_FALSE(report.dumps[0].estimate.stale.has_value());  // [0x20, 0x3f] and [0x50, 0x7f]: no 0x40 aligned
  EXPECT_TRUE(report.inconsistent());   // the later dump's estimate is stale
  EXPECT_EQ(report.dumps[1].estimate.stale->placement, (Range{0x40, 0x7f}));
}

TEST(LogCheck, AHistoryNoVariantReaches) {
  // The later dump claims max32 0x30, which no removal or failure of 0x40 pages could leave.
  const LogReport report = check_log(parse_dump_log(two_dumps("0x30")), {"mainline", "z1-max32-reset"});
  ASSERT_EQ(report.histories.size(), 1u);
  for (const HistoryRun& run : report.histories[0].runs) {
    EXPECT_FALSE(run.reaches) << run.variant;
    EXPECT_FALSE(run.differences.empty());
  }
}

TEST(LogCheck, PartialDumpsAreNotReplayedOrEmitted) {
  std::string text = two_dumps("0x40");
  text.replace(text.find("[ 1.0] 2 0xa2"), 0, "...1 lines of log are omitted here...\n");
  text.replace(text.find("count:4"), 7, "count:5");
  const LogReport report = check_log(parse_dump_log(text), {"mainline"});
  EXPECT_TRUE(report.dumps[0].as_dumped.empty());
  EXPECT_NE(report.dumps[0].replay_note.find("partial"), std::string::npos);
  EXPECT_THROW(dump_trace(report.dumps[0], report.request, "mainline"), std::invalid_argument);
  const Trace trace = dump_trace(report.dumps[1], report.request, "z1-max32-reset");
  EXPECT_EQ(trace.snapshot->nodes.size(), 2u);
  EXPECT_EQ(trace.snapshot->max32, 0x40u);
  ASSERT_EQ(trace.steps.size(), 1u);
  EXPECT_EQ(print_op(trace.steps[0].op), "fast 0x40 limit=0xff");
}

}  // namespace
}  // namespace iovacheck::field
