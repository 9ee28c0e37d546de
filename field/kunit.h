#pragma once
// emit-kunit: a trace as a KUnit test in C for drivers/iommu/, replaying it through the kernel's
// own API and asserting every exact expectation on the way and the spec's property at the step
// where the trace's variant violates it.
#include <stdexcept>
#include <string>

#include "model/trace.h"

namespace iovacheck::field {

// A trace the kernel's API cannot express; what() says why.
class KunitRefusal : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The C source of one KUnit suite named after `name` ([a-z0-9_]); `origin` is quoted in its header
// comment. Runs the trace on its own variant to find the violating step. Throws KunitRefusal.
std::string emit_kunit(const Trace& trace, const std::string& name, const std::string& origin);

// "seed-minimal.trace" -> "seed_minimal": a C identifier for the suite.
std::string kunit_name(const std::string& file_stem);

}  // namespace iovacheck::field
