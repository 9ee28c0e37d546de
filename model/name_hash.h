#pragma once
// The hash of a name shared by the parser's name table and the checker's live names. Names are
// short (a1234, nic0_17): eight bytes at a time, one multiply a word, then a full 64-bit
// finalizer (MurmurHash3's fmix64) so every bit of the result depends on every byte and on
// `salt`. A byte at a time (FNV-1a) is a chain of one dependent multiply a byte that a lookup
// waits on.
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace iovacheck {

inline std::uint64_t hash_name_bytes(std::string_view bytes, std::uint64_t salt = 0) {
  std::uint64_t hash = 0x9e3779b97f4a7c15ull ^ bytes.size() ^ salt * 0xc2b2ae3d27d4eb4full;
  for (;;) {
    std::uint64_t word = 0;
    const std::size_t length = bytes.size() < 8 ? bytes.size() : 8;
    std::memcpy(&word, bytes.data(), length);
    hash = std::rotl((hash ^ word) * 0x9e3779b97f4a7c15ull, 29);
    if (bytes.size() <= 8) break;
    bytes.remove_prefix(8);
  }
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdull;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ull;
  hash ^= hash >> 33;
  return hash;
}

}  // namespace iovacheck
