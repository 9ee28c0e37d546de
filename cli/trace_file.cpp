#include "cli/trace_file.h"

#include <unistd.h>

#include <fstream>
#include <iostream>

#include "harness/implementation.h"

namespace iovacheck::cli {

bool write_text_output(const std::optional<std::string>& path, const std::string& text, std::string_view verb) {
  if (!path) {
    std::cout << text;
    return true;
  }
  if (write_text_file(*path, text)) return true;
  std::cerr << "iovacheck " << verb << ": cannot write " << *path << "\n";
  return false;
}

std::string unknown_variant_message(std::string_view name) { return variant_problem(name); }

std::string describe_miss(const ExpectationMiss& miss) {
  return "expectation not met: expected " + miss.expected + ", got " + miss.actual;
}

std::optional<std::string> unwritable_reason(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) return "'" + path.string() + "' is a directory";
  const std::filesystem::path parent = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(parent, error)) return "no directory '" + parent.string() + "' to write into";
  if (access(parent.c_str(), W_OK) != 0) return "cannot write into '" + parent.string() + "'";
  return std::nullopt;
}

bool write_text_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary);
  file << text;
  file.close();
  return static_cast<bool>(file);
}

}  // namespace iovacheck::cli
