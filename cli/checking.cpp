#include "cli/checking.h"

#include <string>

namespace iovacheck::cli {

CheckOptions checking_options(const ParsedArgs& args, std::string_view verb, CheckOptions base) {
  if (args.flag(kParanoidOption.name)) base.paranoid = true;
  if (args.value(kValidateEveryOption.name)) {
    base.validate_every = number_option(args, verb, kValidateEveryOption.name, 0, UINT32_MAX);
    if (base.validate_every == 0) throw UsageError("iovacheck " + std::string(verb) + ": --validate-every expects at least 1");
  }
  return base;
}

}  // namespace iovacheck::cli
