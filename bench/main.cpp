// iovacheck_bench: Google Benchmark's flags (--benchmark_filter, --benchmark_min_time, ...),
// then the ratio table (docs/benchmarks.md).
#include <iostream>

#include "bench/ratio_table.h"
#include "bench/suite.h"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  iovacheck::bench::register_pair_cost_benchmarks();
  iovacheck::bench::register_variant_benchmarks();
  iovacheck::bench::register_kernel_benchmarks();
  iovacheck::bench::register_scale_benchmarks();
  iovacheck::bench::register_failing32_benchmarks();

  iovacheck::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_table(std::cout);
  iovacheck::bench::print_memory_table(std::cout);
  benchmark::Shutdown();
  return 0;
}
