#pragma once
// One command-line verb: its help and its entry point. Each verb lives in cli/<verb>.cpp.
#include <span>
#include <string>
#include <string_view>

#include "cli/options.h"

namespace iovacheck::cli {

struct Verb {
  std::string_view name;
  std::string_view summary;      // one line, for `iovacheck --help`
  std::string_view usage;        // "iovacheck replay FILE... [--variant NAME] [--quiet]"
  std::string_view description;  // what it does and prints, for `iovacheck help VERB`
  std::span<const OptionSpec> options;
  int (*run)(const ParsedArgs& args);  // returns an ExitCode; may throw UsageError
};

const Verb& replay_verb();
const Verb& variants_verb();
const Verb& verify_verb();
const Verb& check_verb();
const Verb& log_check_verb();
const Verb& emit_kunit_verb();
const Verb& draw_verb();
const Verb& explore_verb();
const Verb& prove_verb();
const Verb& fuzz_replay_verb();
const Verb& campaign_verb();

// The full help of one verb: usage, description, options.
std::string verb_help(const Verb& verb);

}  // namespace iovacheck::cli
