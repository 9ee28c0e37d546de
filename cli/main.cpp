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

std::array<const Verb*, 11> verbs() {
  return {&replay_verb(),     &check_verb(),    &variants_verb(), &verify_verb(),     &campaign_verb(),
          &fuzz_replay_verb(), &explore_verb(),  &prove_verb(),    &log_check_verb(),  &emit_kunit_verb(),
          &draw_verb()};
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
      "       iovacheck help VERB | iovacheck VERB --help | iovacheck --version\n"
      "\n"
      "verbs:\n";
  for (const Verb* verb : verbs()) {
    text += "  " + padded(std::string(verb->name), 12) + std::string(verb->summary) + "\n";
  }
  text +=
      "\n"
      "properties a violation names (docs/spec.md, section 7):\n"
      "  soundness     a result lies in [start_pfn, limit], aligned when asked, overlapping nothing\n"
      "  completeness  an allocation fails only when no fitting range is free at or below its limit\n"
      "  conservation  the tree holds exactly the ranges accounted for: nothing appears or vanishes\n"
      "  range-cache   cached pfns appear, move and leave only as the range caches allow\n"
      "  find, reserve find_iova and reserve_iova do what the spec says\n"
      "  rejection     refused input is refused with no change; valid input is not refused\n"
      "  structure     the implementation's own validate(): order, hints, magazine shapes\n"
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
  if (topics.front() == "help") {
    std::cout << "usage: iovacheck help [VERB]\n\nPrints the list of verbs, or the full help of one verb.\n";
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
  if (name == "--version" || name == "version") {
    std::cout << "iovacheck " << IOVACHECK_VERSION << "\n";
    return kExitOk;
  }
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
