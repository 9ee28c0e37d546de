#pragma once
// The Z3 encoding of the tree-level semantics (docs/spec.md sections 2, 3 and 5) over
// the alphabet of smt/alphabet.h. Pfns are bit-vectors of width W + 1: the extra guard bit
// makes a wrapped `high - size` land above every node of the W-bit space and below the anchor,
// as the 64-bit wrap does. The nodes are a packed array sorted by pfn_lo with the anchor in the
// slot after the last node, so a node's predecessor is the slot below it; the walk is unrolled
// over the slots (one "visited" flag each), which also yields the insert position. Each node
// carries the number of the step that allocated it (0: a reservation or the anchor), so a free
// names the same allocation in two copies of the state.
//
// The fixes of impl/variant.h compose as there (NAME+fN): f1 (the estimate set only by a search
// of the whole 32-bit window, to size + A - 1), f4 (its "nothing known" value dma32 + 1), f6 and
// f7 (p2/p3) are encoded; f2, f3, f5 and f9 change nothing the alphabet reaches (limit 2^64-1, a
// reservation over a node, the range caches, a reservation up to 2^64-1), so a variant with them
// encodes as without them (tests/smt/encoding_test.cpp checks both against the implementation).
#include <string>
#include <vector>

#include <z3++.h>

#include "impl/variant.h"
#include "model/trace.h"
#include "smt/alphabet.h"

namespace iovacheck::smt {

// One symbolic operation of the alphabet.
struct EncodedOp {
  z3::expr kind;     // kAllocKind, kFreeKind or kReserveKind
  z3::expr size;     // alloc
  z3::expr limit;    // alloc (inclusive)
  z3::expr aligned;  // alloc, Boolean
  z3::expr target;   // free: the number of the step whose allocation is freed (1-based)
  z3::expr lo, hi;   // reserve
};

// What both encodings (this one and smt/bitmap_encoding.h) share about an operation: a fresh
// symbolic op (a restriction that fixes a field makes it a constant, so the solver never sees
// the other values; `target` has `target_bits`), the alloc's own membership in the alphabet
// (size, limit, alignment), and two reservations in a row in ascending order.
EncodedOp make_op(z3::context& context, const Alphabet& alphabet, const std::string& prefix, unsigned pfn_bits,
                  unsigned target_bits);
z3::expr alloc_in_alphabet(z3::context& context, const Alphabet& alphabet, const EncodedOp& op, unsigned pfn_bits);
z3::expr reservations_ascending(z3::context& context, const EncodedOp& before, const EncodedOp& after);

struct EncodedState {
  std::vector<z3::expr> lo, hi, id;  // one per slot; slot `count` holds the anchor
  z3::expr count;                    // number of nodes, the anchor excluded
  z3::expr cached32, cached;         // slot indices
  z3::expr max32, max32_aligned;     // max32_aligned: Max32Policy::SplitByAlignment only
};

// Sets in `result` the fields every encoding's state has (the node count, the cached nodes, the
// estimates) to `when`'s under `condition`, else to `otherwise`'s; each encoding merges its own
// node fields.
template <class State>
void merge_shared_fields(const z3::expr& condition, const State& when, const State& otherwise, State& result) {
  result.count = z3::ite(condition, when.count, otherwise.count);
  result.cached32 = z3::ite(condition, when.cached32, otherwise.cached32);
  result.cached = z3::ite(condition, when.cached, otherwise.cached);
  result.max32 = z3::ite(condition, when.max32, otherwise.max32);
  result.max32_aligned = z3::ite(condition, when.max32_aligned, otherwise.max32_aligned);
}

// Section 5 without the fN fixes: the estimates a searched failure of `size` leaves in `refused`
// under each max32 policy (whole_space: L >= dma32; unaligned: an unaligned or one-page request).
// Both encodings' first-fit failures share it.
template <class State>
void set_estimates_on_failure(impl::Max32Policy policy, const z3::expr& searched, const z3::expr& whole_space,
                              const z3::expr& unaligned, const z3::expr& size, State& refused) {
  using impl::Max32Policy;
  z3::expr sets = searched;
  switch (policy) {
    case Max32Policy::AnyFailure: break;
    case Max32Policy::WholeSpace: sets = sets && whole_space; break;
    case Max32Policy::WholeSpaceUnaligned:
    case Max32Policy::SplitByAlignment: sets = sets && whole_space && unaligned; break;
  }
  if (policy == Max32Policy::SplitByAlignment)
    refused.max32_aligned = z3::ite(searched && whole_space, size, refused.max32_aligned);
  refused.max32 = z3::ite(sets, size, refused.max32);
}

// What one step does and what it breaks.
struct EncodedStep {
  EncodedState next;
  z3::expr in_bounds;    // the state keeps at most the encoding's node bound
  z3::expr soundness;    // a violation of each kind (Booleans)
  z3::expr completeness;
  z3::expr structure;
  std::vector<z3::expr> completeness_by_gap;  // completeness, the fitting placement in the gap below slot i
  z3::expr violation() const { return soundness || completeness || structure; }
};

class Encoding {
 public:
  static constexpr unsigned kAllocKind = 0, kFreeKind = 1, kReserveKind = 2;

  // `max_nodes`: the bound K on the nodes of any state (the anchor excluded); `max_steps`: the
  // highest allocation number a step may give (step numbers are 0-based, allocations 1-based).
  // Both size the bit-vectors: the narrower, the smaller the SAT problem.
  Encoding(z3::context& context, const Alphabet& alphabet, unsigned max_nodes, unsigned max_steps);

  // The empty domain of `variant` (its estimate starts at nothing_known, which f4 changes).
  EncodedState initial(const impl::Variant& variant) const;
  // A symbolic state of exactly `count` nodes (induction splits on the count).
  EncodedState fresh_state(const std::string& prefix, unsigned count) const;
  EncodedOp fresh_op(const std::string& prefix) const;
  // The op belongs to the alphabet in `state` (a free names a live allocation of `state`).
  z3::expr in_alphabet(const EncodedOp& op, const EncodedState& state) const;
  // Symmetry breaking for BMC: two reservations in a row come in ascending order. They commute
  // (a reservation touches neither the cached nodes nor the estimates, and its node's place
  // depends only on its range), so every trace has a twin of the same length, with the same
  // states after the pair, that satisfies this.
  z3::expr canonical(const EncodedOp& before, const EncodedOp& after) const;
  // Applies `op` as step number `step` (0-based) of a trace on `variant`.
  EncodedStep step(const impl::Variant& variant, const EncodedState& state, const EncodedOp& op, unsigned step) const;

  // The two states differ somewhere (a step that changes nothing can be left out of any trace).
  z3::expr differs(const EncodedState& a, const EncodedState& b) const;

  // Order, disjointness, the anchor in place, valid cached nodes (the anchor or a node ending at
  // or above start_pfn), allocations at or above start_pfn, unique allocation numbers.
  z3::expr well_formed(const EncodedState& state) const;
  // The hint invariant: no free run of max32 pages, and (split estimate) no size-aligned
  // placement of max32_aligned pages, inside [start_pfn, dma32).
  z3::expr hint_invariant(const impl::Variant& variant, const EncodedState& state) const;

  // The op as a trace step; a free names allocation "a<N>", or with `free_by_pfn` the pfn of
  // the node that allocation holds in that state (a trace starting from a snapshot).
  Step decode_op(const z3::model& model, const EncodedOp& op, unsigned step,
                 const EncodedState* free_by_pfn = nullptr) const;
  Snapshot decode_state(const z3::model& model, const EncodedState& state) const;
  unsigned max_nodes() const { return max_nodes_; }
  // Allocation number `value` (0: a reservation or the anchor) as the encoding's bit-vector.
  z3::expr id(unsigned value) const { return context_.bv_val(value, id_bits_); }

 private:
  struct Walk;
  z3::expr pfn(Pfn value) const { return context_.bv_val(static_cast<std::uint64_t>(value), pfn_bits_); }
  z3::expr kind(unsigned value) const { return context_.bv_val(value, 2); }
  z3::expr anchor() const { return pfn((Pfn{1} << pfn_bits_) - 1); }
  z3::expr index(unsigned value) const { return context_.bv_val(value, index_bits_); }
  z3::expr select(const std::vector<z3::expr>& slots, const z3::expr& at) const;
  z3::expr live(const EncodedState& state, unsigned slot) const;  // slot < count
  Walk walk(const EncodedState& state, const z3::expr& from, const z3::expr& high, const z3::expr& size,
            const z3::expr& mask, const z3::expr& low) const;
  EncodedState inserted(const EncodedState& state, const z3::expr& at, const z3::expr& lo, const z3::expr& hi,
                        const z3::expr& id) const;
  EncodedState erased(const EncodedState& state, const z3::expr& at) const;
  static unsigned slots(const EncodedState& state) { return static_cast<unsigned>(state.lo.size()); }
  // The state with at least `size` slots, the new ones holding copies of the anchor.
  EncodedState padded(const EncodedState& state, unsigned size) const;
  EncodedState merged(const z3::expr& condition, const EncodedState& when, const EncodedState& otherwise) const;
  // Some gap holds [x, x + size - 1] with start_pfn <= x, x + size <= end, x a multiple of
  // `alignment` (a power of two): the placement completeness and the hint invariant speak of.
  z3::expr placement_exists(const EncodedState& state, const z3::expr& size, const z3::expr& alignment,
                            const z3::expr& end) const;
  std::vector<z3::expr> placements(const EncodedState& state, const z3::expr& size, const z3::expr& alignment,
                                   const z3::expr& end) const;  // one per gap
  EncodedStep alloc(const impl::Variant& variant, const EncodedState& state, const EncodedOp& op, unsigned step) const;
  EncodedStep free(const impl::Variant& variant, const EncodedState& state, const EncodedOp& op) const;
  EncodedStep reserve(const EncodedState& state, const EncodedOp& op) const;
  // max32_alloc_size's "nothing known" value (the initial one and a reset's) and the largest
  // value f1 and f6 set, as impl/max32.h has them.
  Pfn nothing_known(const impl::Variant& variant) const;
  Pfn ceiling(const impl::Variant& variant) const;
  // Step 5's failure as impl/max32.cpp records it: the variant's policy, p2/p3's rule, f1, f6.
  // `whole_window`: the failed search covered [start_pfn, L).
  void record_failure(const impl::Variant& variant, EncodedState& refused, const z3::expr& searched,
                      const z3::expr& whole_window, const z3::expr& size, const z3::expr& alignment,
                      const z3::expr& limit) const;

  z3::context& context_;
  Alphabet alphabet_;
  unsigned max_nodes_;
  unsigned slots_;  // max_nodes + 1: room for the anchor; a state has at most this many
  unsigned pfn_bits_;
  unsigned index_bits_;  // slot indices: the count, the cached nodes, insert positions
  unsigned id_bits_;     // allocation numbers
};

}  // namespace iovacheck::smt
