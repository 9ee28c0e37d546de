#pragma once
// Small text helpers for the verbs' aligned output.
#include <algorithm>
#include <cstddef>
#include <string>

namespace iovacheck::cli {

// `text` followed by spaces up to `width` characters (never truncated).
inline std::string padded(const std::string& text, std::size_t width) {
  std::string result = text;  // appended, not text + string&&: GCC 12 -O3's false -Wrestrict
  result.append(width > text.size() ? width - text.size() : 0, ' ');
  return result;
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

}  // namespace iovacheck::cli
