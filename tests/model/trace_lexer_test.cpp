// The trace lexer's pieces: the eight-at-a-time token scan agrees with the byte-by-byte rule for
// every byte at every place, and numbers read exactly up to 2^64 - 1.
#include "model/trace_lexer.h"

#include <gtest/gtest.h>

#include <string>

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
