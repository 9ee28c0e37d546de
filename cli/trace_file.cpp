#include "cli/trace_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "harness/implementation.h"
#include "model/trace_io.h"

namespace iovacheck::cli {

Trace load_trace_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw TraceFileError(name + ": error: is a directory, not a trace file");
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) throw TraceFileError(name + ": error: cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw TraceFileError(name + ": error: cannot read: " + std::strerror(errno));
  try {
    return parse_trace(text.str());
  } catch (const TraceError& parse_error) {
    throw TraceFileError(name + ":" + std::to_string(parse_error.line()) + ":" +
                         std::to_string(parse_error.column()) + ": error: " + parse_error.message());
  }
}

std::string unknown_variant_message(std::string_view name) {
  if (is_implemented_variant(name)) return {};
  std::string known;
  for (const VariantInfo& variant : implemented_variants()) {
    known += (known.empty() ? "" : ", ") + variant.name;
  }
  return "unknown variant '" + std::string(name) + "' (known: " + known + ")";
}

std::string describe_miss(const ExpectationMiss& miss) {
  return "expectation not met: expected " + miss.expected + ", got " + miss.actual;
}

bool write_text_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary);
  file << text;
  file.close();
  return static_cast<bool>(file);
}

}  // namespace iovacheck::cli
