// iovacheck draw: pictures of the address space (field/draw.h).
#include <array>
#include <filesystem>
#include <iostream>

#include "cli/options.h"
#include "cli/trace_file.h"
#include "cli/verb.h"
#include "field/draw.h"
#include "model/dump_log.h"
#include "model/trace_io.h"

namespace iovacheck::cli {

namespace {

constexpr std::array kOptions{
    OptionSpec{"output", "FILE", "write here; .svg gives one frame, .html every frame (default: standard output, HTML)", 'o'},
    OptionSpec{"step", "N", "the frame an SVG shows: a trace's step (0 = the start), a log's dump (1 = the first)"},
    OptionSpec{"variant", "NAME", "run a trace on this variant instead of its own"},
};

bool is_log(const std::string& text) { return text.find("dump_iova_rbtree") != std::string::npos; }

int run(const ParsedArgs& args) {
  if (args.positional.size() != 1) throw UsageError("iovacheck draw: give exactly one trace or log file");
  const std::string path = args.positional.front();
  const std::optional<std::string> out = args.value("output");
  const bool svg = out && std::filesystem::path(*out).extension() == ".svg";
  const std::optional<std::string> variant = args.value("variant");
  if (variant)
    if (const std::string problem = unknown_variant_message(*variant); !problem.empty()) throw UsageError("iovacheck draw: " + problem);
  std::vector<field::Frame> frames;
  bool log = false;
  try {
    const std::string text = read_text_file(path);
    log = is_log(text);
    if (log) {
      frames = field::log_frames(field::check_log(parse_dump_log(text), {variant.value_or("mainline")}));
    } else {
      const Trace trace = load_trace_file(path);
      frames = field::trace_frames(trace, variant.value_or(""));
    }
  } catch (const TraceFileError& error) {
    std::cerr << error.what() << "\n";
    return kExitBadInput;
  } catch (const LogError& error) {
    std::cerr << path << ":" << error.line() << ":" << error.column() << ": error: " << error.message() << "\n";
    return kExitBadInput;
  } catch (const std::invalid_argument& error) {
    std::cerr << path << ": error: " << error.what() << "\n";
    return kExitBadInput;
  }
  std::string picture;
  if (svg || args.value("step")) {
    std::size_t chosen = frames.size() - 1;
    for (std::size_t k = 0; k < frames.size(); ++k)
      if (frames[k].violating) {
        chosen = k;
        break;
      }
    if (args.value("step")) {
      const std::uint64_t step = number_option(args, "draw", "step", 0, frames.size() - (log ? 0 : 1));
      if (log && step == 0) throw UsageError("iovacheck draw: --step counts a log's dumps from 1");
      chosen = log ? step - 1 : step;
    }
    picture = svg ? field::render_svg(frames[chosen]) : field::render_html({frames[chosen]}, path);
  } else {
    picture = field::render_html(frames, path);
  }
  return write_text_output(out, picture, "draw") ? kExitOk : kExitBadInput;
}

}  // namespace

const Verb& draw_verb() {
  static const Verb verb{
      "draw",
      "draw the address space of a trace (HTML, one frame per step) or a kernel log's dumps (SVG)",
      "iovacheck draw TRACE|LOG [-o out.svg|out.html] [--step N] [--variant NAME]",
      "Draws the address space as a strip: nodes coloured by owner (alloc_iova, alloc_iova_fast,\n"
      "reserved, held by a range cache with its bin and CPU), the gaps, the anchor, cached_node and\n"
      "cached32_node, dma32, the step's limit, max32_alloc_size, and the fitting gap a wrong failure\n"
      "or a stale estimate missed, highlighted. Widths grow with the log of each node's and gap's\n"
      "size, and gaps beyond 2^32 pages are drawn broken. A trace gives a self-contained HTML page\n"
      "with a frame per step, a slider and the step's text, the violating step marked; a log gives a\n"
      "frame per dump. -o FILE.svg writes one frame: --step N, else the first violating one, else the last.",
      kOptions,
      run,
  };
  return verb;
}

}  // namespace iovacheck::cli
