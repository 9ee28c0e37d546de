#pragma once
// Internal to the trace parser: the words of the trace format (trace-format.md), each told from
// any other token with one hash and one comparison, so a statement is dispatched, an argument
// key found and a name checked against the keywords without comparing against every word.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace iovacheck::trace_words {

enum class Word : std::uint8_t {
  Other,  // no word of the format
  // operations
  Alloc, Fast, Free, Ffree, Reserve, Flush, Trim, Find,
  // snapshot statements
  Node, Cached32, Cached, Max32,
  // the header, flags, expectations, flush scopes and operation keys
  IovaTrace, Domain, Unaligned, Noflush, Fail, Ok, None, Anchor, Depot, All, Limit, Size, Cpu,
  // the domain statement's keys: the only words a name may be
  Granule, Start, Dma32, Mag, Cpus, Variant,
};

inline constexpr std::array<std::string_view, 32> kSpellings = {
    "",        "alloc",   "fast",   "free",   "ffree", "reserve", "flush", "trim", "find",  "node",      "cached32",
    "cached",  "max32",   "iova-trace", "domain", "unaligned", "noflush", "fail", "ok", "none",  "anchor", "depot",
    "all",     "limit",   "size",   "cpu",    "granule", "start",  "dma32", "mag",  "cpus",  "variant"};

constexpr std::size_t index_of(Word word) { return static_cast<std::size_t>(word); }
constexpr std::string_view spelling(Word word) { return kSpellings[index_of(word)]; }
// A bit per word, for sets of words (a statement's keys, the keys seen so far).
constexpr std::uint64_t bit(Word word) { return std::uint64_t{1} << index_of(word); }

constexpr bool is_operation(Word word) { return word >= Word::Alloc && word <= Word::Find; }
constexpr bool is_snapshot_statement(Word word) { return word >= Word::Node && word <= Word::Max32; }
// A name ([a-z][a-z0-9_]*) may not be one of these.
constexpr bool is_reserved(Word word) { return word != Word::Other && word < Word::Granule; }

namespace detail {
inline constexpr std::size_t kBuckets = 64;
// The length and the first two and last two bytes, multiplied into the top six bits. The
// multiplier was searched for so that every word has a bucket of its own (one comparison a
// token); probing still handles a collision should a word be added.
constexpr std::size_t bucket_of(std::string_view text) {
  const auto byte = [&](std::size_t at) { return static_cast<std::uint64_t>(static_cast<unsigned char>(text[at])); };
  const std::size_t last = text.size() - 1;
  const std::uint64_t key = text.size() | byte(0) << 8 | byte(last == 0 ? 0 : 1) << 16 |
                            byte(last == 0 ? 0 : last - 1) << 24 | byte(last) << 32;
  return static_cast<std::size_t>((key * 0x999f975c0dcef329ull) >> 58);
}
// Open addressing over the spellings, built at compile time; Word::Other marks an empty bucket.
inline constexpr std::array<Word, kBuckets> kBucketWords = [] {
  std::array<Word, kBuckets> buckets{};
  for (std::size_t word = 1; word < kSpellings.size(); ++word) {
    std::size_t bucket = bucket_of(kSpellings[word]);
    while (buckets[bucket] != Word::Other) bucket = (bucket + 1) & (kBuckets - 1);
    buckets[bucket] = static_cast<Word>(word);
  }
  return buckets;
}();
}  // namespace detail

// Whether two short texts (words, separators) are equal: compared in line, where string_view's ==
// would call memcmp for every token.
constexpr bool same_text(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// The word `text` spells, or Word::Other.
constexpr Word classify(std::string_view text) {
  if (text.empty()) return Word::Other;
  for (std::size_t bucket = detail::bucket_of(text);; bucket = (bucket + 1) & (detail::kBuckets - 1)) {
    const Word word = detail::kBucketWords[bucket];
    if (word == Word::Other || same_text(spelling(word), text)) return word;
  }
}

constexpr bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The bytes a name may hold after its first: [a-z0-9_].
inline constexpr std::array<bool, 256> kNameBytes = [] {
  std::array<bool, 256> bytes{};
  for (int c = 0; c < 256; ++c) bytes[static_cast<std::size_t>(c)] = is_lower(static_cast<char>(c)) || is_digit(static_cast<char>(c)) || c == '_';
  return bytes;
}();

// [a-z][a-z0-9_]*
constexpr bool is_name_syntax(std::string_view text) {
  if (text.empty() || !is_lower(text.front())) return false;
  for (const char c : text)
    if (!kNameBytes[static_cast<unsigned char>(c)]) return false;
  return true;
}

// A name a statement may define: the syntax, and no word of the format but the domain's keys.
constexpr bool is_definable_name(std::string_view text) { return is_name_syntax(text) && !is_reserved(classify(text)); }

static_assert([] {
  for (std::size_t word = 0; word < kSpellings.size(); ++word)
    if (classify(kSpellings[word]) != static_cast<Word>(word)) return false;
  return true;
}(), "every spelling classifies as its own word");

}  // namespace iovacheck::trace_words
