#pragma once
// The checker's options as every verb that runs the checker spells them.
#include <string_view>

#include "cli/options.h"
#include "model/checker.h"

namespace iovacheck::cli {

inline constexpr OptionSpec kParanoidOption{
    "paranoid", "", "compare the whole state and run validate() after every step (O(n) a step)"};
inline constexpr OptionSpec kValidateEveryOption{
    "validate-every", "K", "run validate() every K steps (default: every max(1024, live ranges); always at the end)"};

// `base` with --paranoid and --validate-every applied; throws UsageError naming the verb.
CheckOptions checking_options(const ParsedArgs& args, std::string_view verb, CheckOptions base = {});

}  // namespace iovacheck::cli
