#include "field/draw.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "field/inspect.h"
#include "fuzz/text_files.h"
#include "model/free_space.h"
#include "model/trace_io.h"

namespace iovacheck::field {
namespace {

constexpr double kWidth = 1400;
constexpr double kMargin = 20;
constexpr double kStripTop = 150;
constexpr double kStripHeight = 44;
constexpr double kBrokenWidth = 60;          // a gap of more than 2^32 pages, drawn broken
constexpr long double kBrokenPages = 4294967296.0L;

std::string num(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

const char* colour(Segment::Kind kind) {
  switch (kind) {
    case Segment::Kind::Allocated: return "#4e79a7";
    case Segment::Kind::FastAllocated: return "#59a14f";
    case Segment::Kind::Reserved: return "#9c755f";
    case Segment::Kind::Cached: return "#f28e2b";
    case Segment::Kind::Anchor: return "#222222";
    case Segment::Kind::Unknown: return "#c8c8c8";
  }
  return "#000";
}

const char* kind_name(Segment::Kind kind) {
  switch (kind) {
    case Segment::Kind::Allocated: return "allocated (alloc_iova)";
    case Segment::Kind::FastAllocated: return "allocated (alloc_iova_fast)";
    case Segment::Kind::Reserved: return "reserved";
    case Segment::Kind::Cached: return "held by a range cache";
    case Segment::Kind::Anchor: return "the anchor";
    case Segment::Kind::Unknown: return "not shown (omitted lines)";
  }
  return "";
}

// Every node and gap from the lowest interesting pfn to 2^64-1, each as wide as the log of its size.
class Layout {
 public:
  struct Piece {
    Range range;
    const Segment* segment = nullptr;  // nullptr: a free gap
    double x0 = 0;
    double x1 = 0;
    bool broken = false;
  };

  explicit Layout(const Frame& frame) {
    // Free space is split where the picture marks something, so each side gets its own width.
    splits_ = {frame.geometry.dma32_pfn, frame.geometry.start_pfn};
    if (frame.limit && *frame.limit < kMaxPfn) splits_.push_back(*frame.limit + 1);
    std::ranges::sort(splits_);
    Pfn cursor = frame.geometry.start_pfn;
    if (!frame.segments.empty()) cursor = std::min(cursor, frame.segments.front().range.lo);
    bool reached_top = false;
    for (const Segment& segment : frame.segments) {
      if (segment.range.lo > cursor) add(Range{cursor, segment.range.lo - 1}, nullptr);
      add(segment.range, &segment);
      if (segment.range.hi == kMaxPfn) {
        reached_top = true;
        break;
      }
      cursor = segment.range.hi + 1;
    }
    if (!reached_top) add(Range{cursor, kMaxPfn}, nullptr);
    double total = 0;
    for (const Piece& piece : pieces_) total += weight(piece);
    double x = kMargin;
    const double scale = (kWidth - 2 * kMargin) / total;
    for (Piece& piece : pieces_) {
      piece.x0 = x;
      x += weight(piece) * scale;
      piece.x1 = x;
    }
  }

  const std::vector<Piece>& pieces() const { return pieces_; }

  // Where pfn falls, interpolating inside its piece.
  double x(Pfn pfn) const {
    for (const Piece& piece : pieces_) {
      if (!piece.range.contains(pfn)) continue;
      const long double offset = static_cast<long double>(pfn - piece.range.lo) / (static_cast<long double>(piece.range.hi - piece.range.lo) + 1.0L);
      return piece.x0 + static_cast<double>(offset) * (piece.x1 - piece.x0);
    }
    return pfn < pieces_.front().range.lo ? pieces_.front().x0 : pieces_.back().x1;
  }
  // The right edge of pfn's page.
  double x_end(Pfn pfn) const { return pfn == kMaxPfn ? pieces_.back().x1 : std::max(x(pfn + 1), x(pfn) + 1.5); }

 private:
  void add(Range range, const Segment* segment) {
    if (!segment)
      for (Pfn split : splits_)
        if (range.lo < split && split <= range.hi) {
          add_piece(Range{range.lo, split - 1}, nullptr);
          range.lo = split;
        }
    add_piece(range, segment);
  }
  void add_piece(const Range& range, const Segment* segment) {
    Piece piece{range, segment, 0, 0, false};
    piece.broken = !segment && static_cast<long double>(range.hi - range.lo) + 1.0L > kBrokenPages;
    pieces_.push_back(piece);
  }
  static double weight(const Piece& piece) {
    if (piece.broken) return kBrokenWidth / 8;
    const long double pages = static_cast<long double>(piece.range.hi - piece.range.lo) + 1.0L;
    return 1.0 + 0.6 * static_cast<double>(std::log2(pages + 1.0L));
  }

  std::vector<Piece> pieces_;
  std::vector<Pfn> splits_;
};

// Labels above the strip, stacked in rows so that none overlaps another.
class MarkerRows {
 public:
  double row_for(double x0, double x1) {
    for (std::size_t row = 0;; ++row) {
      if (row == taken_.size()) taken_.emplace_back();
      bool free = true;
      for (const auto& [a, b] : taken_[row])
        if (x0 < b + 6 && a < x1 + 6) free = false;
      if (free) {
        taken_[row].emplace_back(x0, x1);
        return kStripTop - 12 - 16.0 * static_cast<double>(row);
      }
    }
  }

 private:
  std::vector<std::vector<std::pair<double, double>>> taken_;
};

double text_width(const std::string& text) { return 7.0 * static_cast<double>(text.size()); }

class SvgWriter {
 public:
  explicit SvgWriter(const Frame& frame) : frame_(frame), layout_(frame) {}

  std::string write() {
    out_ << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\"330\" viewBox=\"0 0 " << kWidth
         << " 330\" font-family=\"DejaVu Sans Mono, monospace\" font-size=\"11\">\n"
         << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    heading();
    strip();
    markers();
    ticks();
    legend();
    out_ << "</svg>\n";
    return out_.str();
  }

 private:
  void heading() {
    out_ << "<text x=\"" << kMargin << "\" y=\"20\" font-size=\"14\" font-weight=\"bold\"" << (frame_.violating ? " fill=\"#c0392b\"" : "")
         << ">" << fuzz::markup_escaped(frame_.title) << "</text>\n";
    std::string info = "granule " + hex(frame_.geometry.granule) + "  start_pfn " + hex(frame_.geometry.start_pfn) + "  dma_32bit_pfn " +
                       hex(frame_.geometry.dma32_pfn);
    if (frame_.max32) info += "  max32_alloc_size (the 32-bit estimate) " + hex(*frame_.max32);
    out_ << "<text x=\"" << kMargin << "\" y=\"38\">" << fuzz::markup_escaped(info) << "</text>\n"
         << "<text x=\"" << kMargin << "\" y=\"54\" fill=\"#666\">each node and gap is as wide as the log of its size; "
            "gaps beyond 2^32 pages are broken (≈)</text>\n";
  }

  void strip() {
    for (const Layout::Piece& piece : layout_.pieces()) {
      const double w = std::max(piece.x1 - piece.x0, 1.0);
      const std::string range = to_string(piece.range) + " (" + hex(piece.range.hi - piece.range.lo + 1) + " pages)";
      if (!piece.segment) {
        out_ << "<rect x=\"" << num(piece.x0) << "\" y=\"" << kStripTop + 8 << "\" width=\"" << num(w) << "\" height=\"" << kStripHeight - 16
             << "\" fill=\"#f3f3f3\" stroke=\"#cccccc\" stroke-width=\"0.5\"><title>free " << fuzz::markup_escaped(range) << "</title></rect>\n";
        if (piece.broken) broken_mark(piece);
        continue;
      }
      const Segment& segment = *piece.segment;
      out_ << "<rect x=\"" << num(piece.x0) << "\" y=\"" << kStripTop << "\" width=\"" << num(w) << "\" height=\"" << kStripHeight << "\" fill=\""
           << colour(segment.kind) << "\" stroke=\"white\" stroke-width=\"0.5\"><title>" << fuzz::markup_escaped(std::string(kind_name(segment.kind)) + " " + range +
                                                                                                (segment.note.empty() ? "" : ", " + segment.note))
           << "</title></rect>\n";
      if (!segment.note.empty() && w > text_width(segment.note) + 4)
        out_ << "<text x=\"" << num(piece.x0 + 2) << "\" y=\"" << kStripTop + kStripHeight / 2 + 4 << "\" fill=\"white\">" << fuzz::markup_escaped(segment.note) << "</text>\n";
    }
    if (frame_.result) outline(*frame_.result, "#000000", 3, "");
    if (frame_.missed_gap) {
      const double x0 = layout_.x(frame_.missed_gap->lo);
      const double x1 = layout_.x_end(frame_.missed_gap->hi);
      out_ << "<rect x=\"" << num(x0) << "\" y=\"" << kStripTop - 4 << "\" width=\"" << num(x1 - x0) << "\" height=\"" << kStripHeight + 8
           << "\" fill=\"#e15759\" fill-opacity=\"0.18\" stroke=\"#e15759\" stroke-width=\"2.5\" stroke-dasharray=\"6 3\"/>\n";
    }
    if (frame_.missed_fit) outline(*frame_.missed_fit, "#e15759", 0, "#e15759");
  }

  void broken_mark(const Layout::Piece& piece) {
    const double mid = (piece.x0 + piece.x1) / 2;
    out_ << "<path d=\"M" << num(mid - 6) << " " << kStripTop + 4 << " l6 8 l-6 8 l6 8 l-6 8 l6 8\" fill=\"none\" stroke=\"#888\" stroke-width=\"1.5\"/>"
         << "<path d=\"M" << num(mid + 2) << " " << kStripTop + 4 << " l6 8 l-6 8 l6 8 l-6 8 l6 8\" fill=\"none\" stroke=\"#888\" stroke-width=\"1.5\"/>\n";
  }

  void outline(const Range& range, const char* stroke, double width, const char* fill) {
    const double x0 = layout_.x(range.lo);
    const double x1 = layout_.x_end(range.hi);
    out_ << "<rect x=\"" << num(x0) << "\" y=\"" << kStripTop + 2 << "\" width=\"" << num(std::max(x1 - x0, 2.0)) << "\" height=\"" << kStripHeight - 4
         << "\" fill=\"" << (*fill ? fill : "none") << "\" stroke=\"" << stroke << "\" stroke-width=\"" << width << "\"/>\n";
  }

  // A line at pfn's left edge, or its right edge for an inclusive bound (a limit).
  void marker(Pfn pfn, const std::string& label, const char* colour_name, bool dashed = false, bool right_edge = false) {
    const double x = right_edge ? layout_.x_end(pfn) : layout_.x(pfn);
    const double width = text_width(label);
    const double x0 = std::clamp(x - width / 2, 2.0, kWidth - width - 2);
    const double y = rows_.row_for(x0, x0 + width);
    out_ << "<line x1=\"" << num(x) << "\" y1=\"" << y + 3 << "\" x2=\"" << num(x) << "\" y2=\"" << kStripTop + kStripHeight + 6 << "\" stroke=\""
         << colour_name << "\" stroke-width=\"1.5\"" << (dashed ? " stroke-dasharray=\"4 2\"" : "") << "/>\n"
         << "<text x=\"" << num(x0) << "\" y=\"" << y << "\" fill=\"" << colour_name << "\">" << fuzz::markup_escaped(label) << "</text>\n";
  }

  static std::optional<Pfn> hint_pfn(const HintRef& hint) {
    if (hint.kind == HintRef::Kind::Node) return hint.pfn_lo;
    if (hint.kind == HintRef::Kind::Anchor) return kMaxPfn;
    return std::nullopt;
  }

  void markers() {
    marker(frame_.geometry.dma32_pfn, "dma32 " + hex(frame_.geometry.dma32_pfn), "#7b3294", true);
    if (frame_.limit) marker(*frame_.limit, "limit " + hex(*frame_.limit), "#008837", true, true);
    if (auto pfn = hint_pfn(frame_.cached32)) marker(*pfn, "cached32_node " + (frame_.cached32.kind == HintRef::Kind::Anchor ? "(anchor)" : hex(*pfn)), "#0571b0");
    if (auto pfn = hint_pfn(frame_.cached)) marker(*pfn, "cached_node " + (frame_.cached.kind == HintRef::Kind::Anchor ? "(anchor)" : hex(*pfn)), "#ca0020");
    if (frame_.missed_fit)
      marker(frame_.missed_fit->lo, frame_.missed_label + " " + to_string(*frame_.missed_fit), "#e15759");
  }

  // Boundaries below the strip, as many as fit without overlapping.
  void ticks() {
    double last = -1e9;
    for (const Layout::Piece& piece : layout_.pieces()) {
      const std::string label = hex(piece.range.lo);
      if (piece.x0 - last < 14) continue;
      last = piece.x0;
      out_ << "<text transform=\"translate(" << num(piece.x0 + 3) << "," << kStripTop + kStripHeight + 10 << ") rotate(60)\" font-size=\"9\" fill=\"#555\">"
           << label << "</text>\n";
    }
  }

  void legend() {
    double x = kMargin;
    const double y = 318;
    for (Segment::Kind kind : {Segment::Kind::Allocated, Segment::Kind::FastAllocated, Segment::Kind::Reserved, Segment::Kind::Cached,
                               Segment::Kind::Anchor, Segment::Kind::Unknown}) {
      out_ << "<rect x=\"" << num(x) << "\" y=\"" << y - 10 << "\" width=\"12\" height=\"12\" fill=\"" << colour(kind) << "\"/>"
           << "<text x=\"" << num(x + 16) << "\" y=\"" << y << "\">" << kind_name(kind) << "</text>\n";
      x += 22 + text_width(kind_name(kind));
    }
    out_ << "<rect x=\"" << num(x) << "\" y=\"" << y - 10 << "\" width=\"12\" height=\"12\" fill=\"#f3f3f3\" stroke=\"#ccc\"/><text x=\"" << num(x + 16)
         << "\" y=\"" << y << "\">free</text>\n";
  }

  const Frame& frame_;
  Layout layout_;
  MarkerRows rows_;
  std::ostringstream out_;
};

// ---- frames from a trace ------------------------------------------------------------------

Segment::Kind kind_made_by(const Op& op) {
  if (std::holds_alternative<FastAlloc>(op)) return Segment::Kind::FastAllocated;
  if (std::holds_alternative<Reserve>(op)) return Segment::Kind::Reserved;
  return Segment::Kind::Allocated;
}

std::vector<Segment> segments_of(const Observation& observed, std::map<Pfn, Segment::Kind>& kinds, Segment::Kind new_kind) {
  std::map<Pfn, const CachedPfn*> cached;
  for (const CachedPfn& entry : observed.cached) cached[entry.pfn] = &entry;
  std::map<Pfn, Segment::Kind> now;
  std::vector<Segment> segments;
  for (const Range& node : observed.nodes) {
    Segment segment{node, Segment::Kind::Allocated, {}};
    const auto known = kinds.find(node.lo);
    segment.kind = node.lo == kMaxPfn ? Segment::Kind::Anchor : known != kinds.end() ? known->second : new_kind;
    now[node.lo] = segment.kind;
    for (const auto& [pfn, entry] : cached)
      if (node.contains(pfn)) {
        segment.kind = Segment::Kind::Cached;
        segment.note = "bin " + std::to_string(entry->bin) + (entry->slot.in_depot() ? ", depot" : ", CPU " + std::to_string(entry->slot.cpu));
      }
    segments.push_back(segment);
  }
  for (auto& [lo, kind] : now)
    if (kind == Segment::Kind::Cached) kind = Segment::Kind::FastAllocated;  // a cached range goes back to a fast caller
  kinds = std::move(now);
  return segments;
}

std::optional<Pfn> limit_of(const Op& op) {
  if (const auto* alloc = std::get_if<Alloc>(&op)) return alloc->limit;
  if (const auto* fast = std::get_if<FastAlloc>(&op)) return fast->limit;
  return std::nullopt;
}

// The highest fitting placement the failed allocation missed (section "completeness"), in the state before it.
std::optional<Range> missed_fit(const Geometry& geometry, const Op& op, const Observation& before) {
  Request request;
  bool cached_free = false;
  if (const auto* alloc = std::get_if<Alloc>(&op)) request = Request{alloc->size, alloc->limit, alloc->aligned};
  else if (const auto* fast = std::get_if<FastAlloc>(&op)) {
    request = Request{fast_alloc_size(fast->size), fast->limit, true};
    cached_free = fast->flush;
  } else {
    return std::nullopt;
  }
  std::map<Pfn, OwnedRange> ranges;
  for (const Range& node : before.nodes) {
    const bool cached = std::ranges::any_of(before.cached, [&](const CachedPfn& entry) { return node.contains(entry.pfn); });
    ranges.emplace(node.lo, OwnedRange{node, cached ? Owner::cached(node.lo, 0, {}) : Owner::allocated()});
  }
  const auto occupies = [cached_free](const OwnedRange& range) { return !(cached_free && range.owner.kind == Owner::Kind::Cached); };
  return find_fitting_placement(ranges, geometry.start_pfn, request, occupies);
}

Range gap_around(const Observation& before, Pfn pfn, Pfn start_pfn) {
  Range gap{start_pfn, kMaxPfn - 1};
  for (const Range& node : before.nodes) {
    if (node.hi < pfn) gap.lo = std::max(gap.lo, node.hi + 1);
    else if (node.lo > pfn) {
      gap.hi = node.lo - 1;
      break;
    }
  }
  return gap;
}

std::string result_text(const StepView& step) {
  switch (step.outcome.status) {
    case Outcome::Status::Rejected: return "rejected";
    case Outcome::Status::Fail: return std::holds_alternative<Find>(step.op) ? "none" : "fail";
    case Outcome::Status::Ok: break;
  }
  if (step.outcome.node) return to_string(*step.outcome.node);
  return "ok";
}

}  // namespace

std::vector<Frame> trace_frames(const Trace& trace, const std::string& variant) {
  const InspectedRun run = run_inspected(trace, variant);
  if (run.error) throw std::invalid_argument(*run.error);
  std::map<Pfn, Segment::Kind> kinds;
  std::vector<Frame> frames;
  Frame start;
  start.title = "start on " + run.variant + (trace.snapshot ? " (a snapshot: possibly unreachable by operations)" : "");
  start.text = "The domain before the first step.";
  start.geometry = trace.geometry;
  start.segments = segments_of(run.start, kinds, Segment::Kind::Allocated);
  start.cached = run.start_hints.cached;
  start.cached32 = run.start_hints.cached32;
  start.max32 = run.start_hints.max32_alloc_size;
  frames.push_back(start);
  const Observation* before = &run.start;
  for (std::size_t i = 0; i < run.steps.size(); ++i) {
    const StepView& step = run.steps[i];
    Frame frame;
    frame.geometry = trace.geometry;
    frame.title = "step " + std::to_string(i + 1) + " (line " + std::to_string(trace.steps[i].line) + "): " + print_op(step.op) + "  -> " + result_text(step);
    frame.segments = segments_of(step.after, kinds, kind_made_by(step.op));
    frame.cached = step.hints.cached;
    frame.cached32 = step.hints.cached32;
    frame.max32 = step.hints.max32_alloc_size;
    frame.limit = limit_of(step.op);
    if (step.outcome.status == Outcome::Status::Ok && limit_of(step.op)) frame.result = step.outcome.node;
    frame.text = step.attempts.empty() ? "" : "Tree searches: " + describe_attempts(step.attempts) + ". ";
    if (run.violation && run.violation->step == i) {
      frame.violating = true;
      frame.text += violation_comment(*run.violation);
      if (step.outcome.status == Outcome::Status::Fail)
        if (auto fit = missed_fit(trace.geometry, step.op, *before)) {
          frame.missed_fit = fit;
          frame.missed_gap = gap_around(*before, fit->lo, trace.geometry.start_pfn);
          frame.missed_gap->hi = std::min(frame.missed_gap->hi, *limit_of(step.op));
          frame.missed_label = "missed: fits at";
        }
    } else if (run.violation && i > run.violation->step) {
      frame.text += "(after the violation: the checker stopped at step " + std::to_string(run.violation->step + 1) + ")";
    } else {
      frame.text += "Holds.";
    }
    frames.push_back(std::move(frame));
    before = &step.after;
  }
  return frames;
}

std::vector<Frame> log_frames(const LogReport& report) {
  std::vector<Frame> frames;
  for (std::size_t k = 0; k < report.dumps.size(); ++k) {
    const DumpVerdict& dump = report.dumps[k];
    const DumpState& state = dump.state;
    Frame frame;
    frame.geometry = state.geometry;
    frame.title = "dump " + std::to_string(k + 1) + " (lines " + std::to_string(state.first_line) + "-" + std::to_string(state.last_line) + "), " +
                  std::to_string(state.nodes.size()) + " nodes" + (state.partial() ? ", partial" : "");
    for (const DumpNode& node : state.nodes) frame.segments.push_back(Segment{node.range, Segment::Kind::Allocated, {}});
    for (const Range& span : state.unknown) frame.segments.push_back(Segment{span, Segment::Kind::Unknown, "omitted"});
    if (state.anchor_line || !state.partial()) frame.segments.push_back(Segment{Range{kMaxPfn, kMaxPfn}, Segment::Kind::Anchor, {}});
    std::ranges::sort(frame.segments, {}, [](const Segment& segment) { return segment.range.lo; });
    auto hint = [](const DumpHint& dumped) {
      if (!dumped.node) return HintRef{};
      return dumped.node->is_anchor() ? HintRef{HintRef::Kind::Anchor, 0, 0} : HintRef{HintRef::Kind::Node, *dumped.node->lo, 0};
    };
    frame.cached = hint(state.cached);
    frame.cached32 = hint(state.cached32);
    frame.max32 = state.max32;
    if (report.request && report.request->limit) frame.limit = report.request->limit;
    if (dump.estimate.stale) {
      frame.violating = true;
      frame.missed_gap = dump.estimate.stale->gap;
      frame.missed_fit = dump.estimate.stale->placement;
      frame.missed_label = "max32_alloc_size " + hex(state.max32) + " fits at";
      frame.text = "The estimate " + hex(state.max32) + " is inconsistent with the free gap " + to_string(dump.estimate.stale->gap) + ": " +
                   describe_span(dump.estimate.stale->gap, state.geometry) + " holds " + hex(state.max32) + " pages aligned at " +
                   to_string(dump.estimate.stale->placement) + ".";
    } else {
      frame.text = "The estimate max32_alloc_size " + hex(state.max32) + " is consistent with the free space shown.";
    }
    if (!state.violations.empty()) {
      frame.violating = true;
      frame.text += " Structure: " + state.violations.front().text;
    }
    frames.push_back(std::move(frame));
  }
  return frames;
}

std::string render_svg(const Frame& frame) { return SvgWriter(frame).write(); }

std::string render_html(const std::vector<Frame>& frames, const std::string& title) {
  std::ostringstream html;
  std::size_t first = 0;
  std::string violations;
  for (std::size_t k = 0; k < frames.size(); ++k)
    if (frames[k].violating) {
      if (violations.empty()) first = k;
      violations += (violations.empty() ? "" : ",") + std::to_string(k);
    }
  html << "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" << fuzz::markup_escaped(title) << "</title>\n"
       << "<style>body{font-family:DejaVu Sans,sans-serif;margin:16px}#controls{margin:8px 0}#step{width:900px}"
          ".text{font-family:DejaVu Sans Mono,monospace;white-space:pre-wrap;max-width:1400px}.violating .text{color:#c0392b;font-weight:bold}"
          "#where{font-family:monospace;margin-left:8px}</style></head>\n<body>\n"
       << "<h2>" << fuzz::markup_escaped(title) << "</h2>\n<div id=\"controls\"><input type=\"range\" id=\"step\" min=\"0\" max=\"" << frames.size() - 1 << "\" value=\""
       << first << "\"><span id=\"where\"></span>" << (violations.empty() ? "" : " <button id=\"jump\">go to the violation</button>") << "</div>\n";
  for (std::size_t k = 0; k < frames.size(); ++k) {
    html << "<div class=\"frame" << (frames[k].violating ? " violating" : "") << "\" style=\"display:none\">\n"
         << render_svg(frames[k]) << "<p class=\"text\">" << fuzz::markup_escaped(frames[k].text) << "</p></div>\n";
  }
  html << "<script>\n"
       << "const frames = document.querySelectorAll('.frame');\nconst slider = document.getElementById('step');\n"
       << "const violating = [" << violations << "];\n"
       << "function show(i) {\n  frames.forEach((f, k) => f.style.display = k == i ? 'block' : 'none');\n"
       << "  document.getElementById('where').textContent = 'frame ' + (Number(i) + 1) + ' of ' + frames.length + (violating.includes(Number(i)) ? '  (violation)' : '');\n"
       << "  document.body.dataset.drawn = 'frame ' + (Number(i) + 1) + ' of ' + frames.length;\n}\n"
       << "slider.addEventListener('input', () => show(slider.value));\n"
       << "const jump = document.getElementById('jump');\nif (jump) jump.addEventListener('click', () => { slider.value = violating[0]; show(violating[0]); });\n"
       << "show(slider.value);\n</script>\n</body></html>\n";
  return html.str();
}

}  // namespace iovacheck::field
