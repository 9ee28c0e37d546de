#pragma once
// A text joined from its pieces in one string sized once: built with operator+, a verdict or an
// error message of a few pieces regrew its string two or three times, a heap allocation each.
#include <string>
#include <string_view>

namespace iovacheck {

// Each piece is anything a std::string_view is made from (a literal, a std::string, a view).
template <class... Pieces>
std::string concat(const Pieces&... pieces) {
  std::string text;
  text.reserve((std::string_view(pieces).size() + ... + 0));
  (text += ... += pieces);
  return text;
}

}  // namespace iovacheck
