#pragma once
// max32_alloc_size, the 32-bit free-space estimate (section 3, step 2, step 5 and removal step
// 2), in one place for both trees, with the variant's delta (p2/p3), the fixes f1, f4, f6 and
// the F1 candidates' policies (Max32Policy).
#include "impl/domain_types.h"
#include "impl/variant.h"

namespace iovacheck::impl {

class Max32Estimate {
 public:
  Max32Estimate(const Config& config, const Variant& variant);

  Pfn value() const { return value_; }
  Pfn aligned_value() const { return aligned_value_; }  // Max32Policy::SplitByAlignment's second estimate
  void load(Pfn value) { value_ = aligned_value_ = value; }

  // Step 2: a request the estimate refuses before any search.
  bool refuses(Pfn size, Pfn exclusive_limit, bool size_aligned = false) const {
    const Pfn estimate = policy_ == Max32Policy::SplitByAlignment && size_aligned ? aligned_value_ : value_;
    return exclusive_limit <= dma32_pfn_ && size >= estimate;
  }
  // Step 5: a search for `size` (alignment mask `align_mask`) under `exclusive_limit` failed;
  // `searched_whole_window` when it covered all of [start_pfn, exclusive_limit - 1].
  void failed(Pfn size, Pfn align_mask, Pfn exclusive_limit, bool searched_whole_window);
  // Removal step 2: the range freed starts below dma32 (and the variant's condition holds).
  void reset() { value_ = aligned_value_ = nothing_known(); }

  // The value of the initial state and of a reset: dma32, or dma32 + 1 with f4 (start_pfn 0
  // makes the 32-bit space exactly dma32 pages long, so dma32 itself is a size that may fit).
  Pfn nothing_known() const;
  // The largest value f1 and f6 set: at least nothing_known(), and vacuous (longer than the
  // 32-bit space) even without f4, so a huge failed size cannot claim that dma32 pages do not fit.
  Pfn ceiling() const;

 private:
  Pfn start_pfn_;
  Pfn dma32_pfn_;
  bool sets_only_within_dma32_;  // p2, p3 (section 5), unless f6
  Fixes fixes_;
  Max32Policy policy_;  // an F1 candidate's rule (variant.h), AnyFailure elsewhere
  Pfn value_;
  Pfn aligned_value_;
};

}  // namespace iovacheck::impl
