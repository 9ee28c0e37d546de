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

// Names that share a stem and all but the last hex digit of a counter share a run of slots;
// the table stays exact whatever the names look like: leading zeros, counters too long to group,
// names with no counter, and groups that collide and spill into each other's runs.
TEST(NameTable, StaysExactForNamesWithAndWithoutCounters) {
  NameTable names;
  std::size_t line = 1;
  const auto add_new = [&](const std::string& name) { EXPECT_EQ(names.add(name, line++), std::nullopt) << name; };
  for (int i = 0; i < 5000; ++i) {
    add_new("a" + std::to_string(i));
    add_new("a0" + std::to_string(i));           // leading zero: another counter length
    add_new("r_" + std::to_string(i * 16));      // every name in a run of its own
    add_new("b" + std::to_string(i) + "x");      // no counter at the end
    add_new("c" + std::to_string(i) + "1234567890");  // a counter too long to group
  }
  add_new("a");
  add_new("a_");
  EXPECT_EQ(names.size(), 25002u);
  for (int i = 0; i < 5000; i += 7) {
    EXPECT_TRUE(names.contains("a" + std::to_string(i)));
    EXPECT_TRUE(names.contains("a0" + std::to_string(i)));
    EXPECT_TRUE(names.contains("r_" + std::to_string(i * 16)));
    EXPECT_TRUE(names.contains("b" + std::to_string(i) + "x"));
    EXPECT_TRUE(names.contains("c" + std::to_string(i) + "1234567890"));
    EXPECT_FALSE(names.contains("r_" + std::to_string(i * 16 + 1)));
    EXPECT_FALSE(names.contains("b" + std::to_string(i)));
    EXPECT_FALSE(names.contains("a00" + std::to_string(i)));
  }
  EXPECT_EQ(names.line_of("a0"), 1u);
  EXPECT_EQ(names.line_of("a00"), 2u);
  EXPECT_EQ(names.add("c41234567890", 0), 25u);
}

}  // namespace
}  // namespace iovacheck
