#include "model/trace_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "model/trace_io.h"

namespace iovacheck {

std::string read_text_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw TraceFileError(name + ": error: is a directory, not a file");
  std::ifstream file(path, std::ios::binary);
  if (!file) throw TraceFileError(name + ": error: cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw TraceFileError(name + ": error: cannot read: " + std::strerror(errno));
  return text.str();
}

Trace load_trace_file(const std::filesystem::path& path) {
  const std::string text = read_text_file(path);
  try {
    return parse_trace(text);
  } catch (const TraceError& parse_error) {
    throw TraceFileError(path.string() + ":" + std::to_string(parse_error.line()) + ":" +
                         std::to_string(parse_error.column()) + ": error: " + parse_error.message());
  }
}

}  // namespace iovacheck
