#pragma once
// Replaying one trace as `replay` does, for the verbs that obtain traces otherwise (fuzz-replay).
#include <optional>
#include <string>

#include "harness/implementation.h"
#include "model/trace.h"

namespace iovacheck::cli {

// Runs `trace` (named `path` in the output) on `variant_override` or its own variant, prints
// the steps (unless `quiet`) and the verdict, on `implementation`; returns the ExitCode.
int replay_trace(const std::string& path, const Trace& trace, const std::optional<std::string>& variant_override,
                 bool quiet, const ImplementationChoice& implementation = {});

}  // namespace iovacheck::cli
