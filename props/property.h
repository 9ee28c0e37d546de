#pragma once
// The property: on any sequence of operations over any geometry, the implementation of a
// variant does what the spec allows (the shared checker judges every step). A variant fails it
// only on a distinguishing counterexample, one mainline does not violate; mainline on any.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "model/minimize.h"
#include "props/system.h"
#include "workload/drivers.h"

namespace iovacheck::props {

inline constexpr int kDefaultTests = 30000;

// Which cases are generated: the ordinary ones (any geometry, up to max_commands operations), or
// the scale profile's (props/scale.h: the real geometry, driver-shaped traces of scale_min_ops
// to scale_max_ops operations with the ordinary operations mixed in).
enum class Profile { Ordinary, Scale };
inline constexpr int kDefaultScaleTests = 20;
inline constexpr std::size_t kDefaultScaleMinOps = workload::kScaleMinOps;
inline constexpr std::size_t kDefaultScaleMaxOps = workload::kScaleMaxOps;

struct PropertyOptions {
  std::string variant = "mainline";  // NAME[+fN...]
  ImplementationChoice implementation;  // what runs the variant: impl/ or a kernel
  // Every case (and the minimized counterexample) keeps the real IOVA_MAG_SIZE, 127: on a
  // kernel, so that nothing runs on a magazine copy (kernel:X+mag=N).
  bool real_magazine_size = false;
  // Search past known findings: run the variant with every fix that applies to it (on a kernel,
  // the kernel with its own fixes, kernel/fixes/), and count the known findings the variant
  // without them meets (docs/findings.md). false: the variant as named, on the implementation
  // as named, and the first violation ends the run, known or not (--no-known).
  bool known = true;
  int tests = kDefaultTests;
  std::uint64_t seed = 0;
  int max_commands = 100;           // case lengths are uniform in 1 .. max_commands + 1
  Profile profile = Profile::Ordinary;
  std::size_t scale_min_ops = kDefaultScaleMinOps;
  std::size_t scale_max_ops = kDefaultScaleMaxOps;
  std::size_t shrink_runs = 500;    // bound on the runs RapidCheck's shrinking may take
  MinimizeOptions minimize;
  CheckOptions checking = CheckedSystem::property_checking();  // --paranoid, --validate-every
};

// Cases run and ops checked over a stretch of time.
struct Throughput {
  std::size_t cases = 0;
  std::size_t steps = 0;
  double seconds = 0;
};

struct PropertyResult {
  std::string variant;    // the variant searched, canonical, fixes included
  ImplementationChoice implementation;  // what ran it: on a kernel, its own fixes included
  std::string unfixed;    // the variant whose known findings were counted; empty when none were
  ImplementationChoice unfixed_implementation;  // what ran `unfixed`
  std::map<unsigned, std::size_t> known_met;  // searched cases whose violation on `unfixed` is known as FN
  std::size_t met_unexplained = 0;            // ... and those that no single fix explains
  std::optional<unsigned> known;              // the minimized counterexample's identity (nullopt: new)
  std::size_t tests = 0;  // cases generated: the passing ones, plus the failing one
  std::size_t first_failure_steps = 0;      // the failing case as generated, up to its violation
  std::optional<Counterexample> shrunk;     // as RapidCheck's shrinking left it
  std::optional<Counterexample> minimized;  // after the shared minimizer, replayed on the variant
  std::optional<std::string> error;         // RapidCheck gave up, or iovacheck threw: a defect
  std::size_t shared_with_mainline = 0;     // searched cases whose violation mainline has too
  std::size_t skipped = 0;                  // cases the implementation refused (a kernel's geometry)
  std::string skip_reason;                  // the last refusal's reason
  Throughput search;                        // up to the first failure (or to the end)
  Throughput shrink;                        // RapidCheck's shrinking
  double minimize_seconds = 0;
  MinimizeStats minimize_stats;
  bool passed() const { return !shrunk && !error; }
};

PropertyResult run_property(const PropertyOptions& options);
PropertyResult run_property(const std::string& variant, int tests, std::uint64_t seed);

}  // namespace iovacheck::props
