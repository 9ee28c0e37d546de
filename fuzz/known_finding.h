#pragma once
// Whether a campaign finding is already known, by the project's one rule for "known"
// (harness/known.h): known as a finding FN whose fix removes it, or as the variant's own delta.
#include <optional>
#include <string>

#include "harness/implementation.h"
#include "model/trace.h"

namespace iovacheck::fuzz {

// "F1", "delta", or nullopt for a new finding; nullopt too when the trace does not violate on
// `implementation` (on a kernel, the rule tries its own fixes too: F10).
std::optional<std::string> finding_identity(const Trace& minimized, const ImplementationChoice& implementation = {});

}  // namespace iovacheck::fuzz
