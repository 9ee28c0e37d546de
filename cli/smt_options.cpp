#include "cli/smt_options.h"

#include <bit>

#include "cli/trace_file.h"

namespace iovacheck::cli {

std::vector<OptionSpec> with_alphabet_options(std::vector<OptionSpec> own) {
  const OptionSpec shared[] = {
      {"variant", "NAME", "the variant (required)"},
      {"distinguish", "REF", "look for a trace that violates on the variant and holds on REF"},
      {"dma32", "N", "dma_32bit_pfn of the test geometry, a power of two (see the verb's default)"},
      {"start", "N", "start_pfn (default 1)"},
      {"width", "W", "the space is [0, 2^W - 1] (default: log2(dma32) + 1)"},
      {"limits", "L,L,...", "restriction: only these limits (default: every limit in the space)"},
      {"aligned-only", "", "restriction: size-aligned allocations only"},
      {"no-reserve", "", "restriction: leave reserve out of the alphabet"},
      {"no-free", "", "restriction: leave free out of the alphabet"},
  };
  own.insert(own.begin(), std::begin(shared), std::end(shared));
  return own;
}

smt::Alphabet alphabet_from(const ParsedArgs& args, std::string_view verb, Pfn default_dma32) {
  smt::Alphabet alphabet;
  alphabet.geometry.dma32_pfn = number_option(args, verb, "dma32", default_dma32, Pfn{1} << 16);
  alphabet.geometry.start_pfn = number_option(args, verb, "start", 1, Pfn{1} << 16);
  const auto natural_width = static_cast<unsigned>(std::bit_width(alphabet.geometry.dma32_pfn));
  alphabet.width = static_cast<unsigned>(number_option(args, verb, "width", natural_width, 16));
  alphabet.limits = number_list_option(args, verb, "limits", Pfn{1} << 16);
  alphabet.aligned_only = args.flag("aligned-only");
  alphabet.reserve = !args.flag("no-reserve");
  alphabet.free = !args.flag("no-free");
  if (const std::string error = smt::alphabet_error(alphabet); !error.empty())
    throw UsageError("iovacheck " + std::string(verb) + ": " + error);
  return alphabet;
}

namespace {

std::string checked_variant(const std::string& name, std::string_view verb) {
  if (const std::string unknown = unknown_variant_message(name); !unknown.empty())
    throw UsageError("iovacheck " + std::string(verb) + ": " + unknown);
  return name;
}

}  // namespace

std::string variant_from(const ParsedArgs& args, std::string_view verb) {
  const std::optional<std::string> variant = args.value("variant");
  if (!variant) throw UsageError("iovacheck " + std::string(verb) + ": --variant NAME is required");
  return checked_variant(*variant, verb);
}

std::optional<std::string> reference_from(const ParsedArgs& args, std::string_view verb) {
  const std::optional<std::string> reference = args.value("distinguish");
  if (!reference) return std::nullopt;
  return checked_variant(*reference, verb);
}

}  // namespace iovacheck::cli
