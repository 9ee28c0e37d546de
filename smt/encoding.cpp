#include "smt/encoding.h"

#include <algorithm>
#include <bit>
#include <tuple>

namespace iovacheck::smt {

using z3::expr;

namespace {

expr umin(const expr& a, const expr& b) { return z3::ite(z3::ult(a, b), a, b); }
expr umax(const expr& a, const expr& b) { return z3::ite(z3::ult(a, b), b, a); }

// p1's best fit neither checks nor sets max32_alloc_size (section 5).
bool has_estimate(const impl::Variant& variant) { return variant.search != impl::Search::BestFit; }

}  // namespace

// The walk of section 3, step 4, unrolled over the slots from the top: where it ended.
struct Encoding::Walk {
  expr high;
  expr cand;
  expr end;  // the slot it ended on: the new node goes just below it
};

Encoding::Encoding(z3::context& context, const Alphabet& alphabet, unsigned max_nodes, unsigned max_steps)
    : context_(context),
      alphabet_(alphabet),
      max_nodes_(max_nodes),
      slots_(max_nodes + 1),
      pfn_bits_(alphabet.width + 1),
      // Slot indices reach slots_ (an insert position above the anchor's slot) plus one: the
      // sums of the branches that are not taken must not wrap onto a real index either.
      index_bits_(static_cast<unsigned>(std::bit_width(max_nodes + 2u))),
      id_bits_(static_cast<unsigned>(std::bit_width(max_steps))) {}

expr Encoding::select(const std::vector<expr>& slots, const expr& at) const {
  expr result = slots.back();
  for (auto i = static_cast<unsigned>(slots.size()) - 1; i-- > 0;) result = z3::ite(at == index(i), slots[i], result);
  return result;
}

expr Encoding::live(const EncodedState& state, unsigned slot) const { return z3::ult(index(slot), state.count); }

Pfn Encoding::nothing_known(const impl::Variant& variant) const {
  // f4: dma32 + 1, so that with start_pfn 0 a request of dma32 pages is searched.
  return alphabet_.geometry.dma32_pfn + (variant.fixes.f4 ? 1 : 0);
}

Pfn Encoding::ceiling(const impl::Variant& variant) const {
  const Pfn start = alphabet_.geometry.start_pfn;
  const Pfn dma32 = alphabet_.geometry.dma32_pfn;
  return std::max(nothing_known(variant), (dma32 > start ? dma32 - start : 0) + 1);
}

EncodedState Encoding::initial(const impl::Variant& variant) const {
  const expr anchor_pfn = anchor();
  // One slot, the anchor's: a state grows a slot with each insert, up to the node bound.
  return EncodedState{std::vector<expr>(1, anchor_pfn),
                      std::vector<expr>(1, anchor_pfn),
                      std::vector<expr>(1, id(0)),
                      index(0),
                      index(0),
                      index(0),
                      pfn(nothing_known(variant)),
                      pfn(nothing_known(variant))};
}

EncodedState Encoding::fresh_state(const std::string& prefix, unsigned count) const {
  auto bits = [&](const std::string& name, unsigned width) { return context_.bv_const((prefix + name).c_str(), width); };
  EncodedState state = initial(impl::mainline());  // every field is replaced below
  state.lo.assign(count + 1, anchor());
  state.hi.assign(count + 1, anchor());
  state.id.assign(count + 1, id(0));
  for (unsigned i = 0; i < count; ++i) {
    state.lo[i] = bits("lo" + std::to_string(i), pfn_bits_);
    state.hi[i] = bits("hi" + std::to_string(i), pfn_bits_);
    state.id[i] = bits("id" + std::to_string(i), id_bits_);
  }
  state.count = index(count);
  state.cached32 = bits("cached32", index_bits_);
  state.cached = bits("cached", index_bits_);
  state.max32 = bits("max32", pfn_bits_);
  state.max32_aligned = bits("max32_aligned", pfn_bits_);
  return state;
}

EncodedOp make_op(z3::context& context, const Alphabet& alphabet, const std::string& prefix, unsigned pfn_bits,
                  unsigned target_bits) {
  auto bits = [&](const char* name, unsigned width) { return context.bv_const((prefix + name).c_str(), width); };
  auto pfn = [&](Pfn value) { return context.bv_val(static_cast<std::uint64_t>(value), pfn_bits); };
  const bool one_limit = alphabet.limits.size() == 1;
  const bool allocs_only = !alphabet.free && !alphabet.reserve;
  return EncodedOp{allocs_only ? context.bv_val(Encoding::kAllocKind, 2) : bits("kind", 2),
                   bits("size", pfn_bits),
                   one_limit ? pfn(alphabet.limits.front()) : bits("limit", pfn_bits),
                   alphabet.aligned_only ? context.bool_val(true) : context.bool_const((prefix + "aligned").c_str()),
                   bits("target", target_bits),
                   bits("lo", pfn_bits),
                   bits("hi", pfn_bits)};
}

expr alloc_in_alphabet(z3::context& context, const Alphabet& alphabet, const EncodedOp& op, unsigned pfn_bits) {
  auto pfn = [&](Pfn value) { return context.bv_val(static_cast<std::uint64_t>(value), pfn_bits); };
  expr limit_ok = z3::ule(op.limit, pfn(alphabet.space_end()));
  if (!alphabet.limits.empty()) {
    expr any = context.bool_val(false);
    for (Pfn limit : alphabet.limits) any = any || op.limit == pfn(limit);
    limit_ok = limit_ok && any;
  }
  return z3::uge(op.size, pfn(1)) && z3::ule(op.size, pfn(alphabet.max_size())) && limit_ok &&
         (alphabet.aligned_only ? op.aligned : context.bool_val(true));
}

expr reservations_ascending(z3::context& context, const EncodedOp& before, const EncodedOp& after) {
  const expr reserve = context.bv_val(Encoding::kReserveKind, 2);
  return z3::implies(before.kind == reserve && after.kind == reserve, z3::ult(before.lo, after.lo));
}

EncodedOp Encoding::fresh_op(const std::string& prefix) const {
  return make_op(context_, alphabet_, prefix, pfn_bits_, id_bits_);
}

expr Encoding::in_alphabet(const EncodedOp& op, const EncodedState& state) const {
  const expr space_end = pfn(alphabet_.space_end());
  const expr alloc_ok = alloc_in_alphabet(context_, alphabet_, op, pfn_bits_);
  expr target_live = context_.bool_val(false);
  for (unsigned i = 0; i + 1 < slots(state); ++i) target_live = target_live || (live(state, i) && state.id[i] == op.target);
  const expr free_ok = context_.bool_val(alphabet_.free) && op.target != id(0) && target_live;
  expr disjoint = context_.bool_val(true);
  for (unsigned i = 0; i + 1 < slots(state); ++i)
    disjoint = disjoint && z3::implies(live(state, i), z3::ult(state.hi[i], op.lo) || z3::ugt(state.lo[i], op.hi));
  const expr reserve_ok =
      context_.bool_val(alphabet_.reserve) && z3::ule(op.lo, op.hi) && z3::ule(op.hi, space_end) && disjoint;
  return (op.kind == kind(kAllocKind) && alloc_ok) || (op.kind == kind(kFreeKind) && free_ok) ||
         (op.kind == kind(kReserveKind) && reserve_ok);
}

expr Encoding::canonical(const EncodedOp& before, const EncodedOp& after) const {
  return reservations_ascending(context_, before, after);
}

Encoding::Walk Encoding::walk(const EncodedState& state, const expr& from, const expr& high0, const expr& size,
                              const expr& mask, const expr& low) const {
  Walk result{pfn(0), pfn(0), index(0)};
  expr above_active = context_.bool_val(false);  // the slot above was visited and the loop went on
  expr above_high = high0;
  for (unsigned i = slots(state); i-- > 0;) {
    const expr starts = from == index(i);
    const expr visited = starts || above_active;
    const expr high = umin(z3::ite(starts, high0, above_high), state.lo[i]);
    const expr cand = (high - size) & mask;
    // `repeat while curr exists && cand <= curr.pfn_hi && cand >= low`, curr being slot i - 1
    const expr goes_on = i == 0 ? context_.bool_val(false) : z3::ule(cand, state.hi[i - 1]) && z3::uge(cand, low);
    const expr ends = visited && !goes_on;
    result.high = z3::ite(ends, high, result.high);
    result.cand = z3::ite(ends, cand, result.cand);
    result.end = z3::ite(ends, index(i), result.end);
    above_active = visited && goes_on;
    above_high = high;
  }
  return result;
}

EncodedState Encoding::inserted(const EncodedState& state, const expr& at, const expr& lo, const expr& hi,
                                const expr& id) const {
  EncodedState next = padded(state, std::min(slots(state) + 1, slots_));
  for (unsigned i = 0; i < slots(next); ++i) {
    auto shifted = [&](const std::vector<expr>& old, const expr& value) {
      const expr below = i == 0 ? value : old[i - 1];
      return z3::ite(z3::ult(index(i), at), old[i], z3::ite(at == index(i), value, below));
    };
    next.lo[i] = shifted(padded(state, slots(next)).lo, lo);
    next.hi[i] = shifted(padded(state, slots(next)).hi, hi);
    next.id[i] = shifted(padded(state, slots(next)).id, id);
  }
  next.count = state.count + index(1);
  next.cached32 = z3::ite(z3::uge(state.cached32, at), state.cached32 + index(1), state.cached32);
  next.cached = z3::ite(z3::uge(state.cached, at), state.cached + index(1), state.cached);
  return next;
}

EncodedState Encoding::padded(const EncodedState& state, unsigned size) const {
  EncodedState result = state;
  result.lo.resize(std::max<std::size_t>(size, state.lo.size()), anchor());
  result.hi.resize(std::max<std::size_t>(size, state.hi.size()), anchor());
  result.id.resize(std::max<std::size_t>(size, state.id.size()), id(0));
  return result;
}

EncodedState Encoding::merged(const expr& condition, const EncodedState& when, const EncodedState& otherwise) const {
  const unsigned size = std::max(slots(when), slots(otherwise));
  const EncodedState a = padded(when, size);
  const EncodedState b = padded(otherwise, size);
  EncodedState result = a;
  for (unsigned i = 0; i < size; ++i) {
    result.lo[i] = z3::ite(condition, a.lo[i], b.lo[i]);
    result.hi[i] = z3::ite(condition, a.hi[i], b.hi[i]);
    result.id[i] = z3::ite(condition, a.id[i], b.id[i]);
  }
  merge_shared_fields(condition, a, b, result);
  return result;
}

EncodedState Encoding::erased(const EncodedState& state, const expr& at) const {
  EncodedState next = state;
  const expr anchor_pfn = anchor();
  for (unsigned i = 0; i < slots(state); ++i) {
    const bool top = i + 1 == slots(state);
    next.lo[i] = z3::ite(z3::ult(index(i), at), state.lo[i], top ? anchor_pfn : state.lo[i + 1]);
    next.hi[i] = z3::ite(z3::ult(index(i), at), state.hi[i], top ? anchor_pfn : state.hi[i + 1]);
    next.id[i] = z3::ite(z3::ult(index(i), at), state.id[i], top ? id(0) : state.id[i + 1]);
  }
  next.count = state.count - index(1);
  next.cached32 = z3::ite(z3::ugt(state.cached32, at), state.cached32 - index(1), state.cached32);
  next.cached = z3::ite(z3::ugt(state.cached, at), state.cached - index(1), state.cached);
  return next;
}

std::vector<expr> Encoding::placements(const EncodedState& state, const expr& size, const expr& alignment,
                                       const expr& end) const {
  const expr start = pfn(alphabet_.geometry.start_pfn);
  std::vector<expr> in_gap;
  for (unsigned i = 0; i < slots(state); ++i) {
    // The gap below slot i (slot `count` is the anchor), clipped to [start_pfn, end).
    const expr bottom = i == 0 ? start : umax(state.hi[i - 1] + pfn(1), start);
    const expr top = umin(state.lo[i], end);
    const expr cand = (top - size) & ~(alignment - pfn(1));
    in_gap.push_back(z3::ule(index(i), state.count) && z3::uge(top, size) && z3::uge(cand, bottom));
  }
  return in_gap;
}

expr Encoding::placement_exists(const EncodedState& state, const expr& size, const expr& alignment,
                                const expr& end) const {
  expr any = context_.bool_val(false);
  for (const expr& here : placements(state, size, alignment, end)) any = any || here;
  return any;
}

namespace {

// roundup_pow2(size) for 1 <= size <= 2^width, as the alignment of a size-aligned request.
expr alignment_of(const expr& size, unsigned width, z3::context& context, unsigned bits) {
  expr result = context.bv_val(std::uint64_t{1} << width, bits);
  for (unsigned k = width; k-- > 0;) {
    const expr power = context.bv_val(std::uint64_t{1} << k, bits);
    result = z3::ite(z3::ule(size, power), power, result);
  }
  return result;
}

}  // namespace

EncodedStep Encoding::alloc(const impl::Variant& variant, const EncodedState& state, const EncodedOp& op,
                            unsigned step) const {
  using impl::Max32Policy;
  const expr start = pfn(alphabet_.geometry.start_pfn);
  const expr dma32 = pfn(alphabet_.geometry.dma32_pfn);
  const expr one = pfn(1);
  const expr size = op.size;
  const expr limit = op.limit + one;  // L; no wrap: limits lie in the W-bit space
  const expr alignment = z3::ite(op.aligned, alignment_of(size, alphabet_.width, context_, pfn_bits_), one);
  const expr mask = ~(alignment - one);
  const expr below_dma32 = z3::ule(limit, dma32);
  const bool split = variant.max32_policy == Max32Policy::SplitByAlignment;
  const expr estimate = split ? z3::ite(op.aligned, state.max32_aligned, state.max32) : state.max32;
  // p1 neither checks nor sets the estimate (section 5).
  const bool estimates = has_estimate(variant);
  const expr early = estimates ? below_dma32 && z3::uge(size, estimate) : context_.bool_val(false);

  expr found = context_.bool_val(false);  // the search placed the range (the early check aside)
  expr cand = pfn(0);
  expr at = index(0);
  expr hangs = context_.bool_val(false);
  expr retried = context_.bool_val(false);  // first fit: the retry pass ran
  expr retry_pfn = pfn(0);
  const bool first_fit = variant.search == impl::Search::FirstFitFromCachedNode;
  if (first_fit) {
    // Steps 3-5: the first pass down from the cached node, then one retry pass.
    const expr from = z3::ite(below_dma32, state.cached32, state.cached);
    const Walk first = walk(state, from, limit, size, mask, start);
    auto failed = [&](const Walk& pass, const expr& low) {
      return (variant.underflow_guard ? z3::ult(pass.high, size) : context_.bool_val(false)) || z3::ult(pass.cand, low);
    };
    retry_pfn = select(state.hi, from) + (variant.retry_pfn_is_hi_plus_one ? one : pfn(0));
    const expr retries = failed(first, start) && context_.bool_val(variant.retry_pass) && z3::ult(retry_pfn, limit);
    retried = retries;
    const expr low = variant.retry_pfn_is_hi_plus_one ? retry_pfn : retry_pfn + one;
    expr lowest_reaching = index(slots(state) - 1);  // the lowest node not entirely below L
    for (unsigned i = slots(state); i-- > 0;)
      lowest_reaching =
          z3::ite(z3::ule(index(i), state.count) && z3::uge(state.hi[i], limit), index(i), lowest_reaching);
    const Walk second = walk(state, lowest_reaching, limit, size, mask, low);
    // A failed retry whose low is start_pfn again would repeat forever: the implementation
    // records the hang and validate() reports it.
    hangs = retries && failed(second, low) && low == start;
    found = !failed(first, start) || (retries && !failed(second, low));
    cand = z3::ite(failed(first, start), second.cand, first.cand);
    at = z3::ite(failed(first, start), second.end, first.end);
  } else if (variant.search == impl::Search::BestFit) {
    // p1 (section 5): in every gap the highest aligned position below min(L, gap top); among the
    // gaps where it fits, the smallest whole gap (not clipped by L). The slots go up, so a
    // higher gap of the same length wins the tie; the early stop on a gap of exactly `size`
    // pages picks the highest of the smallest possible, the same gap.
    expr best_length = pfn(0);
    for (unsigned i = 0; i < slots(state); ++i) {
      const expr bottom = i == 0 ? start : umax(state.hi[i - 1] + one, start);
      const expr top = state.lo[i];
      const expr high = umin(limit, top);
      const expr gap_cand = (high - size) & mask;
      const expr fits = z3::ule(index(i), state.count) && z3::ult(bottom, top) && z3::uge(high, size) &&
                        z3::uge(gap_cand, bottom);
      const expr better = fits && (!found || z3::ule(top - bottom, best_length));
      found = found || fits;
      cand = z3::ite(better, gap_cand, cand);
      at = z3::ite(better, index(i), at);
      best_length = z3::ite(better, top - bottom, best_length);
    }
  } else {
    // p2/p3 (section 5): the highest gap whose part inside [start_pfn, L) holds the range
    // aligned (p2) or holds size + alignment - 1 pages (p3), the range at its aligned top.
    auto highest_gap = [&](bool with_slack) {
      expr any = context_.bool_val(false), gap_cand_at = pfn(0), gap_at = index(0);
      for (unsigned i = 0; i < slots(state); ++i) {
        const expr bottom = i == 0 ? start : umax(state.hi[i - 1] + one, start);
        const expr top = umin(state.lo[i], limit);
        const expr gap_cand = (top - size) & mask;
        const expr needed = with_slack ? size + alignment - one : size;
        const expr fits = z3::ule(index(i), state.count) && z3::ugt(top, bottom) && z3::uge(top - bottom, needed) &&
                          (with_slack ? context_.bool_val(true) : z3::uge(gap_cand, bottom));
        any = any || fits;
        gap_cand_at = z3::ite(fits, gap_cand, gap_cand_at);
        gap_at = z3::ite(fits, index(i), gap_at);
      }
      return std::tuple{any, gap_cand_at, gap_at};
    };
    const bool maple = variant.search == impl::Search::MapleGap;
    std::tie(found, cand, at) = highest_gap(maple);
    if (maple && variant.fixes.f7) {  // f7: p2's exact aligned fit when no gap holds size + A - 1
      const auto [exact_found, exact_cand, exact_at] = highest_gap(false);
      cand = z3::ite(found, cand, exact_cand);
      at = z3::ite(found, at, exact_at);
      found = found || exact_found;
    }
  }
  const expr succeeds = !early && found;
  const expr hi = cand + size - one;

  EncodedStep result{state, context_.bool_val(true), context_.bool_val(false), context_.bool_val(false),
                     context_.bool_val(false), {}};
  EncodedState placed = inserted(state, at, cand, hi, id(step + 1));
  if (first_fit) {  // step 6's insert update; p2/p3 have no cached nodes
    placed.cached32 = z3::ite(z3::ult(hi, dma32), at, placed.cached32);
    placed.cached = z3::ite(z3::ult(hi, dma32), placed.cached, at);
  }

  // Step 5's failure: the estimate (F1 fix candidates and f1 change when it is set).
  EncodedState refused = state;
  if (estimates) {
    // A first-fit search covered [start_pfn, L) when it retried, or when its cached node
    // reaches L (the impl's `retried || retry_pfn >= limit`); p2/p3's search always does.
    const expr whole_window = first_fit ? retried || z3::uge(retry_pfn, limit) : context_.bool_val(true);
    record_failure(variant, refused, !early && !hangs, whole_window, size, alignment, limit);
  }

  result.next = merged(succeeds, placed, refused);
  result.in_bounds = z3::implies(succeeds, z3::ult(state.count, index(max_nodes_)));

  // Soundness: inside [start_pfn, limit], aligned, disjoint from every node.
  expr disjoint = context_.bool_val(true);
  for (unsigned i = 0; i < slots(state); ++i)
    disjoint = disjoint && z3::implies(z3::ule(index(i), state.count),
                                       z3::ult(state.hi[i], cand) || z3::ugt(state.lo[i], hi));
  const expr sound = z3::uge(cand, start) && z3::ule(cand, op.limit) && z3::ule(size - one, op.limit - cand) &&
                     (cand & (alignment - one)) == pfn(0) && disjoint;
  result.soundness = succeeds && !sound;
  for (const expr& here : placements(state, size, alignment, limit))
    result.completeness_by_gap.push_back(!succeeds && !hangs && here);
  result.completeness = !succeeds && !hangs && placement_exists(state, size, alignment, limit);
  result.structure = hangs;
  return result;
}

void Encoding::record_failure(const impl::Variant& variant, EncodedState& refused, const expr& searched,
                              const expr& whole_window, const expr& size, const expr& alignment,
                              const expr& limit) const {
  const expr dma32 = pfn(alphabet_.geometry.dma32_pfn);
  const bool gap_tree = variant.search == impl::Search::HighestGap || variant.search == impl::Search::MapleGap;
  if (!gap_tree && !variant.fixes.f1) {
    set_estimates_on_failure(variant.max32_policy, searched, z3::uge(limit, dma32), alignment == pfn(1), size,
                             refused);
    return;
  }
  const expr old = refused.max32;
  // f1/f6: only a search of the whole 32-bit space proves anything, and an aligned one only that
  // no run of size + A - 1 pages is free; capped where the claim becomes vacuous. No wrap:
  // size + A - 1 < 2^(W+1).
  const expr proves = z3::uge(limit, dma32) && whole_window;
  const expr proven = umin(size + alignment - pfn(1), pfn(ceiling(variant)));
  const expr learned = z3::ite(proves, proven, old);
  expr value = learned;
  if (gap_tree) {  // p2/p3 set it only when L <= dma32 (section 5); f6 learns above dma32 too
    const expr within = variant.fixes.f1 ? learned : size;
    value = z3::ite(z3::ugt(limit, dma32), variant.fixes.f6 ? learned : old, within);
  }
  refused.max32 = z3::ite(searched, value, old);
}

EncodedStep Encoding::free(const impl::Variant& variant, const EncodedState& state, const EncodedOp& op) const {
  const expr dma32 = pfn(alphabet_.geometry.dma32_pfn);
  expr found = context_.bool_val(false);
  expr at = index(0);
  for (unsigned i = slots(state) - 1; i-- > 0;) {
    const expr here = live(state, i) && state.id[i] == op.target;
    found = found || here;
    at = z3::ite(here, index(i), at);
  }
  const expr lo = select(state.lo, at);
  const expr hi = select(state.hi, at);
  const expr successor = at + index(1);
  // Removal steps 1-3, then the erase.
  EncodedState moved = state;
  const expr is_cached32 = at == state.cached32;
  const expr moves_cached32 = (variant.delete_checks_free_is_cached32 ? is_cached32 : context_.bool_val(false)) ||
                              (z3::ult(hi, dma32) && z3::uge(lo, select(state.lo, state.cached32)));
  moved.cached32 = z3::ite(moves_cached32, successor, state.cached32);
  const expr resets = variant.max32_reset_needs_cached32_move ? moves_cached32 : z3::ult(lo, dma32);
  const expr reset_value = pfn(nothing_known(variant));
  moved.max32 = z3::ite(resets, reset_value, state.max32);
  moved.max32_aligned = z3::ite(resets, reset_value, state.max32_aligned);
  moved.cached = z3::ite(z3::uge(lo, select(state.lo, state.cached)), successor, state.cached);
  const EncodedState removed = erased(moved, at);

  EncodedStep result{state, context_.bool_val(true), context_.bool_val(false), context_.bool_val(false),
                     context_.bool_val(false), {}};
  result.next = merged(found, removed, state);
  // z4: cached32_node left on the freed node dangles (validate() reports it at once).
  result.structure = found && is_cached32 && !moves_cached32;
  return result;
}

EncodedStep Encoding::reserve(const EncodedState& state, const EncodedOp& op) const {
  // The alphabet reserves only free ranges: a new node at its sorted position.
  expr at = index(0);
  for (unsigned i = 0; i < slots(state); ++i)
    at = z3::ite(z3::ule(index(i), state.count) && z3::ult(state.lo[i], op.lo), index(i + 1), at);
  EncodedStep result{inserted(state, at, op.lo, op.hi, id(0)), z3::ult(state.count, index(max_nodes_)),
                     context_.bool_val(false), context_.bool_val(false), context_.bool_val(false), {}};
  return result;
}

EncodedStep Encoding::step(const impl::Variant& variant, const EncodedState& state, const EncodedOp& op,
                           unsigned step) const {
  const EncodedStep a = alloc(variant, state, op, step);
  const EncodedStep f = free(variant, state, op);
  const EncodedStep r = reserve(state, op);
  const expr is_alloc = op.kind == kind(kAllocKind);
  const expr is_free = op.kind == kind(kFreeKind);
  auto pick = [&](const expr& x, const expr& y, const expr& z) { return z3::ite(is_alloc, x, z3::ite(is_free, y, z)); };
  EncodedStep result = a;
  result.next = merged(is_alloc, a.next, merged(is_free, f.next, r.next));
  result.in_bounds = pick(a.in_bounds, f.in_bounds, r.in_bounds);
  result.soundness = is_alloc && a.soundness;
  result.completeness = is_alloc && a.completeness;
  for (expr& in_gap : result.completeness_by_gap) in_gap = is_alloc && in_gap;
  // Structure after the step: ordered, disjoint, every node below the anchor; or a hang/dangle.
  expr broken = pick(a.structure, f.structure, r.structure);
  for (unsigned i = 0; i + 1 < slots(result.next); ++i)
    broken = broken || (live(result.next, i) && (z3::ugt(result.next.lo[i], result.next.hi[i]) ||
                                                 z3::uge(result.next.hi[i], result.next.lo[i + 1])));
  result.structure = broken;
  return result;
}

expr Encoding::differs(const EncodedState& a, const EncodedState& b) const {
  const unsigned size = std::max(slots(a), slots(b));
  const EncodedState x = padded(a, size);
  const EncodedState y = padded(b, size);
  expr any = x.count != y.count || x.cached32 != y.cached32 || x.cached != y.cached || x.max32 != y.max32 ||
             x.max32_aligned != y.max32_aligned;
  for (unsigned i = 0; i < size; ++i) any = any || x.lo[i] != y.lo[i] || x.hi[i] != y.hi[i] || x.id[i] != y.id[i];
  return any;
}

expr Encoding::well_formed(const EncodedState& state) const {
  const expr anchor_pfn = anchor();
  const expr space_end = pfn(alphabet_.space_end());
  // The estimate never exceeds the largest size or, with f4, dma32 + 1 (its "nothing known").
  const expr max32_bound = pfn(std::max(alphabet_.max_size(), alphabet_.geometry.dma32_pfn + 1));
  expr ok = z3::ule(state.count, index(max_nodes_)) && z3::ule(state.cached32, state.count) &&
            z3::ule(state.cached, state.count) && z3::uge(state.max32, pfn(1)) && z3::ule(state.max32, max32_bound) &&
            z3::uge(state.max32_aligned, pfn(1)) && z3::ule(state.max32_aligned, max32_bound);
  const expr start = pfn(alphabet_.geometry.start_pfn);
  // A cached node is the anchor, an allocation or the successor of a freed one: it never ends
  // below start_pfn (else the retry's low would be start_pfn again).
  ok = ok && (state.cached32 == state.count || z3::uge(select(state.hi, state.cached32), start)) &&
       (state.cached == state.count || z3::uge(select(state.hi, state.cached), start));
  for (unsigned i = 0; i < slots(state); ++i) {
    const expr is_node = live(state, i);
    ok = ok && z3::implies(is_node && state.id[i] != id(0), z3::uge(state.lo[i], start));
    const expr is_anchor = state.count == index(i);
    ok = ok && z3::implies(is_anchor, state.lo[i] == anchor_pfn && state.hi[i] == anchor_pfn && state.id[i] == id(0));
    ok = ok && z3::implies(is_node, z3::ule(state.lo[i], state.hi[i]) && z3::ule(state.hi[i], space_end));
    if (i + 1 < slots(state)) ok = ok && z3::implies(is_node, z3::ult(state.hi[i], state.lo[i + 1]));
    for (unsigned j = i + 1; j + 1 < slots(state); ++j)
      ok = ok && z3::implies(live(state, j) && state.id[i] != id(0), state.id[i] != state.id[j]);
  }
  return ok;
}

expr Encoding::hint_invariant(const impl::Variant& variant, const EncodedState& state) const {
  if (!has_estimate(variant)) return context_.bool_val(true);  // p1: the estimate refuses nothing
  const expr dma32 = pfn(alphabet_.geometry.dma32_pfn);
  // With unaligned requests in the alphabet the estimate must refuse them too: no free run at
  // all; with aligned requests only, no aligned placement is what the early check needs.
  const expr alignment =
      alphabet_.aligned_only ? alignment_of(state.max32, alphabet_.width, context_, pfn_bits_) : pfn(1);
  expr holds = !placement_exists(state, state.max32, alignment, dma32);
  if (variant.max32_policy == impl::Max32Policy::SplitByAlignment)
    holds = holds && !placement_exists(state, state.max32_aligned,
                                       alignment_of(state.max32_aligned, alphabet_.width, context_, pfn_bits_), dma32);
  return holds;
}

namespace {

Pfn value_of(const z3::model& model, const expr& e) { return model.eval(e, true).get_numeral_uint64(); }

}  // namespace

Step Encoding::decode_op(const z3::model& model, const EncodedOp& op, unsigned step,
                         const EncodedState* free_by_pfn) const {
  switch (value_of(model, op.kind)) {
    case kAllocKind:
      return Step{Alloc{"a" + std::to_string(step + 1), value_of(model, op.size), value_of(model, op.limit),
                        model.eval(op.aligned, true).is_true()},
                  {}, 0};
    case kFreeKind: {
      const Pfn target = value_of(model, op.target);
      if (!free_by_pfn) return Step{Free{Target{0, "a" + std::to_string(target)}}, {}, 0};
      Pfn pfn = 0;
      const Pfn count = value_of(model, free_by_pfn->count);
      for (unsigned i = 0; i < count && i < slots(*free_by_pfn); ++i)
        if (value_of(model, free_by_pfn->id[i]) == target) pfn = value_of(model, free_by_pfn->lo[i]);
      return Step{Free{Target{pfn, ""}}, {}, 0};
    }
    default: return Step{Reserve{value_of(model, op.lo), value_of(model, op.hi)}, {}, 0};
  }
}

Snapshot Encoding::decode_state(const z3::model& model, const EncodedState& state) const {
  Snapshot snapshot;
  const auto count = static_cast<unsigned>(value_of(model, state.count));
  for (unsigned i = 0; i < count && i < slots(state); ++i)
    snapshot.nodes.push_back(Range{value_of(model, state.lo[i]), value_of(model, state.hi[i])});
  auto ref = [&](const expr& slot) {
    const auto at = static_cast<unsigned>(value_of(model, slot));
    return at < count ? NodeRef{snapshot.nodes[at].lo} : NodeRef{};
  };
  snapshot.cached32 = ref(state.cached32);
  snapshot.cached = ref(state.cached);
  snapshot.max32 = value_of(model, state.max32);
  return snapshot;
}

}  // namespace iovacheck::smt
