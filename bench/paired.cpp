#include "bench/paired.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <utility>

namespace iovacheck::bench {
namespace {

// The value at quantile q of a sorted, non-empty sample (nearest rank).
double quantile(const std::vector<double>& sorted, double q) {
  const auto rank = static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[rank];
}

// The ranks bounding a 95% interval for the median of n samples: the number of samples below the
// median is Binomial(n, 1/2), about n/2 +- 1.96 sqrt(n)/2.
std::pair<std::size_t, std::size_t> median_interval_ranks(std::size_t n) {
  const double half_width = 0.98 * std::sqrt(static_cast<double>(n));
  const double centre = static_cast<double>(n - 1) / 2;
  const auto low = static_cast<std::size_t>(std::max(0.0, std::floor(centre - half_width)));
  const auto high = std::min(n - 1, static_cast<std::size_t>(std::ceil(centre + half_width)));
  return {low, high};
}

std::vector<double> sorted(std::vector<double> values) {
  std::ranges::sort(values);
  return values;
}

}  // namespace

double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

void PairedBatches::add(double alone_seconds, double checked_seconds) {
  alone_.push_back(alone_seconds);
  checked_.push_back(checked_seconds);
}

PairedOverhead PairedBatches::summary() const {
  PairedOverhead result;
  result.batches = alone_.size();
  if (alone_.empty()) return result;
  const double us_per_op = 1e6 / ops_per_batch_;
  std::vector<double> differences;
  for (std::size_t i = 0; i < alone_.size(); ++i) differences.push_back((checked_[i] - alone_[i]) * us_per_op);
  const std::vector<double> by_difference = sorted(differences);
  result.median = quantile(by_difference, 0.5);
  result.q1 = quantile(by_difference, 0.25);
  result.q3 = quantile(by_difference, 0.75);
  const auto [low, high] = median_interval_ranks(by_difference.size());
  result.median_low = by_difference[low];
  result.median_high = by_difference[high];
  result.alone = quantile(sorted(alone_), 0.5) * us_per_op;
  result.checked = quantile(sorted(checked_), 0.5) * us_per_op;
  return result;
}

}  // namespace iovacheck::bench
