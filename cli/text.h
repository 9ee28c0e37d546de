#pragma once
// Small text helpers for the verbs' aligned output.
#include <algorithm>
#include <cstddef>
#include <iomanip>
#include <sstream>
#include <string>

namespace iovacheck::cli {

// `text` followed by spaces up to `width` characters (never truncated).
inline std::string padded(const std::string& text, std::size_t width) {
  std::string result = text;  // appended, not text + string&&: GCC 12 -O3's false -Wrestrict
  result.append(width > text.size() ? width - text.size() : 0, ' ');
  return result;
}

// "1 trace", "3 traces": a count with its noun, plural when the count is not one.
inline std::string counted(std::size_t count, const std::string& noun) {
  const char* plural = !noun.empty() && noun.back() == 's' ? "es" : "s";
  return std::to_string(count) + " " + noun + (count == 1 ? "" : plural);
}

// Every line of `text` indented by two spaces, each ending in a newline.
inline std::string indented(const std::string& text) {
  std::string result;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    result += "  " + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return result;
}

// `text` broken at spaces into lines of at most `width` characters, the continuation lines
// starting with `indent`; each line ends in a newline.
inline std::string wrapped(const std::string& text, std::size_t width, const std::string& indent) {
  std::string result;
  std::string line;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find(' ', start), text.size());
    const std::string word = text.substr(start, end - start);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      result += line + "\n";
      line = indent;
    } else if (!line.empty() && line != indent) {
      line += " ";
    }
    line += word;
    start = end + 1;
  }
  return result + line + "\n";
}

// "1.25 s": a duration as the engines print it.
inline std::string seconds_text(double seconds) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(2) << seconds << " s";
  return text.str();
}

}  // namespace iovacheck::cli
