#pragma once
// draw: the address space as a strip. Nodes coloured by owner, the gaps, the anchor, cached_node
// and cached32_node, dma32, the step's limit, the 32-bit estimate, and the fitting gap a wrong
// failure missed. Each node and gap gets a width that grows with the log of its size, and gaps
// beyond 2^32 pages are drawn broken, so a 4 GiB space with a few dozen nodes stays readable.
#include <optional>
#include <string>
#include <vector>

#include "field/log_check.h"
#include "model/trace.h"

namespace iovacheck::field {

struct Segment {
  enum class Kind { Allocated, FastAllocated, Reserved, Cached, Anchor, Unknown };
  Range range;
  Kind kind = Kind::Allocated;
  std::string note;  // "bin 2, CPU 0", "322 lines omitted"
};

// One picture: a state and what to mark on it.
struct Frame {
  std::string title;  // "step 3: alloc 0x2 limit=0x3 -> fail"
  std::string text;   // the step's verdict or the dump's, one paragraph
  bool violating = false;
  Geometry geometry;
  std::vector<Segment> segments;  // occupied ranges, ascending; the anchor included
  HintRef cached;
  HintRef cached32;
  std::optional<Pfn> max32;
  std::optional<Pfn> limit;           // the step's inclusive limit
  std::optional<Range> result;        // what the step placed
  std::optional<Range> missed_gap;    // a free gap a wrong failure (or a stale estimate) missed
  std::optional<Range> missed_fit;    // the placement that fits in it
  std::string missed_label;           // "missed: fits at"
};

// One frame for the start and one after each step of the trace, run on `variant` (its own when empty).
std::vector<Frame> trace_frames(const Trace& trace, const std::string& variant = {});
// One frame per dump of a checked log.
std::vector<Frame> log_frames(const LogReport& report);

// A standalone SVG of one frame.
std::string render_svg(const Frame& frame);
// A self-contained HTML page: every frame, a slider, the step's text; the violating frame marked.
std::string render_html(const std::vector<Frame>& frames, const std::string& title);

}  // namespace iovacheck::field
