#include "impl/max32.h"

#include <algorithm>

#include "impl/tree_allocator.h"

namespace iovacheck::impl {

Max32Estimate::Max32Estimate(const Config& config, const Variant& variant)
    : start_pfn_(config.start_pfn),
      dma32_pfn_(config.dma32_pfn),
      sets_only_within_dma32_(variant.search == Search::HighestGap || variant.search == Search::MapleGap),
      fixes_(variant.fixes),
      policy_(variant.max32_policy),
      value_(nothing_known()),
      aligned_value_(value_) {}

Pfn Max32Estimate::nothing_known() const {
  return fixes_.f4 && dma32_pfn_ != kAnchorPfn ? dma32_pfn_ + 1 : dma32_pfn_;
}

Pfn Max32Estimate::ceiling() const {
  const Pfn space = dma32_pfn_ > start_pfn_ ? dma32_pfn_ - start_pfn_ : 0;  // pages in [start_pfn, dma32-1]
  return std::max(nothing_known(), space == kAnchorPfn ? kAnchorPfn : space + 1);
}

void Max32Estimate::failed(Pfn size, Pfn align_mask, Pfn exclusive_limit, bool searched_whole_window) {
  // Only a search of the whole 32-bit space proves anything about it, and an aligned one only
  // that no run of size + A - 1 pages is free (any such run holds an aligned range).
  const bool proves = exclusive_limit >= dma32_pfn_ && searched_whole_window;
  const Pfn slack = ~align_mask;
  const Pfn proven = std::min(size > kAnchorPfn - slack ? kAnchorPfn : size + slack, ceiling());
  if (sets_only_within_dma32_ && exclusive_limit > dma32_pfn_) {
    if (fixes_.f6 && proves) value_ = proven;  // f6: p2/p3 learn from a failure above dma32 too
    return;
  }
  if (fixes_.f1) {
    if (proves) value_ = proven;
    return;
  }
  const bool whole_space = exclusive_limit >= dma32_pfn_;
  const bool unaligned = align_mask == ~Pfn{0} || size == 1;
  switch (policy_) {  // step 5 as the variant has it
    case Max32Policy::AnyFailure: value_ = size; break;
    case Max32Policy::WholeSpace:
      if (whole_space) value_ = size;
      break;
    case Max32Policy::WholeSpaceUnaligned:
      if (whole_space && unaligned) value_ = size;
      break;
    case Max32Policy::SplitByAlignment:
      if (whole_space) aligned_value_ = size;
      if (whole_space && unaligned) value_ = size;
      break;
  }
}

}  // namespace iovacheck::impl
