#include "impl/variant.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace iovacheck::impl {
namespace {

TEST(Variants, MainlineFirstAndEveryNameOfTheTable) {
  const std::set<std::string> expected = {
      "mainline",          "z1-max32-reset",     "z2-retry-overflow", "z3-no-retry",
      "z4-stale-cached32", "z5-no-underflow-guard", "z6-rcache-bound", "z7-fast-no-roundup",
      "z8-flush-cpu-only", "z9-capped-depot",    "p1-best-fit",       "p2-augmented",
      "p3-maple",          "f1a-whole-space",    "f1b-unaligned",     "f1c-split"};
  std::set<std::string> names;
  for (const Variant& variant : all_variants()) {
    names.insert(std::string(variant.name));
    EXPECT_FALSE(variant.origin.empty()) << variant.name;
    EXPECT_FALSE(variant.summary.empty()) << variant.name;
  }
  EXPECT_EQ(names, expected);
  EXPECT_EQ(all_variants().size(), expected.size());
  EXPECT_EQ(all_variants().front().name, "mainline");
  EXPECT_EQ(&mainline(), &all_variants().front());
}

TEST(Variants, FindByName) {
  ASSERT_NE(find_variant("z3-no-retry"), nullptr);
  EXPECT_EQ(find_variant("z3-no-retry")->name, "z3-no-retry");
  EXPECT_EQ(find_variant("z3"), nullptr);
  EXPECT_EQ(find_variant(""), nullptr);
}

// Each historical variant is mainline with exactly the flag of its table row.
TEST(Variants, EachDeltaIsOneDeclaredFlag) {
  auto differences = [](const Variant& v) {
    const Variant& m = mainline();
    std::set<std::string> names;
    if (v.search != m.search) names.insert("search");
    if (v.max32_reset_needs_cached32_move != m.max32_reset_needs_cached32_move) names.insert("z1");
    if (v.retry_pfn_is_hi_plus_one != m.retry_pfn_is_hi_plus_one) names.insert("z2");
    if (v.retry_pass != m.retry_pass) names.insert("z3");
    if (v.delete_checks_free_is_cached32 != m.delete_checks_free_is_cached32) names.insert("z4");
    if (v.underflow_guard != m.underflow_guard) names.insert("z5");
    if (v.rcache_bound_ignores_size != m.rcache_bound_ignores_size) names.insert("z6");
    if (v.fast_rounds_size != m.fast_rounds_size) names.insert("z7");
    if (v.fast_flush_drains_depot != m.fast_flush_drains_depot) names.insert("z8");
    // z9 is one design (the pre-v6.7 depot) declared by three fields.
    if (v.depot_capacity != m.depot_capacity || v.depot_trimmed != m.depot_trimmed ||
        v.depot_flush_bottom_first != m.depot_flush_bottom_first)
      names.insert("z9");
    if (v.max32_policy != m.max32_policy) names.insert("f1");
    return names;
  };
  EXPECT_TRUE(differences(mainline()).empty());
  const std::pair<const char*, const char*> rows[] = {
      {"z1-max32-reset", "z1"},    {"z2-retry-overflow", "z2"},     {"z3-no-retry", "z3"},
      {"z4-stale-cached32", "z4"}, {"z5-no-underflow-guard", "z5"}, {"z6-rcache-bound", "z6"},
      {"z7-fast-no-roundup", "z7"}, {"z8-flush-cpu-only", "z8"},    {"z9-capped-depot", "z9"},
      {"p1-best-fit", "search"},
      {"p2-augmented", "search"},  {"p3-maple", "search"},      {"f1a-whole-space", "f1"},
      {"f1b-unaligned", "f1"},     {"f1c-split", "f1"}};
  for (const auto& [name, flag] : rows) {
    ASSERT_NE(find_variant(name), nullptr) << name;
    EXPECT_EQ(differences(*find_variant(name)), std::set<std::string>{flag}) << name;
  }
  EXPECT_EQ(find_variant("p1-best-fit")->search, Search::BestFit);
  EXPECT_EQ(find_variant("p2-augmented")->search, Search::HighestGap);
  EXPECT_EQ(find_variant("p3-maple")->search, Search::MapleGap);
  EXPECT_TRUE(find_variant("p1-best-fit")->has_cached_nodes());
  EXPECT_FALSE(find_variant("p2-augmented")->has_cached_nodes());
}

}  // namespace
}  // namespace iovacheck::impl
