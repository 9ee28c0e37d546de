// iovacheck_trace_parse FILE...: what reading a trace costs on its own, so the reader of
// docs/benchmarks.md ("Long traces") sees the parse's share of a replay. It streams each trace
// as `iovacheck replay` does (TraceStream: blocks read, lines cut and lexed, statements parsed,
// names defined and checked) and touches each step so none is optimised away; it applies and
// judges nothing. Prints steps, user CPU, steps and megabytes a second. A benchmark with printed
// figures, not a test and not a verb.
#include <cstdio>
#include <iostream>
#include <variant>

#include "bench/trace_benchmark.h"
#include "model/trace_io.h"

namespace iovacheck::bench {
namespace {

int parse_only(std::istream& in, const char* path) {
  const double started = user_cpu_seconds();
  TraceStream stream(in);
  std::size_t steps = 0;
  std::size_t kinds = 0;  // a sum over the steps' op kinds and lines: the steps are read, not only counted
  while (const Step* step = stream.next()) {
    kinds += step->op.index() + step->line;
    ++steps;
  }
  const double seconds = user_cpu_seconds() - started;
  const double megabytes = static_cast<double>(stream.bytes_read()) / 1e6;
  std::printf("%s: %zu steps (checksum %zx), parse alone: %.2f s user CPU, %.0f steps/s, %.1f MB/s\n", path, steps,
              kinds, seconds, static_cast<double>(steps) / seconds, megabytes / seconds);
  return 0;
}

}  // namespace
}  // namespace iovacheck::bench

int main(int argc, char** argv) {
  return iovacheck::bench::run_on_each_trace(argc, argv, "iovacheck_trace_parse", iovacheck::bench::parse_only);
}
