#pragma once
// Trace files: reading one from disk and parsing it, with errors that name the file.
#include <filesystem>
#include <stdexcept>

#include "model/trace.h"

namespace iovacheck {

// A file that cannot be read or parsed; what() is the whole message ("FILE:LINE:COLUMN: error: ...").
class TraceFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads and parses a trace file; throws TraceFileError.
Trace load_trace_file(const std::filesystem::path& path);

}  // namespace iovacheck
