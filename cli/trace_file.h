#pragma once
// Trace files as the verbs meet them: reading, parsing, naming the variant, wording the outcome.
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "model/checker.h"
#include "model/trace.h"

namespace iovacheck::cli {

// A file that cannot be read or parsed; what() is the whole message ("FILE:LINE:COLUMN: error: ...").
class TraceFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads a whole text file; throws TraceFileError ("FILE: error: cannot open: ...").
std::string read_text_file(const std::filesystem::path& path);

// Writes `text` to `path`, or to standard output when there is no path; false (after saying
// "iovacheck VERB: cannot write PATH" on stderr) when the file cannot be written.
bool write_text_output(const std::optional<std::string>& path, const std::string& text, std::string_view verb);

// Reads and parses a trace file; throws TraceFileError.
Trace load_trace_file(const std::filesystem::path& path);

// "unknown variant 'x' (known: mainline, z1-max32-reset, ...)", or empty when `name` is implemented.
std::string unknown_variant_message(std::string_view name);

// "expectation not met: expected X, got Y": how every verb words an unmet expectation.
std::string describe_miss(const ExpectationMiss& miss);

}  // namespace iovacheck::cli
