// The fixes f1..f9 and the one rule for "known": each finding's pinned traces are known as
// their finding by its fix (the fix removes the violation and changes nothing before it), and a
// fix changes nothing in any corpus trace its variant runs without a violation.
#include "harness/known.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <variant>
#include <vector>

#include "harness/implementation.h"
#include "model/trace_io.h"

namespace iovacheck {
namespace {

namespace fs = std::filesystem;

fs::path corpus() {
  const char* source = std::getenv("IOVACHECK_SOURCE_DIR");
  return fs::path(source ? source : ".") / "corpus";
}

Trace read(const fs::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return parse_trace(text.str());
}

CheckReport properties_on(const Trace& trace, const std::string& variant) {
  return check_on(trace, variant, CheckOptions{.check_expectations = false});
}

struct Pinned {
  const char* file;
  unsigned fix;
};

void PrintTo(const Pinned& pinned, std::ostream* out) { *out << pinned.file << " f" << pinned.fix; }

// Every pinned finding, with the first fix that knows it.
constexpr Pinned kPinned[] = {
    {"mainline-reserve-into-cached", 3},  {"mainline-reserve-into-allocated", 3}, {"p1-reserve-into-cached", 3},
    {"p2-reserve-into-cached", 3},        {"p3-reserve-into-cached", 3},          {"mainline-reserve-into-anchor", 9},
    {"mainline-max32-lower-limit", 1},    {"mainline-max32-lower-limit-fast", 1}, {"mainline-max32-two-masks", 1},
    {"mainline-limit-wrap-fast", 2},      {"mainline-initial-max32-start0", 4},   {"mainline-rcache-bound-underflow", 5},
    {"p1-rcache-bound-underflow", 5},     {"p2-max32-set-only-low", 1},           {"p3-max32-set-only-low", 1},
    {"p3-alignment-slack", 7},            {"p3-alignment-slack-fast", 7},         {"p3-alignment-slack-large", 7},
};

class FixOfAFinding : public testing::TestWithParam<Pinned> {};

TEST_P(FixOfAFinding, RemovesItsPinnedViolationAndIsTheFirstFixItIsKnownBy) {
  const Trace trace = read(corpus() / "findings" / (std::string(GetParam().file) + ".trace"));
  const CheckReport on_variant = properties_on(trace, trace.variant);
  ASSERT_TRUE(on_variant.violation);
  const std::size_t step = on_variant.violation->step;
  EXPECT_EQ(known_as(trace, step), GetParam().fix);
  const std::string fixed = with_fix(trace.variant, GetParam().fix);
  const CheckReport on_fixed = properties_on(trace, fixed);
  EXPECT_FALSE(on_fixed.violation) << fixed << ": " << violation_comment(*on_fixed.violation);
}

INSTANTIATE_TEST_SUITE_P(Findings, FixOfAFinding, testing::ValuesIn(kPinned),
                         [](const testing::TestParamInfo<Pinned>& param_info) {
                           std::string name = param_info.param.file;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

// is_known tries the fixes in the order they last removed violations: whatever that order, it
// answers what known_as answers (each finding twice over, forwards then backwards, so that the
// order changes between the calls). The z-variants' traces add violations that some fix knows
// and violations that none does, so that both answers are asked for.
TEST(Known, IsKnownAgreesWithKnownAsWhateverOrderTheFixesAreTriedIn) {
  std::vector<Trace> traces;
  for (const Pinned& pinned : kPinned) traces.push_back(read(corpus() / "findings" / (std::string(pinned.file) + ".trace")));
  for (const char* file : {"z1-max32-reset/flush-below-cached32", "z3-no-retry/no-retry-pass", "z7-fast-no-roundup/unrounded-size"})
    traces.push_back(read(corpus() / "variants" / (std::string(file) + ".trace")));
  std::vector<const Trace*> order;
  for (const Trace& trace : traces) order.push_back(&trace);
  // Reverse iterators: std::views::reverse does not compile with clang 14 and libstdc++ 12.
  for (auto trace = traces.rbegin(); trace != traces.rend(); ++trace) order.push_back(&*trace);
  std::size_t known = 0;
  for (const Trace* trace : order) {
    const CheckReport report = properties_on(*trace, trace->variant);
    ASSERT_TRUE(report.violation) << trace->variant;
    const bool expected = known_as(*trace, report.violation->step).has_value();
    EXPECT_EQ(is_known(*trace, report.violation->step), expected) << trace->variant << " at step " << report.violation->step;
    known += expected ? 1 : 0;
  }
  EXPECT_GT(known, 2 * std::size(kPinned));
  EXPECT_LT(known, order.size());
}

TEST(Known, F6IsAlsoRemovedByF6Alone) {
  for (const char* file : {"p2-max32-set-only-low", "p3-max32-set-only-low"}) {
    const Trace trace = read(corpus() / "findings" / (std::string(file) + ".trace"));
    EXPECT_FALSE(properties_on(trace, with_fix(trace.variant, 6)).violation) << file;
  }
}

// F3 and F9 are told apart: f3 leaves the anchor to f9, and f9 touches nothing but the anchor.
TEST(Known, F3AndF9AreNotKnownByEachOthersFix) {
  for (const char* file : {"mainline-reserve-into-cached", "mainline-reserve-into-allocated"}) {
    const Trace trace = read(corpus() / "findings" / (std::string(file) + ".trace"));
    EXPECT_TRUE(properties_on(trace, with_fix(trace.variant, 9)).violation) << file;
  }
  const Trace anchor = read(corpus() / "findings" / "mainline-reserve-into-anchor.trace");
  EXPECT_TRUE(properties_on(anchor, with_fix(anchor.variant, 3)).violation);
}

TEST(Known, AVariantWithEveryFixKnowsNothing) {
  const Trace trace = read(corpus() / "findings" / "mainline-max32-lower-limit.trace");
  const CheckReport report = properties_on(trace, "mainline");
  ASSERT_TRUE(report.violation);
  EXPECT_EQ(known_as(trace, report.violation->step, with_known_fixes("mainline")), std::nullopt);
  EXPECT_EQ(known_label(1), "F1");
}

// f1a, a candidate fix of F1 to which f1 cannot apply, still refuses what mainline's F1 refuses
// (an aligned failure claims no unaligned run is free): mainline makes the same observations and
// violates there too, and mainline+f1 does not, so the violation is F1, inherited.
TEST(Known, AViolationSharedWithMainlineHasMainlinesIdentity) {
  const Trace trace = read(corpus() / "findings" / "f1a-whole-space-aligned-failure.trace");
  const CheckReport report = properties_on(trace, "f1a-whole-space");
  ASSERT_TRUE(report.violation);
  EXPECT_EQ(known_as(trace, report.violation->step), std::nullopt);  // f1 does not apply to f1a
  EXPECT_FALSE(known_as_delta(trace, report.violation->step));       // mainline violates as well
  EXPECT_EQ(known_as_inherited(trace, report.violation->step), 1u);
  EXPECT_EQ(known_identity(trace, report.violation->step), "F1");
}

// The rule compares observations before the violation: a fix that changes an earlier result
// does not make a violation known. p3+f7 places where p3 fails, so on a trace where p3 fails
// (without violating) and later violates for another reason, f7 would change the earlier step.
TEST(Known, AFixThatChangesAnEarlierObservationDoesNotKnowTheViolation) {
  const Trace trace = parse_trace(R"(iova-trace 1
domain granule=0x1000 start=0x0 dma32=0x2 variant=p3-maple
a1: alloc 0x1 limit=0x1
a2: alloc 0x7ffff limit=0xffffe
fast 0x1 limit=0xffffffffffffffff
)");
  const CheckReport report = properties_on(trace, "p3-maple");
  ASSERT_TRUE(report.violation);
  ASSERT_EQ(report.violation->step, 1u);  // F7 first
  EXPECT_EQ(known_as(trace, 1), 7u);
  Trace later = trace;
  later.steps.erase(later.steps.begin() + 1);  // without a2 the violation is F2's, at step 1
  const CheckReport f2 = properties_on(later, "p3-maple");
  ASSERT_TRUE(f2.violation);
  EXPECT_EQ(known_as(later, f2.violation->step), 2u);
}

// A corpus trace its variant runs without violating runs the same on the variant with any fix:
// same caller errors, results and nodes at every step. (Traces whose variant violates are the
// findings and pins above, where the fix changes the violating step.)
TEST(Known, FixesChangeNothingOnTheCorpusTheirVariantPasses) {
  std::size_t compared = 0;
  for (const auto& entry : fs::recursive_directory_iterator(corpus())) {
    if (entry.path().extension() != ".trace") continue;
    const Trace trace = read(entry.path());
    const CheckReport plain = properties_on(trace, trace.variant);
    if (plain.violation) continue;
    for (const unsigned fix : fixes_not_applied(trace.variant)) {
      const std::string fixed = with_fix(trace.variant, fix);
      const CheckReport with = properties_on(trace, fixed);
      EXPECT_FALSE(with.violation) << entry.path() << " on " << fixed;
      ASSERT_EQ(with.steps.size(), plain.steps.size()) << entry.path() << " on " << fixed;
      for (std::size_t i = 0; i < plain.steps.size(); ++i) {
        // f3 and f9 change what a reserve does where it would extend a node: from the first
        // reserve on the trees may differ (docs/findings.md), and only "no violation" holds.
        if ((fix == 3 || fix == 9) && std::holds_alternative<Reserve>(trace.steps[i].op)) break;
        const Outcome& a = plain.steps[i].outcome;
        const Outcome& b = with.steps[i].outcome;
        EXPECT_TRUE(a.status == b.status && a.pfn == b.pfn && a.node == b.node)
            << entry.path() << " step " << i << " differs on " << fixed;
      }
      ++compared;
    }
  }
  EXPECT_GT(compared, 50u);
}

TEST(VariantNames, ShortNamesFixesAndCanonicalSpelling) {
  EXPECT_EQ(canonical_variant("p3+f7+f1"), "p3-maple+f1+f7");
  EXPECT_EQ(canonical_variant("z1"), "z1-max32-reset");
  EXPECT_EQ(canonical_variant("mainline+f5+f2"), "mainline+f2+f5");
  EXPECT_EQ(with_known_fixes("mainline"), "mainline+f1+f2+f3+f4+f5+f9");
  EXPECT_EQ(with_known_fixes("p1"), "p1-best-fit+f2+f3+f5+f9");
  EXPECT_EQ(with_known_fixes("p2-augmented"), "p2-augmented+f1+f2+f3+f4+f5+f6+f9");
  EXPECT_EQ(with_known_fixes("p3"), "p3-maple+f1+f2+f3+f4+f5+f6+f7+f9");
  EXPECT_EQ(with_known_fixes("z6"), "z6-rcache-bound+f1+f2+f3+f4+f9");
  EXPECT_EQ(without_fixes("p3-maple+f7"), "p3-maple");
  EXPECT_EQ(mainline_with_fixes_of("p3+f1+f7"), "mainline+f1");
  EXPECT_EQ(fixes_not_applied("mainline+f1"), (std::vector<unsigned>{2, 3, 4, 5, 9}));
  EXPECT_EQ(canonical_variant("mainline+f9+f3"), "mainline+f3+f9");
}

// The one decision every engine takes (check, the campaign, verify): past the known findings by
// default, never in the exact differential; impl/'s fixes go into the variant, never on a kernel
// (its own are in its ImplementationChoice: with_kernel_fixes).
TEST(SearchPastKnown, ByDefaultNeverAgainstAnotherImplementation) {
  ImplementationChoice kernel;
  kernel.kernel = true;
  EXPECT_TRUE(searches_past_known(true));
  EXPECT_FALSE(searches_past_known(false));
  EXPECT_FALSE(searches_past_known(true, kernel));
  EXPECT_EQ(searched_variant("mainline", true), "mainline+f1+f2+f3+f4+f5+f9");
  EXPECT_EQ(searched_variant("mainline", true, kernel), "mainline");
  EXPECT_EQ(searched_variant("z1", false), "z1-max32-reset");
  EXPECT_EQ(searched_variant("p3+f7", false), "p3-maple+f7");
}

TEST(VariantNames, ImpossibleCombinationsAndUnknownFixesAreNamed) {
  EXPECT_NE(variant_problem("p1+f1").find("impossible combination 'p1+f1': f1 does not apply"), std::string::npos);
  EXPECT_NE(variant_problem("mainline+f6").find("f6 is for p2 and p3"), std::string::npos);
  EXPECT_NE(variant_problem("p2+f7").find("f7 is for p3"), std::string::npos);
  EXPECT_NE(variant_problem("z6+f5").find("cannot wrap"), std::string::npos);
  EXPECT_NE(variant_problem("mainline+f1+f1").find("named twice"), std::string::npos);
  EXPECT_NE(variant_problem("mainline+f8").find("unknown fix 'f8'"), std::string::npos);
  EXPECT_NE(variant_problem("mainline+f10").find("unknown fix 'f10'"), std::string::npos);
  EXPECT_EQ(variant_problem("mainline+f3+f9"), "");
  EXPECT_NE(variant_problem("mainline+").find("unknown fix ''"), std::string::npos);
  EXPECT_NE(variant_problem("z99").find("unknown variant 'z99'"), std::string::npos);
  EXPECT_THROW(make_implementation(Trace{}, "p1+f4"), std::invalid_argument);
}

}  // namespace
}  // namespace iovacheck
