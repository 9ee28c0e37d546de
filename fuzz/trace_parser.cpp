// The trace parser harness: every input either parses or gets an error naming a line and a
// column inside it; what parses prints to a text that parses back to the same trace, and
// printing that gives the same text; the streamed parse (TraceStream, which reuses its steps'
// storage) gives the same steps and the same error, and so does the general parser alone (a
// comment after every line keeps the plain reader out). Anything else (or a sanitizer report)
// aborts.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>
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

struct StreamedParse {
  Trace trace;  // the head, and the steps handed out before any error
  std::optional<TraceError> error;
};

StreamedParse parse_streamed(std::string_view text) {
  StreamedParse parse;
  std::istringstream in{std::string(text)};
  try {
    TraceStream stream(in, text.size() + 1);  // no line is too long: parse_trace has no limit
    parse.trace = stream.head();
    while (const Step* step = stream.next()) parse.trace.steps.push_back(*step);
    parse.trace.snapshot = stream.head().snapshot;
  } catch (const TraceError& error) {
    parse.error = error;
  }
  return parse;
}

// The streamed parse agrees with the whole one: the same error at the same place, or the same
// trace, step lines included.
void check_streamed(std::string_view text, const std::optional<Trace>& whole, const TraceError* whole_error) {
  const StreamedParse streamed = parse_streamed(text);
  if (whole_error) {
    if (!streamed.error || streamed.error->line() != whole_error->line() ||
        streamed.error->column() != whole_error->column() || streamed.error->message() != whole_error->message())
      fail(std::string("the streamed parse does not fail as parse_trace does (") + whole_error->what() + "); it " +
               (streamed.error ? std::string("fails with ") + streamed.error->what() : std::string("parses")),
           text);
    return;
  }
  if (streamed.error) fail(std::string("the streamed parse fails where parse_trace does not: ") + streamed.error->what(), text);
  bool same_lines = streamed.trace.steps.size() == whole->steps.size();
  for (std::size_t i = 0; same_lines && i < whole->steps.size(); ++i)
    same_lines = streamed.trace.steps[i].line == whole->steps[i].line;
  if (!(streamed.trace == *whole) || !same_lines) fail("the streamed parse gives another trace than parse_trace", text);
}

// The text with a comment after every line (before a final carriage return, which must stay the
// line's end): the plain reader (model/trace_plain.h) declines every such line, so the general
// parser reads them all.
std::string with_comments(std::string_view text) {
  std::string commented;
  for (std::size_t start = 0;;) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    if (start == end && end == text.size()) return commented;  // after the last newline: no line
    std::string_view line = text.substr(start, end - start);
    const bool carriage_return = line.ends_with('\r');
    if (carriage_return) line.remove_suffix(1);
    commented.append(line).append(" # general").append(carriage_return ? "\r" : "");
    if (end == text.size()) return commented;
    commented += '\n';
    start = end + 1;
  }
}

// The plain reader changes what a trace costs, never what it means: read by the general parser
// alone, the text gives the same trace, step lines included, or the same error at the same place.
void check_plain_reader(std::string_view text, const std::optional<Trace>& whole, const TraceError* whole_error) {
  const std::string commented = with_comments(text);
  try {
    const Trace general = parse_trace(commented);
    if (whole_error) fail(std::string("only the plain reader fails: ") + whole_error->what(), text);
    bool same_lines = general.steps.size() == whole->steps.size();
    for (std::size_t i = 0; same_lines && i < whole->steps.size(); ++i) same_lines = general.steps[i].line == whole->steps[i].line;
    if (!(general == *whole) || !same_lines) fail("the plain reader gives another trace than the general parser", text);
  } catch (const TraceError& error) {
    if (!whole_error || error.line() != whole_error->line() || error.column() != whole_error->column() ||
        error.message() != whole_error->message())
      fail(std::string("the general parser alone fails otherwise: ") + error.what() + "; with the plain reader: " +
               (whole_error ? whole_error->what() : "it parses"),
           text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Trace trace;
  try {
    trace = parse_trace(text);
  } catch (const TraceError& error) {
    check_streamed(text, std::nullopt, &error);
    check_plain_reader(text, std::nullopt, &error);
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    // "end of input" is reported on the line after the last one (model/trace_lexer.h)
    if (error.line() < 1 || error.line() > lines + 1 || error.column() < 1)
      fail("error at " + std::to_string(error.line()) + ":" + std::to_string(error.column()) + " outside the input (" +
               std::to_string(lines) + " lines): " + error.message(),
           text);
    return 0;
  }
  check_streamed(text, trace, nullptr);
  check_plain_reader(text, trace, nullptr);
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
