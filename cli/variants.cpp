// iovacheck variants: the implemented variants with their origin and difference from mainline.
#include <algorithm>
#include <iostream>
#include <span>
#include <string>

#include "cli/text.h"
#include "cli/verb.h"
#include "harness/implementation.h"

namespace iovacheck::cli {

namespace {

int run_variants(const ParsedArgs& args) {
  if (!args.positional.empty()) {
    throw UsageError("iovacheck variants: unexpected argument '" + args.positional.front() + "'");
  }
  const std::vector<VariantInfo> variants = implemented_variants();
  std::size_t width = 0;
  for (const VariantInfo& variant : variants) width = std::max(width, variant.name.size());
  const std::string indent(width + 2, ' ');
  for (const VariantInfo& variant : variants) {
    std::cout << padded(variant.name, width + 2) << variant.origin << "\n"
              << indent << variant.summary << "\n"
              << indent << "check runs it as " << with_known_fixes(variant.name) << "\n";
  }
  std::cout << "\nfixes of the known findings (docs/findings.md), added as NAME+fN:\n";
  for (const FixDescription& fix : implemented_fixes()) std::cout << "  " << fix.name << "  " << fix.summary << "\n";
  return kExitOk;
}

}  // namespace

const Verb& variants_verb() {
  static const Verb verb{
      .name = "variants",
      .summary = "list the implemented variants",
      .usage = "iovacheck variants",
      .description =
          "Lists every implemented variant, mainline first: its name (what --variant and a trace\n"
          "header's variant= take), where it comes from in kernel history, and how it differs from\n"
          "mainline, and the variant check runs by default (with the fixes of its known findings).\n"
          "Then the fixes: any variant name takes them as NAME+fN (e.g. mainline+f1, p3+f7), and\n"
          "short names (z1, p3) work wherever a variant is named.",
      .options = std::span<const OptionSpec>{},
      .run = run_variants,
  };
  return verb;
}

}  // namespace iovacheck::cli
