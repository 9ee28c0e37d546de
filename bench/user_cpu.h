#pragma once
// The process's user CPU time, which the standalone benchmarks report: on a shared machine it
// moves far less with the load than wall time does.
#include <sys/resource.h>

namespace iovacheck::bench {

inline double user_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec) + static_cast<double>(usage.ru_utime.tv_usec) / 1e6;
}

}  // namespace iovacheck::bench
