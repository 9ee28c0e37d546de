#pragma once
// The suite's registry: every benchmark is "<scenario>/<subject>", and the ratio table compares
// the subjects of one scenario against the one named "mainline".
#include <functional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

namespace iovacheck::bench {

inline constexpr const char* kBaseline = "mainline";

struct Scenario {
  std::string name;              // e.g. "steady/live:10000"
  unsigned ops_per_iteration;    // allocator operations in one benchmark iteration
};

// Registers "<scenario>/<subject>" (microseconds) and remembers the scenario for the table.
void add_case(const Scenario& scenario, const std::string& subject, std::function<void(benchmark::State&)> body);
// Every scenario registered, in registration order.
const std::vector<Scenario>& scenarios();

void register_pair_cost_benchmarks();  // pair_cost.cpp
void register_variant_benchmarks();    // variants.cpp

}  // namespace iovacheck::bench
