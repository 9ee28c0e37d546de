// The trace format (trace-format.md): vocabulary helpers, parsing, errors, printing, round trip.
#include "model/trace_io.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace iovacheck {
namespace {

using Kind = Expectation::Kind;

// The smallest valid header; body lines start at line 3.
const std::string kHeader = "iova-trace 1\ndomain granule=0x1000 start=0x1\n";
// The same with two CPUs, so cpu=1 is valid.
const std::string kTwoCpuHeader = "iova-trace 1\ndomain granule=0x1000 start=0x1 cpus=2\n";

testing::AssertionResult fails_at(std::string_view text, std::size_t line, std::size_t column,
                                  std::string_view fragment) {
  try {
    parse_trace(text);
  } catch (const TraceError& error) {
    if (error.line() == line && error.column() == column && error.message().find(fragment) != std::string::npos)
      return testing::AssertionSuccess();
    return testing::AssertionFailure() << "got \"" << error.what() << "\"; wanted line " << line << ", column "
                                       << column << " containing \"" << fragment << "\"";
  }
  return testing::AssertionFailure() << "parsed without error";
}

Op only_op(const std::string& header, const std::string& line) {
  const Trace trace = parse_trace(header + line + "\n");
  EXPECT_EQ(trace.steps.size(), 1u) << line;
  return trace.steps.empty() ? Op{} : trace.steps.front().op;
}

Expectation only_expectation(const std::string& line) {
  const Trace trace = parse_trace(kHeader + line + "\n");
  EXPECT_EQ(trace.steps.size(), 1u) << line;
  EXPECT_TRUE(!trace.steps.empty() && trace.steps.front().expect.has_value()) << line;
  return trace.steps.empty() || !trace.steps.front().expect ? Expectation{} : *trace.steps.front().expect;
}

Alloc make_alloc(std::string name, Pfn size, Pfn limit, bool aligned = true) {
  Alloc op;
  op.name = std::move(name);
  op.size = size;
  op.limit = limit;
  op.aligned = aligned;
  return op;
}

FastAlloc make_fast(std::string name, Pfn size, Pfn limit, unsigned cpu = 0, bool flush = true) {
  FastAlloc op;
  op.name = std::move(name);
  op.size = size;
  op.limit = limit;
  op.cpu = cpu;
  op.flush = flush;
  return op;
}

Target pfn_target(Pfn pfn) {
  Target target;
  target.pfn = pfn;
  return target;
}

Target name_target(std::string name) {
  Target target;
  target.name = std::move(name);
  return target;
}

Free make_free(Target target) {
  Free op;
  op.target = std::move(target);
  return op;
}

FastFree make_fast_free(Target target, Pfn size, unsigned cpu = 0) {
  FastFree op;
  op.target = std::move(target);
  op.size = size;
  op.cpu = cpu;
  return op;
}

Reserve make_reserve(Pfn lo, Pfn hi) {
  Reserve op;
  op.lo = lo;
  op.hi = hi;
  return op;
}

Flush make_flush(Flush::Scope scope, unsigned cpu = 0) {
  Flush op;
  op.scope = scope;
  op.cpu = cpu;
  return op;
}

Find make_find(Pfn pfn) {
  Find op;
  op.pfn = pfn;
  return op;
}

Expectation make_expectation(Kind kind, Range value = {}) {
  Expectation expectation;
  expectation.kind = kind;
  expectation.value = value;
  return expectation;
}

Step make_step(Op op, std::optional<Expectation> expect = std::nullopt) {
  Step step;
  step.op = std::move(op);
  step.expect = expect;
  return step;
}

// ---------------------------------------------------------------------------------------------
// Vocabulary: range, geometry, op helpers.

TEST(Range, HexIsLowerCaseWithPrefix) {
  EXPECT_EQ(hex(0), "0x0");
  EXPECT_EQ(hex(0x1f), "0x1f");
  EXPECT_EQ(hex(kMaxPfn), "0xffffffffffffffff");
  EXPECT_EQ(to_string(Range{1, 2}), "[0x1, 0x2]");
  EXPECT_EQ(to_string(Range{kMaxPfn - 1, kMaxPfn}), "[0xfffffffffffffffe, 0xffffffffffffffff]");
}

TEST(Geometry, RealDma32FollowsTheGranule) {
  EXPECT_EQ(Geometry::real_dma32(0x1000), Pfn{0x100000});
  EXPECT_EQ(Geometry::real_dma32(0x10000), Pfn{0x10000});
  EXPECT_EQ(Geometry::real_dma32(1), Pfn{1} << 32);
  EXPECT_EQ(Geometry::real_dma32(Pfn{1} << 31), Pfn{2});
  EXPECT_EQ(Geometry::real_dma32(0), std::nullopt);
  EXPECT_EQ(Geometry::real_dma32(0x1800), std::nullopt);
  EXPECT_EQ(Geometry::real_dma32(Pfn{1} << 32), std::nullopt);
}

TEST(Geometry, ErrorNamesTheField) {
  const Geometry good;
  EXPECT_EQ(geometry_error(good), std::nullopt);
  const auto error_with = [&](auto change) {
    Geometry geometry = good;
    change(geometry);
    return geometry_error(geometry).value_or("");
  };
  EXPECT_NE(error_with([](Geometry& g) { g.granule = 3; }).find("granule"), std::string::npos);
  EXPECT_NE(error_with([](Geometry& g) { g.granule = Pfn{1} << 32; }).find("granule"), std::string::npos);
  EXPECT_EQ(error_with([](Geometry& g) { g.granule = Pfn{1} << 31; }), "");
  EXPECT_NE(error_with([](Geometry& g) { g.dma32_pfn = 1; }).find("dma32"), std::string::npos);
  EXPECT_NE(error_with([](Geometry& g) { g.dma32_pfn = 6; }).find("dma32"), std::string::npos);
  EXPECT_EQ(error_with([](Geometry& g) { g.dma32_pfn = 2; }), "");
  EXPECT_NE(error_with([](Geometry& g) { g.mag_size = 0; }).find("mag"), std::string::npos);
  EXPECT_NE(error_with([](Geometry& g) { g.mag_size = kMaxMagazineSize + 1; }).find("mag"), std::string::npos);
  EXPECT_EQ(error_with([](Geometry& g) { g.mag_size = kMaxMagazineSize; }), "");
  EXPECT_NE(error_with([](Geometry& g) { g.cpus = 0; }).find("cpus"), std::string::npos);
  EXPECT_NE(error_with([](Geometry& g) { g.cpus = kMaxCpus + 1; }).find("cpus"), std::string::npos);
  EXPECT_EQ(error_with([](Geometry& g) { g.cpus = kMaxCpus; }), "");
}

TEST(Op, KeywordNamesTheStatement) {
  EXPECT_EQ(keyword(Alloc{}), "alloc");
  EXPECT_EQ(keyword(FastAlloc{}), "fast");
  EXPECT_EQ(keyword(Free{}), "free");
  EXPECT_EQ(keyword(FastFree{}), "ffree");
  EXPECT_EQ(keyword(Reserve{}), "reserve");
  EXPECT_EQ(keyword(Flush{}), "flush");
  EXPECT_EQ(keyword(Trim{}), "trim");
  EXPECT_EQ(keyword(Find{}), "find");
}

TEST(Op, BoundNameAndFreeTarget) {
  const Op named_alloc = make_alloc("a1", 1, 2);
  const Op named_fast = make_fast("b", 1, 2);
  ASSERT_NE(bound_name(named_alloc), nullptr);
  EXPECT_EQ(*bound_name(named_alloc), "a1");
  ASSERT_NE(bound_name(named_fast), nullptr);
  EXPECT_EQ(*bound_name(named_fast), "b");
  EXPECT_EQ(bound_name(Op{make_alloc("", 1, 2)}), nullptr);
  EXPECT_EQ(bound_name(Op{make_free(name_target("a1"))}), nullptr);

  Op free = make_free(name_target("a1"));
  ASSERT_NE(free_target(free), nullptr);
  free_target(free)->pfn = 7;  // the checker resolves names through this pointer
  EXPECT_EQ(std::get<Free>(free).target.pfn, 7u);
  const Op fast_free = make_fast_free(pfn_target(5), 1);
  ASSERT_NE(free_target(fast_free), nullptr);
  EXPECT_EQ(free_target(fast_free)->pfn, 5u);
  EXPECT_EQ(free_target(Op{Find{}}), nullptr);
  EXPECT_EQ(free_target(named_alloc), nullptr);
}

TEST(Op, ExpectationAppliesAsTheSpecLists) {
  struct Row {
    Op op;
    std::array<bool, 5> allowed;  // Fail, Ok, Pfn, Node, None
  };
  const std::array<Row, 8> table = {{
      {Alloc{}, {true, true, true, false, false}},
      {FastAlloc{}, {true, true, true, false, false}},
      {Free{}, {true, true, false, false, false}},
      {FastFree{}, {true, true, false, false, false}},
      {Reserve{}, {true, true, false, true, false}},
      {Flush{}, {false, true, false, false, false}},
      {Trim{}, {false, true, false, false, false}},
      {Find{}, {false, false, false, true, true}},
  }};
  const std::array<Kind, 5> kinds = {Kind::Fail, Kind::Ok, Kind::At, Kind::Node, Kind::None};
  for (const Row& row : table)
    for (std::size_t k = 0; k < kinds.size(); ++k)
      EXPECT_EQ(expectation_applies(row.op, kinds[k]), row.allowed[k]) << keyword(row.op) << " kind " << k;
}

// ---------------------------------------------------------------------------------------------
// Parsing: good input.

constexpr std::string_view kSpecExample = R"(iova-trace 1
domain granule=0x1000 start=0x1 dma32=0x4 variant=z1-max32-reset
alloc 0x1 limit=0x3 => 0x3
alloc 0x1 limit=0x3 => 0x2
free 0x3
alloc 0x2 limit=0x3 => fail      # correct: no aligned pair is free
free 0x2
alloc 0x2 limit=0x3              # a fitting gap [0x2, 0x3] exists: must succeed
)";

Trace spec_example() {
  Trace trace;
  trace.geometry.granule = 0x1000;
  trace.geometry.start_pfn = 1;
  trace.geometry.dma32_pfn = 4;
  trace.variant = "z1-max32-reset";
  trace.steps = {
      make_step(make_alloc("", 1, 3), make_expectation(Kind::At, {3, 3})),
      make_step(make_alloc("", 1, 3), make_expectation(Kind::At, {2, 2})),
      make_step(make_free(pfn_target(3))),
      make_step(make_alloc("", 2, 3), make_expectation(Kind::Fail)),
      make_step(make_free(pfn_target(2))),
      make_step(make_alloc("", 2, 3)),
  };
  return trace;
}

TEST(ParseTrace, SpecExampleVerbatim) {
  const Trace trace = parse_trace(kSpecExample);
  EXPECT_TRUE(trace == spec_example());
  EXPECT_EQ(trace.geometry.mag_size, 127u);
  EXPECT_EQ(trace.geometry.cpus, 1u);
  EXPECT_FALSE(trace.snapshot.has_value());
  ASSERT_EQ(trace.steps.size(), 6u);
  for (std::size_t i = 0; i < trace.steps.size(); ++i) EXPECT_EQ(trace.steps[i].line, i + 3);
}

TEST(ParseTrace, DomainDefaults) {
  const Trace trace = parse_trace(kHeader);
  EXPECT_EQ(trace.geometry.granule, 0x1000u);
  EXPECT_EQ(trace.geometry.start_pfn, 1u);
  EXPECT_EQ(trace.geometry.dma32_pfn, 0x100000u);
  EXPECT_EQ(trace.geometry.mag_size, 127u);
  EXPECT_EQ(trace.geometry.cpus, 1u);
  EXPECT_EQ(trace.variant, "mainline");
  EXPECT_FALSE(trace.snapshot.has_value());
  EXPECT_TRUE(trace.steps.empty());

  EXPECT_EQ(parse_trace("iova-trace 1\ndomain granule=0x10000 start=0").geometry.dma32_pfn, 0x10000u);
  EXPECT_EQ(parse_trace("iova-trace 1\ndomain granule=1 start=0").geometry.dma32_pfn, Pfn{1} << 32);
}

TEST(ParseTrace, DomainArgumentsInAnyOrder) {
  const Trace trace =
      parse_trace("iova-trace 1\ndomain variant=p3-maple cpus=4 mag=0x10 dma32=0x8 start=0 granule=512\n");
  EXPECT_EQ(trace.geometry.granule, 512u);
  EXPECT_EQ(trace.geometry.start_pfn, 0u);
  EXPECT_EQ(trace.geometry.dma32_pfn, 8u);
  EXPECT_EQ(trace.geometry.mag_size, 16u);
  EXPECT_EQ(trace.geometry.cpus, 4u);
  EXPECT_EQ(trace.variant, "p3-maple");
  // The parser does not know which variants exist, only how their names look.
  EXPECT_EQ(parse_trace("iova-trace 1\ndomain granule=1 start=1 variant=0-new-idea-\n").variant, "0-new-idea-");
}

// NAME[+fN...]: fixes of known findings after the name, kept as written (the harness resolves
// short names and checks that the fixes apply) and printed back.
TEST(ParseTrace, VariantWithFixes) {
  const Trace trace = parse_trace("iova-trace 1\ndomain granule=1 start=1 variant=mainline+f1+f2+f4+f5\n");
  EXPECT_EQ(trace.variant, "mainline+f1+f2+f4+f5");
  EXPECT_EQ(parse_trace(print_trace(trace)), trace);
  EXPECT_EQ(parse_trace("iova-trace 1\ndomain granule=1 start=1 variant=p3+f7\n").variant, "p3+f7");
  const auto domain = [](const std::string& variant) { return "iova-trace 1\ndomain granule=1 start=1 variant=" + variant + "\n"; };
  for (const char* bad : {"mainline+", "mainline+f", "mainline+x1", "mainline++f1", "+f1", "mainline+f1x", "mainline+F1"})
    EXPECT_TRUE(fails_at(domain(bad), 2, 34, "expected a variant NAME[+fN...]")) << bad;
}

TEST(ParseTrace, EveryOperation) {
  const std::string& h = kTwoCpuHeader;
  EXPECT_TRUE(only_op(h, "alloc 0x4 limit=0xff") == Op{make_alloc("", 4, 0xff)});
  EXPECT_TRUE(only_op(h, "alloc 4 unaligned limit=255") == Op{make_alloc("", 4, 255, false)});
  EXPECT_TRUE(only_op(h, "fast 0x2 limit=0xff") == Op{make_fast("", 2, 0xff)});
  EXPECT_TRUE(only_op(h, "fast 2 noflush cpu=1 limit=0xff") == Op{make_fast("", 2, 0xff, 1, false)});
  EXPECT_TRUE(only_op(h, "free 0x10") == Op{make_free(pfn_target(0x10))});
  EXPECT_TRUE(only_op(h, "ffree 0x10 size=2") == Op{make_fast_free(pfn_target(0x10), 2)});
  EXPECT_TRUE(only_op(h, "ffree 0x10 cpu=1 size=2") == Op{make_fast_free(pfn_target(0x10), 2, 1)});
  EXPECT_TRUE(only_op(h, "reserve 0x10 0x1f") == Op{make_reserve(0x10, 0x1f)});
  EXPECT_TRUE(only_op(h, "reserve 0x20 0x1f") == Op{make_reserve(0x20, 0x1f)});  // the API rejects it
  EXPECT_TRUE(only_op(h, "flush cpu=1") == Op{make_flush(Flush::Scope::Cpu, 1)});
  EXPECT_TRUE(only_op(h, "flush depot") == Op{make_flush(Flush::Scope::Depot)});
  EXPECT_TRUE(only_op(h, "flush all") == Op{make_flush(Flush::Scope::All)});
  EXPECT_TRUE(only_op(h, "trim") == Op{Trim{}});
  EXPECT_TRUE(only_op(h, "find 0x2") == Op{make_find(2)});
  // Size 0 is the model's business (a caller error), not a parse error.
  EXPECT_TRUE(only_op(h, "alloc 0 limit=1") == Op{make_alloc("", 0, 1)});
  EXPECT_TRUE(only_op(h, "ffree 1 size=0") == Op{make_fast_free(pfn_target(1), 0)});
}

TEST(ParseTrace, Names) {
  const Trace trace = parse_trace(kTwoCpuHeader +
                                  "a1: alloc 0x4 limit=0xff\n"
                                  "b :\tfast 0x2 limit=0xff cpu=1\n"
                                  "long_name_9: alloc 1 limit=1\n"
                                  "free a1\n"
                                  "ffree b size=0x2 cpu=1\n"
                                  "free long_name_9\n");
  ASSERT_EQ(trace.steps.size(), 6u);
  EXPECT_TRUE(trace.steps[0].op == Op{make_alloc("a1", 4, 0xff)});
  EXPECT_TRUE(trace.steps[1].op == Op{make_fast("b", 2, 0xff, 1)});
  EXPECT_TRUE(trace.steps[2].op == Op{make_alloc("long_name_9", 1, 1)});
  EXPECT_TRUE(trace.steps[3].op == Op{make_free(name_target("a1"))});
  EXPECT_TRUE(trace.steps[4].op == Op{make_fast_free(name_target("b"), 2, 1)});
  EXPECT_TRUE(trace.steps[5].op == Op{make_free(name_target("long_name_9"))});
  // A name that refers to a failed or freed allocation is the model's business.
  EXPECT_NO_THROW(parse_trace(kHeader + "a: alloc 1 limit=1 => fail\nfree a\nfree a\nffree a size=1\n"));
}

TEST(ParseTrace, Expectations) {
  EXPECT_TRUE(only_expectation("alloc 2 limit=3 => 0x2") == make_expectation(Kind::At, {2, 2}));
  EXPECT_TRUE(only_expectation("alloc 2 limit=3 => fail") == make_expectation(Kind::Fail));
  EXPECT_TRUE(only_expectation("fast 2 limit=3 => ok") == make_expectation(Kind::Ok));
  EXPECT_TRUE(only_expectation("find 2 => 0x2 0x3") == make_expectation(Kind::Node, {2, 3}));
  EXPECT_TRUE(only_expectation("find 9 => none") == make_expectation(Kind::None));
  EXPECT_TRUE(only_expectation("reserve 2 3 => 1 3") == make_expectation(Kind::Node, {1, 3}));
  EXPECT_TRUE(only_expectation("reserve 3 2 => fail") == make_expectation(Kind::Fail));
  EXPECT_TRUE(only_expectation("free 2 => fail") == make_expectation(Kind::Fail));
  EXPECT_TRUE(only_expectation("ffree 2 size=1 => ok") == make_expectation(Kind::Ok));
  EXPECT_TRUE(only_expectation("flush all => ok") == make_expectation(Kind::Ok));
  EXPECT_TRUE(only_expectation("trim => ok") == make_expectation(Kind::Ok));
  EXPECT_TRUE(only_expectation("find 5 => 5 5") == make_expectation(Kind::Node, {5, 5}));
}

TEST(ParseTrace, Snapshot) {
  const Trace trace = parse_trace(kHeader +
                                  "node 0x20 0x2f\n"
                                  "cached32 anchor\n"
                                  "node 0x5 0x5\n"
                                  "cached 0x20\n"
                                  "node 0x10 0x1f   # adjacent to both neighbours\n"
                                  "max32 0x4\n"
                                  "node 0x30 0xfffffffffffffffe\n"
                                  "alloc 1 limit=0x40\n");
  ASSERT_TRUE(trace.snapshot.has_value());
  const Snapshot& snapshot = *trace.snapshot;
  const std::vector<Range> nodes = {{5, 5}, {0x10, 0x1f}, {0x20, 0x2f}, {0x30, kMaxPfn - 1}};
  EXPECT_EQ(snapshot.nodes, nodes);
  EXPECT_TRUE(snapshot.cached32 == NodeRef{});
  EXPECT_TRUE(snapshot.cached == NodeRef{Pfn{0x20}});
  EXPECT_EQ(snapshot.max32, Pfn{4});
  EXPECT_EQ(trace.steps.size(), 1u);
}

TEST(ParseTrace, PartialSnapshots) {
  const Trace only_max32 = parse_trace(kHeader + "max32 7\n");
  ASSERT_TRUE(only_max32.snapshot.has_value());
  EXPECT_TRUE(only_max32.snapshot->nodes.empty());
  EXPECT_FALSE(only_max32.snapshot->cached32.has_value());
  EXPECT_FALSE(only_max32.snapshot->cached.has_value());
  EXPECT_EQ(only_max32.snapshot->max32, Pfn{7});

  // A reference may come before the node it names.
  const Trace forward = parse_trace(kHeader + "cached32 0x5\nnode 5 6\n");
  ASSERT_TRUE(forward.snapshot.has_value());
  EXPECT_TRUE(forward.snapshot->cached32 == NodeRef{Pfn{5}});
  EXPECT_FALSE(forward.snapshot->max32.has_value());
}

TEST(ParseTrace, LexicalDetails) {
  const Trace trace = parse_trace(
      "iova-trace 1\r\ndomain granule=0x1000 start=0x1\r\n"
      "alloc 0xfF limit=0xFFFFFFFFFFFFFFFF\r\n"
      "alloc 00012 limit=18446744073709551615 unaligned\n"
      "find 0x0000000000000000000000001 # leading zeros do not overflow\n"
      "trim");
  ASSERT_EQ(trace.steps.size(), 4u);
  EXPECT_TRUE(trace.steps[0].op == Op{make_alloc("", 0xff, kMaxPfn)});
  EXPECT_TRUE(trace.steps[1].op == Op{make_alloc("", 12, kMaxPfn, false)});
  EXPECT_TRUE(trace.steps[2].op == Op{make_find(1)});
  EXPECT_TRUE(trace.steps[3].op == Op{Trim{}});
  EXPECT_EQ(trace.steps[3].line, 6u);
  // The prefix is lower case, like every keyword.
  EXPECT_TRUE(fails_at(kHeader + "alloc 0XfF limit=1\n", 3, 7, "expected a size after 'alloc', got '0XfF'"));
}

TEST(ParseTrace, HeaderAfterCommentsAndBlankLines) {
  const Trace trace = parse_trace(
      "# a leading comment — UTF-8 is fine here\n\n  iova-trace\t1   \r\n"
      "domain granule=0x1000 start=0x1# comment glued to a token\r\n\t\ntrim#also glued\n");
  ASSERT_EQ(trace.steps.size(), 1u);
  EXPECT_EQ(trace.steps[0].line, 6u);
}

// ---------------------------------------------------------------------------------------------
// Parsing: every error names line, column and what was expected.

TEST(TraceErrors, WhatGivesLineColumnAndMessage) {
  const TraceError error(7, 12, "expected a number after 'limit=', got 'x12'");
  EXPECT_STREQ(error.what(), "line 7, column 12: expected a number after 'limit=', got 'x12'");
  EXPECT_EQ(error.line(), 7u);
  EXPECT_EQ(error.column(), 12u);
  EXPECT_EQ(error.message(), "expected a number after 'limit=', got 'x12'");
  EXPECT_TRUE(
      fails_at(kHeader + "\n\n\n\nalloc 0x1 limit=x12\n", 7, 17, "expected a number after 'limit=', got 'x12'"));
}

TEST(TraceErrors, Header) {
  EXPECT_TRUE(fails_at("", 1, 1, "expected 'iova-trace 1' as the first statement, got end of input"));
  EXPECT_TRUE(fails_at("# only a comment\n\n", 3, 1, "expected 'iova-trace 1'"));
  EXPECT_TRUE(fails_at("alloc 1 limit=1\n", 1, 1, "expected 'iova-trace 1' as the first statement, got 'alloc'"));
  EXPECT_TRUE(fails_at("iova-trace 2\n", 1, 12, "unsupported trace version 2"));
  EXPECT_TRUE(fails_at("iova-trace 0x10\n", 1, 12, "unsupported trace version"));
  EXPECT_TRUE(fails_at("iova-trace\n", 1, 11, "expected a version number after 'iova-trace', got end of line"));
  EXPECT_TRUE(fails_at("iova-trace one\n", 1, 12, "expected a version number after 'iova-trace', got 'one'"));
  EXPECT_TRUE(fails_at("iova-trace 1 extra\n", 1, 14, "expected end of line, got 'extra'"));
  EXPECT_TRUE(fails_at("IOVA-TRACE 1\n", 1, 1, "expected 'iova-trace 1'"));
}

TEST(TraceErrors, Domain) {
  EXPECT_TRUE(fails_at("iova-trace 1\n", 2, 1, "expected a 'domain' statement after 'iova-trace 1'"));
  EXPECT_TRUE(fails_at("iova-trace 1\ntrim\n", 2, 1, "expected 'domain granule=.. start=..'"));
  EXPECT_TRUE(fails_at("iova-trace 1\ndomain start=1\n", 2, 15, "expected a 'granule=' argument for 'domain'"));
  EXPECT_TRUE(fails_at("iova-trace 1\ndomain granule=1\n", 2, 17, "expected a 'start=' argument for 'domain'"));
  EXPECT_TRUE(fails_at("iova-trace 1\ndomain granule=1 start=1 foo=2\n", 2, 26,
                       "expected one of granule=, start=, dma32=, mag=, cpus= or variant= for 'domain', got 'foo=2'"));
  EXPECT_TRUE(fails_at("iova-trace 1\ndomain granule=1 start=1 mag\n", 2, 26, "expected one of granule="));
  EXPECT_TRUE(
      fails_at("iova-trace 1\ndomain granule=1 start=1 granule=2\n", 2, 26, "expected 'granule=' at most once"));
  EXPECT_TRUE(fails_at("iova-trace 1\ndomain granule=x start=1\n", 2, 16, "expected a number after 'granule='"));
}

TEST(TraceErrors, Geometry) {
  const auto domain = [](const std::string& arguments) { return "iova-trace 1\n  domain " + arguments + "\n"; };
  EXPECT_TRUE(fails_at(domain("granule=3 start=1"), 2, 3, "expected granule to be a power of two"));
  EXPECT_TRUE(fails_at(domain("granule=0 start=1"), 2, 3, "expected granule to be a power of two"));
  EXPECT_TRUE(fails_at(domain("granule=0x100000000 start=1"), 2, 3, "expected granule to be"));
  EXPECT_TRUE(fails_at(domain("granule=0x100000000 start=1 dma32=4"), 2, 3, "expected granule to be"));
  EXPECT_TRUE(fails_at(domain("granule=1 start=1 dma32=1"), 2, 3, "expected dma32 to be a power of two"));
  EXPECT_TRUE(fails_at(domain("granule=1 start=1 dma32=6"), 2, 3, "expected dma32 to be a power of two"));
  EXPECT_TRUE(fails_at(domain("granule=1 start=1 mag=0"), 2, 3, "expected mag to be between 1 and 4096"));
  EXPECT_TRUE(fails_at(domain("granule=1 start=1 mag=4097"), 2, 3, "expected mag to be between 1 and 4096"));
  EXPECT_TRUE(fails_at(domain("granule=1 start=1 mag=0x100000001"), 2, 32, "expected a count after 'mag=' below 2^32"));
  EXPECT_TRUE(fails_at(domain("granule=1 start=1 cpus=0"), 2, 3, "expected cpus to be between 1 and 1024"));
  EXPECT_TRUE(fails_at(domain("granule=1 start=1 cpus=1025"), 2, 3, "expected cpus to be between 1 and 1024"));
  EXPECT_TRUE(fails_at(domain("granule=1 start=1 variant=Mainline"), 2, 36,
                       "expected a variant NAME[+fN...] (NAME [a-z0-9][a-z0-9-]*, e.g. mainline+f1) after 'variant=', got 'Mainline'"));
  EXPECT_TRUE(fails_at(domain("granule=1 start=1 variant=-x"), 2, 36, "expected a variant NAME"));
  EXPECT_TRUE(fails_at(domain("granule=1 start=1 variant=a_b"), 2, 36, "expected a variant NAME"));
  EXPECT_TRUE(fails_at(domain("granule=1 start=1 variant="), 2, 36,
                       "expected a variant NAME[+fN...] (NAME [a-z0-9][a-z0-9-]*, e.g. mainline+f1) after 'variant=', got nothing"));
}

TEST(TraceErrors, Characters) {
  EXPECT_TRUE(fails_at(kHeader + "alloc 1 limit=1 \xc3\xa9\n", 3, 17,
                       "expected printable ASCII outside comments, got byte 0xc3"));
  EXPECT_TRUE(fails_at(kHeader + "find 1\xff\n", 3, 7, "got byte 0xff"));
  EXPECT_TRUE(fails_at(kHeader + "tr\rim\n", 3, 3, "got byte 0xd"));
  EXPECT_TRUE(fails_at(kHeader + "trim\r\r\n", 3, 5, "got byte 0xd"));
  EXPECT_TRUE(fails_at(kHeader + "trim \x01\n", 3, 6, "got byte 0x1"));
  EXPECT_TRUE(fails_at(kHeader + std::string("trim \0\n", 7), 3, 6, "got byte 0x0"));
  EXPECT_NO_THROW(parse_trace(kHeader + "trim # \xc3\xa9 \x01 \xff\n"));
}

TEST(TraceErrors, Numbers) {
  EXPECT_TRUE(fails_at(kHeader + "alloc 0x limit=1\n", 3, 7, "expected a size after 'alloc', got '0x'"));
  EXPECT_TRUE(fails_at(kHeader + "alloc 12ab limit=1\n", 3, 7, "expected a size after 'alloc', got '12ab'"));
  EXPECT_TRUE(fails_at(kHeader + "alloc 0x1g limit=1\n", 3, 7, "got '0x1g'"));
  EXPECT_TRUE(fails_at(kHeader + "alloc -1 limit=1\n", 3, 7, "got '-1'"));
  EXPECT_TRUE(fails_at(kHeader + "alloc +1 limit=1\n", 3, 7, "got '+1'"));
  EXPECT_TRUE(fails_at(kHeader + "alloc 1 limit=\n", 3, 15, "expected a number after 'limit=', got nothing"));
  EXPECT_TRUE(fails_at(kHeader + "find 18446744073709551616\n", 3, 6,
                       "expected a pfn after 'find' no larger than 0xffffffffffffffff, got '18446744073709551616'"));
  EXPECT_TRUE(fails_at(kHeader + "find 0x10000000000000000\n", 3, 6, "no larger than 0xffffffffffffffff"));
  EXPECT_TRUE(fails_at(kHeader + "find 99999999999999999999999\n", 3, 6, "no larger than"));
  const std::string long_junk(200, 'z');
  EXPECT_TRUE(fails_at(kHeader + "find " + long_junk + "\n", 3, 6, "got '" + std::string(40, 'z') + "...'"));
}

TEST(TraceErrors, Statements) {
  EXPECT_TRUE(fails_at(kHeader + "allocate 1\n", 3, 1,
                       "expected a statement (alloc, fast, free, ffree, reserve, flush, trim, find, node, cached32, "
                       "cached or max32), got 'allocate'"));
  EXPECT_TRUE(fails_at(kHeader + "  ALLOC 1 limit=1\n", 3, 3, "got 'ALLOC'"));
  EXPECT_TRUE(fails_at(kHeader + "domain granule=1 start=1\n", 3, 1, "got a second 'domain'"));
  EXPECT_TRUE(fails_at(kHeader + "trim\niova-trace 1\n", 4, 1, "got a second 'iova-trace'"));
  EXPECT_TRUE(fails_at(kHeader + "=> ok\n", 3, 1, "expected a statement"));
}

TEST(TraceErrors, Snapshot) {
  EXPECT_TRUE(fails_at(kHeader + "trim\n  node 1 2\n", 4, 3,
                       "expected snapshot statements before the first operation (line 3), got 'node' after it"));
  EXPECT_TRUE(fails_at(kHeader + "find 1\nmax32 1\n", 4, 1, "before the first operation"));
  EXPECT_TRUE(fails_at(kHeader + "node 5 3\n", 3, 8, "expected HI >= LO (0x5) after 'node LO', got 0x3"));
  EXPECT_TRUE(fails_at(kHeader + "node 1\n", 3, 7, "expected HI (a pfn) after 'node LO', got end of line"));
  EXPECT_TRUE(fails_at(kHeader + "node 1 2 3\n", 3, 10, "expected end of line, got '3'"));
  EXPECT_TRUE(fails_at(kHeader + "node 0x10 0xffffffffffffffff\n", 3, 11,
                       "expected HI below the anchor at 0xffffffffffffffff"));
  EXPECT_TRUE(fails_at(kHeader + "node 0xffffffffffffffff 0xffffffffffffffff\n", 3, 25, "below the anchor"));
  EXPECT_TRUE(fails_at(kHeader + "node 1 5\nnode 5 9\n", 4, 6,
                       "expected nodes that do not overlap, got [0x5, 0x9] overlapping [0x1, 0x5] from line 3"));
  EXPECT_TRUE(fails_at(kHeader + "node 5 9\nnode 1 5\n", 4, 6, "overlapping [0x5, 0x9] from line 3"));
  EXPECT_TRUE(fails_at(kHeader + "node 3 4\nnode 1 9\n", 4, 6, "overlapping [0x3, 0x4]"));
  EXPECT_TRUE(fails_at(kHeader + "node 1 9\nnode 3 4\n", 4, 6, "overlapping [0x1, 0x9]"));
  EXPECT_TRUE(fails_at(kHeader + "node 1 9\nnode 1 9\n", 4, 6, "overlapping [0x1, 0x9]"));
  EXPECT_TRUE(
      fails_at(kHeader + "node 1 2\ncached32 3\n", 4, 10,
               "expected the LO of a snapshot node or 'anchor' after 'cached32', got 0x3, which starts no node"));
  EXPECT_TRUE(fails_at(kHeader + "node 1 2\ncached 2\ntrim\n", 4, 8, "after 'cached', got 0x2, which starts no node"));
  EXPECT_TRUE(fails_at(kHeader + "cached\n", 3, 7, "expected a node's LO or 'anchor' after 'cached', got end of line"));
  EXPECT_TRUE(
      fails_at(kHeader + "cached Anchor\n", 3, 8, "expected a node's LO or 'anchor' after 'cached', got 'Anchor'"));
  EXPECT_TRUE(fails_at(kHeader + "cached32 anchor\ncached32 anchor\n", 4, 1,
                       "expected 'cached32' at most once, got it again (first on line 3)"));
  EXPECT_TRUE(fails_at(kHeader + "cached anchor\n\ncached anchor\n", 5, 1, "(first on line 3)"));
  EXPECT_TRUE(fails_at(kHeader + "max32 1\nmax32 2\n", 4, 1, "expected 'max32' at most once"));
  EXPECT_TRUE(fails_at(kHeader + "max32\n", 3, 6, "expected a size after 'max32', got end of line"));
}

TEST(TraceErrors, OperationArguments) {
  const std::string& h = kTwoCpuHeader;
  EXPECT_TRUE(fails_at(h + "alloc 1\n", 3, 8, "expected a 'limit=' argument for 'alloc'"));
  EXPECT_TRUE(fails_at(h + "alloc 1 => 0x1\n", 3, 9, "expected a 'limit=' argument for 'alloc'"));
  EXPECT_TRUE(fails_at(h + "fast 1 cpu=1\n", 3, 13, "expected a 'limit=' argument for 'fast'"));
  EXPECT_TRUE(fails_at(h + "ffree 0x10\n", 3, 11, "expected a 'size=' argument for 'ffree'"));
  EXPECT_TRUE(fails_at(h + "alloc\n", 3, 6, "expected a size after 'alloc', got end of line"));
  EXPECT_TRUE(fails_at(h + "alloc => 1\n", 3, 7, "expected a size after 'alloc', got '=>'"));
  EXPECT_TRUE(fails_at(h + "alloc limit=1 1\n", 3, 7, "expected a size after 'alloc', got 'limit=1'"));
  EXPECT_TRUE(fails_at(h + "alloc 1 limit=1 aligned\n", 3, 17,
                       "expected one of limit= or unaligned for 'alloc', got 'aligned'"));
  EXPECT_TRUE(fails_at(h + "alloc 1 limit=1 cpu=1\n", 3, 17, "expected one of limit= or unaligned"));
  EXPECT_TRUE(fails_at(h + "alloc 1 limit=1 unaligned=1\n", 3, 17, "expected one of limit= or unaligned"));
  EXPECT_TRUE(fails_at(h + "alloc 1 limit=1 limit=2\n", 3, 17, "expected 'limit=' at most once, got it again"));
  EXPECT_TRUE(fails_at(h + "alloc 1 unaligned limit=1 unaligned\n", 3, 27, "expected 'unaligned' at most once"));
  EXPECT_TRUE(fails_at(h + "fast 1 limit=1 noflush noflush\n", 3, 24, "expected 'noflush' at most once"));
  EXPECT_TRUE(fails_at(h + "fast 1 limit=1 unaligned\n", 3, 16, "expected one of limit=, cpu= or noflush for 'fast'"));
  EXPECT_TRUE(fails_at(h + "ffree 1 size=1 size=1\n", 3, 16, "expected 'size=' at most once"));
  EXPECT_TRUE(fails_at(h + "ffree 1 size=1 limit=1\n", 3, 16, "expected one of size= or cpu= for 'ffree'"));
  EXPECT_TRUE(fails_at(h + "free\n", 3, 5, "expected a pfn or an allocation name after 'free', got end of line"));
  EXPECT_TRUE(fails_at(h + "free 1 2\n", 3, 8, "expected '=>' or end of line, got '2'"));
  EXPECT_TRUE(fails_at(h + "free 1 size=1\n", 3, 8, "expected '=>' or end of line, got 'size=1'"));
  EXPECT_TRUE(fails_at(h + "reserve 1\n", 3, 10, "expected HI (a pfn) after 'reserve LO', got end of line"));
  EXPECT_TRUE(fails_at(h + "reserve x 1\n", 3, 9, "expected LO (a pfn) after 'reserve', got 'x'"));
  EXPECT_TRUE(fails_at(h + "find\n", 3, 5, "expected a pfn after 'find', got end of line"));
  EXPECT_TRUE(fails_at(h + "find 1 2\n", 3, 8, "expected '=>' or end of line, got '2'"));
  EXPECT_TRUE(fails_at(h + "trim now\n", 3, 6, "expected '=>' or end of line, got 'now'"));
  EXPECT_TRUE(fails_at(h + "flush\n", 3, 6, "expected cpu=N, depot or all after 'flush', got end of line"));
  EXPECT_TRUE(fails_at(h + "flush everything\n", 3, 7, "expected cpu=N, depot or all after 'flush', got 'everything'"));
  EXPECT_TRUE(fails_at(h + "flush all depot\n", 3, 11, "expected '=>' or end of line, got 'depot'"));
  EXPECT_TRUE(fails_at(h + "flush cpu=\n", 3, 11, "expected a cpu number after 'cpu=', got nothing"));
  EXPECT_TRUE(fails_at(h + "flush cpu\n", 3, 7, "expected cpu=N, depot or all after 'flush', got 'cpu'"));
}

TEST(TraceErrors, CpuMustExistInTheDomain) {
  EXPECT_TRUE(
      fails_at(kHeader + "fast 1 limit=1 cpu=1\n", 3, 20, "expected a cpu below 0x1 (the domain's cpus), got 0x1"));
  EXPECT_TRUE(fails_at(kHeader + "ffree 1 size=1 cpu=0x1\n", 3, 20, "expected a cpu below 0x1"));
  EXPECT_TRUE(fails_at(kHeader + "flush cpu=1\n", 3, 11, "expected a cpu below 0x1"));
  EXPECT_TRUE(fails_at(kTwoCpuHeader + "flush cpu=2\n", 3, 11, "expected a cpu below 0x2"));
  EXPECT_TRUE(fails_at(kTwoCpuHeader + "flush cpu=0x100000000\n", 3, 11, "expected a cpu below 0x2"));
  EXPECT_TRUE(fails_at(kTwoCpuHeader + "fast 1 limit=1 cpu=-1\n", 3, 20, "expected a cpu number after 'cpu='"));
}

TEST(TraceErrors, Names) {
  EXPECT_TRUE(fails_at(kHeader + "x: free 1\n", 3, 4, "expected 'alloc' or 'fast' after 'x:', got 'free'"));
  EXPECT_TRUE(fails_at(kHeader + "x: node 1 2\n", 3, 4, "expected 'alloc' or 'fast' after 'x:', got 'node'"));
  EXPECT_TRUE(fails_at(kHeader + "x:\n", 3, 3, "expected 'alloc' or 'fast' after 'x:', got end of line"));
  EXPECT_TRUE(fails_at(kHeader + "x :\n", 3, 4, "expected 'alloc' or 'fast' after 'x :', got end of line"));
  EXPECT_TRUE(
      fails_at(kHeader + "A1: alloc 1 limit=1\n", 3, 1, "expected a name ([a-z][a-z0-9_]*) before ':', got 'A1'"));
  EXPECT_TRUE(fails_at(kHeader + "1a: alloc 1 limit=1\n", 3, 1, "expected a name ([a-z][a-z0-9_]*)"));
  EXPECT_TRUE(fails_at(kHeader + "a-b: alloc 1 limit=1\n", 3, 1, "expected a name ([a-z][a-z0-9_]*)"));
  EXPECT_TRUE(fails_at(kHeader + ": alloc 1 limit=1\n", 3, 1, "before ':', got nothing"));
  EXPECT_TRUE(fails_at(kHeader + "a: alloc 1 limit=1\nb: fast 1 limit=1\n  a: fast 1 limit=1\n", 5, 3,
                       "expected a name not used before, got 'a' (defined on line 3)"));
  EXPECT_TRUE(fails_at(kHeader + "free a\n", 3, 6,
                       "expected the name of an allocation on an earlier line after 'free', got 'a', which no "
                       "earlier line defines"));
  EXPECT_TRUE(fails_at(kHeader + "ffree a size=1\na: alloc 1 limit=1\n", 3, 7, "which no earlier line defines"));
  EXPECT_TRUE(fails_at(kHeader + "free A\n", 3, 6, "expected a pfn or an allocation name after 'free', got 'A'"));
  EXPECT_TRUE(fails_at(kHeader + "free none\n", 3, 6, "which no earlier line defines"));
  EXPECT_TRUE(fails_at(kHeader + "a: alloc\n", 3, 9, "expected a size after 'alloc'"));
}

TEST(TraceErrors, KeywordsAreNotNames) {
  const std::array<std::string_view, 24> keywords = {"domain", "node",      "cached32", "cached",  "max32", "alloc",
                                                     "fast",   "free",      "ffree",    "reserve", "flush", "trim",
                                                     "find",   "unaligned", "noflush",  "fail",    "ok",    "none",
                                                     "anchor", "depot",     "all",      "limit",   "size",  "cpu"};
  for (const std::string_view word : keywords) {
    const std::string line = std::string(word) + ": alloc 1 limit=1\n";
    EXPECT_TRUE(fails_at(kHeader + line, 3, 1, "expected a name that is not a keyword before ':'")) << word;
  }
  // Words merely containing a keyword are names.
  EXPECT_NO_THROW(parse_trace(kHeader + "alloc1: alloc 1 limit=1\nnone_: alloc 1 limit=1\nstart: alloc 1 limit=1\n"));
}

TEST(TraceErrors, Expectations) {
  EXPECT_TRUE(fails_at(kHeader + "alloc 1 limit=1 =>\n", 3, 19,
                       "expected fail, ok, none or a pfn after '=>', got end of line"));
  EXPECT_TRUE(fails_at(kHeader + "alloc 1 limit=1 => maybe\n", 3, 20,
                       "expected fail, ok, none or a pfn after '=>', got 'maybe'"));
  EXPECT_TRUE(fails_at(kHeader + "alloc 1 limit=1 => none\n", 3, 20,
                       "expected fail, ok or PFN after 'alloc ... =>', got 'none'"));
  EXPECT_TRUE(fails_at(kHeader + "fast 1 limit=1 => 1 2\n", 3, 19, "expected fail, ok or PFN after 'fast ... =>'"));
  EXPECT_TRUE(fails_at(kHeader + "find 1 => 0x2\n", 3, 11, "expected LO HI or none after 'find ... =>', got '0x2'"));
  EXPECT_TRUE(fails_at(kHeader + "find 1 => ok\n", 3, 11, "expected LO HI or none"));
  EXPECT_TRUE(fails_at(kHeader + "free 1 => 0x1\n", 3, 11, "expected fail or ok after 'free ... =>'"));
  EXPECT_TRUE(fails_at(kHeader + "reserve 1 2 => 1\n", 3, 16, "expected fail, ok or LO HI after 'reserve ... =>'"));
  EXPECT_TRUE(fails_at(kHeader + "flush all => fail\n", 3, 14, "expected ok after 'flush ... =>', got 'fail'"));
  EXPECT_TRUE(fails_at(kHeader + "trim => none\n", 3, 9, "expected ok after 'trim ... =>'"));
  EXPECT_TRUE(fails_at(kHeader + "find 1 => 3 2\n", 3, 13, "expected HI >= LO (0x3) after '=> LO', got 0x2"));
  EXPECT_TRUE(fails_at(kHeader + "find 1 => 2 x\n", 3, 13, "expected HI (a pfn) after '=> LO', got 'x'"));
  EXPECT_TRUE(fails_at(kHeader + "find 1 => 2 3 4\n", 3, 15, "expected end of line, got '4'"));
  EXPECT_TRUE(fails_at(kHeader + "alloc 1 limit=1 => ok => ok\n", 3, 23, "expected end of line, got '=>'"));
  EXPECT_TRUE(fails_at(kHeader + "alloc 1 limit=1 => OK\n", 3, 20, "got 'OK'"));
}

// ---------------------------------------------------------------------------------------------
// Printing.

TEST(PrintTrace, Operations) {
  EXPECT_EQ(print_op(make_alloc("name", 4, 0xff, false)), "name: alloc 0x4 limit=0xff unaligned");
  EXPECT_EQ(print_op(make_alloc("", 4, 0xff)), "alloc 0x4 limit=0xff");
  EXPECT_EQ(print_op(make_fast("", 2, 0xff, 1, false)), "fast 0x2 limit=0xff cpu=1 noflush");
  EXPECT_EQ(print_op(make_fast("b", 2, 0xff)), "b: fast 0x2 limit=0xff");
  EXPECT_EQ(print_op(make_free(name_target("a1"))), "free a1");
  EXPECT_EQ(print_op(make_free(pfn_target(0x10))), "free 0x10");
  EXPECT_EQ(print_op(make_fast_free(name_target("b"), 2, 1)), "ffree b size=0x2 cpu=1");
  EXPECT_EQ(print_op(make_fast_free(pfn_target(0x10), 2)), "ffree 0x10 size=0x2");
  EXPECT_EQ(print_op(make_flush(Flush::Scope::Cpu, 1)), "flush cpu=1");
  EXPECT_EQ(print_op(make_flush(Flush::Scope::Cpu, 0)), "flush cpu=0");
  EXPECT_EQ(print_op(make_flush(Flush::Scope::Depot)), "flush depot");
  EXPECT_EQ(print_op(make_flush(Flush::Scope::All)), "flush all");
  EXPECT_EQ(print_op(make_reserve(0x10, 0x1f)), "reserve 0x10 0x1f");
  EXPECT_EQ(print_op(Trim{}), "trim");
  EXPECT_EQ(print_op(make_find(2)), "find 0x2");
}

TEST(PrintTrace, Expectations) {
  EXPECT_EQ(print_expectation(make_expectation(Kind::Fail)), "fail");
  EXPECT_EQ(print_expectation(make_expectation(Kind::Ok)), "ok");
  EXPECT_EQ(print_expectation(make_expectation(Kind::None)), "none");
  EXPECT_EQ(print_expectation(make_expectation(Kind::At, {0x10, 0x10})), "0x10");
  EXPECT_EQ(print_expectation(make_expectation(Kind::Node, {2, 3})), "0x2 0x3");
}

TEST(PrintTrace, SpecExampleCanonically) {
  EXPECT_EQ(print_trace(spec_example()),
            "iova-trace 1\n"
            "domain granule=0x1000 start=0x1 dma32=0x4 variant=z1-max32-reset\n"
            "alloc 0x1 limit=0x3 => 0x3\n"
            "alloc 0x1 limit=0x3 => 0x2\n"
            "free 0x3\n"
            "alloc 0x2 limit=0x3 => fail\n"
            "free 0x2\n"
            "alloc 0x2 limit=0x3\n");
}

TEST(PrintTrace, DomainLeavesOutDefaultsButNotTheVariant) {
  Trace trace;
  trace.geometry.granule = 0x10000;
  trace.geometry.dma32_pfn = 0x10000;
  EXPECT_EQ(print_trace(trace), "iova-trace 1\ndomain granule=0x10000 start=0x1 variant=mainline\n");
  trace.geometry.dma32_pfn = 0x100000;  // the 4 KiB value, not this granule's
  trace.geometry.mag_size = 128;
  trace.geometry.cpus = 4;
  trace.variant = "p2-augmented";
  EXPECT_EQ(print_trace(trace),
            "iova-trace 1\ndomain granule=0x10000 start=0x1 dma32=0x100000 mag=128 cpus=4 variant=p2-augmented\n");
}

TEST(PrintTrace, Snapshot) {
  Trace trace;
  trace.snapshot = Snapshot{{{5, 5}, {0x10, 0x1f}}, NodeRef{}, NodeRef{Pfn{0x10}}, Pfn{3}};
  trace.steps = {make_step(make_find(5), make_expectation(Kind::Node, {5, 5}))};
  EXPECT_EQ(print_trace(trace),
            "iova-trace 1\ndomain granule=0x1000 start=0x1 variant=mainline\n"
            "node 0x5 0x5\nnode 0x10 0x1f\ncached32 anchor\ncached 0x10\nmax32 0x3\n"
            "find 0x5 => 0x5 0x5\n");
}

TEST(PrintTrace, CommentsComeBeforeTheirStep) {
  Trace trace;
  trace.steps = {make_step(Trim{}), make_step(make_find(1)), make_step(make_find(2))};
  const std::vector<StepComment> comments = {
      {2, "violation: completeness — a fitting gap [0x2, 0x3] exists at or below limit 0x3"},
      {0, "first"},
      {2, "two\nlines"},
      {7, "after the end"},
  };
  const std::string text = print_trace(trace, comments);
  EXPECT_EQ(text,
            "iova-trace 1\ndomain granule=0x1000 start=0x1 variant=mainline\n"
            "# first\ntrim\nfind 0x1\n"
            "# violation: completeness — a fitting gap [0x2, 0x3] exists at or below limit 0x3\n# two\n# lines\n"
            "find 0x2\n# after the end\n");
  EXPECT_TRUE(parse_trace(text) == trace);
}

// ---------------------------------------------------------------------------------------------
// Round trip.

testing::AssertionResult round_trips(const Trace& trace, const std::vector<StepComment>& comments = {}) {
  const std::string text = print_trace(trace, comments);
  Trace parsed;
  try {
    parsed = parse_trace(text);
  } catch (const TraceError& error) {
    return testing::AssertionFailure() << error.what() << "\n" << text;
  }
  if (!(parsed == trace))
    return testing::AssertionFailure() << "parsed differs:\n" << print_trace(parsed) << "printed:\n" << text;
  // Every parsed step knows the line it came from.
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  for (const Step& step : parsed.steps)
    if (step.line == 0 || step.line > lines.size() || !lines[step.line - 1].starts_with(print_op(step.op)))
      return testing::AssertionFailure() << "step line " << step.line << " is not '" << print_op(step.op) << "'";
  return testing::AssertionSuccess();
}

TEST(RoundTrip, HandWrittenTraces) {
  EXPECT_TRUE(round_trips(spec_example()));
  EXPECT_TRUE(round_trips(Trace{}));

  Trace every_op;
  every_op.geometry = Geometry{1, 0, 2, 1, kMaxCpus};
  every_op.variant = "p1-best-fit";
  every_op.steps = {
      make_step(make_alloc("a", 1, kMaxPfn, false), make_expectation(Kind::At, {kMaxPfn, kMaxPfn})),
      make_step(make_fast("b", 0, 0, kMaxCpus - 1, false), make_expectation(Kind::Fail)),
      make_step(make_free(name_target("a")), make_expectation(Kind::Ok)),
      make_step(make_fast_free(name_target("b"), 3, 7)),
      make_step(make_free(pfn_target(0))),
      make_step(make_reserve(kMaxPfn, 0), make_expectation(Kind::Node, {0, kMaxPfn})),
      make_step(make_flush(Flush::Scope::Cpu, 0)),
      make_step(make_flush(Flush::Scope::Depot), make_expectation(Kind::Ok)),
      make_step(make_flush(Flush::Scope::All)),
      make_step(Trim{}),
      make_step(make_find(0), make_expectation(Kind::None)),
  };
  EXPECT_TRUE(round_trips(every_op, {{3, "a note"}, {0, ""}}));

  Trace snapshot;
  snapshot.geometry = Geometry{Pfn{1} << 31, kMaxPfn, Pfn{1} << 63, kMaxMagazineSize, 2};
  snapshot.snapshot = Snapshot{{{0, 0}, {1, kMaxPfn - 1}}, NodeRef{Pfn{1}}, NodeRef{Pfn{0}}, Pfn{0}};
  EXPECT_TRUE(round_trips(snapshot));
  snapshot.snapshot = Snapshot{{}, NodeRef{}, std::nullopt, std::nullopt};
  EXPECT_TRUE(round_trips(snapshot));
}

// Random valid traces: every value the format can carry, within the rules the parser checks.
class TraceGenerator {
 public:
  explicit TraceGenerator(std::uint64_t seed) : random_(seed) {}

  Trace trace() {
    names_.clear();
    Trace trace;
    trace.geometry = geometry();
    trace.variant = variant();
    if (chance(0.3)) trace.snapshot = snapshot();
    const std::size_t steps = below(25);
    for (std::size_t i = 0; i < steps; ++i) trace.steps.push_back(step(trace.geometry.cpus));
    return trace;
  }

  std::vector<StepComment> comments(std::size_t steps) {
    std::vector<StepComment> comments(below(4));
    for (StepComment& comment : comments) {
      comment.step = below(steps + 2);
      comment.text = pick<std::string>({"violation: completeness — a fitting gap exists", "# => 0x1 node free a",
                                        "two\nlines", "", "trailing \\r\r", "ümlaut \xff"});
    }
    return comments;
  }

  std::size_t below(std::size_t bound) { return std::uniform_int_distribution<std::size_t>(0, bound - 1)(random_); }
  bool chance(double probability) { return std::bernoulli_distribution(probability)(random_); }
  template <class T>
  T pick(std::initializer_list<T> values) {
    return *(values.begin() + below(values.size()));
  }

  // Small, boundary and arbitrary values, so both ends of every field get exercised.
  Pfn number() {
    switch (below(5)) {
      case 0:
        return below(17);
      case 1:
        return Pfn{1} << below(64);
      case 2:
        return (Pfn{1} << below(64)) - 1;
      case 3:
        return kMaxPfn - below(3);
      default:
        return random_();
    }
  }

 private:
  Geometry geometry() {
    Geometry geometry;
    geometry.granule = Pfn{1} << below(32);
    geometry.start_pfn = number();
    geometry.dma32_pfn = chance(0.5) ? *Geometry::real_dma32(geometry.granule) : Pfn{1} << (1 + below(63));
    geometry.mag_size = chance(0.5) ? kDefaultMagazineSize : static_cast<unsigned>(1 + below(kMaxMagazineSize));
    geometry.cpus = chance(0.5) ? 1 : static_cast<unsigned>(1 + below(kMaxCpus));
    return geometry;
  }

  std::string variant() {
    if (chance(0.5)) return pick<std::string>({"mainline", "z1-max32-reset", "p3-maple", "0", "future-7"});
    constexpr std::string_view kFirst = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string name(1, kFirst[below(kFirst.size())]);
    constexpr std::string_view kRest = "abcdefghijklmnopqrstuvwxyz0123456789-";
    for (std::size_t i = below(12); i > 0; --i) name += kRest[below(kRest.size())];
    return name;
  }

  Snapshot snapshot() {
    Snapshot snapshot;
    Pfn next_free = below(3);
    // Gaps and lengths below 2^59 keep six nodes clear of the anchor.
    const std::size_t count = below(7);
    for (std::size_t i = 0; i < count; ++i) {
      const Pfn lo = next_free + (random_() >> (5 + below(59)));
      const Pfn hi = lo + (random_() >> (5 + below(59)));
      snapshot.nodes.push_back({lo, hi});
      next_free = hi + 1 + below(2);
    }
    if (!snapshot.nodes.empty() && chance(0.3) && snapshot.nodes.back().lo <= kMaxPfn - 1)
      snapshot.nodes.back().hi = kMaxPfn - 1;  // touching the anchor is allowed
    snapshot.cached32 = node_ref(snapshot);
    snapshot.cached = node_ref(snapshot);
    if (chance(0.5)) snapshot.max32 = number();
    if (!snapshot.cached32 && !snapshot.cached && !snapshot.max32 && snapshot.nodes.empty())
      snapshot.max32 = number();  // an empty snapshot has no text; see the report
    return snapshot;
  }

  std::optional<NodeRef> node_ref(const Snapshot& snapshot) {
    if (chance(0.3)) return std::nullopt;
    if (snapshot.nodes.empty() || chance(0.3)) return NodeRef{};
    return NodeRef{snapshot.nodes[below(snapshot.nodes.size())].lo};
  }

  std::string fresh_name() {
    std::string name;
    do {
      constexpr std::string_view kRest = "abcdefghijklmnopqrstuvwxyz0123456789_";
      name = std::string(1, kRest[below(26)]);
      for (std::size_t i = below(6); i > 0; --i) name += kRest[below(kRest.size())];
    } while (std::ranges::find(names_, name) != names_.end() || is_keyword(name));
    names_.push_back(name);
    return name;
  }

  static bool is_keyword(const std::string& word) {
    static const std::set<std::string> kKeywords = {"domain", "node",      "cached32", "cached",  "max32", "alloc",
                                                    "fast",   "free",      "ffree",    "reserve", "flush", "trim",
                                                    "find",   "unaligned", "noflush",  "fail",    "ok",    "none",
                                                    "anchor", "depot",     "all",      "limit",   "size",  "cpu"};
    return kKeywords.contains(word);
  }

  Target target() {
    if (!names_.empty() && chance(0.5)) return name_target(names_[below(names_.size())]);
    return pfn_target(number());
  }

  unsigned cpu(unsigned cpus) { return chance(0.5) ? 0 : static_cast<unsigned>(below(cpus)); }

  Op op(unsigned cpus) {
    switch (below(8)) {
      case 0:
        return make_alloc(chance(0.5) ? fresh_name() : "", number(), number(), chance(0.5));
      case 1:
        return make_fast(chance(0.5) ? fresh_name() : "", number(), number(), cpu(cpus), chance(0.5));
      case 2:
        return make_free(target());
      case 3:
        return make_fast_free(target(), number(), cpu(cpus));
      case 4:
        return make_reserve(number(), number());
      case 5: {
        const auto scope = pick({Flush::Scope::Cpu, Flush::Scope::Depot, Flush::Scope::All});
        return make_flush(scope, scope == Flush::Scope::Cpu ? cpu(cpus) : 0);
      }
      case 6:
        return Trim{};
      default:
        return make_find(number());
    }
  }

  std::optional<Expectation> expectation(const Op& op) {
    if (chance(0.5)) return std::nullopt;
    std::vector<Kind> kinds;
    for (const Kind kind : {Kind::Fail, Kind::Ok, Kind::At, Kind::Node, Kind::None})
      if (expectation_applies(op, kind)) kinds.push_back(kind);
    const Kind kind = kinds[below(kinds.size())];
    const Pfn a = number();
    const Pfn b = number();
    if (kind == Kind::At) return make_expectation(kind, {a, a});
    if (kind == Kind::Node) return make_expectation(kind, {std::min(a, b), std::max(a, b)});
    return make_expectation(kind);
  }

  Step step(unsigned cpus) {
    Op generated = op(cpus);
    const auto expect = expectation(generated);
    return make_step(std::move(generated), expect);
  }

  std::mt19937_64 random_;
  std::vector<std::string> names_;
};

TEST(RoundTrip, RandomTraces) {
  TraceGenerator generator(0x10ea);
  for (int i = 0; i < 400; ++i) {
    const Trace trace = generator.trace();
    const auto comments = generator.comments(trace.steps.size());
    ASSERT_TRUE(round_trips(trace, comments)) << "trace " << i;
  }
}

// Random damage to valid traces: the parser either accepts the text (and then it round-trips)
// or throws a TraceError that points inside the text; never anything else.
class Mutator {
 public:
  explicit Mutator(TraceGenerator& generator) : generator_(generator) {}

  std::string mutate(std::string text) {
    for (std::size_t n = 1 + generator_.below(3); n > 0 && !text.empty(); --n) {
      switch (generator_.below(6)) {
        case 0:
          text[generator_.below(text.size())] = static_cast<char>(generator_.below(256));
          break;
        case 1:
          text.resize(generator_.below(text.size()));
          break;
        case 2:
          swap_tokens(text);
          break;
        case 3:
          text.insert(generator_.below(text.size() + 1), insertion());
          break;
        default:
          edit_line(text);
          break;
      }
    }
    return text;
  }

 private:
  std::string insertion() {
    return generator_.pick<std::string>({" alloc ",
                                         " => ",
                                         " a1: ",
                                         " : ",
                                         " cpu=9 ",
                                         " 0x ",
                                         " 18446744073709551616 ",
                                         " node 1 2\n",
                                         "\nmax32 1\n",
                                         " anchor ",
                                         "#",
                                         "\r",
                                         "\xff",
                                         "\n",
                                         " x ",
                                         " size=0 ",
                                         " limit=",
                                         " free a1\n",
                                         "\na1: fast 1 limit=1\n",
                                         " => none"});
  }

  // Swaps two whitespace-separated pieces.
  void swap_tokens(std::string& text) {
    std::vector<std::pair<std::size_t, std::size_t>> tokens;  // start, length
    for (std::size_t at = 0; at < text.size();) {
      const std::size_t start = text.find_first_not_of(" \t\n", at);
      if (start == std::string::npos) break;
      const std::size_t end = std::min(text.find_first_of(" \t\n", start), text.size());
      tokens.emplace_back(start, end - start);
      at = end;
    }
    if (tokens.size() < 2) return;
    auto first = tokens[generator_.below(tokens.size())];
    auto second = tokens[generator_.below(tokens.size())];
    if (first.first > second.first) std::swap(first, second);
    if (first.first == second.first) return;
    const std::string a = text.substr(first.first, first.second);
    const std::string b = text.substr(second.first, second.second);
    text.replace(second.first, second.second, a);
    text.replace(first.first, first.second, b);
  }

  // Deletes or duplicates a line.
  void edit_line(std::string& text) {
    const std::size_t start = text.rfind('\n', generator_.below(text.size()));
    const std::size_t from = start == std::string::npos ? 0 : start + 1;
    const std::size_t end = text.find('\n', from);
    const std::size_t length = (end == std::string::npos ? text.size() : end + 1) - from;
    if (generator_.chance(0.5))
      text.erase(from, length);
    else
      text.insert(from, text.substr(from, length));
  }

  TraceGenerator& generator_;
};

std::size_t line_length(const std::string& text, std::size_t line) {
  std::size_t start = 0;
  for (std::size_t l = 1; l < line; ++l) {
    start = text.find('\n', start);
    if (start == std::string::npos) return 0;
    ++start;
  }
  return text.substr(start, text.find('\n', start) - start).size();
}

TEST(Robustness, MutatedTracesParseOrThrowTraceError) {
  TraceGenerator generator(20260101);
  Mutator mutator(generator);
  std::size_t parsed = 0;
  std::size_t rejected = 0;
  for (int i = 0; i < 4000; ++i) {
    const Trace original = generator.trace();
    const std::string text = mutator.mutate(print_trace(original, generator.comments(original.steps.size())));
    try {
      const Trace trace = parse_trace(text);
      ++parsed;
      ASSERT_TRUE(round_trips(trace)) << text;
    } catch (const TraceError& error) {
      ++rejected;
      const std::string what = error.what();
      ASSERT_GE(error.line(), 1u) << what;
      ASSERT_GE(error.column(), 1u) << what;
      ASSERT_LE(error.column(), line_length(text, error.line()) + 1) << what << "\n" << text;
      ASSERT_FALSE(error.message().empty());
      ASSERT_EQ(what.find('\n'), std::string::npos) << what;
      ASSERT_NE(error.message().find("expected"), std::string::npos) << what;
    } catch (const std::exception& other) {
      FAIL() << "not a TraceError: " << other.what() << "\n" << text;
    }
  }
  // Both outcomes must have been exercised for the test to mean anything.
  EXPECT_GT(parsed, 200u);
  EXPECT_GT(rejected, 200u);
}

}  // namespace
}  // namespace iovacheck
