#pragma once
// Bounded model checking over the bitmap encoding (smt/bitmap_encoding.h): the same iterative
// deepening as bounded_model_check, on a canonical state, for the variants that encoding covers
// and without a reference. Its counterexamples are replayed by the checker like every other.
#include <functional>

#include "smt/prove.h"

namespace iovacheck::smt {

// Throws std::invalid_argument when the variant is outside the bitmap encoding or a reference
// is given.
ProveResult bitmap_model_check(const ProveOptions& options, const std::function<void(const DepthReport&)>& progress = {});

}  // namespace iovacheck::smt
