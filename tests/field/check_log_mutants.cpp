// log-check's whole analysis and draw's pictures on mutated logs (run by fuzz_log_parser_driver.cpp):
// whatever the log, a LogError or a report, never a crash or another exception.
#include <cstdint>
#include <string_view>

#include "field/draw.h"
#include "field/log_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const iovacheck::DumpLog log = iovacheck::parse_dump_log(std::string_view(reinterpret_cast<const char*>(data), size));
    const iovacheck::field::LogReport report = iovacheck::field::check_log(log, {"mainline", "z1-max32-reset", "p3-maple"});
    for (const iovacheck::field::Frame& frame : iovacheck::field::log_frames(report)) iovacheck::field::render_svg(frame);
  } catch (const iovacheck::LogError&) {
  }
  return 0;
}
