#pragma once
// The checker's overhead measured so that it holds on a loaded machine. Two ~30-us figures
// measured apart (the implementation alone, then with the checker) move by more than their
// difference when another process takes the other core; so the two run the same operations
// from the same state in alternating short batches, each timed in this thread's CPU time, and
// the overhead is the median of the per-batch differences, with its quartiles. Load that lasts
// longer than a batch pair weighs on both sides of a difference alike.
#include <cstddef>
#include <vector>

namespace iovacheck::bench {

// This thread's CPU time, in seconds.
double thread_cpu_seconds();

// Microseconds per allocator operation.
struct PairedOverhead {
  double median = 0;  // of the per-batch differences (checked - alone)
  double q1 = 0;      // their quartiles: the spread
  double q3 = 0;
  // A 95% interval for the median itself (distribution-free, from the order statistics): how
  // well the batches pin the figure down.
  double median_low = 0;
  double median_high = 0;
  double alone = 0;    // the median batch of the implementation alone
  double checked = 0;  // the median batch with the checker
  std::size_t batches = 0;
};

class PairedBatches {
 public:
  explicit PairedBatches(unsigned ops_per_batch) : ops_per_batch_(ops_per_batch) {}

  // One batch pair's CPU seconds: the implementation alone, then with the checker, over the
  // same operations.
  void add(double alone_seconds, double checked_seconds);
  // Which side a batch pair should run first: alternating, so neither always runs in the cache
  // state the other left.
  bool alone_first() const { return alone_.size() % 2 == 0; }
  // Nullopt-like zeroes when no batch ran.
  PairedOverhead summary() const;

 private:
  unsigned ops_per_batch_;
  std::vector<double> alone_;
  std::vector<double> checked_;
};

}  // namespace iovacheck::bench
