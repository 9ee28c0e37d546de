#include "cli/options.h"

#include <algorithm>
#include <charconv>

#include "cli/text.h"

namespace iovacheck::cli {

namespace {

std::string usage_prefix(std::string_view verb) { return "iovacheck " + std::string(verb) + ": "; }

const OptionSpec* find_option(std::span<const OptionSpec> options, std::string_view name) {
  const auto found = std::find_if(options.begin(), options.end(),
                                  [&](const OptionSpec& option) { return option.name == name; });
  return found == options.end() ? nullptr : &*found;
}

const OptionSpec* find_short_option(std::span<const OptionSpec> options, std::string_view arg) {
  if (arg.size() != 2) return nullptr;
  const auto found = std::find_if(options.begin(), options.end(),
                                  [&](const OptionSpec& option) { return option.short_name != 0 && option.short_name == arg[1]; });
  return found == options.end() ? nullptr : &*found;
}

std::string spelled(const OptionSpec& option) {
  std::string text = option.short_name ? std::string("-") + option.short_name + ", " : std::string();
  text += "--";  // appended piece by piece: GCC 12 -O3's false -Wrestrict (bug 105329)
  text += option.name;
  if (option.takes_value()) {
    text += ' ';
    text += option.placeholder;
  }
  return text;
}

}  // namespace

std::optional<std::string> ParsedArgs::value(std::string_view name) const {
  const auto found = given_.find(name);
  if (found == given_.end()) return std::nullopt;
  return found->second;
}

void ParsedArgs::set(std::string_view verb, std::string_view name, std::string value) {
  if (!given_.emplace(std::string(name), std::move(value)).second) {
    throw UsageError(usage_prefix(verb) + "option '--" + std::string(name) + "' given twice");
  }
}

ParsedArgs parse_args(std::string_view verb, std::span<const std::string> args,
                      std::span<const OptionSpec> options) {
  ParsedArgs parsed;
  bool options_ended = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_ended || arg.size() < 2 || arg[0] != '-') {
      parsed.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      parsed.help = true;
      continue;
    }
    const std::size_t equals = arg.find('=');
    const std::string name = arg.substr(0, equals);
    const OptionSpec* option = arg.starts_with("--") ? find_option(options, std::string_view(name).substr(2))
                                                     : find_short_option(options, arg);
    if (option == nullptr) throw UsageError(usage_prefix(verb) + "unknown option '" + name + "'");
    if (!option->takes_value()) {
      if (equals != std::string::npos) {
        throw UsageError(usage_prefix(verb) + "option '" + name + "' takes no value");
      }
      parsed.set(verb, option->name, "");
      continue;
    }
    if (equals != std::string::npos) {
      parsed.set(verb, option->name, arg.substr(equals + 1));
    } else if (i + 1 < args.size()) {
      parsed.set(verb, option->name, args[++i]);
    } else {
      throw UsageError(usage_prefix(verb) + "option '" + name + "' needs a value (" +
                       std::string(option->placeholder) + ")");
    }
  }
  return parsed;
}

namespace {

// A whole unsigned number, decimal or 0x hexadecimal, or nullopt.
std::optional<std::uint64_t> parse_number(const std::string& text) {
  const bool is_hex = text.starts_with("0x") || text.starts_with("0X");
  const char* first = text.data() + (is_hex ? 2 : 0);
  const char* last = text.data() + text.size();
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(first, last, value, is_hex ? 16 : 10);
  if (first == last || error != std::errc() || end != last) return std::nullopt;
  return value;
}

}  // namespace

std::uint64_t number_option(const ParsedArgs& args, std::string_view verb, std::string_view name,
                            std::uint64_t fallback, std::uint64_t max) {
  const std::optional<std::string> text = args.value(name);
  if (!text) return fallback;
  const std::optional<std::uint64_t> value = parse_number(*text);
  if (!value || *value > max)
    throw UsageError(usage_prefix(verb) + "--" + std::string(name) + " expects a number up to " + std::to_string(max) +
                     ", got '" + *text + "'");
  return *value;
}

std::vector<std::uint64_t> number_list_option(const ParsedArgs& args, std::string_view verb, std::string_view name,
                                              std::uint64_t max) {
  std::vector<std::uint64_t> values;
  const std::optional<std::string> text = args.value(name);
  if (!text) return values;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = std::min(text->find(',', start), text->size());
    const std::string item = text->substr(start, comma - start);
    const std::optional<std::uint64_t> value = parse_number(item);
    if (!value || *value > max)
      throw UsageError(usage_prefix(verb) + "--" + std::string(name) + " expects numbers up to " + std::to_string(max) +
                       " separated by commas, got '" + item + "'");
    values.push_back(*value);
    if (comma == text->size()) return values;
    start = comma + 1;
  }
}

std::string format_options(std::span<const OptionSpec> options) {
  std::size_t width = std::string_view("--help").size();
  for (const OptionSpec& option : options) width = std::max(width, spelled(option).size());
  std::string text;
  const auto line = [&](const std::string& left, std::string_view help) {
    text += "  " + padded(left, width + 2) + std::string(help) + "\n";
  };
  for (const OptionSpec& option : options) line(spelled(option), option.help);
  line("--help", "print this help");
  return text;
}

}  // namespace iovacheck::cli
