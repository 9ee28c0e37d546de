#pragma once
// Internal to the trace parser: cutting text into statements of tokens and reading numbers
// (trace-format.md "Lexical rules"). Not part of the public face of model/.
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/range.h"
#include "model/trace_io.h"

namespace iovacheck::trace_lexer {

struct Token {
  std::string_view text;
  std::size_t column = 0;  // 1-based byte column of the first character
};

// One line holding at least one token, its comment removed.
struct Statement {
  std::size_t line = 0;
  std::vector<Token> tokens;
  std::size_t end_column = 0;  // just past the last token: where a missing token is reported
};

inline bool is_blank(char c) { return c == ' ' || c == '\t'; }
// Printable ASCII other than space; everything else outside a comment is an error.
inline bool is_token_char(char c) { return static_cast<unsigned char>(c - '!') < '\x7f' - '!'; }

// How many bytes from `at` on are token characters, eight at a time: the lexer's inner loop.
inline std::size_t token_length(const char* at, const char* end) {
  const char* const start = at;
  if constexpr (std::endian::native != std::endian::little) {
    while (at != end && is_token_char(*at)) ++at;
    return static_cast<std::size_t>(at - start);
  }
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHighBits = 0x80 * kOnes;
  for (;;) {
    const auto left = static_cast<std::size_t>(end - at);
    std::uint64_t bytes = 0;  // past the end: zero bytes, which are no token characters
    if (left >= 8)
      std::memcpy(&bytes, at, 8);
    else
      std::memcpy(&bytes, at, left);
    // A byte is a token character when its high bit is clear, its low seven bits are at least
    // '!' and they are not 0x7f; computed for the eight bytes at once (no carry crosses a byte).
    const std::uint64_t low7 = bytes & ~kHighBits;
    const std::uint64_t at_least_bang = ((low7 | kHighBits) - '!' * kOnes) & kHighBits;
    const std::uint64_t is_delete = (low7 + kOnes) & kHighBits;
    const std::uint64_t token = at_least_bang & ~is_delete & ~bytes & kHighBits;
    if (token != kHighBits) return static_cast<std::size_t>(at - start) + std::countr_zero(~token & kHighBits) / 8;
    if (left <= 8) return static_cast<std::size_t>(end - start);
    at += 8;
  }
}

// Cuts one line into `statement`, reusing its storage (no allocation per line once warm).
inline void lex_line(std::string_view text, std::size_t line, Statement& statement) {
  if (text.ends_with('\r')) text.remove_suffix(1);
  text = text.substr(0, text.find('#'));
  statement.line = line;
  statement.tokens.clear();
  statement.end_column = 1;
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  for (const char* at = begin; at != end;) {
    if (is_blank(*at)) {
      ++at;
      continue;
    }
    if (!is_token_char(*at)) {
      const auto byte = static_cast<unsigned char>(*at);
      throw TraceError(line, static_cast<std::size_t>(at - begin) + 1,
                       "expected printable ASCII outside comments, got byte " + hex(byte));
    }
    const char* const start = at;
    at += token_length(at, end);
    const auto column = static_cast<std::size_t>(start - begin) + 1;
    statement.tokens.push_back(Token{std::string_view(start, static_cast<std::size_t>(at - start)), column});
    statement.end_column = static_cast<std::size_t>(at - begin) + 1;
  }
}

// One line of input, its end of line removed, with its 1-based number.
struct Line {
  std::string_view text;
  std::size_t number = 0;
};

// Where the parser's lines come from. A line stays valid until the next call; nullopt at the end.
class LineSource {
 public:
  virtual ~LineSource() = default;
  virtual std::optional<Line> next() = 0;
  // Where "end of input" is reported: the line after the last one.
  virtual std::size_t end_line() const = 0;
};

// The lines of a text in memory, one at a time, so errors come in line order.
class TextLineReader final : public LineSource {
 public:
  explicit TextLineReader(std::string_view text) : rest_(text) {}

  std::optional<Line> next() override {
    if (rest_.empty()) return std::nullopt;
    const std::size_t end = rest_.find('\n');
    const std::string_view line = rest_.substr(0, end);
    rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + 1);
    return Line{line, ++lines_read_};
  }

  std::size_t end_line() const override { return lines_read_ + 1; }

 private:
  std::string_view rest_;
  std::size_t lines_read_ = 0;
};

// Lines read from a stream a block at a time, holding one line (at most max_line bytes).
class StreamLineReader final : public LineSource {
 public:
  StreamLineReader(std::istream& in, std::size_t max_line) : in_(in), max_line_(max_line) {}

  std::optional<Line> next() override {
    const std::optional<std::string_view> line = next_line();
    if (!line) return std::nullopt;
    return Line{*line, ++lines_read_};
  }

  std::size_t end_line() const override { return lines_read_ + 1; }
  std::uint64_t bytes_read() const { return bytes_read_; }

 private:
  std::optional<std::string_view> next_line() {
    std::size_t searched = start_;
    for (;;) {
      const std::size_t end = buffer_.find('\n', searched);
      const std::size_t length = (end == std::string::npos ? buffer_.size() : end) - start_;
      if (length > max_line_)
        throw TraceError(lines_read_ + 1, max_line_ + 1,
                         "expected a line of at most " + std::to_string(max_line_) + " bytes, got a longer one");
      if (end != std::string::npos) {
        const std::string_view line = std::string_view(buffer_).substr(start_, length);
        start_ = end + 1;
        return line;
      }
      if (at_end_) {
        if (start_ == buffer_.size()) return std::nullopt;
        const std::string_view line = std::string_view(buffer_).substr(start_);
        start_ = buffer_.size();
        return line;
      }
      buffer_.erase(0, start_);  // keep only the unfinished line, then read the next block
      start_ = 0;
      searched = buffer_.size();
      const std::size_t old_size = buffer_.size();
      buffer_.resize(old_size + kBlock);
      in_.read(buffer_.data() + old_size, kBlock);
      const auto got = static_cast<std::size_t>(in_.gcount());
      if (in_.bad()) throw TraceError(lines_read_ + 1, 1, "cannot read the input");
      buffer_.resize(old_size + got);
      bytes_read_ += got;
      if (got < kBlock) at_end_ = true;
    }
  }

  static constexpr std::size_t kBlock = 1 << 16;
  std::istream& in_;
  std::size_t max_line_;
  std::string buffer_;
  std::size_t start_ = 0;  // where the next line starts in buffer_
  std::size_t lines_read_ = 0;
  std::uint64_t bytes_read_ = 0;
  bool at_end_ = false;
};

enum class NumberStatus { Ok, NotANumber, TooLarge };

struct NumberRead {
  NumberStatus status = NumberStatus::NotANumber;
  Pfn value = 0;
};

// Each byte's value as a hex digit (either case); 0xff for a byte that is none.
inline constexpr std::array<std::uint8_t, 256> kHexDigitValues = [] {
  std::array<std::uint8_t, 256> values{};
  values.fill(0xff);
  for (int c = '0'; c <= '9'; ++c) values[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) values[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) values[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(c - 'A' + 10);
  return values;
}();

// An unsigned 64-bit number: "0x" and hex digits (either case), or decimal digits. A bad digit
// anywhere makes it NotANumber even when it would also overflow.
inline NumberRead read_number(std::string_view text) {
  const bool hexadecimal = text.starts_with("0x");
  if (hexadecimal) text.remove_prefix(2);
  if (text.empty()) return {};
  Pfn value = 0;
  bool too_large = false;
  if (hexadecimal) {
    for (const char c : text) {
      const std::uint8_t digit = kHexDigitValues[static_cast<unsigned char>(c)];
      if (digit > 0xf) return {};
      too_large |= (value >> 60) != 0;
      value = value << 4 | digit;  // meaningless once too_large; never returned then
    }
  } else {
    for (const char c : text) {
      const auto digit = static_cast<unsigned>(static_cast<unsigned char>(c) - '0');
      if (digit > 9) return {};
      too_large |= __builtin_mul_overflow(value, Pfn{10}, &value);
      too_large |= __builtin_add_overflow(value, Pfn{digit}, &value);
    }
  }
  return {too_large ? NumberStatus::TooLarge : NumberStatus::Ok, value};
}

}  // namespace iovacheck::trace_lexer
