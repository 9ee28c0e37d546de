// The text helpers the campaign, verify and draw share: markup and JSON escaping, lists.
#include "fuzz/text_files.h"

#include <string>

#include <gtest/gtest.h>

namespace iovacheck::fuzz {
namespace {

TEST(MarkupEscaped, EntitiesForTheFourMarkupCharactersOnly) {
  EXPECT_EQ(markup_escaped("a<b & \"c\">d'e"), "a&lt;b &amp; &quot;c&quot;&gt;d'e");
  EXPECT_EQ(markup_escaped(""), "");
}

TEST(JsonQuoted, QuotesAndEscapesWhatJsonRequires) {
  EXPECT_EQ(json_quoted("plain"), "\"plain\"");
  EXPECT_EQ(json_quoted("say \"hi\"\\"), "\"say \\\"hi\\\"\\\\\"");
  EXPECT_EQ(json_quoted("a\nb\tc\r"), "\"a\\nb\\tc\\r\"");
  EXPECT_EQ(json_quoted(std::string("\x01", 1)), "\"\\u0001\"");
}

TEST(SplitList, DropsEmptyItems) {
  EXPECT_EQ(split_list("a,b,,c"), (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace iovacheck::fuzz
