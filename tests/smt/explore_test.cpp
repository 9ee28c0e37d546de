// The explorer finds a shortest violation through the checker and nothing where nothing is.
#include "smt/explore.h"

#include <gtest/gtest.h>

namespace iovacheck::smt {
namespace {

TEST(Explore, FindsMainlinesShortestViolationAtDepthTwo) {
  ExploreOptions options;
  options.variant = "mainline";
  options.depth = 3;
  const ExploreResult result = explore(options);
  ASSERT_TRUE(result.counterexample);
  EXPECT_EQ(result.counterexample->trace.steps.size(), 2u);
  EXPECT_EQ(result.depths.size(), 2u);  // stops at the depth of the first violation
}

TEST(Explore, NoSingleOperationViolatesOnMainline) {
  ExploreOptions options;
  options.variant = "mainline";
  options.depth = 1;
  const ExploreResult result = explore(options);
  EXPECT_FALSE(result.counterexample);
  ASSERT_EQ(result.depths.size(), 1u);
  // 8 sizes x 8 limits x aligned or not, and the 36 ranges of [0, 7] to reserve.
  EXPECT_EQ(result.depths[0].sequences, 8u * 8u * 2u + 36u);
}

TEST(Explore, RestrictionsShrinkTheAlphabet) {
  ExploreOptions options;
  options.variant = "mainline";
  options.depth = 1;
  options.alphabet.limits = {3};
  options.alphabet.aligned_only = true;
  options.alphabet.reserve = false;
  EXPECT_EQ(explore(options).depths[0].sequences, 8u);
}

TEST(Explore, DistinguishingNeedsTheReferenceToHold) {
  ExploreOptions options;
  options.variant = "z1-max32-reset";
  options.reference = "mainline";
  options.depth = 3;
  options.alphabet.geometry.dma32_pfn = 2;
  options.alphabet.width = 2;
  EXPECT_FALSE(explore(options).counterexample);  // z1 differs from mainline only from 4 operations on
  options.depth = 4;
  const ExploreResult result = explore(options);
  ASSERT_TRUE(result.counterexample);
  EXPECT_EQ(result.counterexample->trace.steps.size(), 4u);
}

}  // namespace
}  // namespace iovacheck::smt
