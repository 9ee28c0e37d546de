#pragma once
// Parsing and printing of the trace format, exactly as trace-format.md fixes it.
#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "model/trace.h"

namespace iovacheck {

// A trace that does not parse. Nothing from it may be executed.
class TraceError : public std::runtime_error {
 public:
  TraceError(std::size_t line, std::size_t column, const std::string& message);
  std::size_t line() const { return line_; }
  std::size_t column() const { return column_; }  // 1-based
  const std::string& message() const { return message_; }

 private:
  std::size_t line_;
  std::size_t column_;
  std::string message_;
};

// Parses a whole trace; throws TraceError naming line and column.
Trace parse_trace(std::string_view text);

inline constexpr std::size_t kMaxTraceLineLength = 65536;

// A trace read from a stream one step at a time, holding one line and the names defined so far:
// for traces of any length. The same grammar and errors as parse_trace, in line order; a line
// longer than max_line_length is an error.
class TraceStream {
 public:
  // Reads the header and everything up to the first operation; throws TraceError.
  explicit TraceStream(std::istream& in, std::size_t max_line_length = kMaxTraceLineLength);
  ~TraceStream();
  TraceStream(const TraceStream&) = delete;
  TraceStream& operator=(const TraceStream&) = delete;

  // Geometry, variant and snapshot; no steps.
  const Trace& head() const;
  // The next step, valid until the following call; nullptr at the end; throws TraceError. One
  // operation is read ahead (the snapshot ends at the first), so an error in the operation after
  // a step is thrown before that step is handed out. The caller may change the step or move from
  // it: the parser builds the next step in its storage anew.
  Step* next();
  std::uint64_t bytes_read() const;
  // Whether a line read so far defines `name`.
  bool defines(std::string_view name) const;

 private:
  class Reader;
  std::unique_ptr<Reader> reader_;
};

// Annotations the printer places before a step: "# violation: ..." and the like.
struct StepComment {
  std::size_t step = 0;
  std::string text;  // printed as "# " + text
};

// Prints in the canonical form: hex numbers, header first; parse(print(t)) == t.
std::string print_trace(const Trace& trace, const std::vector<StepComment>& comments = {});
std::string print_op(const Op& op);
std::string print_expectation(const Expectation& expectation);

}  // namespace iovacheck
