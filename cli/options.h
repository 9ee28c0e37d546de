#pragma once
// Command-line parsing shared by the verbs: options, positional arguments, usage errors.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace iovacheck::cli {

// What every verb's exit code means.
enum ExitCode : int {
  kExitOk = 0,        // everything holds
  kExitFinding = 1,   // a property is violated or an expectation unmet
  kExitBadInput = 2,  // bad input or usage
  kExitInternal = 3,  // a defect in iovacheck itself
  kExitUnknown = 4,   // prove: the solver gave no verdict (timeout, resource limit)
};

struct OptionSpec {
  std::string_view name;         // without the leading "--"
  std::string_view placeholder;  // "NAME" for an option taking a value; empty for a flag
  std::string_view help;         // one line
  char short_name = 0;           // 'o' for "-o", or none
  bool takes_value() const { return !placeholder.empty(); }
};

// A command line that does not fit the verb; what() is the whole message, verb included.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ParsedArgs {
 public:
  std::vector<std::string> positional;
  bool help = false;

  bool flag(std::string_view name) const { return given_.contains(name); }
  std::optional<std::string> value(std::string_view name) const;
  void set(std::string_view verb, std::string_view name, std::string value);

 private:
  std::map<std::string, std::string, std::less<>> given_;
};

// Accepts "--name value", "--name=value", "-x value" for an option with a short name, "--flag",
// "--help"/"-h"; "--" ends the options.
// Throws UsageError ("iovacheck VERB: unknown option '--x'") on anything else.
ParsedArgs parse_args(std::string_view verb, std::span<const std::string> args,
                      std::span<const OptionSpec> options);

// The value of a numeric option (decimal or 0x hexadecimal), `fallback` when it is absent.
// Throws UsageError naming the verb and the option when it is not a number up to `max`.
std::uint64_t number_option(const ParsedArgs& args, std::string_view verb, std::string_view name,
                            std::uint64_t fallback, std::uint64_t max);

// A comma-separated list of numbers ("0x3,0x7"), empty when the option is absent.
// Throws UsageError naming the verb and the option when an item is not a number up to `max`.
std::vector<std::uint64_t> number_list_option(const ParsedArgs& args, std::string_view verb, std::string_view name,
                                              std::uint64_t max);

// The options' help block, one aligned line each.
std::string format_options(std::span<const OptionSpec> options);

}  // namespace iovacheck::cli
