// The dump_iova_rbtree log reader: lexing (dump_log.h) and meaning (dump_state.h).
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "model/dump_log.h"
#include "model/dump_state.h"

namespace iovacheck {
namespace {

std::string seed_log() {
  const char* root = std::getenv("IOVACHECK_SOURCE_DIR");
  std::ifstream file(std::string(root ? root : ".") + "/corpus/field/seed-thread.log");
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// A small complete dump in bytes (granule 0x1000), dma32 0x100 pfns: nodes [0x10, 0x1f] and
// [0x80, 0x8f], cached32 on the second, cached_node the anchor, max32 as given.
std::string small_dump(const std::string& max32 = "0x20", const std::string& extra_node = "") {
  return "[  1.000001] iova: dump_iova_rbtree start, iovad:0xd0\n"
         "[  1.000002] {rbroot:0x1, cached_node:0xa9, cached32_node:0xa2, granule:0x1000, start_pfn:0x1, dma_32bit_pfn:0x100, max32_alloc_size:" +
         max32 + "}\n" +
         "[  1.000003] ('pfn_lo', 'size' and 'pfn_hi' has iova_shift in dump log)\n"
         "[  1.000004] index iova_object pfn_lo size pfn_hi\n"
         "[  1.000005] 1 0xa1 0x10000 0x10000 0x1f000\n" +
         extra_node +
         "[  1.000006] 2 0xa2 0x80000 0x10000 0x8f000\n"
         "[  1.000007] 3 0xa9 0xfffffffffffff000 0x1000 0xfffffffffffff000\n"
         "[  1.000008] dump_iova_rbtree done, iovad:0xd0, count:3, total_size:132KB\n";
}

TEST(DumpLog, ReadsTheSeedThreadsTwoDumps) {
  const DumpLog log = parse_dump_log(seed_log());
  ASSERT_EQ(log.dumps.size(), 2u);
  const Dump& first = log.dumps[0];
  EXPECT_EQ(first.header.at("cached32_node"), 0xffffff814751a1c0u);
  EXPECT_EQ(first.header.at("max32_alloc_size"), 0x731fu);
  EXPECT_TRUE(first.says_shifted);
  ASSERT_EQ(first.lines.size(), 19u);
  ASSERT_EQ(first.omissions.size(), 1u);
  EXPECT_EQ(first.omissions[0].count, 322u);
  EXPECT_EQ(first.omissions[0].after, 2u);
  EXPECT_EQ(first.done->at("count"), 341u);
  const Dump& second = log.dumps[1];
  ASSERT_EQ(second.lines.size(), 41u);
  // The anchor line is wrapped by the mail: its pfn_hi is on the next line.
  EXPECT_EQ(second.lines.back().hi, 0xfffffffffffff000u);
  EXPECT_EQ(second.done->at("total_size"), 614788u);
  bool flush_seen = false;
  for (const LogEvent& event : log.events)
    if (event.kind == LogEvent::Kind::FlushRetry && event.fields.contains("limit_pfn")) {
      EXPECT_EQ(event.fields.at("size"), 0x731fu);
      EXPECT_EQ(event.fields.at("limit_pfn"), 0xfffffu);
      flush_seen = true;
    }
  EXPECT_TRUE(flush_seen);
}

TEST(DumpLog, StripsKernelPrefixes) {
  const std::string text =
      "<6>[  12.345678][  T123] dump_iova_rbtree start, iovad:0x1 {cached_node:0x9, cached32_node:0x9, granule:0x1000, "
      "start_pfn:0x1, dma_32bit_pfn:0x100, max32_alloc_size:0x100}\n"
      "Mar  3 08:05:14 host kernel: [ 12.4] 1 0x9 0xfffffffffffff000 0x1000 0xfffffffffffff000\n"
      "Mar  3 08:05:14 host kernel: [ 12.5] dump_iova_rbtree done, iovad:0x1, count:1, total_size:4KB\n";
  const DumpLog log = parse_dump_log(text);
  ASSERT_EQ(log.dumps.size(), 1u);
  ASSERT_EQ(log.dumps[0].lines.size(), 1u);
  EXPECT_EQ(log.dumps[0].lines[0].object, 0x9u);
  EXPECT_EQ(log.dumps[0].done->at("count"), 1u);
}

TEST(DumpLog, ADumpCutOffByTheEndOfTheLogIsKeptOpenEnded) {
  const DumpLog log = parse_dump_log(small_dump().substr(0, small_dump().find("[  1.000006]")));
  ASSERT_EQ(log.dumps.size(), 1u);
  EXPECT_FALSE(log.dumps[0].done.has_value());
  const DumpState state = read_dump(log.dumps[0]);
  EXPECT_TRUE(state.partial());
  EXPECT_FALSE(state.unchecked.empty());
}

void expect_error(const std::string& text, std::size_t line, std::size_t column, const std::string& words) {
  try {
    parse_dump_log(text);
    FAIL() << "parsed: " << text;
  } catch (const LogError& error) {
    EXPECT_EQ(error.line(), line) << error.what();
    EXPECT_EQ(error.column(), column) << error.what();
    EXPECT_NE(error.message().find(words), std::string::npos) << error.what();
  }
}

TEST(DumpLog, BadInputNamesLineAndColumn) {
  std::string text = small_dump();
  text.replace(text.find("0x10000 0x10000"), 7, "0x1000g");
  expect_error(text, 5, 21, "pfn_lo is not a number");
  text = small_dump();
  text.replace(text.find(" 0x1f000\n"), 8, "");
  expect_error(text, 5, 36, "missing pfn_hi");
  text = small_dump();
  text.replace(text.find("granule:0x1000"), 14, "granule:0x10z0");
  expect_error(text, 2, 73, "field 'granule' needs a number");
  expect_error("nothing here\n", 1, 1, "no dump_iova_rbtree dump");
  expect_error("x\n[ 1.0] dump_iova_rbtree done, count:1\n", 2, 8, "without a 'dump_iova_rbtree start'");
  expect_error("dump_iova_rbtree start, size:1 size:2\n", 1, 32, "given twice");
  text = small_dump();
  text.replace(text.find(" 0x8f000\n"), 8, " 0x8f000 0x1");
  expect_error(text, 6, 45, "more than 5 fields");
  // Outside a dump, such a line is mail text.
  EXPECT_NO_THROW(parse_dump_log(small_dump() + "1 0x1 0x2 0x3 0x4 0x5\n"));
}

TEST(DumpState, SmallDumpIsConsistent) {
  const DumpState state = read_dump(parse_dump_log(small_dump()).dumps[0]);
  EXPECT_TRUE(state.violations.empty()) << state.violations[0].text;
  EXPECT_TRUE(state.unchecked.empty());
  ASSERT_EQ(state.nodes.size(), 2u);
  EXPECT_EQ(state.nodes[1].range, (Range{0x80, 0x8f}));
  EXPECT_EQ(state.cached32.node, (NodeRef{0x80}));
  EXPECT_TRUE(state.cached.node->is_anchor());
  EXPECT_EQ(state.geometry.dma32_pfn, 0x100u);
  // Free below dma32: [0x1, 0xf], [0x20, 0x7f], [0x90, 0xff]; 0x20 pages aligned fit at 0xe0.
  const EstimateCheck estimate = check_estimate(state);
  ASSERT_TRUE(estimate.stale.has_value());
  EXPECT_EQ(estimate.stale->gap, (Range{0x90, 0xff}));
  EXPECT_EQ(estimate.stale->placement, (Range{0xe0, 0xff}));
}

TEST(DumpState, EstimateHoldsWhenNoAlignedGapIsFree) {
  const DumpState state = read_dump(parse_dump_log(small_dump("0x71")).dumps[0]);
  const EstimateCheck estimate = check_estimate(state);
  EXPECT_FALSE(estimate.stale.has_value());
  EXPECT_EQ(estimate.largest_gap, (Range{0x90, 0xff}));
  EXPECT_EQ(estimate.unaligned_placement, std::nullopt);  // 0x71 > 0x70 free pages
  // 0x41 pages: no 0x80-aligned place is free, an unaligned one is.
  const EstimateCheck unaligned = check_estimate(read_dump(parse_dump_log(small_dump("0x41")).dumps[0]));
  EXPECT_FALSE(unaligned.stale.has_value());
  EXPECT_EQ(unaligned.unaligned_placement, (Range{0xbf, 0xff}));
}

TEST(DumpState, FindsStructuralViolations) {
  std::string overlap = small_dump("0x20", "[  1.000005] 9 0xa5 0x1f000 0x1000 0x1f000\n");
  const DumpState state = read_dump(parse_dump_log(overlap).dumps[0]);
  ASSERT_GE(state.violations.size(), 2u);  // the overlap and the count (3 printed, 4 lines)
  EXPECT_NE(state.violations[0].text.find("overlaps"), std::string::npos) << state.violations[0].text;

  std::string size = small_dump();
  size.replace(size.find("0x80000 0x10000"), 15, "0x80000 0x20000");
  EXPECT_NE(read_dump(parse_dump_log(size).dumps[0]).violations.at(0).text.find("does not match"), std::string::npos);

  std::string total = small_dump();
  total.replace(total.find("132KB"), 5, "136KB");
  EXPECT_NE(read_dump(parse_dump_log(total).dumps[0]).violations.at(0).text.find("total_size"), std::string::npos);

  std::string hint = small_dump();
  hint.replace(hint.find("cached32_node:0xa2"), 18, "cached32_node:0xbb");
  const DumpState unresolved = read_dump(parse_dump_log(hint).dumps[0]);
  EXPECT_FALSE(unresolved.cached32.node.has_value());
  EXPECT_NE(unresolved.violations.at(0).text.find("cached32_node 0xbb"), std::string::npos);
}

TEST(DumpState, PartialDumpSaysWhatItCannotCheck) {
  std::string text = small_dump();
  text.replace(text.find("[  1.000006]"), 0, "...5 lines of log are omitted here...\n");
  text.replace(text.find("count:3"), 7, "count:8");
  const DumpState state = read_dump(parse_dump_log(text).dumps[0]);
  EXPECT_TRUE(state.violations.empty()) << state.violations[0].text;
  ASSERT_EQ(state.unknown.size(), 1u);
  EXPECT_EQ(state.unknown[0], (Range{0x20, 0x7f}));
  EXPECT_FALSE(state.unchecked.empty());  // the span and total_size
  const EstimateCheck estimate = check_estimate(state);
  EXPECT_TRUE(estimate.unknown_space);
  EXPECT_TRUE(estimate.stale.has_value());  // [0x90, 0xff] is shown free: stale all the same

  // A hint that is not among the lines shown is unchecked, not a violation.
  text.replace(text.find("cached32_node:0xa2"), 18, "cached32_node:0xbb");
  const DumpState hidden = read_dump(parse_dump_log(text).dumps[0]);
  EXPECT_TRUE(hidden.violations.empty());
}

TEST(DumpState, ValuesInPfnsAreRecognisedWithoutTheNote) {
  const std::string text =
      "dump_iova_rbtree start, iovad:0x1 {cached_node:0x9, cached32_node:0x9, granule:0x1000, start_pfn:0x1, "
      "dma_32bit_pfn:0x100, max32_alloc_size:0x100}\n"
      "1 0x2 0x10 0x10 0x1f\n"
      "2 0x9 0xffffffffffffffff 0x1 0xffffffffffffffff\n"
      "dump_iova_rbtree done, iovad:0x1, count:2, total_size:68KB\n";
  const DumpState state = read_dump(parse_dump_log(text).dumps[0]);
  EXPECT_FALSE(state.shifted);
  EXPECT_TRUE(state.violations.empty()) << state.violations[0].text;
  EXPECT_EQ(state.nodes.at(0).range, (Range{0x10, 0x1f}));
  EXPECT_TRUE(state.cached32.node->is_anchor());
}

TEST(DumpState, TheSeedsSecondDumpHasTheStaleEstimate) {
  const DumpLog log = parse_dump_log(seed_log());
  const DumpState state = read_dump(log.dumps[1]);
  EXPECT_TRUE(state.violations.empty()) << state.violations[0].text;
  EXPECT_EQ(state.nodes.size(), 40u);
  EXPECT_EQ(state.cached32.node, (NodeRef{0xf3500}));
  const EstimateCheck estimate = check_estimate(state);
  ASSERT_TRUE(estimate.stale.has_value());
  EXPECT_EQ(estimate.stale->gap, (Range{0x70fe2, 0xebbff}));
  EXPECT_EQ(estimate.stale->placement, (Range{0xe0000, 0xe731e}));
  EXPECT_EQ(describe_span(estimate.stale->gap, state.geometry),
            "pfns [0x70fe2, 0xebbff] = bytes [0x70fe2000, 0xebbfffff] (0x7ac1e pages, 1.92 GiB)");
  // The first dump: partial, its index 41 after 340 a note, not a violation.
  const DumpState first = read_dump(log.dumps[0]);
  EXPECT_TRUE(first.violations.empty());
  EXPECT_EQ(first.unknown.at(0), (Range{0x40dc4, 0xf34ff}));
  ASSERT_EQ(first.notes.size(), 1u);
  EXPECT_NE(first.notes[0].text.find("index 41 where 341"), std::string::npos);
}

}  // namespace
}  // namespace iovacheck
