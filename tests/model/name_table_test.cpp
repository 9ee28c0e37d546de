// NameTable: a name is recorded once, with the line that defined it; adding it again changes
// nothing and returns that line (the parser's single lookup for "new or repeated").
#include "model/name_table.h"

#include <string>

#include <gtest/gtest.h>

namespace iovacheck {
namespace {

TEST(NameTable, RecordsEachNameWithItsLine) {
  NameTable names;
  EXPECT_EQ(names.add("a1", 3), std::nullopt);
  EXPECT_EQ(names.add("nic0_7", 4), std::nullopt);
  EXPECT_EQ(names.line_of("a1"), 3u);
  EXPECT_EQ(names.line_of("nic0_7"), 4u);
  EXPECT_FALSE(names.contains("a"));
  EXPECT_FALSE(names.contains("a10"));
  EXPECT_EQ(names.size(), 2u);
}

TEST(NameTable, AddingAgainReturnsTheFirstLineAndKeepsIt) {
  NameTable names;
  names.add("r", 10);
  EXPECT_EQ(names.add("r", 99), 10u);
  EXPECT_EQ(names.line_of("r"), 10u);
  EXPECT_EQ(names.size(), 1u);
}

TEST(NameTable, KeepsLinesBeyond32BitsAndManyNamesAcrossGrowth) {
  NameTable names;
  const std::size_t far = std::size_t{1} << 40;
  for (std::size_t i = 0; i < 100'000; ++i) names.add("n" + std::to_string(i), far + i);
  for (std::size_t i = 0; i < 100'000; i += 997) EXPECT_EQ(names.line_of("n" + std::to_string(i)), far + i);
  EXPECT_EQ(names.add("n42", 1), far + 42);
  EXPECT_EQ(names.size(), 100'000u);
}

}  // namespace
}  // namespace iovacheck
