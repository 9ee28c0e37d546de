#include "fuzz/input_profile.h"

#include "fuzz/byte_trace.h"
#include "fuzz/scale_input.h"

namespace iovacheck::fuzz {

std::optional<InputProfile> parse_input_profile(std::string_view name) {
  if (name == "ordinary") return InputProfile::Ordinary;
  if (name == "scale") return InputProfile::Scale;
  return std::nullopt;
}

std::string_view profile_name(InputProfile profile) { return profile == InputProfile::Scale ? "scale" : "ordinary"; }

CheckReport check_input(std::span<const std::uint8_t> bytes, InputProfile profile, std::string_view variant,
                        const ImplementationChoice& choice, const CheckOptions& options) {
  if (profile == InputProfile::Ordinary) return check_on(decode_trace(bytes), variant, choice, options);
  // A scale trace of 2 x 10^5 steps recorded whole takes about a gigabyte under ASan: checked
  // first in memory bounded by the live state, and run again recorded only when it violates
  // (the expansion is deterministic: the same steps, the same violation).
  const ScaleInput input = decode_scale_input(bytes);
  CheckOptions lean = options;
  lean.latest_step_only = true;
  CheckReport report = check_scale_input(input, variant, choice, lean);
  if (!report.violation || options.latest_step_only) return report;
  return check_scale_input(input, variant, choice, options);
}

}  // namespace iovacheck::fuzz
