#include "model/dump_state.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <map>

namespace iovacheck {
namespace {

std::uint64_t required(const Dump& dump, const char* key) {
  const auto found = dump.header.find(key);
  if (found == dump.header.end())
    throw LogError(dump.first_line, 1, std::string("the dump's header has no '") + key + "' field");
  return found->second;
}

// Bytes or pfns: the log may say so; otherwise the size column decides (bytes: hi - lo + granule).
bool values_in_bytes(const Dump& dump, Pfn granule) {
  if (dump.says_shifted) return true;
  std::size_t bytes = 0;
  std::size_t pfns = 0;
  for (const DumpLine& line : dump.lines) {
    if (line.hi < line.lo) continue;
    if (line.size == line.hi - line.lo + granule) ++bytes;
    if (line.size == line.hi - line.lo + 1) ++pfns;
  }
  return bytes >= pfns;
}

std::string line_text(std::size_t line) { return "line " + std::to_string(line); }

class DumpReader {
 public:
  explicit DumpReader(const Dump& dump) : dump_(dump) {}

  DumpState read() {
    read_header();
    read_lines();
    read_omissions();
    check_indices();
    check_counters();
    state_.cached = resolve("cached_node", required(dump_, "cached_node"));
    state_.cached32 = resolve("cached32_node", required(dump_, "cached32_node"));
    return std::move(state_);
  }

 private:
  void violation(std::size_t line, std::string text) { state_.violations.push_back({line, std::move(text)}); }
  void unchecked(std::size_t line, std::string text) { state_.unchecked.push_back({line, std::move(text)}); }
  void note(std::size_t line, std::string text) { state_.notes.push_back({line, std::move(text)}); }

  void read_header() {
    state_.first_line = dump_.first_line;
    state_.last_line = dump_.last_line;
    if (auto iovad = dump_.header.find("iovad"); iovad != dump_.header.end()) state_.iovad = iovad->second;
    Geometry& geometry = state_.geometry;
    geometry.granule = required(dump_, "granule");
    geometry.start_pfn = required(dump_, "start_pfn");
    geometry.dma32_pfn = required(dump_, "dma_32bit_pfn");
    state_.max32 = required(dump_, "max32_alloc_size");
    if (auto error = geometry_error(geometry)) throw LogError(dump_.first_line, 1, "the dump's header: " + *error);
    if (state_.max32 == 0) violation(dump_.first_line, "max32_alloc_size is 0: no failed allocation has size 0");
    state_.shifted = values_in_bytes(dump_, geometry.granule);
  }

  // The anchor as the dump prints it: 2^64-1, shifted (and truncated) when in bytes.
  Pfn printed_anchor() const { return state_.shifted ? kMaxPfn << state_.geometry.shift() : kMaxPfn; }
  Pfn unit() const { return state_.shifted ? state_.geometry.granule : 1; }

  void read_lines() {
    const Pfn shift = state_.shifted ? state_.geometry.shift() : 0;
    std::map<std::uint64_t, std::size_t> objects;
    const DumpNode* previous = nullptr;
    for (std::size_t k = 0; k < dump_.lines.size(); ++k) {
      const DumpLine& line = dump_.lines[k];
      if (auto [where, added] = objects.emplace(line.object, line.line); !added)
        violation(line.line, "object " + hex(line.object) + " is printed twice (also " + line_text(where->second) + ")");
      if (line.lo == printed_anchor() && line.hi == printed_anchor()) {
        read_anchor(line, k);
        continue;
      }
      if (state_.anchor_line) violation(line.line, "a node after the anchor: the anchor must be the highest node");
      if (line.lo % unit() != 0 || line.hi % unit() != 0) {
        violation(line.line, "pfn_lo " + hex(line.lo) + " or pfn_hi " + hex(line.hi) + " is not a multiple of the granule " + hex(unit()));
        continue;
      }
      if (line.lo > line.hi) {
        violation(line.line, "pfn_lo " + hex(line.lo) + " is above pfn_hi " + hex(line.hi));
        continue;
      }
      if (line.size != line.hi - line.lo + unit())
        violation(line.line, "size " + hex(line.size) + " does not match pfn_lo " + hex(line.lo) + " .. pfn_hi " + hex(line.hi) +
                                 " (" + hex(line.hi - line.lo + unit()) + ")");
      const DumpNode node{Range{line.lo >> shift, line.hi >> shift}, line.object, line.index, line.line};
      if (previous && node.range.lo <= previous->range.hi)
        violation(line.line, to_string(node.range) + (node.range.lo < previous->range.lo ? " is out of order after " : " overlaps ") +
                                 to_string(previous->range) + " (" + line_text(previous->line) + ")");
      state_.nodes.push_back(node);
      previous = &state_.nodes.back();
    }
    std::ranges::sort(state_.nodes, {}, [](const DumpNode& node) { return node.range.lo; });
    if (!state_.anchor_line && dump_.done && dump_.omissions.empty())
      violation(dump_.last_line, "no anchor line (pfn_lo " + hex(printed_anchor()) + "): every tree holds the anchor");
  }

  void read_anchor(const DumpLine& line, std::size_t position) {
    if (state_.anchor_line) violation(line.line, "a second anchor line (the first at " + line_text(*state_.anchor_line) + ")");
    state_.anchor_line = line.line;
    if (line.size != unit()) violation(line.line, "the anchor's size is " + hex(line.size) + ", not one page (" + hex(unit()) + ")");
    if (position + 1 != dump_.lines.size() && dump_.omissions.empty())
      violation(line.line, "the anchor is not the last node line");
    anchor_position_ = position;
  }

  // The node line at printed position k, in pfns (nullopt for the anchor or a line not read).
  std::optional<Range> node_at(std::size_t k) const {
    if (k >= dump_.lines.size() || (anchor_position_ && *anchor_position_ == k)) return std::nullopt;
    const DumpLine& line = dump_.lines[k];
    const Pfn shift = state_.shifted ? state_.geometry.shift() : 0;
    if (line.lo > line.hi || line.lo % unit() != 0) return std::nullopt;
    return Range{line.lo >> shift, line.hi >> shift};
  }

  void add_unknown(std::size_t line, Pfn lo, Pfn hi, const std::string& what) {
    if (lo > hi) {
      violation(line, what + " between adjacent nodes: there is no room for them");
      return;
    }
    state_.unknown.push_back(Range{lo, hi});
  }

  void read_omissions() {
    for (const Omission& omission : dump_.omissions) {
      const std::string what = omission.count ? std::to_string(*omission.count) + " omitted lines" : "omitted lines";
      if (omission.count && *omission.count == 0) continue;
      const std::optional<Range> below = omission.after > 0 ? node_at(omission.after - 1) : std::nullopt;
      const std::optional<Range> above = node_at(omission.after);
      const Pfn lo = below ? below->hi + 1 : 0;
      const Pfn hi = above ? above->lo - 1 : kMaxPfn - 1;
      add_unknown(omission.line, lo, hi, what);
      if (!omission.count) unchecked(omission.line, "the note does not say how many lines were omitted: the count cannot be checked");
    }
    if (!dump_.done) {
      unchecked(dump_.last_line, "the dump is cut off at " + line_text(dump_.last_line) + " (no 'dump_iova_rbtree done'): nodes after it are unknown");
      if (!state_.anchor_line) {
        const std::optional<Range> last = dump_.lines.empty() ? std::nullopt : node_at(dump_.lines.size() - 1);
        add_unknown(dump_.last_line, last ? last->hi + 1 : 0, kMaxPfn - 1, "the cut-off end");
      }
    }
    std::ranges::sort(state_.unknown, {}, &Range::lo);
    for (const Range& span : state_.unknown)
      unchecked(0, "pfns " + to_string(span) + " are not shown: order, overlaps and sizes there, and whether they are free");
  }

  void check_indices() {
    std::uint64_t expected = 1;
    for (std::size_t k = 0; k < dump_.lines.size(); ++k) {
      for (const Omission& omission : dump_.omissions)
        if (omission.after == k && omission.count) expected += *omission.count;
      const DumpLine& line = dump_.lines[k];
      if (line.index != expected)
        note(line.line, "index " + std::to_string(line.index) + " where " + std::to_string(expected) + " follows; taken as printed");
      expected = line.index + 1;
    }
  }

  void check_counters() {
    if (!dump_.done) return;
    std::uint64_t shown_bytes = 0;
    for (const DumpLine& line : dump_.lines) shown_bytes += state_.shifted ? line.size : line.size * state_.geometry.granule;
    std::uint64_t omitted = 0;
    bool omitted_known = true;
    for (const Omission& omission : dump_.omissions) {
      if (omission.count) omitted += *omission.count;
      else omitted_known = false;
    }
    if (auto count = dump_.done->find("count"); count != dump_.done->end()) {
      state_.count = count->second;
      const std::uint64_t printed = dump_.lines.size() + omitted;
      if (omitted_known && printed != count->second)
        violation(dump_.last_line, "count " + std::to_string(count->second) + " but " + std::to_string(dump_.lines.size()) + " node lines" +
                                       (omitted ? " + " + std::to_string(omitted) + " omitted" : std::string()) + " = " + std::to_string(printed));
    }
    if (auto total = dump_.done->find("total_size"); total != dump_.done->end()) {
      state_.total_kb = total->second;
      const std::uint64_t shown_kb = shown_bytes >> 10;
      if (!dump_.omissions.empty())
        unchecked(dump_.last_line, "total_size " + std::to_string(total->second) + "KB: the omitted nodes' sizes are unknown (the lines shown hold " +
                                       std::to_string(shown_kb) + "KB)");
      else if (shown_kb != total->second)
        violation(dump_.last_line, "total_size " + std::to_string(total->second) + "KB but the node lines sum to " + std::to_string(shown_kb) + "KB");
    }
  }

  DumpHint resolve(const char* name, std::uint64_t object) {
    DumpHint hint{object, std::nullopt, 0};
    for (std::size_t k = 0; k < dump_.lines.size(); ++k) {
      if (dump_.lines[k].object != object) continue;
      hint.line = dump_.lines[k].line;
      if (anchor_position_ && *anchor_position_ == k) hint.node = NodeRef{};
      else if (const std::optional<Range> node = node_at(k)) hint.node = NodeRef{node->lo};
      return hint;
    }
    const std::string text = std::string(name) + " " + hex(object) + " is the address of no node line";
    if (state_.partial()) unchecked(dump_.first_line, text + " shown: it may be among the omitted lines");
    else violation(dump_.first_line, text + ": the hint must refer to a node in the tree");
    return hint;
  }

  const Dump& dump_;
  DumpState state_;
  std::optional<std::size_t> anchor_position_;
};

// Nodes and unknown spans as one ascending list of occupied ranges.
std::vector<Range> occupied(const DumpState& state) {
  std::vector<Range> ranges = state.unknown;
  for (const DumpNode& node : state.nodes) ranges.push_back(node.range);
  std::ranges::sort(ranges, {}, &Range::lo);
  return ranges;
}

std::map<Pfn, OwnedRange> as_owned(const std::vector<Range>& ranges) {
  std::map<Pfn, OwnedRange> owned;
  for (const Range& range : ranges) owned.emplace(range.lo, OwnedRange{range, Owner::allocated()});
  return owned;
}

std::string human_size(Pfn pages, Pfn granule) {
  const long double bytes = static_cast<long double>(pages) * static_cast<long double>(granule);
  static constexpr std::array<const char*, 5> kUnits = {"B", "KiB", "MiB", "GiB", "TiB"};
  long double value = bytes;
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < kUnits.size()) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.2Lf %s", value, kUnits[unit]);
  return text;
}

}  // namespace

DumpState read_dump(const Dump& dump) { return DumpReader(dump).read(); }

Snapshot DumpState::snapshot() const {
  Snapshot snapshot;
  for (const DumpNode& node : nodes) snapshot.nodes.push_back(node.range);
  snapshot.cached = cached.node;
  snapshot.cached32 = cached32.node;
  snapshot.max32 = max32;
  return snapshot;
}

Range free_gap_around(const DumpState& state, Pfn pfn) {
  Range gap{state.geometry.start_pfn, kMaxPfn - 1};
  for (const Range& range : occupied(state)) {
    if (range.hi < pfn) gap.lo = std::max(gap.lo, range.hi + 1);
    else if (range.lo > pfn) {
      gap.hi = range.lo - 1;
      break;
    }
  }
  return gap;
}

EstimateCheck check_estimate(const DumpState& state) {
  EstimateCheck check;
  const Geometry& geometry = state.geometry;
  const Pfn top = geometry.dma32_pfn - 1;
  const std::vector<Range> ranges = occupied(state);
  for (const Range& span : state.unknown)
    if (span.lo <= top && span.hi >= geometry.start_pfn) check.unknown_space = true;
  Pfn next_free = geometry.start_pfn;
  auto consider = [&](Pfn lo, Pfn hi) {
    if (lo > hi) return;
    if (!check.has_free_gap || hi - lo > check.largest_gap.hi - check.largest_gap.lo) check.largest_gap = Range{lo, hi};
    check.has_free_gap = true;
  };
  for (const Range& range : ranges) {
    if (range.lo > top) break;
    if (range.lo > next_free) consider(next_free, range.lo - 1);
    if (range.hi >= next_free) next_free = range.hi + 1;
  }
  if (next_free <= top) consider(next_free, top);
  if (state.max32 == 0) return check;
  const auto owned = as_owned(ranges);
  const auto everything = [](const OwnedRange&) { return true; };
  if (auto placement = find_fitting_placement(owned, geometry.start_pfn, Request{state.max32, top, true}, everything))
  {
    Range gap = free_gap_around(state, placement->lo);
    gap.hi = std::min(gap.hi, top);
    check.stale = StaleEstimate{gap, *placement};
  }
  else
    check.unaligned_placement = find_fitting_placement(owned, geometry.start_pfn, Request{state.max32, top, false}, everything);
  return check;
}

std::string describe_span(const Range& pfns, const Geometry& geometry) {
  std::string text = "pfns " + to_string(pfns);
  const unsigned shift = geometry.shift();
  if (pfns.hi < (kMaxPfn >> shift)) text += " = bytes " + to_string(Range{pfns.lo << shift, ((pfns.hi + 1) << shift) - 1});
  return text + " (" + hex(pfns.size()) + " pages, " + human_size(pfns.size(), geometry.granule) + ")";
}

}  // namespace iovacheck
