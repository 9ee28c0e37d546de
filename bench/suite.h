#pragma once
// The suite's registry: every benchmark is "<scenario>/<subject>", and the ratio table compares
// the subjects of one scenario against the one named "mainline".
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

namespace iovacheck::bench {

inline constexpr const char* kBaseline = "mainline";
// The user counter a churning case reports and the table prints: failed / attempted allocations.
inline constexpr const char* kFailRateCounter = "fail_rate";
// The paired overhead case (scale.cpp, bench/paired.h): "<kPairedScenario><live>/checker-overhead",
// reporting the median and quartiles of its batch differences, us per allocator operation.
inline constexpr const char* kPairedScenario = "steady-paired/live:";
inline constexpr const char* kPairedMedianCounter = "overhead_us";
inline constexpr const char* kPairedQ1Counter = "overhead_q1_us";
inline constexpr const char* kPairedQ3Counter = "overhead_q3_us";
inline constexpr const char* kPairedLowCounter = "median_95_low_us";  // the median's 95% interval
inline constexpr const char* kPairedHighCounter = "median_95_high_us";

struct Scenario {
  std::string name;            // e.g. "steady/live:10000"
  unsigned ops_per_iteration;  // allocator operations in one benchmark iteration
  // Fixed, so every subject runs the same operations from the same tree; 0: Google Benchmark
  // chooses (--benchmark_min_time).
  benchmark::IterationCount iterations = 0;
};

struct RegisteredScenario {
  Scenario scenario;
  std::vector<std::string> subjects;  // in registration order
};

// Registers "<scenario>/<subject>" (microseconds) and remembers it for the table.
void add_case(const Scenario& scenario, const std::string& subject, std::function<void(benchmark::State&)> body);
// Every scenario registered, in registration order.
const std::vector<RegisteredScenario>& scenarios();

void register_pair_cost_benchmarks();  // pair_cost.cpp
void register_variant_benchmarks();    // variants.cpp
void register_kernel_benchmarks();     // kernel.cpp
void register_scale_benchmarks();      // scale.cpp
// After the ratio table: heap bytes per live range of the model and of each tree (scale.cpp).
void print_memory_table(std::ostream& out);
void register_failing32_benchmarks();  // failing32.cpp

}  // namespace iovacheck::bench
