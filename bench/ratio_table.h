#pragma once
// The console reporter, plus what the ratio table needs: per scenario, each subject's CPU time
// per allocator operation and its ratio against mainline, printed after the run.
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/suite.h"

namespace iovacheck::bench {

class RatioReporter final : public benchmark::ConsoleReporter {
 public:
  RatioReporter() : benchmark::ConsoleReporter(OO_Tabular) {}

  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;

  // The environment, then one block per scenario that ran, then the checker's summary.
  void print_table(std::ostream& out) const;
  // The implementation alone next to the implementation with the checker, per live-range count
  // side by side (issue 8's targets): pair and steady workloads, fast and paranoid.
  void print_checker_summary(std::ostream& out) const;

 private:
  struct Result {
    std::vector<double> repetitions;  // CPU seconds per iteration, one per repetition
    std::optional<double> median;     // Google Benchmark's, when only aggregates are reported
    std::string error;
    std::optional<double> fail_rate;
    struct Paired {
      double median, q1, q3, median_low, median_high;  // us per allocator operation (bench/paired.h)
    };
    std::vector<Paired> paired;  // one per repetition, from a paired case's counters
    // The fastest repetition: every workload is deterministic, so another process's burst (the
    // machine is shared) can only add time. Nullopt when the case did not run.
    std::optional<double> cpu_seconds_per_iteration() const;
  };
  using ScenarioResults = std::map<std::string, Result>;  // by subject

  void print_environment(std::ostream& out) const;
  void print_scenario(std::ostream& out, const RegisteredScenario& registered, const ScenarioResults& results) const;
  // CPU microseconds per operation of a subject in a scenario, if it ran.
  std::optional<double> per_op_us(const std::string& scenario, const std::string& subject) const;
  // The paired overhead at a live-range count: the repetition with the median median, if it ran.
  std::optional<Result::Paired> paired_overhead(const std::string& live) const;

  int cpus_ = 0;
  double mhz_ = 0;
  std::vector<double> load_at_start_;
  std::map<std::string, ScenarioResults> scenarios_;
};

}  // namespace iovacheck::bench
