#pragma once
// A counterexample from either engine of smt/, confirmed on the C++ implementation by the one
// checker: an engine's verdict that the checker does not reproduce is a defect in iovacheck.
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>

#include "model/checker.h"
#include "model/counterexample.h"
#include "model/trace.h"

namespace iovacheck::smt {

// An engine and the checker disagree: an encoding or enumeration bug (exit 3).
class EngineDefect : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Replays `trace` on `variant` (and on `reference` when given) and returns the violation it
// shows. Throws EngineDefect unless the variant violates at step `expected_step` exactly (not
// before, not later) and the reference holds on every step.
Counterexample confirm(const Trace& trace, const std::string& variant, const std::optional<std::string>& reference,
                       std::size_t expected_step);

}  // namespace iovacheck::smt
