// The trace lexer's pieces: the eight-at-a-time token scan and the whole lexer agree with the
// lexical rules applied byte by byte, and numbers read exactly up to 2^64 - 1.
#include "model/trace_lexer.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace iovacheck::trace_lexer {
namespace {

std::size_t token_length_bytewise(const std::string& text) {
  std::size_t length = 0;
  while (length < text.size() && is_token_char(text[length])) ++length;
  return length;
}

TEST(TraceLexer, TokenLengthAgreesWithTheByteRuleForEveryByteAndPlace) {
  for (int byte = 0; byte < 256; ++byte) {
    for (std::size_t at = 0; at < 20; ++at) {
      for (std::size_t size : {at + 1, at + 3, std::size_t{20}}) {
        if (size <= at) continue;
        std::string text(size, 'a');
        text[at] = static_cast<char>(byte);
        EXPECT_EQ(token_length(text.data(), text.data() + text.size()), token_length_bytewise(text))
            << "byte " << byte << " at " << at << " of " << size;
      }
    }
  }
}

// The lexical rules byte by byte, as trace-format.md states them: the reference the chunked
// lexer must agree with.
struct Lexed {
  std::vector<std::pair<std::string, std::size_t>> tokens;  // text, column
  std::size_t end_column = 1;
  std::size_t error_column = 0;  // 0: none
  bool operator==(const Lexed&) const = default;
};

Lexed lex_bytewise(std::string text) {
  if (!text.empty() && text.back() == '\r') text.pop_back();
  text = text.substr(0, text.find('#'));
  Lexed lexed;
  for (std::size_t at = 0; at < text.size();) {
    if (is_blank(text[at])) {
      ++at;
      continue;
    }
    if (!is_token_char(text[at])) return Lexed{{}, 1, at + 1};  // an error: no tokens
    const std::size_t start = at;
    while (at < text.size() && is_token_char(text[at])) ++at;
    lexed.tokens.emplace_back(text.substr(start, at - start), start + 1);
    lexed.end_column = at + 1;
  }
  return lexed;
}

Lexed lex_eight_at_a_time(std::string_view text) {
  Lexed lexed;
  Statement statement;
  try {
    lex_line(text, 1, statement);
  } catch (const TraceError& error) {
    lexed.error_column = error.column();
    return lexed;
  }
  for (const Token& token : statement.tokens) lexed.tokens.emplace_back(std::string(token.text), token.column);
  lexed.end_column = statement.end_column;
  return lexed;
}

// Lines of every length up to ten words, of tokens, blanks, comments, carriage returns and
// bytes that are no token.
TEST(TraceLexer, AgreesWithTheByteRulesOnRandomLines) {
  std::mt19937 random(20261130);
  const std::string alphabet = "ab0x=:_# \t\t  \r\x7f\x80\xff\x01~!";
  for (int round = 0; round < 20000; ++round) {
    std::string line(random() % 80, 'a');
    for (char& c : line) c = random() % 3 == 0 ? alphabet[random() % alphabet.size()] : static_cast<char>('a' + random() % 26);
    EXPECT_EQ(lex_eight_at_a_time(line), lex_bytewise(line)) << "line '" << line << "'";
  }
}

TEST(TraceLexer, ReportsTheFirstByteThatIsNoTokenAtItsColumn) {
  for (std::size_t at = 0; at < 40; ++at) {
    std::string line(40, 'x');
    line[at] = '\x01';
    EXPECT_EQ(lex_eight_at_a_time(line).error_column, at + 1);
  }
}

TEST(TraceLexer, LexesTokensWithTheirColumns) {
  Statement statement;
  lex_line("  a1: fast\t0x2 limit=0xff # cpu=1\r", 7, statement);
  ASSERT_EQ(statement.tokens.size(), 4u);
  EXPECT_EQ(statement.line, 7u);
  EXPECT_EQ(statement.tokens[0].text, "a1:");
  EXPECT_EQ(statement.tokens[0].column, 3u);
  EXPECT_EQ(statement.tokens[2].text, "0x2");
  EXPECT_EQ(statement.tokens[2].column, 12u);
  EXPECT_EQ(statement.tokens[3].text, "limit=0xff");
  EXPECT_EQ(statement.end_column, 26u);
}

TEST(TraceLexer, ReadsNumbersExactlyToTheLargest) {
  EXPECT_EQ(read_number("0xffffffffffffffff").value, ~Pfn{0});
  EXPECT_EQ(read_number("0xffffffffffffffff").status, NumberStatus::Ok);
  EXPECT_EQ(read_number("18446744073709551615").value, ~Pfn{0});
  EXPECT_EQ(read_number("18446744073709551615").status, NumberStatus::Ok);
  EXPECT_EQ(read_number("0x10000000000000000").status, NumberStatus::TooLarge);
  EXPECT_EQ(read_number("18446744073709551616").status, NumberStatus::TooLarge);
  EXPECT_EQ(read_number("0xAbC").value, 0xabcu);
  EXPECT_EQ(read_number("0009").value, 9u);
  for (const char* bad : {"", "0x", "0X1", "1a", "0xg", "-1", "+1", "0x1 ", "1_000"})
    EXPECT_EQ(read_number(bad).status, NumberStatus::NotANumber) << bad;
  // A bad digit wins over an overflow.
  EXPECT_EQ(read_number("0x10000000000000000z").status, NumberStatus::NotANumber);
}

}  // namespace
}  // namespace iovacheck::trace_lexer
