// iovacheck: dispatches to one verb per file (cli/<verb>.cpp); no logic of its own.
#include <array>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli/options.h"
#include "cli/text.h"
#include "cli/verb.h"

namespace iovacheck::cli {

namespace {

std::array<const Verb*, 6> verbs() {
  return {&replay_verb(), &check_verb(), &variants_verb(), &verify_verb(), &fuzz_replay_verb(), &campaign_verb()};
}

const Verb* find_verb(const std::string& name) {
  for (const Verb* verb : verbs()) {
    if (verb->name == name) return verb;
  }
  return nullptr;
}

std::string general_help() {
  std::string text =
      "iovacheck: a verification suite for the Linux kernel's IOVA allocator\n"
      "\n"
      "usage: iovacheck VERB [ARGS...]\n"
      "       iovacheck help VERB | iovacheck VERB --help\n"
      "\n"
      "verbs:\n";
  for (const Verb* verb : verbs()) {
    text += "  " + padded(std::string(verb->name), 12) + std::string(verb->summary) + "\n";
  }
  text +=
      "\n"
      "exit codes: 0 everything holds, 1 a property violated or an expectation unmet,\n"
      "            2 bad input or usage, 3 a defect in iovacheck itself\n";
  return text;
}

int unknown_verb(const std::string& name) {
  std::cerr << "iovacheck: unknown verb '" << name << "'; run 'iovacheck --help' for the list\n";
  return kExitBadInput;
}

int help(const std::vector<std::string>& topics) {
  if (topics.empty()) {
    std::cout << general_help();
    return kExitOk;
  }
  const Verb* verb = find_verb(topics.front());
  if (verb == nullptr) return unknown_verb(topics.front());
  std::cout << verb_help(*verb);
  return kExitOk;
}

int run(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::cerr << general_help();
    return kExitBadInput;
  }
  const std::string& name = args.front();
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (name == "help" || name == "--help" || name == "-h") return help(rest);
  const Verb* verb = find_verb(name);
  if (verb == nullptr) return unknown_verb(name);
  try {
    const ParsedArgs parsed = parse_args(verb->name, rest, verb->options);
    if (parsed.help) {
      std::cout << verb_help(*verb);
      return kExitOk;
    }
    return verb->run(parsed);
  } catch (const UsageError& error) {
    std::cerr << error.what() << "\nusage: " << verb->usage << "\n";
    return kExitBadInput;
  }
}

}  // namespace

std::string verb_help(const Verb& verb) {
  return "usage: " + std::string(verb.usage) + "\n\n" + std::string(verb.description) + "\n\noptions:\n" +
         format_options(verb.options);
}

}  // namespace iovacheck::cli

int main(int argc, char** argv) {
  try {
    return iovacheck::cli::run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& error) {
    std::cerr << "iovacheck: internal error: " << error.what() << "\n";
    return iovacheck::cli::kExitInternal;
  }
}
