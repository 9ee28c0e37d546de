// The trace format's words: each spelling classifies as its own word, anything else as Other,
// and exactly the statement and argument words are reserved (a name may be a domain key).
#include "model/trace_words.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace iovacheck::trace_words {
namespace {

TEST(TraceWords, EverySpellingClassifiesAsItsWord) {
  for (std::size_t each = 1; each < kSpellings.size(); ++each) {
    const auto word = static_cast<Word>(each);
    EXPECT_EQ(classify(spelling(word)), word) << spelling(word);
  }
}

// Not needed for correctness (collisions are probed), but it is what makes a token one comparison.
TEST(TraceWords, EveryWordHasABucketOfItsOwn) {
  std::set<std::size_t> buckets;
  for (std::size_t each = 1; each < kSpellings.size(); ++each) buckets.insert(detail::bucket_of(kSpellings[each]));
  EXPECT_EQ(buckets.size(), kSpellings.size() - 1);
}

TEST(TraceWords, OtherTokensAreNoWord) {
  for (const std::string text : {"", "a", "a1", "allocs", "alloc2", "Alloc", "limit=", "cpu0", "iova", "trace",
                                 "ffre", "fre", "x", "0x10", "=>", ":", "cached3", "max", "variants"})
    EXPECT_EQ(classify(text), Word::Other) << text;
}

TEST(TraceWords, ReservedAreTheStatementAndArgumentWordsNotTheDomainKeys) {
  for (const char* reserved : {"alloc", "fast", "free", "ffree", "reserve", "flush", "trim", "find", "node",
                               "cached32", "cached", "max32", "iova-trace", "domain", "unaligned", "noflush", "fail",
                               "ok", "none", "anchor", "depot", "all", "limit", "size", "cpu"})
    EXPECT_TRUE(is_reserved(classify(reserved))) << reserved;
  for (const char* free_word : {"granule", "start", "dma32", "mag", "cpus", "variant", "a1", "nic0_7"})
    EXPECT_FALSE(is_reserved(classify(free_word))) << free_word;
}

TEST(TraceWords, StatementKinds) {
  for (const char* operation : {"alloc", "fast", "free", "ffree", "reserve", "flush", "trim", "find"})
    EXPECT_TRUE(is_operation(classify(operation))) << operation;
  for (const char* snapshot : {"node", "cached32", "cached", "max32"})
    EXPECT_TRUE(is_snapshot_statement(classify(snapshot))) << snapshot;
  EXPECT_FALSE(is_operation(classify("domain")));
  EXPECT_FALSE(is_snapshot_statement(classify("limit")));
}

}  // namespace
}  // namespace iovacheck::trace_words
