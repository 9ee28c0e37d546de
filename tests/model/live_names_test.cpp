// LiveNames: the checker's names of live allocations, both ways, across growth and reuse of its
// entries (backward-shift deletion must keep every other name findable).
#include "model/live_names.h"

#include <map>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace iovacheck {
namespace {

TEST(LiveNames, ResolvesBothWaysAndForgetsAReleasedName) {
  LiveNames names;
  names.bind("a1", 0x10);
  names.bind("nic0_7", 0x20);
  EXPECT_EQ(names.pfn_of("a1"), Pfn{0x10});
  ASSERT_NE(names.name_at(0x20), nullptr);
  EXPECT_EQ(*names.name_at(0x20), "nic0_7");
  EXPECT_EQ(names.pfn_of("a"), std::nullopt);
  EXPECT_EQ(names.name_at(0x11), nullptr);
  names.release("a1");
  EXPECT_EQ(names.pfn_of("a1"), std::nullopt);
  EXPECT_EQ(names.name_at(0x10), nullptr);
  EXPECT_EQ(names.size(), 1u);
  names.release("a1");  // not live: nothing
  EXPECT_EQ(names.size(), 1u);
}

TEST(LiveNames, BindingANameAgainMovesIt) {
  LiveNames names;
  names.bind("r", 1);
  names.bind("r", 2);
  EXPECT_EQ(names.pfn_of("r"), Pfn{2});
  EXPECT_EQ(names.name_at(1), nullptr);
  EXPECT_EQ(names.size(), 1u);
}

// The index by pfn is built on the first question by pfn: the same answers after any history.
TEST(LiveNames, AnswersByPfnFirstAskedLate) {
  LiveNames names;
  for (Pfn pfn = 1; pfn <= 500; ++pfn) names.bind("n" + std::to_string(pfn), pfn * 0x10);
  for (Pfn pfn = 1; pfn <= 500; pfn += 2) names.release("n" + std::to_string(pfn));
  names.bind("n2", 0x7);  // bound again elsewhere
  for (Pfn pfn = 1; pfn <= 500; ++pfn) {
    const std::string* name = names.name_at(pfn * 0x10);
    if (pfn % 2 == 1 || pfn == 2) {
      EXPECT_EQ(name, nullptr) << pfn;
    } else {
      ASSERT_NE(name, nullptr) << pfn;
      EXPECT_EQ(*name, "n" + std::to_string(pfn));
    }
  }
  ASSERT_NE(names.name_at(0x7), nullptr);
  EXPECT_EQ(*names.name_at(0x7), "n2");
  names.bind("late", 0x8);  // kept from then on
  names.release("n4");
  ASSERT_NE(names.name_at(0x8), nullptr);
  EXPECT_EQ(*names.name_at(0x8), "late");
  EXPECT_EQ(names.name_at(0x40), nullptr);
}

TEST(LiveNames, RefusesAnEmptyName) { EXPECT_THROW(LiveNames{}.bind("", 1), std::logic_error); }

// Random binds and releases against std::map, through several growths and many reused entries.
TEST(LiveNames, AgreesWithAMapUnderChurn) {
  LiveNames names;
  std::map<std::string, Pfn> by_name;
  std::map<Pfn, std::string> by_pfn;
  std::mt19937_64 random(7);
  Pfn next_pfn = 0;
  for (int i = 0; i < 50'000; ++i) {
    const std::string name = "n" + std::to_string(random() % 3000);
    if (by_name.count(name)) {
      by_pfn.erase(by_name[name]);
      by_name.erase(name);
      names.release(name);
    } else {
      const Pfn pfn = (next_pfn += 1 + random() % 64);
      by_name[name] = pfn;
      by_pfn[pfn] = name;
      names.bind(name, pfn);
    }
    if (i % 997 != 996) continue;  // first asked by pfn after a long history
    ASSERT_EQ(names.size(), by_name.size());
    for (const auto& [known, pfn] : by_name) ASSERT_EQ(names.pfn_of(known), pfn) << known;
    for (const auto& [pfn, known] : by_pfn) {
      ASSERT_NE(names.name_at(pfn), nullptr);
      ASSERT_EQ(*names.name_at(pfn), known);
    }
  }
  for (int k = 0; k < 3000; ++k) {
    const std::string name = "n" + std::to_string(k);
    EXPECT_EQ(names.pfn_of(name).has_value(), by_name.count(name) == 1) << name;
  }
}

}  // namespace
}  // namespace iovacheck
