#include "model/model.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <new>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "model/concat.h"
#include "model/free_space.h"
#include "model/inline_vector.h"

namespace iovacheck {
namespace {

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

// The ranges a transition changes, by start: the range after the step (nullopt when gone) and
// the model's range at that start before it, looked up once per step and passed on (the check
// and the adoption asked the index for the same few ranges six to eight times a step). Held in
// place, not in nodes: a step changes one or two ranges, and allocating for each was a good
// part of a step's cost. A flush or a drain changes many, appended out of order; those are
// sorted once, on the first lookup. Setting a start again replaces its entry's range after.
class RangeChanges {
 public:
  struct Entry {
    Pfn lo = 0;
    std::optional<OwnedRange> after;
    const OwnedRange* before = nullptr;  // valid once before_known
    bool before_known = false;
  };

  void set(Pfn lo, const std::optional<OwnedRange>& after) { set(Entry{lo, after, nullptr, false}); }
  // The same, with the model's range at lo before the step already in hand.
  void set(Pfn lo, const std::optional<OwnedRange>& after, const OwnedRange* before) { set(Entry{lo, after, before, true}); }

  Entry* find(Pfn lo) {
    sort();
    auto it = std::lower_bound(entries_.begin(), entries_.end(), lo, [](const Entry& entry, Pfn key) { return entry.lo < key; });
    return it != entries_.end() && it->lo == lo ? it : nullptr;
  }
  const Entry* find(Pfn lo) const { return const_cast<RangeChanges*>(this)->find(lo); }

  // Looks up the model's range before the step for every entry that came without it.
  void resolve_before(const ModelState& state) {
    for (Entry& entry : entries_) {
      if (entry.before_known) continue;
      entry.before = state.at(entry.lo);
      entry.before_known = true;
    }
  }

  // Ascending by start.
  const Entry* begin() const { return sort(), entries_.begin(); }
  const Entry* end() const { return sort(), entries_.end(); }
  Entry* begin() { return sort(), entries_.begin(); }
  Entry* end() { return sort(), entries_.end(); }

 private:
  void set(const Entry& entry) {
    if (sorted_ && (entries_.empty() || entries_.back().lo < entry.lo)) {
      entries_.push_back(entry);
    } else if (Entry* existing = sorted_ ? find(entry.lo) : nullptr) {
      existing->after = entry.after;
      if (!existing->before_known) existing->before = entry.before, existing->before_known = entry.before_known;
    } else {
      entries_.push_back(entry);
      sorted_ = false;
    }
  }

  // Sorts by start, keeping only the last range after set for each (stable: the append order
  // is the order they were set in) and any range before that came with an earlier one.
  void sort() const {
    if (sorted_) return;
    std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) { return a.lo < b.lo; });
    Entry* kept = entries_.begin();  // not empty: only an append leaves the list unsorted
    for (Entry* next = kept + 1; next < entries_.end(); ++next) {
      if (next->lo != kept->lo) {
        *++kept = *next;
        continue;
      }
      kept->after = next->after;
      if (!kept->before_known) kept->before = next->before, kept->before_known = next->before_known;
    }
    entries_.truncate(kept + 1);
    sorted_ = true;
  }

  mutable InlineVector<Entry, 2> entries_;
  mutable bool sorted_ = true;
};

// A step's effect on the state, as a change to it: only what the rule decides is listed.
struct Transition {
  RangeChanges changes;
  std::vector<CacheMove> moves;  // empty on most steps: no allocation
  std::vector<CacheRelease> releases;
  std::optional<Pfn> pinned;  // a pfn just cached: it must be exactly where the rule put it

  void put(const Range& range, const Owner& owner) { changes.set(range.lo, OwnedRange{range, owner}); }
  // A new range whose placement was checked against every range (placement_error with every
  // range occupying): none overlaps it, so none starts at its lo.
  void put_in_free_space(const Range& range, const Owner& owner) { changes.set(range.lo, OwnedRange{range, owner}, nullptr); }
  // The same pages, a new owner: `current` is the model's range now.
  void hand_over(const OwnedRange& current, const Owner& owner) {
    changes.set(current.range.lo, OwnedRange{current.range, owner}, &current);
  }
  void remove(Pfn lo) { changes.set(lo, std::nullopt); }
  void remove(const OwnedRange& current) { changes.set(current.range.lo, std::nullopt, &current); }
};

// A rule's answer for one way the step may have gone: allowed (a transition) or not; or that
// answer deferred, for a less plausible way of a fast allocation only asked about when the
// likelier ones fail (named, not a closure: a closure over the step's values took a heap
// allocation per step).
using Answer = std::variant<Transition, Judgement>;
enum class Deferred { Fresh, AfterFlush };
using Ruling = std::variant<Transition, Judgement, Deferred>;

Ruling to_ruling(Answer answer) {
  if (auto* transition = std::get_if<Transition>(&answer)) return std::move(*transition);
  return std::move(std::get<Judgement>(answer));
}

// The ways a step may have gone, most plausible first: at most four (a reserve's policies, a
// fast allocation's ways), held in place. Only the ways given are constructed: a step has one
// or two, and building and destroying four transitions was a good part of a step's cost.
class Ways {
 public:
  static constexpr std::size_t kMost = 4;

  Ways() = default;
  Ways(Judgement problem) { push_back(std::move(problem)); }  // NOLINT: a rule's one answer
  Ways(Ways&& other) noexcept {
    for (Ruling& way : other) push_back(std::move(way));
  }
  Ways& operator=(Ways&&) = delete;
  ~Ways() {
    for (Ruling& way : *this) way.~Ruling();
  }

  template <class Way>
  void push_back(Way&& way) {
    if (count_ == kMost) throw std::logic_error("Ways: more than four ways for one step");
    new (&storage_[count_ * sizeof(Ruling)]) Ruling(std::forward<Way>(way));
    ++count_;
  }
  bool empty() const { return count_ == 0; }
  Ruling* begin() { return std::launder(reinterpret_cast<Ruling*>(storage_)); }
  Ruling* end() { return begin() + count_; }

 private:
  alignas(Ruling) std::byte storage_[kMost * sizeof(Ruling)];
  std::size_t count_ = 0;
};

template <class Way>
Ways only(Way&& way) {
  Ways ways;
  ways.push_back(std::forward<Way>(way));
  return ways;
}

// A step's ways are judged with their reasons omitted: a way may be rejected and a later one
// allowed, and of a step whose every way is rejected only the first way's verdict is reported,
// so its text (a few heap strings, most of a rejected way's cost) is built only when that way is
// judged again to report it (Model::judge).

// A verdict whose reason `text()` gives, called only when explained.
template <class Text>
Judgement judgement(Reasons reasons, Property property, Text text) {
  if (reasons == Reasons::Omitted) return Judgement{property, {}};
  return Judgement{property, std::string(text())};
}

bool is_cached(const OwnedRange& owned) { return owned.owner.is_cached(); }
bool occupies_always(const OwnedRange&) { return true; }
bool occupies_unless_cached(const OwnedRange& owned) { return !is_cached(owned); }

// ---- What the implementation shows after the step -------------------------------------------

// The observation after the step, seen as the state before it (the model's, which matched the
// last observation) plus the set difference the step made. Lookups only: O(log n) each.
class ObservedAfter {
 public:
  ObservedAfter(const ModelState& before, const ChangeReport& changes)
      : before_(before), changes_(changes),
        nodes_gone_(by_start(changes.nodes_gone, sorted_nodes_gone_)), nodes_new_(by_start(changes.nodes_new, sorted_nodes_new_)),
        cached_gone_(by_pfn(changes.cached_gone, sorted_cached_gone_)), cached_new_(by_pfn(changes.cached_new, sorted_cached_new_)) {
    // Each touched cache entry's range in the model is looked up here, once, and passed on.
    for (const CachedPfn& entry : cached_gone_) cached_gone_before_.push_back(before.cached(entry.pfn));
    for (std::size_t i = 0; i < cached_new_.size(); ++i) {
      const Pfn pfn = cached_new_[i].pfn;
      const bool repeated = i > 0 && cached_new_[i - 1].pfn == pfn;
      cached_new_before_.push_back(repeated ? cached_new_before_.back() : before.cached(pfn));
      if (repeated || (cached_new_before_.back() && !find_pfn(cached_gone_, pfn))) twice_.push_back(pfn);
    }
  }

  // `at_lo` is the model's range starting at range.lo before the step (nullptr when none).
  bool has_node(const Range& range, const OwnedRange* at_lo) const {
    if (reports_node_new(range)) return true;
    if (reports_node_gone(range)) return false;
    return at_lo && at_lo->range == range;
  }
  bool has_node(const Range& range) const { return has_node(range, before_.at(range.lo)); }

  // `at_lo` as for has_node().
  std::optional<Range> node_at(Pfn lo, const OwnedRange* at_lo) const {
    if (const Range* added = find_start(nodes_new_, lo)) return *added;
    if (!at_lo || reports_node_gone(at_lo->range)) return std::nullopt;
    return at_lo->range;
  }

  // The cache entry of pfn after the step; `candidate` as for ModelState::cached().
  std::optional<CachedPfn> cached(Pfn pfn, const OwnedRange* candidate) const {
    if (const CachedPfn* added = find_pfn(cached_new_, pfn)) return *added;
    if (find_pfn(cached_gone_, pfn)) return std::nullopt;
    const OwnedRange* owned = before_.cached(pfn, candidate);
    if (!owned) return std::nullopt;
    return CachedPfn{pfn, owned->owner.bin, owned->owner.slot};
  }

  std::size_t cached_total() const {
    return before_.cached_total() - changes_.cached_gone.size() + changes_.cached_new.size();
  }

  // Appends the starts of every node the step touched.
  template <class List>
  void add_touched_node_starts(List& starts) const {
    for (const Range& node : nodes_gone_) starts.push_back(node.lo);
    for (const Range& node : nodes_new_) starts.push_back(node.lo);
  }
  // Calls visit(pfn, the model's cached range of pfn before the step or nullptr) for every
  // cache entry the step touched.
  template <class Visit>
  void for_each_touched_cached_pfn(Visit visit) const {
    for (std::size_t i = 0; i < cached_gone_.size(); ++i) visit(cached_gone_[i].pfn, cached_gone_before_[i]);
    for (std::size_t i = 0; i < cached_new_.size(); ++i) visit(cached_new_[i].pfn, cached_new_before_[i]);
  }
  const std::vector<Pfn>& cached_twice() const { return twice_; }
  bool reports_node_gone(const Range& range) const { return has_range(nodes_gone_, range); }
  bool reports_node_new(const Range& range) const { return has_range(nodes_new_, range); }
  bool reports_cached_gone(const CachedPfn& entry) const { return has_entry(cached_gone_, entry); }
  bool reports_cached_new(const CachedPfn& entry) const { return has_entry(cached_new_, entry); }
  ChangeReport::Sizes reported_sizes() const { return changes_.sizes(); }
  const std::vector<CachedPfn>& cached_new() const { return cached_new_; }  // ascending by pfn

  // Cached ranges the step drained back to the tree: no longer cached and no longer a node.
  bool drained() const {
    for (std::size_t i = 0; i < cached_gone_.size(); ++i) {
      if (find_pfn(cached_new_, cached_gone_[i].pfn)) continue;
      const OwnedRange* owned = cached_gone_before_[i];
      if (owned && !has_node(owned->range, owned)) return true;
    }
    return false;
  }

 private:
  // The report's own list when it is sorted already (a journal's netting sorts it; so does
  // difference_to), else a sorted copy kept in `storage`: no copy in the usual case.
  template <class Entry, class Key>
  static const std::vector<Entry>& sorted_by(const std::vector<Entry>& entries, std::vector<Entry>& storage, Key key) {
    auto before = [key](const Entry& a, const Entry& b) { return key(a) < key(b); };
    if (std::is_sorted(entries.begin(), entries.end(), before)) return entries;
    storage = entries;
    std::stable_sort(storage.begin(), storage.end(), before);
    return storage;
  }
  static const std::vector<Range>& by_start(const std::vector<Range>& nodes, std::vector<Range>& storage) {
    return sorted_by(nodes, storage, [](const Range& node) { return node.lo; });
  }
  static const std::vector<CachedPfn>& by_pfn(const std::vector<CachedPfn>& entries, std::vector<CachedPfn>& storage) {
    return sorted_by(entries, storage, [](const CachedPfn& entry) { return entry.pfn; });
  }
  static const Range* find_start(const std::vector<Range>& nodes, Pfn lo) {
    auto it = std::lower_bound(nodes.begin(), nodes.end(), lo, [](const Range& node, Pfn key) { return node.lo < key; });
    return it != nodes.end() && it->lo == lo ? &*it : nullptr;
  }
  // The last entry for pfn (a report naming a pfn twice is judged by cached_twice()).
  static const CachedPfn* find_pfn(const std::vector<CachedPfn>& entries, Pfn pfn) {
    auto it = std::upper_bound(entries.begin(), entries.end(), pfn, [](Pfn key, const CachedPfn& entry) { return key < entry.pfn; });
    return it != entries.begin() && std::prev(it)->pfn == pfn ? &*std::prev(it) : nullptr;
  }
  static bool has_range(const std::vector<Range>& nodes, const Range& range) {
    const Range* found = find_start(nodes, range.lo);
    return found && *found == range;
  }
  static bool has_entry(const std::vector<CachedPfn>& entries, const CachedPfn& entry) {
    const CachedPfn* found = find_pfn(entries, entry.pfn);
    return found && *found == entry;
  }

  const ModelState& before_;
  const ChangeReport& changes_;
  // Sorted copies, for a report that did not come sorted (declared before the views into them).
  std::vector<Range> sorted_nodes_gone_, sorted_nodes_new_;
  std::vector<CachedPfn> sorted_cached_gone_, sorted_cached_new_;
  const std::vector<Range>& nodes_gone_;
  const std::vector<Range>& nodes_new_;
  const std::vector<CachedPfn>& cached_gone_;
  const std::vector<CachedPfn>& cached_new_;
  // The model's cached range of each touched entry's pfn before the step, index for index.
  InlineVector<const OwnedRange*, 4> cached_gone_before_, cached_new_before_;
  std::vector<Pfn> twice_;
};

// ---- Soundness of a placement ---------------------------------------------------------------

// Judges a newly placed range: inside [start_pfn, limit], aligned, disjoint from what occupies.
std::optional<Judgement> placement_error(const ModelState& state, Pfn start_pfn, Pfn pfn, const Request& request,
                                         const Occupies& occupies, Reasons reasons) {
  auto placed = range_of(pfn, request.size);
  if (!placed) return judgement(reasons, Property::Soundness,
      [&] { return concat("result ", hex(pfn), " + size ", hex(request.size), " wraps past 2^64-1"); });
  auto what = [&] { return concat("result ", to_string(*placed)); };  // built only for a verdict
  if (placed->lo < start_pfn) return judgement(reasons, Property::Soundness,
      [&] { return concat(what(), " starts below start_pfn ", hex(start_pfn)); });
  if (placed->hi > request.limit) return judgement(reasons, Property::Soundness,
      [&] { return concat(what(), " ends above limit ", hex(request.limit)); });
  if (request.aligned && !is_aligned_for(pfn, request.size))
    return judgement(reasons, Property::Soundness, [&] { return concat(what(), " is not aligned to ", hex(roundup_pow2(request.size))); });
  // The ranges overlapping it, ascending: the one holding its start, then those starting inside it.
  const RangeIndex& ranges = state.ranges();
  for (const OwnedRange* owned = ranges.first_reaching(placed->lo); owned && owned->range.lo <= placed->hi;
       owned = ranges.first_above(owned->range.lo))
    if (occupies(*owned)) return judgement(reasons, Property::Soundness,
        [&] { return concat(what(), " overlaps the live range ", describe_range(*owned)); });
  return std::nullopt;
}

// The highest placement with the cached ranges counted as free: a scan, only asked when a fast
// allocation failed after draining its caches.
std::optional<Range> placement_without_cached(const RangeIndex& ranges, Pfn start_pfn, const Request& request) {
  FittingScan scan(start_pfn, request);
  ranges.for_each([&](const OwnedRange& owned) { return !occupies_unless_cached(owned) || scan.add(owned.range); });
  return scan.result();
}

// A fitting placement below the limit; with every range occupying it comes from the gap
// aggregates of the range index, else from a scan.
std::optional<Judgement> incompleteness(const ModelState& state, Pfn start_pfn, const Request& request,
                                        bool cached_occupy, std::string_view what_failed, Reasons reasons) {
  auto gap = cached_occupy ? state.ranges().highest_placement(start_pfn, request)
                           : placement_without_cached(state.ranges(), start_pfn, request);
  if (!gap) return std::nullopt;
  return judgement(reasons, Property::Completeness,
      [&] { return concat(what_failed, ": a fitting gap ", to_string(*gap), " exists at or below limit ", hex(request.limit)); });
}

// ---- One rule per operation -----------------------------------------------------------------

class Rules {
 public:
  Rules(const Geometry& geometry, const ModelState& state, const ObservedAfter& after, Reasons reasons)
      : geometry_(geometry), state_(state), observed_(after), reasons_(reasons) {}

  Reasons reasons() const { return reasons_; }

  Ways operator()(const Alloc& op, const Outcome& outcome) const {
    const Request request{op.size, op.limit, op.aligned};
    if (outcome.status == Outcome::Status::Fail) {
      if (auto missed = incompleteness(state_, geometry_.start_pfn, request, true, "alloc failed", reasons_)) return {std::move(*missed)};
      return only(Transition{});
    }
    if (auto error = placement_error(state_, geometry_.start_pfn, outcome.pfn, request, occupies_always, reasons_)) return {std::move(*error)};
    if (auto error = node_size_error(outcome, request)) return {std::move(*error)};
    Transition transition;
    transition.put_in_free_space(*range_of(outcome.pfn, op.size), Owner::allocated(outcome.pfn));
    return only(std::move(transition));
  }

  // The ways a fast allocation may have gone, most plausible first.
  Ways operator()(const FastAlloc& op, const Outcome& outcome) const {
    const Request request{fast_alloc_size(op.size), op.limit, true};
    Ways ways;
    if (outcome.status == Outcome::Status::Fail) {
      // Section 4: a tree placement at pfn 0 is "no result" to the caller; its node stays, leaked.
      if (placed_at_zero(request)) {
        const Outcome at_zero{Outcome::Status::Ok, 0, std::nullopt};
        ways.push_back(to_ruling(fast_fresh(op, request, at_zero, Owner::leaked())));
        if (op.flush) ways.push_back(to_ruling(fast_after_flush(op, request, at_zero, Owner::leaked())));
      }
      ways.push_back(to_ruling(fast_failure(op, request)));
      return ways;
    }
    const OwnedRange* held = state_.cached(outcome.pfn);
    const bool flushed = observed_.drained();
    // A drain shows as cached ranges gone from the tree; it happens only after a miss, so a
    // step that drained cannot also have hit. A drain whose retry took back the very range it
    // drained does not show: that is the last way.
    if (flushed && op.flush) ways.push_back(deferred(op, outcome, Deferred::AfterFlush));
    if (!flushed && held) ways.push_back(to_ruling(fast_hit(op, request, *held)));
    ways.push_back(ways.empty() ? deferred(op, outcome, Deferred::Fresh) : Ruling(Deferred::Fresh));
    if (!flushed && op.flush) ways.push_back(Deferred::AfterFlush);
    return ways;
  }

  // A fast allocation's deferred way, answered.
  Ruling deferred(const FastAlloc& op, const Outcome& outcome, Deferred way) const {
    const Request request{fast_alloc_size(op.size), op.limit, true};
    const Owner owner = fast_owner(op, outcome.pfn);
    return to_ruling(way == Deferred::Fresh ? fast_fresh(op, request, outcome, owner) : fast_after_flush(op, request, outcome, owner));
  }

  Ways operator()(const Free& op, const Outcome&) const {
    Transition transition;
    transition.remove(*state_.holding(op.target.pfn));
    return only(std::move(transition));
  }

  Ways operator()(const FastFree& op, const Outcome&) const {
    Transition transition;
    const OwnedRange& freed = *state_.holding(op.target.pfn);
    const unsigned bin = size_bin(op.size);
    if (!is_cached_bin(bin)) {
      transition.remove(freed);
      return only(std::move(transition));
    }
    const CacheSlot cpu{op.cpu};
    transition.hand_over(freed, Owner::cached(op.target.pfn, bin, cpu));
    // With loaded and prev both full, the loaded magazine goes to the depot first.
    if (state_.cached_count(bin, cpu) == 2 * std::size_t{geometry_.mag_size})
      transition.moves.push_back(CacheMove{bin, cpu, CacheSlot{}, geometry_.mag_size});
    transition.pinned = op.target.pfn;  // pushed into the loaded magazine, after any depot push
    return only(std::move(transition));
  }

  Ways operator()(const Reserve& op, const Outcome& outcome) const;

  Ways operator()(const Flush& op, const Outcome&) const {
    Transition transition;
    for (unsigned bin = 0; bin < kRangeCacheBins; ++bin) {
      if (op.scope != Flush::Scope::Depot) {
        for (unsigned cpu = 0; cpu < geometry_.cpus; ++cpu)
          if (op.scope == Flush::Scope::All || cpu == op.cpu) release_slot(transition, bin, CacheSlot{cpu});
      }
      if (op.scope != Flush::Scope::Cpu) release_slot(transition, bin, CacheSlot{});
    }
    return only(std::move(transition));
  }

  Ways operator()(const Trim&, const Outcome&) const {
    Transition transition;
    for (unsigned bin = 0; bin < kRangeCacheBins; ++bin) {
      const std::size_t magazines = state_.cached_count(bin, CacheSlot{}) / geometry_.mag_size;
      if (magazines > geometry_.cpus) transition.releases.push_back(CacheRelease{bin, CacheSlot{}, geometry_.mag_size});
    }
    return only(std::move(transition));
  }

  Ways operator()(const Find& op, const Outcome& outcome) const {
    const OwnedRange* holder = state_.holding(op.pfn);
    const bool found = outcome.status == Outcome::Status::Ok;
    if (!holder && found)
      return {judgement(reasons_, Property::Find,
          [&] { return concat("find ", hex(op.pfn), " returned ", to_string(outcome.node.value_or(Range{})), " but no range holds it"); })};
    if (holder && !found) return {judgement(reasons_, Property::Find,
        [&] { return concat("find ", hex(op.pfn), " found nothing but ", describe_range(*holder), " holds it"); })};
    if (holder && outcome.node != holder->range)
      return {judgement(reasons_, Property::Find,
          [&] { return concat("find ", hex(op.pfn), " returned ", to_string(outcome.node.value_or(Range{})), ", the model holds ",
                              describe_range(*holder)); })};
    return only(Transition{});
  }

 private:
  void release_slot(Transition& transition, unsigned bin, CacheSlot slot) const {
    for (const CachedStart& cached : state_.cached_in(bin, slot)) transition.remove(cached.lo);
  }

  // Every cached range leaves the tree (the fast path's drain before its retry).
  void release_every_cached(Transition& transition) const {
    for (unsigned bin = 0; bin < kRangeCacheBins; ++bin) {
      for (unsigned cpu = 0; cpu < geometry_.cpus; ++cpu) release_slot(transition, bin, CacheSlot{cpu});
      release_slot(transition, bin, CacheSlot{});
    }
  }

  // The node behind a fresh allocation is exactly the range the spec hands out.
  std::optional<Judgement> node_size_error(const Outcome& outcome, const Request& request) const {
    const Range expected = *range_of(outcome.pfn, request.size);
    if (!outcome.node || *outcome.node == expected) return std::nullopt;
    return judgement(reasons_, Property::Soundness,
        [&] { return concat("allocated node ", to_string(*outcome.node), " (", hex(outcome.node->size()), " pages), the spec hands out ",
                            to_string(expected)); });
  }

  static Owner fast_owner(const FastAlloc& op, Pfn pfn) { return Owner::fast_allocated(pfn, op.size); }

  // When the CPU's loaded and prev magazines of the bin are empty, the get loads the depot's
  // top magazine onto the CPU: `count` of its pfns stay there (all of them on a miss).
  void add_depot_load(Transition& transition, const Request& request, unsigned cpu, std::size_t count) const {
    const unsigned bin = size_bin(request.size);
    if (is_cached_bin(bin) && state_.cached_count(bin, CacheSlot{cpu}) == 0 &&
        state_.cached_count(bin, CacheSlot{}) >= geometry_.mag_size)
      transition.moves.push_back(CacheMove{bin, CacheSlot{}, CacheSlot{cpu}, count});
  }

  // `held` is the cached range whose magazine pfn fast returned.
  Answer fast_hit(const FastAlloc& op, const Request& request, const OwnedRange& held) const {
    const Pfn pfn = held.owner.pfn;
    auto what = [&] { return concat("fast hit on cached pfn ", hex(pfn)); };
    const unsigned bin = size_bin(request.size);
    if (!is_cached_bin(bin)) return judgement(reasons_, Property::RangeCache,
        [&] { return concat(what(), ": size ", hex(request.size), " has no cache"); });
    if (held.owner.bin != bin)
      return judgement(reasons_, Property::RangeCache,
          [&] { return concat(what(), " of bin ", std::to_string(held.owner.bin), " for size ", hex(request.size), " (bin ", std::to_string(bin),
                              ")"); });
    if (!held.owner.slot.in_depot() && held.owner.slot.cpu != op.cpu)
      return judgement(reasons_, Property::RangeCache,
          [&] { return concat(what(), " held by ", slot_name(held.owner.slot), ", asked on cpu ", std::to_string(op.cpu)); });
    const std::size_t on_cpu = state_.cached_count(bin, CacheSlot{op.cpu});
    if (held.owner.slot.in_depot() && on_cpu != 0)
      return judgement(reasons_, Property::RangeCache,
          [&] { return concat(what(), " from the depot while cpu ", std::to_string(op.cpu), " holds ", std::to_string(on_cpu), " pfns of bin ",
                              std::to_string(bin)); });
    auto handed = range_of(pfn, request.size);
    if (!handed || handed->lo < held.range.lo || handed->hi > held.range.hi)
      return judgement(reasons_, Property::Soundness,
          [&] { return concat(what(), ": the caller gets ", hex(request.size), " pages but its node is ", to_string(held.range)); });
    if (pfn < geometry_.start_pfn) return judgement(reasons_, Property::Soundness,
        [&] { return concat(what(), " is below start_pfn ", hex(geometry_.start_pfn)); });
    if (handed->hi > request.limit)
      return judgement(reasons_, Property::Soundness,
          [&] { return concat(what(), ": result ", to_string(*handed), " ends above limit ", hex(request.limit)); });
    Transition transition;
    transition.hand_over(held, fast_owner(op, pfn));
    if (held.owner.slot.in_depot()) add_depot_load(transition, request, op.cpu, geometry_.mag_size - 1);
    return transition;
  }

  // A failed fast step that left a new node at pfn 0 (only possible with start_pfn 0).
  bool placed_at_zero(const Request& request) const {
    return geometry_.start_pfn == 0 && !state_.holding(0) && observed_.has_node(Range{0, request.size - 1});
  }

  // Section 4's get cannot miss when every pfn it could take satisfies the bound: the CPU's
  // pfns of the bin when it holds any (its loaded magazine, or prev after the swap, holds one),
  // else the depot's (the get loads its top magazine). Which magazine holds what is unobserved,
  // so this is as far as the model sees misses. A wrapped bound (F5) is left to the hit's check.
  // Costs the cached pfns of one bin and slot (read from the slot's list), not the whole state.
  std::optional<Judgement> missed_a_sure_hit(const FastAlloc& op, const Request& request) const {
    const unsigned bin = size_bin(request.size);
    if (!is_cached_bin(bin) || request.limit == kMaxPfn || request.limit + 1 < request.size) return std::nullopt;
    const Pfn bound = request.limit + 1 - request.size;
    const CacheSlot from = state_.cached_count(bin, CacheSlot{op.cpu}) > 0 ? CacheSlot{op.cpu} : CacheSlot{};
    const std::span<const CachedStart> candidates = state_.cached_in(bin, from);
    if (candidates.empty()) return std::nullopt;
    for (const CachedStart& cached : candidates) {
      if (cached.pfn > bound) return std::nullopt;
    }
    return judgement(reasons_, Property::RangeCache,
        [&] { return concat("fast missed its range cache: each of the ", std::to_string(candidates.size()), " pfns of bin ", std::to_string(bin), " ",
                            slot_name(from), " holds is at most the bound ", hex(bound)); });
  }

  Answer fast_fresh(const FastAlloc& op, const Request& request, const Outcome& outcome, const Owner& owner) const {
    const Pfn pfn = outcome.pfn;
    if (auto missed = missed_a_sure_hit(op, request)) return std::move(*missed);
    if (auto error = placement_error(state_, geometry_.start_pfn, pfn, request, occupies_always, reasons_)) return std::move(*error);
    if (auto error = node_size_error(outcome, request)) return std::move(*error);
    Transition transition;
    transition.put_in_free_space(*range_of(pfn, request.size), owner);
    add_depot_load(transition, request, op.cpu, geometry_.mag_size);
    return transition;
  }

  // The tree allocation failed, every cache was drained, and the retry placed the range.
  Answer fast_after_flush(const FastAlloc& op, const Request& request, const Outcome& outcome, const Owner& owner) const {
    const Pfn pfn = outcome.pfn;
    if (auto missed = missed_a_sure_hit(op, request)) return std::move(*missed);
    if (auto missed = incompleteness(state_, geometry_.start_pfn, request, true,
                                     "fast flushed its caches after a tree allocation that should not have failed", reasons_))
      return std::move(*missed);
    if (auto error = placement_error(state_, geometry_.start_pfn, pfn, request, occupies_unless_cached, reasons_)) return std::move(*error);
    if (auto error = node_size_error(outcome, request)) return std::move(*error);
    Transition transition;
    release_every_cached(transition);
    transition.put(*range_of(pfn, request.size), owner);
    return transition;
  }

  Answer fast_failure(const FastAlloc& op, const Request& request) const {
    if (auto missed = missed_a_sure_hit(op, request)) return std::move(*missed);
    if (!op.flush) {
      if (auto missed = incompleteness(state_, geometry_.start_pfn, request, true, "fast (noflush) failed", reasons_)) return std::move(*missed);
      Transition transition;
      add_depot_load(transition, request, op.cpu, geometry_.mag_size);
      return transition;
    }
    if (auto missed = incompleteness(state_, geometry_.start_pfn, request, false, "fast failed after flushing its caches", reasons_))
      return std::move(*missed);
    Transition transition;
    release_every_cached(transition);
    return transition;
  }

  const Geometry& geometry_;
  const ModelState& state_;
  const ObservedAfter& observed_;
  const Reasons reasons_;
};

// Which overlapped nodes a reserve extends down to its lo (docs/spec.md, section 3): the spec's
// walk extends every one; the decision on F3 and F9 also allows a reserve that extends no node
// but the anchor, the anchor alone, or none, and reserves the free part below each node it does
// not extend as a node of its own. Each policy is one exact way the step may go. Whatever the
// policy, a reserve that hands free pages to a caller's or a cache's range breaks the property
// (F3): they would leave the tree with that range; and so does one that extends the anchor (F9),
// which must stay the one page at 2^64-1 (the kernel's teardown frees any other node).
struct ReserveGrowth {
  bool nodes = true;
  bool anchor = true;
  bool extends(const Range& node) const { return node.hi == kMaxPfn ? anchor : nodes; }
};

struct ReserveWalk {
  Transition transition;
  Range returned;
  bool extends_a_node = false;  // the walk lowered (or would lower) a node other than the anchor
  bool extends_anchor = false;
  std::optional<OwnedRange> extended_foreign;  // the first range not a reservation it lowered, or the anchor
};

ReserveWalk walk_reserve(const RangeIndex& ranges, Pfn lo, const Pfn hi, const ReserveGrowth& growth) {
  ReserveWalk walk;
  for (const OwnedRange* next = ranges.first_reaching(lo); next && next->range.lo <= hi; next = ranges.first_above(next->range.lo)) {
    OwnedRange node = *next;
    if (lo < node.range.lo) {
      (node.range.hi == kMaxPfn ? walk.extends_anchor : walk.extends_a_node) = true;
      if (growth.extends(node.range)) {  // lower pfn_lo in place, whoever owns the node
        const bool foreign = node.owner.kind != Kind::Reserved || node.range.hi == kMaxPfn;
        if (foreign && !walk.extended_foreign) walk.extended_foreign = node;
        walk.transition.remove(*next);
        node.range.lo = lo;
        walk.transition.put(node.range, node.owner);
      } else {  // the free part below the node is reserved on its own
        walk.transition.put(Range{lo, node.range.lo - 1}, Owner::reserved());
        lo = node.range.lo;
      }
    }
    if (hi > node.range.hi) lo = node.range.hi + 1;
    if (lo >= node.range.lo && hi <= node.range.hi) {
      walk.returned = node.range;
      return walk;
    }
  }
  walk.returned = Range{lo, hi};
  walk.transition.put(walk.returned, Owner::reserved());
  return walk;
}

// reserve_iova as section 3 states it, on the model's ranges, then the policies the decision on
// F3 and F9 allows where they differ from it.
Ways Rules::operator()(const Reserve& op, const Outcome& outcome) const {
  if (outcome.status != Outcome::Status::Ok)
    return {judgement(reasons_, Property::Reserve, [&] { return concat("reserve ", hex(op.lo), " ", hex(op.hi), " failed; it cannot fail"); })};
  const ReserveWalk spec = walk_reserve(state_.ranges(), op.lo, op.hi, ReserveGrowth{});
  InlineVector<ReserveGrowth, 4> policies;  // at most four: in place
  policies.push_back(ReserveGrowth{});
  if (spec.extends_a_node) policies.push_back(ReserveGrowth{.nodes = false, .anchor = true});
  if (spec.extends_anchor) policies.push_back(ReserveGrowth{.nodes = true, .anchor = false});
  if (spec.extends_a_node && spec.extends_anchor) policies.push_back(ReserveGrowth{.nodes = false, .anchor = false});
  Ways ways;
  for (const ReserveGrowth& growth : policies) {
    ReserveWalk walk = walk_reserve(state_.ranges(), op.lo, op.hi, growth);
    if (walk.extended_foreign) {
      const bool anchor = walk.extended_foreign->range.hi == kMaxPfn;
      ways.push_back(judgement(reasons_, Property::Reserve,
          [&] { return concat("reserve ", hex(op.lo), " ", hex(op.hi), " extends ", (anchor ? "the anchor" : describe_range(*walk.extended_foreign)),
                              " down to ", hex(op.lo),
                              (anchor ? ": the anchor must stay the one page at 2^64-1"
                                      : ": the reserved pages would leave the tree with that range")); }));
    } else if (outcome.node != walk.returned) {
      const char* const how = growth.nodes && growth.anchor ? "the spec returns " : "reserving only the free parts below unextended nodes returns ";
      ways.push_back(judgement(reasons_, Property::Reserve,
          [&] { return concat("reserve returned ", to_string(outcome.node.value_or(Range{})), ", ", how, to_string(walk.returned)); }));
    } else {
      ways.push_back(std::move(walk.transition));
    }
  }
  return ways;
}

// ---- Comparing a transition with what the implementation shows --------------------------------

// A start a step touched, with the model's range there before the step (nullptr when none).
using Touched = std::pair<Pfn, const OwnedRange*>;

// Only ranges and cache entries the transition or the step touched can differ: everything else
// is the state before the step on both sides. Touched ones are visited in ascending order, as a
// whole-state comparison would meet them, so the first difference found is the same. Each
// touched range is looked up in the model once (the rule's own lookups are passed on in the
// transition) and passed on.
class TransitionCheck {
 public:
  // `transition` is completed in place (ranges the caches released or moved); `scratch` is
  // working storage lent by the model, so a step allocates no lists of its own.
  TransitionCheck(const Geometry& geometry, const ModelState& before, Transition& transition, const ObservedAfter& observed,
                  std::vector<Touched>& scratch, Reasons reasons)
      : geometry_(geometry), before_(before), transition_(transition), observed_(observed), scratch_(scratch), reasons_(reasons) {
    transition_.changes.resolve_before(before_);
  }

  // Why the observation is not what the transition allows, if it is not; else the
  // transition's changes are the ones to adopt.
  std::optional<Judgement> run() {
    if (is_exactly_reported()) return cache_shape();
    if (auto error = match_nodes()) return error;
    if (auto error = match_cache()) return error;
    return cache_shape();
  }

 private:
  struct NewlyCached {
    Pfn pfn = 0;  // its magazine pfn
    Pfn lo = 0;   // the range's start
  };

  // Whether the report is exactly the set difference the transition makes: the nodes and cache
  // entries its changes remove and add, and nothing else. Then the observation after the step is
  // the model's, and the comparisons below would find nothing (the shape of the caches is still
  // to check): the usual step is judged by one lookup per reported entry instead of the ordered
  // visit of every touched start. Only for a transition with no cache moves or releases to
  // match, whose ranges after the step are all decided; anything else takes the visit.
  bool is_exactly_reported() const {
    if (!transition_.moves.empty() || !transition_.releases.empty() || !observed_.cached_twice().empty()) return false;
    ChangeReport::Sizes expected;
    for (const RangeChanges::Entry& entry : transition_.changes) {
      const OwnedRange* before = entry.before;
      const OwnedRange* after = entry.after ? &*entry.after : nullptr;
      if (!before || !after || before->range != after->range) {
        if (before && (++expected.nodes_gone, !observed_.reports_node_gone(before->range))) return false;
        if (after && (++expected.nodes_new, !observed_.reports_node_new(after->range))) return false;
      }
      const std::optional<CachedPfn> cached_before = cache_entry(before), cached_after = cache_entry(after);
      if (cached_before == cached_after) continue;
      if (cached_before && (++expected.cached_gone, !observed_.reports_cached_gone(*cached_before))) return false;
      if (cached_after && (++expected.cached_new, !observed_.reports_cached_new(*cached_after))) return false;
    }
    return expected == observed_.reported_sizes();
  }

  static std::optional<CachedPfn> cache_entry(const OwnedRange* owned) {
    if (!owned || !is_cached(*owned)) return std::nullopt;
    return CachedPfn{owned->owner.pfn, owned->owner.bin, owned->owner.slot};
  }

  // The ranges the step caches that were not cached before, by magazine pfn: computed once,
  // when the visit first asks.
  void find_newly_cached() {
    if (newly_cached_known_) return;
    newly_cached_known_ = true;
    for (const RangeChanges::Entry& entry : transition_.changes) {
      const std::optional<OwnedRange>& owned = entry.after;
      if (owned && is_cached(*owned) && before_.cached(owned->owner.pfn, entry.before) == nullptr)
        newly_cached_.push_back(NewlyCached{owned->owner.pfn, entry.lo});
    }
    std::sort(newly_cached_.begin(), newly_cached_.end(), [](const NewlyCached& a, const NewlyCached& b) { return a.pfn < b.pfn; });
  }

  // The model's range starting at a touched start after the step, as decided so far.
  const OwnedRange* after_at(const Touched& touched) const {
    if (const RangeChanges::Entry* changed = transition_.changes.find(touched.first)) return changed->after ? &*changed->after : nullptr;
    return touched.second;
  }

  // The model's cached range for a magazine pfn after the step, if it is cached: its start and
  // the model's range there before the step. `cached_before` is the model's cached range of the
  // pfn before the step.
  std::optional<Touched> after_cached(Pfn pfn, const OwnedRange* cached_before) const {
    if (cached_before) {
      const Touched start{cached_before->range.lo, cached_before};
      const OwnedRange* owned = after_at(start);
      if (owned == cached_before || (owned && is_cached(*owned) && owned->owner.pfn == pfn)) return start;
    }
    auto fresh = std::lower_bound(newly_cached_.begin(), newly_cached_.end(), pfn, [](const NewlyCached& entry, Pfn key) { return entry.pfn < key; });
    if (fresh == newly_cached_.end() || fresh->pfn != pfn) return std::nullopt;
    const RangeChanges::Entry* changed = transition_.changes.find(fresh->lo);  // a range the step caches is a change
    if (!changed || !changed->after || !is_cached(*changed->after)) return std::nullopt;
    return Touched{fresh->lo, changed->before};
  }

  // The scratch list, empty; its first use makes room for a step's few starts at once.
  std::vector<Touched>& emptied_scratch() {
    scratch_.clear();
    if (scratch_.capacity() == 0) scratch_.reserve(kFirstScratchCapacity);
    return scratch_;
  }
  static constexpr std::size_t kFirstScratchCapacity = 16;

  // Sorts the scratch list by start and drops repeats.
  void sort_touched() {
    std::sort(scratch_.begin(), scratch_.end(), [](const Touched& a, const Touched& b) { return a.first < b.first; });
    scratch_.erase(std::unique(scratch_.begin(), scratch_.end(), [](const Touched& a, const Touched& b) { return a.first == b.first; }),
                   scratch_.end());
  }

  // Ascending and without repeats, in the scratch list (valid until the next use of it).
  const std::vector<Touched>& touched_node_starts() {
    std::vector<Touched>& starts = emptied_scratch();
    for (const RangeChanges::Entry& entry : transition_.changes) starts.emplace_back(entry.lo, entry.before);
    const std::size_t changed = starts.size();
    struct Appender {
      std::vector<Touched>& starts;
      void push_back(Pfn lo) const { starts.emplace_back(lo, nullptr); }
    };
    Appender observed{starts};
    observed_.add_touched_node_starts(observed);
    // The observation's starts not among the changes are looked up here, once.
    for (std::size_t i = changed; i < starts.size(); ++i) {
      const RangeChanges::Entry* entry = transition_.changes.find(starts[i].first);
      starts[i].second = entry ? entry->before : before_.at(starts[i].first);
    }
    sort_touched();
    return starts;
  }

  std::optional<Judgement> match_nodes() {
    const std::vector<Touched>& starts = touched_node_starts();
    for (const Touched& start : starts) {
      const OwnedRange* owned = after_at(start);
      if (!owned || observed_.has_node(owned->range, start.second)) continue;
      if (!consume_release(owned->owner))
        return judgement(reasons_, is_cached(*owned) ? Property::RangeCache : Property::Conservation,
            [&] { return concat("range ", describe_range(*owned), " is missing from the implementation's tree"); });
      transition_.changes.set(start.first, std::nullopt, start.second);
    }
    for (const CacheRelease& release : transition_.releases)
      if (release.count != 0)
        return judgement(reasons_, Property::RangeCache,
            [&] { return concat("trim returned ", std::to_string(geometry_.mag_size - release.count), " ranges of bin ", std::to_string(release.bin),
                                " from the depot, a magazine holds ", std::to_string(geometry_.mag_size)); });
    for (const Touched& start : starts) {
      const std::optional<Range> node = observed_.node_at(start.first, start.second);
      if (!node) continue;
      const OwnedRange* owned = after_at(start);
      if (!owned || owned->range != *node)
        return judgement(reasons_, Property::Conservation,
            [&] { return concat("the implementation's tree holds ", to_string(*node), ", which the model does not"); });
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
    find_newly_cached();
    std::vector<Touched>& starts = emptied_scratch();
    for (const RangeChanges::Entry& entry : transition_.changes) starts.emplace_back(entry.lo, entry.before);
    observed_.for_each_touched_cached_pfn([&](Pfn pfn, const OwnedRange* cached_before) {
      if (auto start = after_cached(pfn, cached_before)) starts.push_back(*start);
    });
    sort_touched();
    for (const Touched& start : starts) {
      const OwnedRange* after = after_at(start);
      if (!after || !is_cached(*after)) continue;
      const std::optional<CachedPfn> entry = observed_.cached(after->owner.pfn, start.second);
      if (!entry) return judgement(reasons_, Property::RangeCache,
          [&] { return concat("the caches lost ", describe_range(*after), "; its node is still in the tree"); });
      if (entry->bin != after->owner.bin)
        return judgement(reasons_, Property::RangeCache,
            [&] { return concat("pfn ", hex(entry->pfn), " sits in bin ", std::to_string(entry->bin), ", freed into bin ",
                                std::to_string(after->owner.bin)); });
      if (entry->slot != after->owner.slot) {
        if (!consume_move(after->owner, entry->slot))
          return judgement(reasons_, Property::RangeCache,
              [&] { return concat("pfn ", hex(entry->pfn), " moved from ", slot_name(after->owner.slot), " to ", slot_name(entry->slot)); });
        OwnedRange moved = *after;
        moved.owner.slot = entry->slot;
        transition_.changes.set(start.first, moved, start.second);
      }
    }
    if (observed_.cached_total() != model_cached_total() || !observed_.cached_twice().empty()) return unexpected_cache_entry();
    return unmade_move();
  }

  std::size_t model_cached_total() const {
    std::size_t total = before_.cached_total();
    for (const RangeChanges::Entry& entry : transition_.changes) {
      total -= entry.before && is_cached(*entry.before) ? 1 : 0;
      total += entry.after && is_cached(*entry.after) ? 1 : 0;
    }
    return total;
  }

  // The lowest pfn the caches hold that the model does not cache, or a pfn held twice.
  std::optional<Judgement> unexpected_cache_entry() const {
    for (const CachedPfn& entry : observed_.cached_new())  // ascending by pfn
      if (!after_cached(entry.pfn, before_.cached(entry.pfn)))
        return judgement(reasons_, Property::RangeCache,
            [&] { return concat("the caches hold pfn ", hex(entry.pfn), " (", slot_name(entry.slot), "), which is not a freed range"); });
    return judgement(reasons_, Property::RangeCache, [&] { return "the caches hold a pfn twice"; });
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
        return judgement(reasons_, Property::RangeCache,
            [&] { return concat(std::to_string(move.count), " more pfns of bin ", std::to_string(move.bin), " should have moved from ",
                                slot_name(move.from), " to ", slot_name(move.to), " (a whole magazine moves)"); });
    return std::nullopt;
  }

  // How many cached ranges one slot gains (+) or loses (-) in a step.
  struct SlotChange {
    unsigned bin = 0;
    unsigned cpu = 0;
    std::ptrdiff_t change = 0;
  };

  // Depots hold whole magazines; a CPU holds at most its loaded and prev magazines. Only the
  // slots the step changed can have lost their shape.
  std::optional<Judgement> cache_shape() const {
    // Each change's -1 from its slot before and +1 to its slot after, summed per slot in order.
    InlineVector<SlotChange, 4> moved;
    for (const RangeChanges::Entry& entry : transition_.changes) {
      if (entry.before && is_cached(*entry.before)) moved.push_back(SlotChange{entry.before->owner.bin, entry.before->owner.slot.cpu, -1});
      if (entry.after && is_cached(*entry.after)) moved.push_back(SlotChange{entry.after->owner.bin, entry.after->owner.slot.cpu, +1});
    }
    auto slot_of = [](const SlotChange& change) { return std::pair{change.bin, change.cpu}; };
    std::sort(moved.begin(), moved.end(), [&](const SlotChange& a, const SlotChange& b) { return slot_of(a) < slot_of(b); });
    for (const SlotChange* next = moved.begin(); next != moved.end();) {
      const unsigned bin = next->bin;
      const unsigned cpu = next->cpu;
      std::ptrdiff_t change = 0;
      for (; next != moved.end() && next->bin == bin && next->cpu == cpu; ++next) change += next->change;
      const std::size_t count = before_.cached_count(bin, CacheSlot{cpu}) + change;
      if (count == 0) continue;
      auto where = [bin, cpu] { return concat("bin ", std::to_string(bin), " ", slot_name(CacheSlot{cpu})); };  // for a verdict only
      if (CacheSlot{cpu}.in_depot() && count % geometry_.mag_size != 0)
        return judgement(reasons_, Property::RangeCache,
            [&] { return concat(where(), " holds ", std::to_string(count), " pfns, not whole magazines of ", std::to_string(geometry_.mag_size)); });
      if (!CacheSlot{cpu}.in_depot() && count > 2 * std::size_t{geometry_.mag_size})
        return judgement(reasons_, Property::RangeCache,
            [&] { return concat(where(), " holds ", std::to_string(count), " pfns, more than two magazines"); });
    }
    return std::nullopt;
  }

  const Geometry& geometry_;
  const ModelState& before_;
  Transition& transition_;
  const ObservedAfter& observed_;
  std::vector<Touched>& scratch_;
  const Reasons reasons_;
  InlineVector<NewlyCached, 2> newly_cached_;  // ascending by magazine pfn, for ranges the step caches
  bool newly_cached_known_ = false;
};

std::optional<CallerError> caller_error_of(const ModelState& state, const Geometry& geometry, const Op& op);

// Makes the state the one after an allowed step, through the ranges in hand: owner changes
// first, then removals (the index keeps a range in place until it is erased or a range is
// inserted), then insertions, as a range may move to a start below its old one (reserve). What
// each entry does is decided before anything changes: an insertion may grow the index's storage,
// and the `before` of the entries after it (the model's ranges before the step) would dangle.
void adopt(ModelState& state, const RangeChanges& changes) {
  auto kept = [](const RangeChanges::Entry& entry) { return entry.before && entry.after && entry.after->range == entry.before->range; };
  InlineVector<const RangeChanges::Entry*, 4> removed, inserted;
  for (const RangeChanges::Entry& entry : changes) {
    if (kept(entry)) {
      state.set(entry.lo, entry.after, entry.before);
      continue;
    }
    if (entry.before) removed.push_back(&entry);
    if (entry.after) inserted.push_back(&entry);
  }
  for (const RangeChanges::Entry* entry : removed) state.set(entry->lo, std::nullopt, entry->before);
  for (const RangeChanges::Entry* entry : inserted) state.set(entry->lo, entry->after, nullptr);  // nothing starts there any longer
}

}  // namespace

// ---- Model ----------------------------------------------------------------------------------

Model::Model(const Geometry& geometry, const Snapshot* snapshot, Reasons reasons) : geometry_(geometry), reasons_(reasons) {
  if (!snapshot) return;
  for (const Range& node : snapshot->nodes) state_.set(node.lo, OwnedRange{node, Owner::allocated(node.lo)});
}

std::optional<CallerError> Model::caller_error(const Op& op) const { return caller_error_of(state_, geometry_, op); }

const OwnedRange* Model::range_holding(Pfn pfn) const { return state_.holding(pfn); }

std::optional<Judgement> Model::judge(const Op& op, const Outcome& outcome, Observation after) {
  return judge(op, outcome, difference_to(std::move(after)));
}

std::optional<Judgement> Model::judge(const Op& op, const Outcome& outcome, const ChangeReport& changes) {
  if (auto error = caller_error(op)) throw std::logic_error("Model::judge on a caller error: " + error->reason());
  if (outcome.status == Outcome::Status::Rejected)
    return judgement(reasons_, Property::Rejection, [] { return "the implementation refused valid input"; });
  const ObservedAfter observed(state_, changes);
  auto ways_of = [&](const Rules& rules) { return std::visit([&](const auto& typed) { return rules(typed, outcome); }, op); };
  // One way judged under `rules`' reasons: its verdict, or nullopt when it is allowed (the way is
  // then the transition, completed).
  auto problem_with = [&](const Rules& rules, Ruling& way) -> std::optional<Judgement> {
    if (auto* deferred = std::get_if<Deferred>(&way)) way = rules.deferred(std::get<FastAlloc>(op), outcome, *deferred);
    if (auto* problem = std::get_if<Judgement>(&way)) return std::move(*problem);
    return TransitionCheck(geometry_, state_, std::get<Transition>(way), observed, scratch_, rules.reasons()).run();
  };
  // Each way in turn, reasons omitted: the first one allowed is adopted.
  const Rules quiet(geometry_, state_, observed, Reasons::Omitted);
  Ways ways = ways_of(quiet);
  std::optional<Judgement> first_problem;
  for (Ruling& way : ways) {
    std::optional<Judgement> problem = problem_with(quiet, way);
    if (!problem) {
      adopt(state_, std::get<Transition>(way).changes);
      return std::nullopt;
    }
    if (!first_problem) first_problem = std::move(problem);
  }
  if (!first_problem || reasons_ == Reasons::Omitted) return first_problem;
  // Every way rejected: the verdict is the first (most plausible) way's, judged again with its reason.
  const Rules explaining(geometry_, state_, observed, Reasons::Explained);
  Ways again = ways_of(explaining);
  return problem_with(explaining, *again.begin());
}

std::optional<Judgement> Model::judge_refusal(const Outcome& outcome, Observation after) const {
  return judge_refusal(outcome, difference_to(std::move(after)));
}

std::optional<Judgement> Model::judge_refusal(const Outcome& outcome, const ChangeReport& changes) const {
  if (outcome.status != Outcome::Status::Rejected)
    return judgement(reasons_, Property::Rejection, [] { return "the implementation accepted input the API must refuse"; });
  const ObservedAfter observed(state_, changes);
  Transition none;
  if (auto problem = TransitionCheck(geometry_, state_, none, observed, scratch_, reasons_).run())
    return judgement(reasons_, Property::Rejection, [&] { return concat("a refused op changed the state: ", problem->reason); });
  return std::nullopt;
}

std::optional<Judgement> Model::whole_state_difference(Observation observed) const {
  const ChangeReport difference = difference_to(std::move(observed));
  const ObservedAfter after(state_, difference);
  Transition none;
  return TransitionCheck(geometry_, state_, none, after, scratch_, reasons_).run();
}

ChangeReport Model::difference_to(Observation observed) const {
  ChangeReport difference;
  std::vector<Range>& nodes = observed.nodes;
  auto by_lo = [](const Range& a, const Range& b) { return a.lo < b.lo || (a.lo == b.lo && a.hi < b.hi); };
  if (!std::is_sorted(nodes.begin(), nodes.end(), by_lo)) std::sort(nodes.begin(), nodes.end(), by_lo);
  // Both set differences in one merge of the index's ranges (ascending, distinct) with the
  // observed nodes, an observed node matching at most one range: no copy of the model's ranges.
  auto observed_node = nodes.begin();
  state_.ranges().for_each([&](const OwnedRange& owned) {
    for (; observed_node != nodes.end() && by_lo(*observed_node, owned.range); ++observed_node) difference.nodes_new.push_back(*observed_node);
    if (observed_node != nodes.end() && !by_lo(owned.range, *observed_node)) ++observed_node;
    else difference.nodes_gone.push_back(owned.range);
    return true;
  });
  difference.nodes_new.insert(difference.nodes_new.end(), observed_node, nodes.end());

  auto by_entry = [](const CachedPfn& a, const CachedPfn& b) {
    return std::tie(a.pfn, a.bin, a.slot.cpu) < std::tie(b.pfn, b.bin, b.slot.cpu);
  };
  std::vector<CachedPfn>& cached = observed.cached;
  std::sort(cached.begin(), cached.end(), by_entry);
  const std::vector<CachedPfn> model_cached = state_.cached_entries();
  std::set_difference(model_cached.begin(), model_cached.end(), cached.begin(), cached.end(), std::back_inserter(difference.cached_gone), by_entry);
  std::set_difference(cached.begin(), cached.end(), model_cached.begin(), model_cached.end(), std::back_inserter(difference.cached_new), by_entry);
  return difference;
}

std::string Model::describe() const {
  std::ostringstream out;
  state_.ranges().for_each([&](const OwnedRange& owned) {
    out << describe_range(owned) << (owned.range.lo == kMaxPfn ? " (anchor)" : "") << "\n";
    return true;
  });
  return out.str();
}

// ---- Caller errors --------------------------------------------------------------------------

namespace {

using ErrorKind = CallerError::Kind;

CallerError must_refuse(ErrorKind kind) { return CallerError{.kind = kind, .must_refuse = true}; }
CallerError undefined(ErrorKind kind, const OwnedRange& holder) { return CallerError{.kind = kind, .holder = holder}; }

std::optional<CallerError> bad_cpu(const Geometry& geometry, unsigned cpu) {
  if (cpu < geometry.cpus) return std::nullopt;
  return CallerError{.kind = ErrorKind::NoSuchCpu, .must_refuse = true, .cpu = cpu, .cpus = geometry.cpus};
}

std::optional<CallerError> free_error(const ModelState& state, Pfn pfn, bool fast, Pfn size) {
  const OwnedRange* holder = state.holding(pfn);
  // free_iova of a pfn in no node is refused by our API; free_iova_fast would cache it.
  if (!holder) return CallerError{.kind = ErrorKind::WildFree, .must_refuse = !fast, .pfn = pfn};
  const Owner& owner = holder->owner;
  switch (owner.kind) {
    case Kind::Reserved: return undefined(ErrorKind::FreeOfReserved, *holder);
    case Kind::Cached: return undefined(ErrorKind::FreeOfCached, *holder);
    case Kind::Leaked: return undefined(ErrorKind::FreeOfLeaked, *holder);
    case Kind::Allocated:
      if (fast) return undefined(ErrorKind::FfreeOfAllocated, *holder);
      return std::nullopt;
    case Kind::FastAllocated:
      if (!fast) return undefined(ErrorKind::FreeOfFastAllocated, *holder);
      if (pfn != owner.pfn) return CallerError{.kind = ErrorKind::FfreeNotReturnedPfn, .pfn = pfn, .holder = *holder};
      if (size != owner.requested_size) return CallerError{.kind = ErrorKind::FfreeWrongSize, .size = size, .holder = *holder};
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<CallerError> caller_error_of(const ModelState& state, const Geometry& geometry, const Op& op) {
  struct Classify {
    const ModelState& state;
    const Geometry& geometry;
    std::optional<CallerError> operator()(const Alloc& alloc) const {
      if (alloc.size == 0) return must_refuse(ErrorKind::SizeZero);
      return std::nullopt;
    }
    std::optional<CallerError> operator()(const FastAlloc& fast) const {
      if (fast.size == 0) return must_refuse(ErrorKind::SizeZero);
      return bad_cpu(geometry, fast.cpu);
    }
    std::optional<CallerError> operator()(const Free& free) const { return free_error(state, free.target.pfn, false, 0); }
    std::optional<CallerError> operator()(const FastFree& free) const {
      if (auto cpu = bad_cpu(geometry, free.cpu)) return cpu;
      if (free.size == 0) return must_refuse(ErrorKind::SizeZero);
      return free_error(state, free.target.pfn, true, free.size);
    }
    std::optional<CallerError> operator()(const Reserve& reserve) const {
      if (reserve.lo > reserve.hi)
        return CallerError{.kind = ErrorKind::ReserveLoAboveHi, .must_refuse = true, .reserve_lo = reserve.lo, .reserve_hi = reserve.hi};
      if (reserve.hi > geometry.max_reservable_pfn())
        return CallerError{.kind = ErrorKind::ReserveAboveMax, .must_refuse = true, .max_reservable_pfn = geometry.max_reservable_pfn()};
      return std::nullopt;
    }
    std::optional<CallerError> operator()(const Flush& flush) const {
      if (flush.scope != Flush::Scope::Cpu) return std::nullopt;
      return bad_cpu(geometry, flush.cpu);
    }
    std::optional<CallerError> operator()(const Trim&) const { return std::nullopt; }
    std::optional<CallerError> operator()(const Find&) const { return std::nullopt; }
  };
  return std::visit(Classify{state, geometry}, op);
}

}  // namespace

}  // namespace iovacheck
