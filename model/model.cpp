#include "model/model.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "model/free_space.h"

namespace iovacheck {
namespace {

using Ranges = std::map<Pfn, OwnedRange>;
using Kind = Owner::Kind;

// ---- Transitions: what a step may do to the state -------------------------------------------

// The range caches move a magazine of a bin's entries between slots on their own: a full loaded
// magazine pushed to the depot, a depot magazine loaded by a CPU. Exactly `count` must move.
struct CacheMove {
  unsigned bin = 0;
  CacheSlot from;
  CacheSlot to;
  std::size_t count = 0;
};

// Exactly `count` cached ranges of `bin` in `slot` leave the tree; which ones is the cache's choice.
struct CacheRelease {
  unsigned bin = 0;
  CacheSlot slot;
  std::size_t count = 0;
};

struct Transition {
  explicit Transition(Ranges state) : after(std::move(state)) {}
  Ranges after;
  std::vector<CacheMove> moves;
  std::vector<CacheRelease> releases;
  std::optional<Pfn> pinned;  // a pfn just cached: it must be exactly where the rule put it
};

// A rule's answer for one way the step may have gone: allowed (a transition) or not.
using Ruling = std::variant<Transition, Judgement>;

// The one way a step may go; moved, since a transition holds a copy of the whole state.
std::vector<Ruling> only(Ruling way) {
  std::vector<Ruling> ways;
  ways.push_back(std::move(way));
  return ways;
}

Judgement judgement(Property property, std::string reason) { return Judgement{property, std::move(reason)}; }

std::string slot_name(CacheSlot slot) { return slot.in_depot() ? "depot" : "cpu " + std::to_string(slot.cpu); }

std::string owner_name(const Owner& owner) {
  switch (owner.kind) {
    case Kind::Allocated: return "allocated";
    case Kind::FastAllocated: return "fast-allocated (size " + hex(owner.requested_size) + ")";
    case Kind::Reserved: return "reserved";
    case Kind::Cached:
      return "cached pfn " + hex(owner.pfn) + " bin " + std::to_string(owner.bin) + " " + slot_name(owner.slot);
  }
  return "?";
}

std::string describe_range(const OwnedRange& owned) { return to_string(owned.range) + " " + owner_name(owned.owner); }

const OwnedRange* holder_of(const Ranges& ranges, Pfn pfn) {
  auto it = ranges.upper_bound(pfn);
  if (it == ranges.begin()) return nullptr;
  --it;
  return it->second.range.contains(pfn) ? &it->second : nullptr;
}

bool observed_has_node(const Observation& observed, const Range& range) {
  auto it = std::lower_bound(observed.nodes.begin(), observed.nodes.end(), range.lo,
                             [](const Range& node, Pfn lo) { return node.lo < lo; });
  return it != observed.nodes.end() && *it == range;
}

const OwnedRange* cached_range(const Ranges& ranges, Pfn pfn) {
  for (const auto& [lo, owned] : ranges)
    if (owned.owner.kind == Kind::Cached && owned.owner.pfn == pfn) return &owned;
  return nullptr;
}

bool is_cached(const OwnedRange& owned) { return owned.owner.kind == Kind::Cached; }
bool occupies_always(const OwnedRange&) { return true; }
bool occupies_unless_cached(const OwnedRange& owned) { return !is_cached(owned); }

Ranges without_cached(const Ranges& ranges, const std::function<bool(const Owner&)>& released) {
  Ranges kept;
  for (const auto& [lo, owned] : ranges)
    if (!(is_cached(owned) && released(owned.owner))) kept.emplace(lo, owned);
  return kept;
}

void add_range(Ranges& ranges, Range range, Owner owner) { ranges[range.lo] = OwnedRange{range, owner}; }

// ---- Soundness of a placement ---------------------------------------------------------------

// Judges a newly placed range: inside [start_pfn, limit], aligned, disjoint from what occupies.
std::optional<Judgement> placement_error(const Ranges& ranges, Pfn start_pfn, Pfn pfn, const Request& request,
                                         const Occupies& occupies) {
  auto placed = range_of(pfn, request.size);
  if (!placed) return judgement(Property::Soundness, "result " + hex(pfn) + " + size " + hex(request.size) + " wraps past 2^64-1");
  const std::string what = "result " + to_string(*placed);
  if (placed->lo < start_pfn) return judgement(Property::Soundness, what + " starts below start_pfn " + hex(start_pfn));
  if (placed->hi > request.limit) return judgement(Property::Soundness, what + " ends above limit " + hex(request.limit));
  if (request.aligned && !is_aligned_for(pfn, request.size))
    return judgement(Property::Soundness, what + " is not aligned to " + hex(roundup_pow2(request.size)));
  for (const auto& [lo, owned] : ranges)
    if (occupies(owned) && owned.range.overlaps(*placed))
      return judgement(Property::Soundness, what + " overlaps the live range " + describe_range(owned));
  return std::nullopt;
}

std::optional<Judgement> incompleteness(const Ranges& ranges, Pfn start_pfn, const Request& request,
                                        const Occupies& occupies, const std::string& what_failed) {
  auto gap = find_fitting_placement(ranges, start_pfn, request, occupies);
  if (!gap) return std::nullopt;
  return judgement(Property::Completeness, what_failed + ": a fitting gap " + to_string(*gap) + " exists below limit " +
                                               hex(request.limit));
}

// ---- One rule per operation -----------------------------------------------------------------

class Rules {
 public:
  Rules(const Geometry& geometry, const Ranges& ranges, const Observation& after)
      : geometry_(geometry), ranges_(ranges), observed_(after) {}

  std::vector<Ruling> operator()(const Alloc& op, const Outcome& outcome) const {
    const Request request{op.size, op.limit, op.aligned};
    if (outcome.status == Outcome::Status::Fail) {
      if (auto missed = incompleteness(ranges_, geometry_.start_pfn, request, occupies_always, "alloc failed"))
        return {*missed};
      return only(Transition(ranges_));
    }
    if (auto error = placement_error(ranges_, geometry_.start_pfn, outcome.pfn, request, occupies_always)) return {*error};
    if (auto error = node_size_error(outcome, request)) return {*error};
    Transition transition(ranges_);
    add_range(transition.after, *range_of(outcome.pfn, op.size), Owner::allocated());
    return only(std::move(transition));
  }

  // The ways a fast allocation may have gone, most plausible first.
  std::vector<Ruling> operator()(const FastAlloc& op, const Outcome& outcome) const {
    const Request request{fast_alloc_size(op.size), op.limit, true};
    if (outcome.status == Outcome::Status::Fail) return only(fast_failure(op, request));
    std::vector<Ruling> ways;
    const bool hit_possible = cached_range(ranges_, outcome.pfn) != nullptr;
    const bool flushed = observed_flush();
    // A drain shows as cached ranges gone from the tree; it happens only after a miss, so a
    // step that drained cannot also have hit. A drain whose retry took back the very range it
    // drained does not show: that is the last way.
    if (flushed && op.flush) ways.push_back(fast_after_flush(op, request, outcome));
    if (!flushed && hit_possible) ways.push_back(fast_hit(op, request, outcome.pfn));
    ways.push_back(fast_fresh(op, request, outcome));
    if (!flushed && op.flush) ways.push_back(fast_after_flush(op, request, outcome));
    return ways;
  }

  std::vector<Ruling> operator()(const Free& op, const Outcome&) const {
    Transition transition(ranges_);
    transition.after.erase(holder_of(ranges_, op.target.pfn)->range.lo);
    return only(std::move(transition));
  }

  std::vector<Ruling> operator()(const FastFree& op, const Outcome&) const {
    Transition transition(ranges_);
    const OwnedRange& freed = *holder_of(ranges_, op.target.pfn);
    const unsigned bin = size_bin(op.size);
    if (!is_cached_bin(bin)) {
      transition.after.erase(freed.range.lo);
      return only(std::move(transition));
    }
    const CacheSlot cpu{op.cpu};
    add_range(transition.after, freed.range, Owner::cached(op.target.pfn, bin, cpu));
    // With loaded and prev both full, the loaded magazine goes to the depot first.
    if (count_cached(bin, cpu) == 2 * std::size_t{geometry_.mag_size})
      transition.moves.push_back(CacheMove{bin, cpu, CacheSlot{}, geometry_.mag_size});
    transition.pinned = op.target.pfn;  // pushed into the loaded magazine, after any depot push
    return only(std::move(transition));
  }

  std::vector<Ruling> operator()(const Reserve& op, const Outcome& outcome) const;

  std::vector<Ruling> operator()(const Flush& op, const Outcome&) const {
    auto released = [&](const Owner& owner) {
      switch (op.scope) {
        case Flush::Scope::Cpu: return owner.slot == CacheSlot{op.cpu};
        case Flush::Scope::Depot: return owner.slot.in_depot();
        case Flush::Scope::All: return true;
      }
      return true;
    };
    return only(Transition(without_cached(ranges_, released)));
  }

  std::vector<Ruling> operator()(const Trim&, const Outcome&) const {
    Transition transition(ranges_);
    for (unsigned bin = 0; bin < kRangeCacheBins; ++bin) {
      const std::size_t magazines = count_cached(bin, CacheSlot{}) / geometry_.mag_size;
      if (magazines > geometry_.cpus) transition.releases.push_back(CacheRelease{bin, CacheSlot{}, geometry_.mag_size});
    }
    return only(std::move(transition));
  }

  std::vector<Ruling> operator()(const Find& op, const Outcome& outcome) const {
    const OwnedRange* holder = holder_of(ranges_, op.pfn);
    const bool found = outcome.status == Outcome::Status::Ok;
    if (!holder && found)
      return {judgement(Property::Find, "find " + hex(op.pfn) + " returned " + to_string(outcome.node.value_or(Range{})) + " but no range holds it")};
    if (holder && !found) return {judgement(Property::Find, "find " + hex(op.pfn) + " found nothing but " + describe_range(*holder) + " holds it")};
    if (holder && outcome.node != holder->range)
      return {judgement(Property::Find, "find " + hex(op.pfn) + " returned " + to_string(outcome.node.value_or(Range{})) + ", the model holds " + describe_range(*holder))};
    return only(Transition(ranges_));
  }

 private:
  // Did the step drain cached ranges back to the tree (a range cached before is now neither
  // cached nor a node)?
  bool observed_flush() const {
    std::unordered_set<Pfn> still_cached;
    for (const CachedPfn& entry : observed_.cached) still_cached.insert(entry.pfn);
    for (const auto& [lo, owned] : ranges_) {
      if (!is_cached(owned) || still_cached.count(owned.owner.pfn)) continue;
      if (!observed_has_node(observed_, owned.range)) return true;
    }
    return false;
  }

  std::size_t count_cached(unsigned bin, CacheSlot slot) const {
    return static_cast<std::size_t>(std::count_if(ranges_.begin(), ranges_.end(), [&](const auto& entry) {
      const Owner& owner = entry.second.owner;
      return owner.kind == Kind::Cached && owner.bin == bin && owner.slot == slot;
    }));
  }

  // The node behind a fresh allocation is exactly the range the spec hands out.
  static std::optional<Judgement> node_size_error(const Outcome& outcome, const Request& request) {
    const Range expected = *range_of(outcome.pfn, request.size);
    if (!outcome.node || *outcome.node == expected) return std::nullopt;
    return judgement(Property::Soundness, "allocated node " + to_string(*outcome.node) + " (" + hex(outcome.node->size()) +
                                              " pages), the spec hands out " + to_string(expected));
  }

  static Owner fast_owner(const FastAlloc& op, Pfn pfn) { return Owner::fast_allocated(pfn, op.size); }

  // When the CPU's loaded and prev magazines of the bin are empty, the get loads the depot's
  // top magazine onto the CPU: `count` of its pfns stay there (all of them on a miss).
  void add_depot_load(Transition& transition, const Request& request, unsigned cpu, std::size_t count) const {
    const unsigned bin = size_bin(request.size);
    if (is_cached_bin(bin) && count_cached(bin, CacheSlot{cpu}) == 0 && count_cached(bin, CacheSlot{}) >= geometry_.mag_size)
      transition.moves.push_back(CacheMove{bin, CacheSlot{}, CacheSlot{cpu}, count});
  }

  Ruling fast_hit(const FastAlloc& op, const Request& request, Pfn pfn) const {
    const OwnedRange& held = *cached_range(ranges_, pfn);
    const std::string what = "fast hit on cached pfn " + hex(pfn);
    const unsigned bin = size_bin(request.size);
    if (!is_cached_bin(bin)) return judgement(Property::RangeCache, what + ": size " + hex(request.size) + " has no cache");
    if (held.owner.bin != bin)
      return judgement(Property::RangeCache, what + " of bin " + std::to_string(held.owner.bin) + " for size " + hex(request.size) + " (bin " + std::to_string(bin) + ")");
    if (!held.owner.slot.in_depot() && held.owner.slot.cpu != op.cpu)
      return judgement(Property::RangeCache, what + " held by " + slot_name(held.owner.slot) + ", asked on cpu " + std::to_string(op.cpu));
    const std::size_t on_cpu = count_cached(bin, CacheSlot{op.cpu});
    if (held.owner.slot.in_depot() && on_cpu != 0)
      return judgement(Property::RangeCache, what + " from the depot while cpu " + std::to_string(op.cpu) + " holds " +
                                                 std::to_string(on_cpu) + " pfns of bin " + std::to_string(bin));
    auto handed = range_of(pfn, request.size);
    if (!handed || handed->lo < held.range.lo || handed->hi > held.range.hi)
      return judgement(Property::Soundness, what + ": the caller gets " + hex(request.size) + " pages but its node is " + to_string(held.range));
    if (pfn < geometry_.start_pfn) return judgement(Property::Soundness, what + " is below start_pfn " + hex(geometry_.start_pfn));
    if (handed->hi > request.limit)
      return judgement(Property::Soundness, what + ": result " + to_string(*handed) + " ends above limit " + hex(request.limit));
    Transition transition(ranges_);
    add_range(transition.after, held.range, fast_owner(op, pfn));
    if (held.owner.slot.in_depot()) add_depot_load(transition, request, op.cpu, geometry_.mag_size - 1);
    return transition;
  }

  // Section 4's get cannot miss when every pfn it could take satisfies the bound: the CPU's
  // pfns of the bin when it holds any (its loaded magazine, or prev after the swap, holds one),
  // else the depot's (the get loads its top magazine). Which magazine holds what is unobserved,
  // so this is as far as the model sees misses. A wrapped bound (F5) is left to the hit's check.
  std::optional<Judgement> missed_a_sure_hit(const FastAlloc& op, const Request& request) const {
    const unsigned bin = size_bin(request.size);
    if (!is_cached_bin(bin) || request.limit == kMaxPfn || request.limit + 1 < request.size) return std::nullopt;
    const Pfn bound = request.limit + 1 - request.size;
    const CacheSlot from = count_cached(bin, CacheSlot{op.cpu}) > 0 ? CacheSlot{op.cpu} : CacheSlot{};
    std::size_t candidates = 0;
    for (const auto& [lo, owned] : ranges_) {
      const Owner& owner = owned.owner;
      if (owner.kind != Kind::Cached || owner.bin != bin || owner.slot != from) continue;
      if (owner.pfn > bound) return std::nullopt;
      ++candidates;
    }
    if (candidates == 0) return std::nullopt;
    return judgement(Property::RangeCache, "fast missed its range cache: each of the " + std::to_string(candidates) +
                                               " pfns of bin " + std::to_string(bin) + " " + slot_name(from) +
                                               " holds is at most the bound " + hex(bound));
  }

  Ruling fast_fresh(const FastAlloc& op, const Request& request, const Outcome& outcome) const {
    const Pfn pfn = outcome.pfn;
    if (auto missed = missed_a_sure_hit(op, request)) return *missed;
    if (auto error = placement_error(ranges_, geometry_.start_pfn, pfn, request, occupies_always)) return *error;
    if (auto error = node_size_error(outcome, request)) return *error;
    Transition transition(ranges_);
    add_range(transition.after, *range_of(pfn, request.size), fast_owner(op, pfn));
    add_depot_load(transition, request, op.cpu, geometry_.mag_size);
    return transition;
  }

  // The tree allocation failed, every cache was drained, and the retry placed the range.
  Ruling fast_after_flush(const FastAlloc& op, const Request& request, const Outcome& outcome) const {
    const Pfn pfn = outcome.pfn;
    if (auto missed = missed_a_sure_hit(op, request)) return *missed;
    if (auto missed = incompleteness(ranges_, geometry_.start_pfn, request, occupies_always,
                                     "fast flushed its caches after a tree allocation that should not have failed"))
      return *missed;
    if (auto error = placement_error(ranges_, geometry_.start_pfn, pfn, request, occupies_unless_cached)) return *error;
    if (auto error = node_size_error(outcome, request)) return *error;
    Transition transition(without_cached(ranges_, [](const Owner&) { return true; }));
    add_range(transition.after, *range_of(pfn, request.size), fast_owner(op, pfn));
    return transition;
  }

  Ruling fast_failure(const FastAlloc& op, const Request& request) const {
    if (auto missed = missed_a_sure_hit(op, request)) return *missed;
    if (!op.flush) {
      if (auto missed = incompleteness(ranges_, geometry_.start_pfn, request, occupies_always, "fast (noflush) failed"))
        return *missed;
      Transition transition(ranges_);
      add_depot_load(transition, request, op.cpu, geometry_.mag_size);
      return transition;
    }
    if (auto missed = incompleteness(ranges_, geometry_.start_pfn, request, occupies_unless_cached,
                                     "fast failed after flushing its caches"))
      return *missed;
    return Transition(without_cached(ranges_, [](const Owner&) { return true; }));
  }

  const Geometry& geometry_;
  const Ranges& ranges_;
  const Observation& observed_;
};

// reserve_iova as section 3 states it, on the model's ranges.
std::vector<Ruling> Rules::operator()(const Reserve& op, const Outcome& outcome) const {
  Transition transition(ranges_);
  Ranges& after = transition.after;
  Pfn lo = op.lo;
  const Pfn hi = op.hi;
  std::optional<Range> returned;
  auto it = after.upper_bound(lo);
  if (it != after.begin() && std::prev(it)->second.range.hi >= lo) --it;
  while (it != after.end() && it->second.range.lo <= hi) {
    OwnedRange node = it->second;
    if (lo < node.range.lo) {  // lower pfn_lo in place, whoever owns the node
      it = after.erase(it);
      node.range.lo = lo;
      it = after.emplace(lo, node).first;
    }
    if (hi > node.range.hi) lo = node.range.hi + 1;
    if (lo >= node.range.lo && hi <= node.range.hi) {
      returned = node.range;
      break;
    }
    ++it;
  }
  if (!returned) {
    returned = Range{lo, hi};
    add_range(after, *returned, Owner::reserved());
  }
  if (outcome.status != Outcome::Status::Ok)
    return {judgement(Property::Reserve, "reserve " + hex(op.lo) + " " + hex(op.hi) + " failed; it cannot fail")};
  if (outcome.node != returned)
    return {judgement(Property::Reserve, "reserve returned " + to_string(outcome.node.value_or(Range{})) + ", the spec returns " + to_string(*returned))};
  return only(std::move(transition));
}

// ---- Comparing a transition with what the implementation shows --------------------------------


class TransitionCheck {
 public:
  TransitionCheck(const Geometry& geometry, Transition transition, const Observation& observed)
      : geometry_(geometry), transition_(std::move(transition)), observed_(observed) {}

  // The state to adopt, or why the observation is not what the transition allows.
  std::variant<Ranges, Judgement> run() {
    if (auto error = match_nodes()) return *error;
    if (auto error = match_cache()) return *error;
    if (auto error = cache_shape()) return *error;
    return std::move(transition_.after);
  }

 private:
  std::optional<Judgement> match_nodes() {
    Ranges& after = transition_.after;
    for (auto it = after.begin(); it != after.end();) {
      if (observed_has_node(observed_, it->second.range)) {
        ++it;
        continue;
      }
      if (!consume_release(it->second.owner))
        return judgement(is_cached(it->second) ? Property::RangeCache : Property::Conservation,
                         "range " + describe_range(it->second) + " is missing from the implementation's tree");
      it = after.erase(it);
    }
    for (const CacheRelease& release : transition_.releases)
      if (release.count != 0)
        return judgement(Property::RangeCache, "trim returned " + std::to_string(geometry_.mag_size - release.count) + " ranges of bin " +
                                                   std::to_string(release.bin) + " from the depot, a magazine holds " + std::to_string(geometry_.mag_size));
    for (const Range& node : observed_.nodes) {
      auto it = after.find(node.lo);
      if (it == after.end() || it->second.range != node)
        return judgement(Property::Conservation, "the implementation's tree holds " + to_string(node) + ", which the model does not");
    }
    return std::nullopt;
  }

  bool consume_release(const Owner& owner) {
    if (owner.kind != Kind::Cached) return false;
    for (CacheRelease& release : transition_.releases) {
      if (release.bin == owner.bin && release.slot == owner.slot && release.count > 0) {
        --release.count;
        return true;
      }
    }
    return false;
  }

  std::optional<Judgement> match_cache() {
    std::unordered_map<Pfn, const CachedPfn*> observed_by_pfn;
    for (const CachedPfn& entry : observed_.cached) observed_by_pfn.emplace(entry.pfn, &entry);
    std::size_t model_cached = 0;
    for (auto& [lo, owned] : transition_.after) {
      if (!is_cached(owned)) continue;
      ++model_cached;
      auto found = observed_by_pfn.find(owned.owner.pfn);
      if (found == observed_by_pfn.end())
        return judgement(Property::RangeCache, "the caches lost " + describe_range(owned) + "; its node is still in the tree");
      const CachedPfn* entry = found->second;
      if (entry->bin != owned.owner.bin)
        return judgement(Property::RangeCache, "pfn " + hex(entry->pfn) + " sits in bin " + std::to_string(entry->bin) + ", freed into bin " + std::to_string(owned.owner.bin));
      if (entry->slot != owned.owner.slot) {
        if (!consume_move(owned.owner, entry->slot))
          return judgement(Property::RangeCache, "pfn " + hex(entry->pfn) + " moved from " + slot_name(owned.owner.slot) + " to " + slot_name(entry->slot));
        owned.owner.slot = entry->slot;
      }
    }
    if (observed_.cached.size() != model_cached || observed_by_pfn.size() != model_cached) return unexpected_cache_entry();
    return unmade_move();
  }

  std::optional<Judgement> unexpected_cache_entry() const {
    std::unordered_set<Pfn> model_cached;
    for (const auto& [lo, owned] : transition_.after)
      if (is_cached(owned)) model_cached.insert(owned.owner.pfn);
    for (const CachedPfn& entry : observed_.cached) {
      if (!model_cached.count(entry.pfn)) return judgement(Property::RangeCache, "the caches hold pfn " + hex(entry.pfn) + " (" + slot_name(entry.slot) + "), which is not a freed range");
    }
    return judgement(Property::RangeCache, "the caches hold a pfn twice");
  }

  bool consume_move(const Owner& owner, CacheSlot to) {
    if (transition_.pinned == owner.pfn) return false;
    for (CacheMove& move : transition_.moves) {
      if (move.bin == owner.bin && move.from == owner.slot && move.to == to && move.count > 0) {
        --move.count;
        return true;
      }
    }
    return false;
  }

  std::optional<Judgement> unmade_move() const {
    for (const CacheMove& move : transition_.moves)
      if (move.count != 0)
        return judgement(Property::RangeCache, std::to_string(move.count) + " more pfns of bin " + std::to_string(move.bin) +
                                                   " should have moved from " + slot_name(move.from) + " to " + slot_name(move.to) +
                                                   " (a whole magazine moves)");
    return std::nullopt;
  }

  // Depots hold whole magazines; a CPU holds at most its loaded and prev magazines.
  std::optional<Judgement> cache_shape() const {
    std::map<std::pair<unsigned, unsigned>, std::size_t> per_slot;
    for (const auto& [lo, owned] : transition_.after)
      if (is_cached(owned)) ++per_slot[{owned.owner.bin, owned.owner.slot.cpu}];
    for (const auto& [key, count] : per_slot) {
      const auto [bin, cpu] = key;
      const std::string where = "bin " + std::to_string(bin) + " " + slot_name(CacheSlot{cpu});
      if (CacheSlot{cpu}.in_depot() && count % geometry_.mag_size != 0)
        return judgement(Property::RangeCache, where + " holds " + std::to_string(count) + " pfns, not whole magazines of " + std::to_string(geometry_.mag_size));
      if (!CacheSlot{cpu}.in_depot() && count > 2 * std::size_t{geometry_.mag_size})
        return judgement(Property::RangeCache, where + " holds " + std::to_string(count) + " pfns, more than two magazines");
    }
    return std::nullopt;
  }

  const Geometry& geometry_;
  Transition transition_;
  const Observation& observed_;
};

std::optional<CallerError> caller_error_of(const Ranges& ranges, const Geometry& geometry, const Op& op);

}  // namespace

// ---- Model ----------------------------------------------------------------------------------

Model::Model(const Geometry& geometry, const Snapshot* snapshot) : geometry_(geometry) {
  add_range(ranges_, Range{kMaxPfn, kMaxPfn}, Owner::reserved());  // the anchor
  if (!snapshot) return;
  for (const Range& node : snapshot->nodes) add_range(ranges_, node, Owner::allocated());
}

std::optional<CallerError> Model::caller_error(const Op& op) const { return caller_error_of(ranges_, geometry_, op); }

const OwnedRange* Model::range_holding(Pfn pfn) const { return holder_of(ranges_, pfn); }

std::optional<Judgement> Model::judge(const Op& op, const Outcome& outcome, const Observation& after) {
  if (auto error = caller_error(op)) throw std::logic_error("Model::judge on a caller error: " + error->reason);
  if (outcome.status == Outcome::Status::Rejected)
    return judgement(Property::Rejection, "the implementation refused valid input");
  const Rules rules(geometry_, ranges_, after);
  std::vector<Ruling> ways = std::visit([&](const auto& typed) { return rules(typed, outcome); }, op);
  std::optional<Judgement> first_problem;
  for (Ruling& way : ways) {
    std::variant<Ranges, Judgement> verdict = std::holds_alternative<Judgement>(way)
                                                  ? std::variant<Ranges, Judgement>(std::get<Judgement>(way))
                                                  : TransitionCheck(geometry_, std::move(std::get<Transition>(way)), after).run();
    if (auto* adopted = std::get_if<Ranges>(&verdict)) {
      ranges_ = std::move(*adopted);
      return std::nullopt;
    }
    if (!first_problem) first_problem = std::get<Judgement>(verdict);
  }
  return first_problem;
}

std::optional<Judgement> Model::judge_refusal(const Outcome& outcome, const Observation& after) const {
  if (outcome.status != Outcome::Status::Rejected)
    return judgement(Property::Rejection, "the implementation accepted input the API must refuse");
  auto verdict = TransitionCheck(geometry_, Transition(ranges_), after).run();
  if (auto* problem = std::get_if<Judgement>(&verdict))
    return judgement(Property::Rejection, "a refused op changed the state: " + problem->reason);
  return std::nullopt;
}

std::string Model::describe() const {
  std::ostringstream out;
  for (const auto& [lo, owned] : ranges_) out << describe_range(owned) << (owned.range.lo == kMaxPfn ? " (anchor)" : "") << "\n";
  return out.str();
}

// ---- Caller errors --------------------------------------------------------------------------

namespace {

CallerError must_refuse(std::string reason) { return CallerError{std::move(reason), true}; }
CallerError undefined(std::string reason) { return CallerError{std::move(reason), false}; }

std::optional<CallerError> bad_cpu(const Geometry& geometry, unsigned cpu) {
  if (cpu < geometry.cpus) return std::nullopt;
  return must_refuse("cpu " + std::to_string(cpu) + " does not exist (cpus=" + std::to_string(geometry.cpus) + ")");
}

std::optional<CallerError> free_error(const Ranges& ranges, Pfn pfn, bool fast, Pfn size) {
  const OwnedRange* holder = holder_of(ranges, pfn);
  if (!holder) {
    // free_iova of a pfn in no node is refused by our API; free_iova_fast would cache it.
    std::string reason = "no live range holds " + hex(pfn) + " (double or wild free)";
    return fast ? undefined(std::move(reason)) : must_refuse(std::move(reason));
  }
  const Owner& owner = holder->owner;
  const std::string what = describe_range(*holder);
  switch (owner.kind) {
    case Kind::Reserved: return undefined(what + " is reserved, not allocated");
    case Kind::Cached: return undefined(what + " is already freed (held by a range cache)");
    case Kind::Allocated:
      if (fast) return undefined(what + " came from alloc; free it with free");
      return std::nullopt;
    case Kind::FastAllocated:
      if (!fast) return undefined(what + " came from fast; free it with ffree");
      if (pfn != owner.pfn) return undefined("ffree " + hex(pfn) + " is not the pfn fast returned (" + hex(owner.pfn) + ")");
      if (size != owner.requested_size)
        return undefined("ffree size " + hex(size) + " is not the size fast was asked for (" + hex(owner.requested_size) + ")");
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<CallerError> caller_error_of(const Ranges& ranges, const Geometry& geometry, const Op& op) {
  struct Classify {
    const Ranges& ranges;
    const Geometry& geometry;
    std::optional<CallerError> operator()(const Alloc& alloc) const {
      if (alloc.size == 0) return must_refuse("size 0");
      return std::nullopt;
    }
    std::optional<CallerError> operator()(const FastAlloc& fast) const {
      if (fast.size == 0) return must_refuse("size 0");
      return bad_cpu(geometry, fast.cpu);
    }
    std::optional<CallerError> operator()(const Free& free) const { return free_error(ranges, free.target.pfn, false, 0); }
    std::optional<CallerError> operator()(const FastFree& free) const {
      if (auto cpu = bad_cpu(geometry, free.cpu)) return cpu;
      if (free.size == 0) return must_refuse("size 0");
      return free_error(ranges, free.target.pfn, true, free.size);
    }
    std::optional<CallerError> operator()(const Reserve& reserve) const {
      if (reserve.lo > reserve.hi) return must_refuse("reserve " + hex(reserve.lo) + " " + hex(reserve.hi) + ": lo above hi");
      if (reserve.hi > geometry.max_reservable_pfn())
        return must_refuse("reserve above " + hex(geometry.max_reservable_pfn()) + " (2^64-1 >> shift)");
      return std::nullopt;
    }
    std::optional<CallerError> operator()(const Flush& flush) const {
      if (flush.scope != Flush::Scope::Cpu) return std::nullopt;
      return bad_cpu(geometry, flush.cpu);
    }
    std::optional<CallerError> operator()(const Trim&) const { return std::nullopt; }
    std::optional<CallerError> operator()(const Find&) const { return std::nullopt; }
  };
  return std::visit(Classify{ranges, geometry}, op);
}

}  // namespace

}  // namespace iovacheck
