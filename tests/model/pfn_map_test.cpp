// PfnMap: a flat pfn -> value table; backward-shift deletion must keep every other key findable
// through growth and heavy churn, including keys that collide at home.
#include "model/pfn_map.h"

#include <map>
#include <random>

#include <gtest/gtest.h>

namespace iovacheck {
namespace {

TEST(PfnMap, SetsFindsAndErases) {
  PfnMap map;
  EXPECT_EQ(map.find(7), nullptr);
  map.set(7, 1);
  map.set(kMaxPfn, 2);
  map.set(7, 3);  // a new value for a known key
  ASSERT_NE(map.find(7), nullptr);
  EXPECT_EQ(*map.find(7), 3u);
  EXPECT_EQ(*map.find(kMaxPfn), 2u);
  EXPECT_EQ(map.size(), 2u);
  map.erase(7);
  map.erase(8);  // absent: nothing
  EXPECT_EQ(map.find(7), nullptr);
  EXPECT_EQ(map.size(), 1u);
}

// Random sets and erases against std::map; keys drawn from a small range and from multiples of
// a large power of two (which Fibonacci hashing must still spread) so probe runs form and break.
TEST(PfnMap, AgreesWithAMapUnderChurn) {
  PfnMap map;
  std::map<Pfn, std::uint32_t> reference;
  std::mt19937_64 random(11);
  for (int i = 0; i < 200'000; ++i) {
    const Pfn key = random() % 2 ? random() % 5000 : (random() % 5000) << 40;
    if (random() % 3 == 0) {
      map.erase(key);
      reference.erase(key);
    } else {
      const auto value = static_cast<std::uint32_t>(random());
      map.set(key, value);
      reference[key] = value;
    }
    if (i % 9973 != 0) continue;
    ASSERT_EQ(map.size(), reference.size());
    for (const auto& [known, value] : reference) {
      ASSERT_NE(map.find(known), nullptr) << known;
      ASSERT_EQ(*map.find(known), value);
    }
  }
}

}  // namespace
}  // namespace iovacheck
