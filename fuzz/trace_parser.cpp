// The trace parser harness: every input either parses or gets an error naming a line and a
// column inside it; what parses prints to a text that parses back to the same trace, and
// printing that gives the same text. Anything else (or a sanitizer report) aborts.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "model/trace_io.h"

namespace {

using namespace iovacheck;

[[noreturn]] void fail(const std::string& what, std::string_view input) {
  std::fprintf(stderr, "trace_parser: %s\n--- input ---\n%.*s\n--- end ---\n", what.c_str(), static_cast<int>(input.size()),
               input.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Trace trace;
  try {
    trace = parse_trace(text);
  } catch (const TraceError& error) {
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    // "end of input" is reported on the line after the last one (model/trace_lexer.h)
    if (error.line() < 1 || error.line() > lines + 1 || error.column() < 1)
      fail("error at " + std::to_string(error.line()) + ":" + std::to_string(error.column()) + " outside the input (" +
               std::to_string(lines) + " lines): " + error.message(),
           text);
    return 0;
  }
  const std::string printed = print_trace(trace);
  Trace reparsed;
  try {
    reparsed = parse_trace(printed);
  } catch (const TraceError& error) {
    fail("the printed trace does not parse: " + std::to_string(error.line()) + ":" + std::to_string(error.column()) +
             ": " + error.message() + "\n--- printed ---\n" + printed,
         text);
  }
  if (!(reparsed == trace)) fail("parse(print(x)) differs from x; printed:\n" + printed, text);
  if (print_trace(reparsed) != printed) fail("printing the reparsed trace gives another text; printed:\n" + printed, text);
  return 0;
}
