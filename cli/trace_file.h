#pragma once
// Trace files as the verbs meet them: naming the variant, wording the outcome (reading: model/trace_file.h).
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "model/checker.h"
#include "model/trace_file.h"
#include "model/trace.h"

namespace iovacheck::cli {

// Writes `text` to `path`, or to standard output when there is no path; false (after saying
// "iovacheck VERB: cannot write PATH" on stderr) when the file cannot be written.
bool write_text_output(const std::optional<std::string>& path, const std::string& text, std::string_view verb);

// "unknown variant 'x' (known: mainline, z1-max32-reset, ...)", or empty when `name` is implemented.
std::string unknown_variant_message(std::string_view name);

// Why `path` cannot be written (a directory, a missing or read-only directory), or nullopt: for
// checking an output option before any work starts.
std::optional<std::string> unwritable_reason(const std::filesystem::path& path);

// Writes `text` to `path`; false when it cannot.
bool write_text_file(const std::filesystem::path& path, const std::string& text);

// "expectation not met: expected X, got Y": how every verb words an unmet expectation.
std::string describe_miss(const ExpectationMiss& miss);

}  // namespace iovacheck::cli
