// PairedBatches: the overhead is the median of per-batch differences, per operation, with its
// quartiles; a burst that slows one batch pair moves neither.
#include "bench/paired.h"

#include <gtest/gtest.h>

namespace iovacheck::bench {
namespace {

TEST(PairedBatches, TheOverheadIsTheMedianDifferencePerOperation) {
  PairedBatches batches(10);  // 10 operations a batch
  // Differences of 10, 20, 30, 40, 50 us a batch: 1..5 us an operation.
  for (int i = 1; i <= 5; ++i) batches.add(100e-6, (100 + 10 * i) * 1e-6);
  const PairedOverhead overhead = batches.summary();
  EXPECT_EQ(overhead.batches, 5u);
  EXPECT_NEAR(overhead.median, 3.0, 1e-9);
  EXPECT_NEAR(overhead.q1, 2.0, 1e-9);
  EXPECT_NEAR(overhead.q3, 4.0, 1e-9);
  EXPECT_NEAR(overhead.alone, 10.0, 1e-9);
  EXPECT_NEAR(overhead.checked, 13.0, 1e-9);
}

TEST(PairedBatches, TheMediansIntervalNarrowsWithMoreBatches) {
  auto interval_width = [](int pairs) {
    PairedBatches batches(1);
    for (int i = 0; i < pairs; ++i) batches.add(0, (i % 100) * 1e-6);  // differences 0..99 us, evenly
    const PairedOverhead overhead = batches.summary();
    EXPECT_LE(overhead.median_low, overhead.median);
    EXPECT_GE(overhead.median_high, overhead.median);
    return overhead.median_high - overhead.median_low;
  };
  EXPECT_NEAR(interval_width(100), 20.0, 2.0);  // about +-1 sqrt(100) ranks of 1 us each side
  EXPECT_LT(interval_width(10000), 3.0);
}

TEST(PairedBatches, ABurstOnOneSideOfOnePairDoesNotMoveTheMedian) {
  PairedBatches batches(1);
  for (int i = 0; i < 8; ++i) batches.add(30e-6, 35e-6);
  batches.add(90e-6, 35e-6);  // the other core's burst during one "alone" batch
  batches.add(30e-6, 95e-6);  // and during one checked batch
  EXPECT_NEAR(batches.summary().median, 5.0, 1e-9);
}

TEST(PairedBatches, AlternatesWhichSideRunsFirst) {
  PairedBatches batches(1);
  EXPECT_TRUE(batches.alone_first());
  batches.add(1, 2);
  EXPECT_FALSE(batches.alone_first());
}

TEST(PairedBatches, NoBatchNoFigure) { EXPECT_EQ(PairedBatches(4).summary().batches, 0u); }

}  // namespace
}  // namespace iovacheck::bench
