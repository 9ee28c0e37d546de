#pragma once
// The --impl option every verb shares: impl|kernel[:6.12|:6.1|:PATH].
#include <string_view>

#include "cli/options.h"
#include "harness/implementation.h"

namespace iovacheck::cli {

// impl when absent; throws UsageError naming the verb on a value that is not an implementation.
ImplementationChoice implementation_option(const ParsedArgs& args, std::string_view verb);

}  // namespace iovacheck::cli
