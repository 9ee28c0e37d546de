// Our fixes of the real kernel's own findings (kernel/fixes/: f10): `--impl kernel[:T]+fN`, the
// library built from the unmodified file with the one statement replaced, and the one rule for
// "known" on a kernel (harness/known.h): a violation of kernel:X is known as F10 when
// kernel:X+f10 observes the same before it and holds at it, and as impl/'s FN only where impl/
// running the same variant stands in for the kernel. Skipped, saying why, when kernel/ built no
// kernel+f10.
#include <gtest/gtest.h>

#include <string>

#include "harness/differential.h"
#include "harness/implementation.h"
#include "harness/kernel_implementation.h"
#include "harness/known.h"
#include "model/trace_io.h"
#include "props/commands.h"
#include "props/property.h"

namespace iovacheck {
namespace {

const ImplementationChoice kKernel612{true, "6.12", {}};
const ImplementationChoice kKernel612F10{true, "6.12", {10}};
const ImplementationChoice kKernel61{true, "6.1", {}};

#define REQUIRE_KERNEL(tree, fixes)                                                                       \
  do {                                                                                                    \
    const KernelPlan plan = plan_kernel(tree, parse_trace("iova-trace 1\ndomain granule=0x1000 start=0x1\n"), fixes); \
    if (!plan.build) GTEST_SKIP() << "kernel " << (tree) << (fixes) << " not built: " << plan.refusal;   \
  } while (0)

ExactFactory side(const ImplementationChoice& choice, const std::string& variant) {
  return [choice, variant](const Trace& trace) { return make_exact_implementation(trace, variant, choice); };
}

// F10 (corpus/kernel/huge-aligned-size.trace): a size-aligned request above 2^63 pages.
Trace huge_aligned(const std::string& start) {
  return parse_trace("iova-trace 1\ndomain granule=0x1000 start=" + start +
                     " variant=mainline\nalloc 0x8000000000000001 limit=0xfffffffffffffffe\n");
}

TEST(KernelFixes, AreParsedAfterTheKernelAndNamedInReports) {
  REQUIRE_KERNEL("6.12", "+f10");
  const ImplementationChoice fixed = parse_implementation("kernel+f10");
  EXPECT_TRUE(fixed.kernel);
  EXPECT_EQ(fixed.tree, "6.12");
  EXPECT_EQ(fixed.fixes, std::vector<unsigned>{10});
  EXPECT_EQ(fixed.text(), "kernel:6.12+f10");
  EXPECT_EQ(parse_implementation("kernel:6.12+f10").text(), "kernel:6.12+f10");
  const std::string name = implementation_name(fixed);
  EXPECT_TRUE(name.starts_with("kernel:6.12.") && name.ends_with("+f10")) << name;
  // A magazine copy carries the fix too.
  const Trace small_magazine = parse_trace("iova-trace 1\ndomain granule=0x1000 start=0x1 mag=2\n");
  EXPECT_TRUE(make_exact_implementation(small_magazine, "mainline", fixed)->name().ends_with("+f10+mag=2"));
  EXPECT_EQ(with_kernel_fixes(kKernel612).fixes, std::vector<unsigned>{10});
  EXPECT_TRUE(without_kernel_fixes(fixed).fixes.empty());
  EXPECT_TRUE(kernel_fixes_not_applied(fixed).empty());
  EXPECT_TRUE(kernel_fixes_not_applied(ImplementationChoice{}).empty());
}

TEST(KernelFixes, FixesTheKernelCannotTakeAreErrorsThatSayWhy) {
  auto problem = [](const std::string& text) {
    try {
      parse_implementation(text);
    } catch (const std::invalid_argument& error) {
      return std::string(error.what());
    }
    return std::string();
  };
  EXPECT_NE(problem("kernel+f1").find("cannot take f1: it is a delta of impl/"), std::string::npos) << problem("kernel+f1");
  EXPECT_NE(problem("kernel:6.1+f5").find("cannot take f5"), std::string::npos);
  EXPECT_NE(problem("kernel+f8").find("no fix f8"), std::string::npos);
  EXPECT_NE(problem("kernel+f10+f10").find("f10 is named twice"), std::string::npos);
  EXPECT_NE(problem("impl+f10").find("impl/ takes its fixes in the variant"), std::string::npos);
  EXPECT_NE(problem("kernel:/no/such/tree+f10").find("no kernel tree /no/such/tree was configured"), std::string::npos);
}

// The fix's only effect: the huge aligned request placed at pfn 0 (the spec's alignment 2^64),
// or refused when start_pfn 1 leaves no aligned place; the unmodified kernel places it unaligned.
TEST(KernelFixes, F10PlacesTheHugeAlignedRequestAsTheSpecSays) {
  REQUIRE_KERNEL("6.12", "+f10");
  for (const std::string start : {"0x0", "0x1"}) {
    const Trace trace = huge_aligned(start);
    const CheckReport unfixed = check_on(trace, "mainline", kKernel612);
    ASSERT_TRUE(unfixed.violation) << start;
    EXPECT_EQ(unfixed.violation->property, Property::Soundness);
    EXPECT_FALSE(check_on(trace, "mainline", kKernel612F10).violation) << start;
    // impl/ and kernel+f10 agree step for step, state included.
    const DifferentialRun same = run_differential(trace, side({}, "mainline"), side(kKernel612F10, "mainline"));
    EXPECT_FALSE(same.difference) << same.difference->what;
    const DifferentialRun fix = run_differential(trace, side(kKernel612, "mainline"), side(kKernel612F10, "mainline"));
    ASSERT_TRUE(fix.difference) << start;
    EXPECT_EQ(fix.difference->step, 0u);
  }
}

TEST(KernelFixes, KernelAndKernelF10AgreeOnGeneratedTraces) {
  REQUIRE_KERNEL("6.12", "+f10");
  std::size_t steps = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    Trace trace = props::sample_case(seed, 1 + static_cast<int>(seed % 100));
    trace.variant = "mainline";
    const DifferentialRun run = run_differential(trace, side(kKernel612, "mainline"), side(kKernel612F10, "mainline"));
    ASSERT_FALSE(run.refused) << *run.refused;
    ASSERT_FALSE(run.difference) << "seed " << seed << ": " << run.difference->what;
    steps += run.steps;
  }
  EXPECT_GT(steps, 2000u);
}

TEST(KnownOnAKernel, F10IsKnownByTheKernelWithItsFix) {
  REQUIRE_KERNEL("6.12", "+f10");
  const Trace trace = huge_aligned("0x0");
  EXPECT_EQ(known_as(trace, 0, "mainline", kKernel612), std::optional<unsigned>(10));
  EXPECT_EQ(known_identity(trace, 0, kKernel612), std::optional<std::string>("F10"));
  EXPECT_TRUE(may_be_known("mainline", kKernel612));
  EXPECT_TRUE(fixed_name("mainline", kKernel612, 10).starts_with("mainline on kernel:6.12."));
  // impl/ does not violate there, so none of its fixes can claim it.
  EXPECT_EQ(known_as(trace, 0, "mainline"), std::nullopt);
  // With f10 applied the kernel holds: nothing to know.
  EXPECT_EQ(known_as(trace, 0, "mainline", kKernel612F10), std::nullopt);
}

// 6.1 implements z9: a violation impl/'s z9 does not share is not z9's delta, even though
// impl/'s mainline holds at it (the kernel alone violates there).
TEST(KnownOnAKernel, ImplStandsInOnlyWhereItViolatesToo) {
  REQUIRE_KERNEL("6.1", "+f10");
  Trace trace = huge_aligned("0x0");
  trace.variant = "z9-capped-depot";
  EXPECT_FALSE(known_as_delta(trace, 0, {}, kKernel61));
  EXPECT_EQ(known_identity(trace, 0, kKernel61), std::optional<std::string>("F10"));
}

// F2 is impl/'s fix: the kernel cannot take it, and impl/ running mainline stands in (it makes
// the same observations and violates there too), on kernel+f10 as on the unmodified kernel.
TEST(KnownOnAKernel, ImplFixesKnowWhatImplSharesWithTheKernel) {
  REQUIRE_KERNEL("6.12", "+f10");
  const Trace trace = parse_trace(
      "iova-trace 1\ndomain granule=0x1000 start=0x1 variant=mainline\nfast 0x1 limit=0xffffffffffffffff\n");
  EXPECT_EQ(known_as(trace, 0, "mainline", kKernel612), std::optional<unsigned>(2));
  EXPECT_EQ(known_as(trace, 0, "mainline", kKernel612F10), std::optional<unsigned>(2));
  EXPECT_EQ(fixed_name("mainline", kKernel612F10, 2), "mainline+f2 on impl/");
}

// check on a kernel searches the kernel with its own fixes and counts what the unmodified
// kernel meets.
TEST(KnownOnAKernel, ThePropertySearchesTheKernelWithItsFixes) {
  REQUIRE_KERNEL("6.12", "+f10");
  props::PropertyOptions options;
  options.implementation = kKernel612;
  options.real_magazine_size = true;
  options.tests = 5;
  options.seed = 1;
  const props::PropertyResult result = props::run_property(options);
  EXPECT_EQ(result.variant, "mainline");
  EXPECT_EQ(result.implementation.text(), "kernel:6.12+f10");
  EXPECT_EQ(result.unfixed, "mainline");
  EXPECT_EQ(result.unfixed_implementation.text(), "kernel:6.12");
  options.known = false;
  EXPECT_EQ(props::run_property(options).implementation.text(), "kernel:6.12");
}

}  // namespace
}  // namespace iovacheck
