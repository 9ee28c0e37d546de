#pragma once
// Options the explore and prove verbs share: the geometry and the alphabet (smt/alphabet.h).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/options.h"
#include "smt/alphabet.h"

namespace iovacheck::cli {

// `own` followed by the shared variant, reference and alphabet options.
std::vector<OptionSpec> with_alphabet_options(std::vector<OptionSpec> own);

// The alphabet the options describe; `default_dma32` when --dma32 is absent. Throws UsageError.
smt::Alphabet alphabet_from(const ParsedArgs& args, std::string_view verb, Pfn default_dma32);

// --variant (required) and --distinguish, both checked against the implemented variants.
std::string variant_from(const ParsedArgs& args, std::string_view verb);
std::optional<std::string> reference_from(const ParsedArgs& args, std::string_view verb);

}  // namespace iovacheck::cli
