#include "smt/bitmap_encoding.h"

#include <bit>
#include <map>

namespace iovacheck::smt {

using z3::expr;

namespace {

expr umin(const expr& a, const expr& b) { return z3::ite(z3::ult(a, b), a, b); }

expr any_of(z3::context& context, const std::vector<expr>& bits) {
  expr result = context.bool_val(false);
  for (const expr& bit : bits) result = result || bit;
  return result;
}

}  // namespace

std::string bitmap_unsupported(const impl::Variant& variant) {
  if (variant.search != impl::Search::FirstFitFromCachedNode)
    return "the bitmap encoding models the first-fit search only (not " + std::string(variant.name) + "'s)";
  if (!variant.underflow_guard)
    return "the bitmap encoding has no pfn for a wrapped candidate (" + std::string(variant.name) +
           " has no underflow guard)";
  if (variant.fixes != impl::Fixes{}) return "the bitmap encoding models no fixes (fN)";
  return "";
}

// The first-fit walk as bitmap terms, for one alloc op in one state. Walking down from node C
// with high = min(L, C.pfn_lo), the walk stops at the first gap whose highest aligned candidate
// lies above the node below it, or when the candidate drops below low: it ends on the highest
// aligned free run of `size` pages that ends below min(L, C.pfn_lo), and fails when that run
// starts below low or does not exist. The retry pass, from the lowest node reaching L, is the same
// with the bound L (the part of that node below L is occupied anyway).
struct BitmapEncoding::Search {
  std::vector<expr> free_run;    // a free run of `size` pages starts at pfn x (inside the space)
  std::vector<expr> aligned_at;  // x meets the request's alignment
};

struct Highest {
  expr found;
  expr at;
};

BitmapEncoding::BitmapEncoding(z3::context& context, const Alphabet& alphabet, unsigned max_nodes)
    : context_(context),
      alphabet_(alphabet),
      max_nodes_(max_nodes),
      pfn_bits_(alphabet.width + 1),
      count_bits_(static_cast<unsigned>(std::bit_width(max_nodes + 1u))) {}

BitmapState BitmapEncoding::initial() const {
  const std::vector<expr> none(space(), context_.bool_val(false));
  const expr dma32 = pfn(alphabet_.geometry.dma32_pfn);
  return BitmapState{none, none, none, context_.bv_val(0, count_bits_), anchor(), anchor(), dma32, dma32};
}

EncodedOp BitmapEncoding::fresh_op(const std::string& prefix) const {
  return make_op(context_, alphabet_, prefix, pfn_bits_, pfn_bits_);
}

expr BitmapEncoding::at_pfn(const std::vector<expr>& bits, const expr& at) const {
  expr result = context_.bool_val(false);
  for (unsigned j = 0; j < space(); ++j) result = result || (at == pfn(j) && bits[j]);
  return result;
}

std::vector<expr> BitmapEncoding::range(const expr& lo, const expr& hi) const {
  std::vector<expr> inside;
  for (unsigned j = 0; j < space(); ++j) inside.push_back(z3::ule(lo, pfn(j)) && z3::ule(pfn(j), hi));
  return inside;
}

expr BitmapEncoding::node_end(const BitmapState& state, const expr& lo) const {
  expr end = anchor();
  for (unsigned j = space(); j-- > 0;) {
    const expr ends_here = j + 1 == space() ? state.used[j] : state.used[j] && (!state.used[j + 1] || state.starts[j + 1]);
    end = z3::ite(ends_here && z3::uge(pfn(j), lo), pfn(j), end);
  }
  return end;
}

expr BitmapEncoding::successor(const BitmapState& state, const expr& at) const {
  expr next = anchor();
  for (unsigned j = space(); j-- > 0;) next = z3::ite(state.starts[j] && z3::ugt(pfn(j), at), pfn(j), next);
  return next;
}

expr BitmapEncoding::in_alphabet(const EncodedOp& op, const BitmapState& state) const {
  const expr free_ok = context_.bool_val(alphabet_.free) && at_pfn(state.allocated, op.target);
  expr disjoint = context_.bool_val(true);
  const std::vector<expr> reserved = range(op.lo, op.hi);
  for (unsigned j = 0; j < space(); ++j) disjoint = disjoint && !(state.used[j] && reserved[j]);
  const expr reserve_ok = context_.bool_val(alphabet_.reserve) && z3::ule(op.lo, op.hi) &&
                          z3::ule(op.hi, pfn(alphabet_.space_end())) && disjoint;
  const auto kind = [&](unsigned value) { return op.kind == context_.bv_val(value, 2); };
  return (kind(Encoding::kAllocKind) && alloc_in_alphabet(context_, alphabet_, op, pfn_bits_)) ||
         (kind(Encoding::kFreeKind) && free_ok) || (kind(Encoding::kReserveKind) && reserve_ok);
}

expr BitmapEncoding::canonical(const EncodedOp& before, const EncodedOp& after) const {
  return reservations_ascending(context_, before, after);
}

BitmapEncoding::Search BitmapEncoding::search(const BitmapState& state, const z3::expr& size,
                                              const z3::expr& aligned) const {
  // next_used[x]: the lowest occupied pfn at or above x (2^W when none), a chain of one term per
  // pfn: a run of `size` pages at x is free when it ends at or below it.
  std::vector<expr> next_used(space() + 1, pfn(space()));
  for (unsigned x = space(); x-- > 0;) next_used[x] = z3::ite(state.used[x], pfn(x), next_used[x + 1]);
  Search result;
  for (unsigned x = 0; x < space(); ++x) {
    result.free_run.push_back(z3::ule(pfn(x) + size, next_used[x]));
    // A size-aligned request is aligned to roundup_pow2(size): x qualifies when that divides x,
    // i.e. when size is at most x's lowest set bit (every size divides pfn 0).
    const Pfn lowest_bit = x == 0 ? alphabet_.max_size() : Pfn{x} & (~Pfn{x} + 1);
    result.aligned_at.push_back(!aligned || z3::ule(size, pfn(lowest_bit)));
  }
  return result;
}

std::vector<expr> BitmapEncoding::fits(const Search& runs, const expr& size, const expr& bound, const expr& low) const {
  std::vector<expr> at;
  for (unsigned x = 0; x < space(); ++x)
    at.push_back(runs.free_run[x] && runs.aligned_at[x] && z3::ule(pfn(x) + size, bound) && z3::uge(pfn(x), low));
  return at;
}

expr BitmapEncoding::lemma(const impl::Variant& variant, const BitmapState& state) const {
  const expr start = pfn(alphabet_.geometry.start_pfn);
  const expr dma32 = pfn(alphabet_.geometry.dma32_pfn);
  expr holds = context_.bool_val(true);
  for (unsigned j = 0; j < space(); ++j)
    holds = holds && z3::implies(state.starts[j], state.used[j]) && z3::implies(state.allocated[j], state.starts[j]);
  auto valid = [&](const expr& cached) {
    return cached == anchor() || (at_pfn(state.starts, cached) && z3::uge(node_end(state, cached), start));
  };
  auto no_run = [&](const expr& size, const expr& aligned) {
    std::vector<expr> none;
    for (const expr& fit : fits(search(state, size, aligned), size, dma32, start)) none.push_back(!fit);
    expr all = context_.bool_val(true);
    for (const expr& n : none) all = all && n;
    return all;
  };
  // With unaligned requests in the alphabet the estimate must refuse them too: no free run at
  // all; with aligned requests only, no aligned one (as Encoding::hint_invariant).
  holds = holds && valid(state.cached32) && valid(state.cached) &&
          no_run(state.max32, context_.bool_val(alphabet_.aligned_only));
  if (variant.max32_policy == impl::Max32Policy::SplitByAlignment)
    holds = holds && no_run(state.max32_aligned, context_.bool_val(true));
  return holds;
}

namespace {

// The highest x with fits[x], and whether there is one.
Highest highest(z3::context& context, const std::vector<expr>& fits, unsigned bits) {
  Highest result{context.bool_val(false), context.bv_val(0, bits)};
  for (unsigned x = 0; x < fits.size(); ++x) {
    result.found = result.found || fits[x];
    result.at = z3::ite(fits[x], context.bv_val(x, bits), result.at);
  }
  return result;
}

}  // namespace

BitmapStep BitmapEncoding::alloc(const impl::Variant& variant, const BitmapState& state, const EncodedOp& op) const {
  using impl::Max32Policy;
  const expr start = pfn(alphabet_.geometry.start_pfn);
  const expr dma32 = pfn(alphabet_.geometry.dma32_pfn);
  const expr one = pfn(1);
  const expr size = op.size;
  const expr limit = op.limit + one;  // L; no wrap: limits lie in the W-bit space
  const expr below_dma32 = z3::ule(limit, dma32);
  const bool split = variant.max32_policy == Max32Policy::SplitByAlignment;
  const expr estimate = split ? z3::ite(op.aligned, state.max32_aligned, state.max32) : state.max32;
  const expr early = below_dma32 && z3::uge(size, estimate);

  const Search runs = search(state, size, op.aligned);
  // Steps 3-5: the first pass down from the cached node, then one retry pass.
  const expr from = z3::ite(below_dma32, state.cached32, state.cached);
  const Highest first = highest(context_, fits(runs, size, umin(limit, from), start), pfn_bits_);
  const expr retry_pfn = node_end(state, from) + (variant.retry_pfn_is_hi_plus_one ? one : pfn(0));
  const expr retries = !first.found && context_.bool_val(variant.retry_pass) && z3::ult(retry_pfn, limit);
  const expr low = variant.retry_pfn_is_hi_plus_one ? retry_pfn : retry_pfn + one;
  const Highest second = highest(context_, fits(runs, size, limit, low), pfn_bits_);
  // A failed retry whose low is start_pfn again would repeat forever (validate() reports it).
  const expr hangs = retries && !second.found && low == start;
  const expr succeeds = !early && (first.found || (retries && second.found));
  const expr x = z3::ite(first.found, first.at, second.at);
  const expr hi = x + size - one;

  BitmapState placed = state;
  const std::vector<expr> taken = range(x, hi);
  for (unsigned j = 0; j < space(); ++j) {
    placed.used[j] = state.used[j] || taken[j];
    placed.starts[j] = state.starts[j] || x == pfn(j);
    placed.allocated[j] = state.allocated[j] || x == pfn(j);
  }
  placed.count = state.count + context_.bv_val(1, count_bits_);
  placed.cached32 = z3::ite(z3::ult(hi, dma32), x, state.cached32);  // step 6's insert update
  placed.cached = z3::ite(z3::ult(hi, dma32), state.cached, x);

  // Step 5's failure: the estimate (F1 fix candidates change when it is set).
  BitmapState refused = state;
  const expr searched = !early && !hangs;
  const expr whole_space = z3::uge(limit, dma32);
  const expr unaligned = !op.aligned || size == one;
  set_estimates_on_failure(variant.max32_policy, searched, whole_space, unaligned, size, refused);

  // Soundness, checked on the pre-state's bitmap rather than trusted from the search.
  expr disjoint = context_.bool_val(true);
  for (unsigned j = 0; j < space(); ++j) disjoint = disjoint && !(state.used[j] && taken[j]);
  std::vector<expr> aligned_here;
  for (unsigned j = 0; j < space(); ++j) aligned_here.push_back(x == pfn(j) && runs.aligned_at[j]);
  const expr sound = z3::uge(x, start) && z3::ule(x, op.limit) && z3::ule(size - one, op.limit - x) &&
                     any_of(context_, aligned_here) && disjoint;
  const expr placement_exists = any_of(context_, fits(runs, size, limit, start));
  return BitmapStep{merged(succeeds, placed, refused),
                    z3::implies(succeeds, z3::ult(state.count, context_.bv_val(max_nodes_, count_bits_))),
                    succeeds && !sound,
                    !succeeds && !hangs && placement_exists,
                    hangs,
                    x,
                    succeeds};
}

BitmapStep BitmapEncoding::free(const impl::Variant& variant, const BitmapState& state, const EncodedOp& op) const {
  const expr dma32 = pfn(alphabet_.geometry.dma32_pfn);
  const expr lo = op.target;  // in_alphabet: an allocation starts there
  const expr hi = node_end(state, lo);
  const expr next = successor(state, lo);
  // Removal steps 1-3, then the erase (as Encoding::free, with nodes named by pfn_lo).
  BitmapState removed = state;
  const expr is_cached32 = lo == state.cached32;
  const expr moves_cached32 = (variant.delete_checks_free_is_cached32 ? is_cached32 : context_.bool_val(false)) ||
                              (z3::ult(hi, dma32) && z3::uge(lo, state.cached32));
  removed.cached32 = z3::ite(moves_cached32, next, state.cached32);
  const expr resets = variant.max32_reset_needs_cached32_move ? moves_cached32 : z3::ult(lo, dma32);
  removed.max32 = z3::ite(resets, dma32, state.max32);
  removed.max32_aligned = z3::ite(resets, dma32, state.max32_aligned);
  removed.cached = z3::ite(z3::uge(lo, state.cached), next, state.cached);
  const std::vector<expr> freed = range(lo, hi);
  for (unsigned j = 0; j < space(); ++j) {
    removed.used[j] = state.used[j] && !freed[j];
    removed.starts[j] = state.starts[j] && lo != pfn(j);
    removed.allocated[j] = state.allocated[j] && lo != pfn(j);
  }
  removed.count = state.count - context_.bv_val(1, count_bits_);
  const expr no = context_.bool_val(false);
  // z4: cached32_node left on the freed node dangles (validate() reports it at once).
  return BitmapStep{removed, context_.bool_val(true), no, no, is_cached32 && !moves_cached32, pfn(0), no};
}

BitmapStep BitmapEncoding::reserve(const BitmapState& state, const EncodedOp& op) const {
  BitmapState next = state;  // in_alphabet: [lo, hi] is free; the cached nodes stay
  const std::vector<expr> reserved = range(op.lo, op.hi);
  for (unsigned j = 0; j < space(); ++j) {
    next.used[j] = state.used[j] || reserved[j];
    next.starts[j] = state.starts[j] || op.lo == pfn(j);
  }
  next.count = state.count + context_.bv_val(1, count_bits_);
  const expr no = context_.bool_val(false);
  return BitmapStep{next, z3::ult(state.count, context_.bv_val(max_nodes_, count_bits_)), no, no, no, pfn(0), no};
}

BitmapState BitmapEncoding::merged(const expr& condition, const BitmapState& when, const BitmapState& otherwise) const {
  BitmapState result = when;
  for (unsigned j = 0; j < space(); ++j) {
    result.used[j] = z3::ite(condition, when.used[j], otherwise.used[j]);
    result.starts[j] = z3::ite(condition, when.starts[j], otherwise.starts[j]);
    result.allocated[j] = z3::ite(condition, when.allocated[j], otherwise.allocated[j]);
  }
  merge_shared_fields(condition, when, otherwise, result);
  return result;
}

BitmapStep BitmapEncoding::step(const impl::Variant& variant, const BitmapState& state, const EncodedOp& op) const {
  const BitmapStep a = alloc(variant, state, op);
  const BitmapStep f = free(variant, state, op);
  const BitmapStep r = reserve(state, op);
  const expr is_alloc = op.kind == context_.bv_val(Encoding::kAllocKind, 2);
  const expr is_free = op.kind == context_.bv_val(Encoding::kFreeKind, 2);
  auto pick = [&](const expr& x, const expr& y, const expr& z) { return z3::ite(is_alloc, x, z3::ite(is_free, y, z)); };
  return BitmapStep{merged(is_alloc, a.next, merged(is_free, f.next, r.next)),
                    pick(a.in_bounds, f.in_bounds, r.in_bounds),
                    is_alloc && a.soundness,
                    is_alloc && a.completeness,
                    pick(a.structure, f.structure, r.structure),
                    a.placed,
                    is_alloc && a.succeeds};
}

expr BitmapEncoding::differs(const BitmapState& a, const BitmapState& b) const {
  expr any = a.count != b.count || a.cached32 != b.cached32 || a.cached != b.cached || a.max32 != b.max32 ||
             a.max32_aligned != b.max32_aligned;
  for (unsigned j = 0; j < space(); ++j)
    any = any || a.used[j] != b.used[j] || a.starts[j] != b.starts[j] || a.allocated[j] != b.allocated[j];
  return any;
}

std::vector<Step> BitmapEncoding::decode(const z3::model& model, const std::vector<EncodedOp>& ops,
                                         const std::vector<BitmapStep>& steps) const {
  auto value = [&](const expr& e) { return model.eval(e, true).get_numeral_uint64(); };
  std::map<Pfn, std::string> live;  // pfn_lo of each live allocation -> its name
  std::vector<Step> decoded;
  for (unsigned i = 0; i < ops.size(); ++i) {
    const EncodedOp& op = ops[i];
    switch (value(op.kind)) {
      case Encoding::kAllocKind: {
        const std::string name = "a" + std::to_string(i + 1);
        decoded.push_back(Step{Alloc{name, value(op.size), value(op.limit), model.eval(op.aligned, true).is_true()}, {}, 0});
        if (model.eval(steps[i].succeeds, true).is_true()) live[value(steps[i].placed)] = name;
        break;
      }
      case Encoding::kFreeKind: {
        const Pfn target = value(op.target);
        // A target no allocation of the model holds is decoded by pfn: confirm() then fails loudly.
        const auto named = live.find(target);
        decoded.push_back(Step{Free{named == live.end() ? Target{target, ""} : Target{0, named->second}}, {}, 0});
        if (named != live.end()) live.erase(named);
        break;
      }
      default: decoded.push_back(Step{Reserve{value(op.lo), value(op.hi)}, {}, 0});
    }
  }
  return decoded;
}

std::vector<Range> BitmapEncoding::nodes(const z3::model& model, const BitmapState& state) const {
  std::vector<Range> result;
  for (unsigned j = 0; j < space(); ++j) {
    if (!model.eval(state.used[j], true).is_true()) continue;
    if (model.eval(state.starts[j], true).is_true() || result.empty() || result.back().hi + 1 != j)
      result.push_back(Range{j, j});
    else
      result.back().hi = j;
  }
  return result;
}

}  // namespace iovacheck::smt
