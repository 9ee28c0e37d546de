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
  if (profile == InputProfile::Scale) return check_scale_input(decode_scale_input(bytes), variant, choice, options);
  return check_on(decode_trace(bytes), variant, choice, options);
}

}  // namespace iovacheck::fuzz
