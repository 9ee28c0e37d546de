#pragma once
// Trace files as the verbs meet them: reading, parsing, naming the variant, wording the outcome.
#include <filesystem>
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

// Reads and parses a trace file; throws TraceFileError.
Trace load_trace_file(const std::filesystem::path& path);

// "unknown variant 'x' (known: mainline, z1-max32-reset, ...)", or empty when `name` is implemented.
std::string unknown_variant_message(std::string_view name);

// Writes `text` to `path`; false when it cannot.
bool write_text_file(const std::filesystem::path& path, const std::string& text);

// "expectation not met: expected X, got Y": how every verb words an unmet expectation.
std::string describe_miss(const ExpectationMiss& miss);

}  // namespace iovacheck::cli
