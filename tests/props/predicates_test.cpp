// The minimizer's predicates for traces found on an implementation (harness/predicates.h),
// tested here beside their one user, the property engine.
#include "harness/predicates.h"

#include <gtest/gtest.h>

#include "harness/known.h"
#include "model/trace_io.h"

namespace iovacheck {
namespace {

// trace-format.md's example: completeness fails on z1-max32-reset only.
const Trace kSeedBug = parse_trace(R"(iova-trace 1
domain granule=0x1000 start=0x1 dma32=0x4
a: alloc 0x1 limit=0x3
b: alloc 0x1 limit=0x3
free a
alloc 0x2 limit=0x3
free b
alloc 0x2 limit=0x3
)");

// Limit 2^64-1 wraps L to 0, which the spec keeps (section 1): completeness fails on mainline
// and z1 alike.
const Trace kMainlineFinding = parse_trace(R"(iova-trace 1
domain granule=0x1000 start=0x1 dma32=0x2
alloc 0x1 limit=0xffffffffffffffff
)");

TEST(Predicates, DistinguishingMeansTheVariantViolatesAndMainlineDoesNot) {
  EXPECT_TRUE(distinguishes_from_mainline("z1-max32-reset")(kSeedBug));
  EXPECT_TRUE(distinguishes_from_mainline("z1-max32-reset", Property::Completeness)(kSeedBug));
  EXPECT_FALSE(distinguishes_from_mainline("z1-max32-reset", Property::Soundness)(kSeedBug));
  EXPECT_FALSE(distinguishes_from_mainline("z1-max32-reset")(kMainlineFinding));
  EXPECT_FALSE(distinguishes_from_mainline("z3-no-retry")(kSeedBug));
}

TEST(Predicates, SamePropertyLooksAtTheVariantOnly) {
  EXPECT_TRUE(violates_same_property("mainline", Property::Completeness)(kMainlineFinding));
  EXPECT_FALSE(violates_same_property("mainline", Property::Structure)(kMainlineFinding));
  EXPECT_FALSE(violates_same_property("mainline", Property::Completeness)(kSeedBug));
}

TEST(Predicates, ACounterexampleKeepsItsPropertyAndOnAVariantDistinguishes) {
  EXPECT_TRUE(counterexample_predicate("mainline", Property::Completeness, 2)(kMainlineFinding));
  EXPECT_FALSE(counterexample_predicate("z1-max32-reset", Property::Completeness, 2)(kMainlineFinding));
  const std::optional<unsigned> seed_bug = known_as(kSeedBug, 5, "z1-max32-reset");
  EXPECT_TRUE(counterexample_predicate("z1-max32-reset", Property::Completeness, seed_bug)(kSeedBug));
  // In this minimal form z1's stale estimate is an aligned 2-page failure's: f1 records 3 pages
  // for it (no free run of 2 + 1 is proven, not of 2), so z1+f1 places the request and the
  // seed bug is known as F1 on z1. The engine finds z1's bug with f1 applied all the same.
  EXPECT_EQ(seed_bug, 1u);
  EXPECT_FALSE(counterexample_predicate("z1-max32-reset", Property::Completeness)(kSeedBug));
  EXPECT_FALSE(counterexample_predicate("z1-max32-reset+f1", Property::Completeness)(kSeedBug)) << "no violation";
}

// The minimizer keeps a finding's identity under the rule for "known": a violation known as F2
// does not satisfy the predicate of a new one, nor of one known as F1, and the reverse.
TEST(Predicates, ACounterexampleKeepsItsIdentityUnderTheRuleForKnown) {
  ASSERT_EQ(known_as(kMainlineFinding, 0, "mainline"), 2u);
  EXPECT_FALSE(counterexample_predicate("mainline", Property::Completeness)(kMainlineFinding));
  EXPECT_FALSE(counterexample_predicate("mainline", Property::Completeness, 1)(kMainlineFinding));
  EXPECT_TRUE(counterexample_predicate("mainline", Property::Completeness, 2)(kMainlineFinding));
  EXPECT_FALSE(counterexample_predicate("mainline+f2", Property::Completeness)(kMainlineFinding)) << "fixed";
}

// The fuzz harness judges the run it already has: is_counterexample on that run's violation
// says what counterexample_predicate says of the trace.
TEST(Predicates, ARunInHandIsJudgedAsThePredicateJudgesIt) {
  struct Case {
    const Trace& trace;
    std::string variant;
    Property property;
    std::optional<unsigned> known;
  };
  const std::optional<unsigned> seed_bug = known_as(kSeedBug, 5, "z1-max32-reset");
  const Case cases[] = {{kMainlineFinding, "mainline", Property::Completeness, 2},
                        {kMainlineFinding, "mainline", Property::Completeness, std::nullopt},
                        {kMainlineFinding, "z1-max32-reset", Property::Completeness, 2},
                        {kSeedBug, "z1-max32-reset", Property::Completeness, seed_bug},
                        {kSeedBug, "z1-max32-reset", Property::Completeness, std::nullopt},
                        {kSeedBug, "z1-max32-reset", Property::Soundness, seed_bug}};
  for (const Case& each : cases) {
    const CheckReport run = check_on(each.trace, each.variant, CheckOptions{.check_expectations = false});
    ASSERT_TRUE(run.violation) << each.variant;
    EXPECT_EQ(is_counterexample(each.trace, *run.violation, each.variant, each.property, each.known),
              counterexample_predicate(each.variant, each.property, each.known)(each.trace))
        << each.variant << " " << property_name(each.property);
  }
  const CheckReport seed_run = check_on(kSeedBug, "z1-max32-reset", CheckOptions{.check_expectations = false});
  EXPECT_TRUE(is_counterexample(kSeedBug, *seed_run.violation, "z1-max32-reset", Property::Completeness, seed_bug));
}

TEST(Predicates, ExpectationsDoNotCount) {
  Trace pinned = kSeedBug;
  pinned.steps.front().expect = Expectation{Expectation::Kind::At, Range{0x2, 0x2}};  // wrong on purpose
  EXPECT_TRUE(distinguishes_from_mainline("z1-max32-reset")(pinned));
}

TEST(Predicates, AnUnknownVariantKeepsNothing) {
  EXPECT_FALSE(violates_same_property("nosuch", Property::Completeness)(kMainlineFinding));
}

}  // namespace
}  // namespace iovacheck
