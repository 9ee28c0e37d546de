#include "cli/trace_file.h"

#include "harness/implementation.h"

namespace iovacheck::cli {

std::string unknown_variant_message(std::string_view name) {
  if (is_implemented_variant(name)) return {};
  std::string known;
  for (const VariantInfo& variant : implemented_variants()) {
    known += (known.empty() ? "" : ", ") + variant.name;
  }
  return "unknown variant '" + std::string(name) + "' (known: " + known + ")";
}

std::string describe_miss(const ExpectationMiss& miss) {
  return "expectation not met: expected " + miss.expected + ", got " + miss.actual;
}

}  // namespace iovacheck::cli
