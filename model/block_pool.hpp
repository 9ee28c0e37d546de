#pragma once
// BlockPool's bodies (model/block_pool.h).
#include <algorithm>
#include <cstring>
#include <new>
#include <stdexcept>

#include "model/block_pool.h"

namespace iovacheck {

template <class T, unsigned kBlockBits>
BlockPool<T, kBlockBits>::BlockPool(const BlockPool& other) : free_(other.free_), next_(other.next_) {
  // Only the slots below next_ were ever written.
  for (std::size_t block = 0; block < other.blocks_.size(); ++block) {
    blocks_.push_back(new_block());
    const std::size_t first = block * kBlockSize;
    const std::size_t used = std::min<std::size_t>(kBlockSize, next_ > first ? next_ - first : 0);
    if (used > 0) std::memcpy(static_cast<void*>(blocks_.back().get()), other.blocks_[block].get(), used * sizeof(T));
  }
}

template <class T, unsigned kBlockBits>
BlockPool<T, kBlockBits>& BlockPool<T, kBlockBits>::operator=(const BlockPool& other) {
  if (this != &other) *this = BlockPool(other);
  return *this;
}

template <class T, unsigned kBlockBits>
typename BlockPool<T, kBlockBits>::Index BlockPool<T, kBlockBits>::acquire(const T& value) {
  // Checked here, where T is complete (a node type may name its pool before it is defined).
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "slots are copied as bytes and never destroyed one by one");
  Index slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
    (*this)[slot] = value;
    return slot;
  }
  if (next_ == kNone) throw std::length_error("BlockPool: more than 2^32 - 1 slots");
  slot = next_++;
  if ((slot >> kBlockBits) == blocks_.size()) blocks_.push_back(new_block());
  new (&(*this)[slot]) T(value);
  return slot;
}

}  // namespace iovacheck
