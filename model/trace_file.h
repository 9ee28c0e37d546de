#pragma once
// Files the verbs read: a trace (read and parsed) or any text, with errors that name the file.
#include <filesystem>
#include <stdexcept>
#include <string>

#include "model/trace.h"

namespace iovacheck {

// A file that cannot be read, or a trace that does not parse; what() is the whole message ("FILE:LINE:COLUMN: error: ...").
class TraceFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads a whole text file; throws TraceFileError ("FILE: error: cannot open: ...").
std::string read_text_file(const std::filesystem::path& path);

// Reads and parses a trace file; throws TraceFileError.
Trace load_trace_file(const std::filesystem::path& path);

}  // namespace iovacheck
