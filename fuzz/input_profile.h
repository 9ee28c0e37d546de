#pragma once
// The differential harness's two input profiles: ordinary (fuzz/byte_trace.h: any geometry,
// up to 512 operations) and scale (fuzz/scale_input.h: the real geometry, driver-shaped traces
// of 10^4 operations and more). The harness reads IOVACHECK_FUZZ_PROFILE, the campaign passes
// it and keeps a corpus per profile, fuzz-replay takes --profile: all three check an input here.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "harness/implementation.h"
#include "model/checker.h"

namespace iovacheck::fuzz {

enum class InputProfile { Ordinary, Scale };

std::optional<InputProfile> parse_input_profile(std::string_view name);  // "ordinary", "scale"
std::string_view profile_name(InputProfile profile);

// The input decoded in `profile` and checked on `variant` (empty: the one the input names) run
// by `choice`: the named trace of a violating input is its whole failing prefix; a scale input
// that holds keeps only its last step (fuzz/scale_input.h check_scale_input records the whole).
// Throws std::invalid_argument as check_on does.
CheckReport check_input(std::span<const std::uint8_t> bytes, InputProfile profile, std::string_view variant,
                        const ImplementationChoice& choice, const CheckOptions& options);

}  // namespace iovacheck::fuzz
