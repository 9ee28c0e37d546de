// libFuzzer harness for the kernel-log reader (model/dump_log.h, model/dump_state.h): any bytes
// either parse or give a LogError naming a place inside the input, never another exception, a
// crash or a hang; a dump read without violations becomes a snapshot trace that survives the
// trace format's round trip. Seeds: corpus/fuzz/log_parser/ (field logs). Input kind: raw.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "model/dump_log.h"
#include "model/dump_state.h"
#include "model/trace_io.h"

namespace {

void require(bool condition) {
  if (!condition) __builtin_trap();
}

void check_place(const iovacheck::LogError& error, std::string_view text) {
  const std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  require(error.line() >= 1 && error.line() <= lines);
  require(error.column() >= 1);
}

void check_dump(const iovacheck::Dump& dump, std::string_view text) {
  try {
    const iovacheck::DumpState state = iovacheck::read_dump(dump);
    iovacheck::check_estimate(state);
    if (state.partial() || !state.violations.empty() || !state.cached.node || !state.cached32.node) return;
    iovacheck::Trace trace;
    trace.geometry = state.geometry;
    trace.snapshot = state.snapshot();
    require(iovacheck::parse_trace(iovacheck::print_trace(trace)) == trace);
  } catch (const iovacheck::LogError& error) {
    check_place(error, text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const iovacheck::DumpLog log = iovacheck::parse_dump_log(text);
    require(!log.dumps.empty());
    for (const iovacheck::Dump& dump : log.dumps) check_dump(dump, text);
  } catch (const iovacheck::LogError& error) {
    check_place(error, text);
  }
  return 0;
}
