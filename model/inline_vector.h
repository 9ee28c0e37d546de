#pragma once
// A list that keeps its first N elements in place and moves to the heap only beyond them. A
// step's judgement builds a few short lists (the ranges a transition changes, the slots whose
// counts moved): one or two entries nearly always, hundreds after a flush. As std::vectors they
// were most of a step's heap allocations; in place they cost none.
#include <algorithm>
#include <array>
#include <cstddef>
#include <type_traits>
#include <vector>

namespace iovacheck {

template <class T, std::size_t N>
class InlineVector {
  static_assert(std::is_trivially_copyable_v<T>, "elements are copied as values when the list moves to the heap");

 public:
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](std::size_t i) { return data()[i]; }
  const T& operator[](std::size_t i) const { return data()[i]; }
  T& back() { return data()[size_ - 1]; }

  void push_back(const T& value) {
    if (size_ < N && heap_.empty()) {
      in_place_[size_++] = value;
      return;
    }
    if (heap_.empty()) {
      // Room for a few times N at once: copying exactly N and then growing took two or three
      // allocations for a list of a handful (a flush's).
      heap_.reserve(kFirstHeapCapacity);
      heap_.assign(in_place_.begin(), in_place_.begin() + size_);
    }
    heap_.push_back(value);
    ++size_;
  }
  template <class... Args>
  T& emplace_back(Args&&... args) {
    push_back(T{std::forward<Args>(args)...});
    return back();
  }

  // Drops the elements from `first` on.
  void truncate(T* first) {
    size_ = static_cast<std::size_t>(first - data());
    if (!heap_.empty()) heap_.resize(size_);
  }
  void clear() { truncate(begin()); }

 private:
  static constexpr std::size_t kFirstHeapCapacity = 4 * N;

  // Once on the heap, a list stays there until it is emptied: its elements are in one place.
  T* data() { return heap_.empty() ? in_place_.data() : heap_.data(); }
  const T* data() const { return heap_.empty() ? in_place_.data() : heap_.data(); }

  std::array<T, N> in_place_{};  // value-initialized: copying a partly set array would read indeterminate values
  std::vector<T> heap_;
  std::size_t size_ = 0;
};

}  // namespace iovacheck
