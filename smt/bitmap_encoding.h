#pragma once
// A second Z3 encoding of the tree-level semantics, for BMC of first-fit variants: the state is
// three bitmaps over the 2^W pfns of the space (occupied, a node starts here, that node is an
// allocation) plus the cached nodes and the estimates as pfns. A node is named by its pfn_lo, so
// the state is canonical (no slot order, no allocation numbers) and the walk of section 3 step 4
// becomes "the highest aligned free run of `size` pages below a bound and at or above a low":
// one term per pfn instead of an unrolled walk over a sorted array with shifting inserts. Why that
// is the walk: docs/smt.md, "The bitmap encoding".
//
// It covers what that equivalence needs: the first-fit search with the underflow guard (a wrapped
// candidate of z5 has no pfn in the bitmap), no fixes (fN), no reference (frees name pfns, not
// allocations of two copies). bitmap_unsupported() says why a variant is outside it.
#include <string>
#include <vector>

#include <z3++.h>

#include "impl/variant.h"
#include "model/trace.h"
#include "smt/alphabet.h"
#include "smt/encoding.h"

namespace iovacheck::smt {

struct BitmapState {
  std::vector<z3::expr> used;       // one Boolean per pfn: inside some node
  std::vector<z3::expr> starts;     // a node's pfn_lo
  std::vector<z3::expr> allocated;  // that node is an allocation (freeable), not a reservation
  z3::expr count;                   // nodes, the anchor excluded
  z3::expr cached32, cached;        // pfn_lo of the cached node; the anchor's is 2^(W+1) - 1
  z3::expr max32, max32_aligned;    // max32_aligned: Max32Policy::SplitByAlignment only
};

struct BitmapStep {
  BitmapState next;
  z3::expr in_bounds;  // the state keeps at most the encoding's node bound
  z3::expr soundness, completeness, structure;
  z3::expr placed;     // alloc: the new node's pfn_lo, when `succeeds`
  z3::expr succeeds;   // alloc: the range was placed
  z3::expr violation() const { return soundness || completeness || structure; }
};

// Why `variant` is outside the bitmap encoding, or "".
std::string bitmap_unsupported(const impl::Variant& variant);

class BitmapEncoding {
 public:
  // EncodedOp as in smt/encoding.h, with `target` the pfn_lo of the allocation a free names.
  BitmapEncoding(z3::context& context, const Alphabet& alphabet, unsigned max_nodes);

  BitmapState initial() const;
  EncodedOp fresh_op(const std::string& prefix) const;
  z3::expr in_alphabet(const EncodedOp& op, const BitmapState& state) const;
  // Two reservations in a row come in ascending order (Encoding::canonical says why).
  z3::expr canonical(const EncodedOp& before, const EncodedOp& after) const;
  BitmapStep step(const impl::Variant& variant, const BitmapState& state, const EncodedOp& op) const;
  z3::expr differs(const BitmapState& a, const BitmapState& b) const;
  // What BMC may prove of a reached state and then assume (only once proved, so BMC stays
  // exact): the bitmaps are consistent (a start is occupied, an allocation is a start), the
  // cached nodes are the anchor or nodes ending at or above start_pfn, and the hint invariant.
  z3::expr lemma(const impl::Variant& variant, const BitmapState& state) const;

  // The ops of a model as a trace's steps: allocations named a<step + 1>, a free names the
  // allocation that holds its target pfn (from the placements of the model's earlier steps).
  std::vector<Step> decode(const z3::model& model, const std::vector<EncodedOp>& ops,
                           const std::vector<BitmapStep>& steps) const;
  // The nodes of a model's state, ascending (the anchor excluded).
  std::vector<Range> nodes(const z3::model& model, const BitmapState& state) const;

 private:
  unsigned space() const { return 1u << alphabet_.width; }  // pfns in the space
  z3::expr pfn(Pfn value) const { return context_.bv_val(static_cast<std::uint64_t>(value), pfn_bits_); }
  z3::expr anchor() const { return pfn((Pfn{1} << pfn_bits_) - 1); }
  z3::expr at_pfn(const std::vector<z3::expr>& bits, const z3::expr& at) const;  // bits[at], false outside
  // The pfns of [lo, hi] as one Boolean each.
  std::vector<z3::expr> range(const z3::expr& lo, const z3::expr& hi) const;
  // The last pfn of the node starting at `lo` (the anchor's pfn for the anchor).
  z3::expr node_end(const BitmapState& state, const z3::expr& lo) const;
  // The pfn_lo of the lowest node starting above `pfn`, or the anchor's.
  z3::expr successor(const BitmapState& state, const z3::expr& at) const;

  struct Search;
  Search search(const BitmapState& state, const z3::expr& size, const z3::expr& aligned) const;
  // fits[x]: a run of `size` pages at x is free, aligned as `runs` says, ends at or below
  // `bound` and starts at or above `low`.
  std::vector<z3::expr> fits(const Search& runs, const z3::expr& size, const z3::expr& bound, const z3::expr& low) const;
  BitmapStep alloc(const impl::Variant& variant, const BitmapState& state, const EncodedOp& op) const;
  BitmapStep free(const impl::Variant& variant, const BitmapState& state, const EncodedOp& op) const;
  BitmapStep reserve(const BitmapState& state, const EncodedOp& op) const;
  BitmapState merged(const z3::expr& condition, const BitmapState& when, const BitmapState& otherwise) const;

  z3::context& context_;
  Alphabet alphabet_;
  unsigned max_nodes_;
  unsigned pfn_bits_;
  unsigned count_bits_;
};

}  // namespace iovacheck::smt
