#include "cli/impl_option.h"

#include <stdexcept>
#include <string>

namespace iovacheck::cli {

ImplementationChoice implementation_option(const ParsedArgs& args, std::string_view verb) {
  const std::optional<std::string> text = args.value("impl");
  if (!text) return ImplementationChoice{};
  try {
    return parse_implementation(*text);
  } catch (const std::invalid_argument& error) {
    throw UsageError("iovacheck " + std::string(verb) + ": " + error.what());
  }
}

}  // namespace iovacheck::cli
