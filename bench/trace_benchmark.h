#pragma once
// What the standalone trace benchmarks (replay_ceiling/, trace_parse/) share: the user CPU time
// they report (on a shared machine it moves far less with the load than wall time does) and
// their command line, one run per trace file named.
#include <algorithm>
#include <exception>
#include <fstream>
#include <iostream>

#include <sys/resource.h>

namespace iovacheck::bench {

inline double user_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec) + static_cast<double>(usage.ru_utime.tv_usec) / 1e6;
}

// `run` on each TRACE argument, opened; the worst exit code (2: a trace that cannot be read).
inline int run_on_each_trace(int argc, char** argv, const char* program, int (*run)(std::istream& in, const char* path)) {
  if (argc < 2) {
    std::cerr << "usage: " << program << " TRACE...\n";
    return 2;
  }
  int exit_code = 0;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::cerr << argv[i] << ": cannot open\n";
      exit_code = 2;
      continue;
    }
    try {
      exit_code = std::max(exit_code, run(in, argv[i]));
    } catch (const std::exception& error) {
      std::cerr << argv[i] << ": " << error.what() << "\n";
      exit_code = 2;
    }
  }
  return exit_code;
}

}  // namespace iovacheck::bench
