#include "verify/annotation.h"

#include <cstdint>
#include <fstream>
#include <istream>
#include <string_view>
#include <regex>

#include "model/trace_file.h"
#include "model/property.h"

namespace iovacheck::verify {

namespace {

constexpr Property kProperties[] = {Property::Soundness,   Property::Completeness, Property::Conservation,
                                    Property::RangeCache, Property::Find,         Property::Reserve,
                                    Property::Rejection,  Property::Structure};

bool is_property_name(const std::string& name) {
  for (const Property property : kProperties) {
    if (property_name(property) == name) return true;
  }
  return false;
}

std::string where(const std::filesystem::path& path, std::size_t line) {
  return path.string() + ":" + std::to_string(line) + ":1: error: ";
}

// Calls each(offset, line) for every line starting "# expect-", with the byte offset of its
// start. The file is read a block at a time and only its '#' bytes are looked at (a long trace
// has next to none), so replay's check of a 50 MB trace costs a memchr over it, not a getline a
// line; lines are counted only for an error message (line_at).
template <class Each>
void for_each_annotation_line(std::istream& in, Each each) {
  constexpr std::string_view kPrefix = "# expect-";
  constexpr std::size_t kBlock = 1 << 16;
  std::string buffer;      // whole lines not yet scanned, then a partial last line carried over
  std::uint64_t base = 0;  // the offset of buffer's first byte
  for (bool at_end = false; !at_end;) {
    const std::size_t old_size = buffer.size();
    buffer.resize(old_size + kBlock);
    in.read(buffer.data() + old_size, kBlock);
    const auto got = static_cast<std::size_t>(in.gcount());
    buffer.resize(old_size + got);
    at_end = got < kBlock;
    const std::size_t last_newline = buffer.rfind('\n');
    const std::size_t complete = at_end ? buffer.size() : (last_newline == std::string::npos ? 0 : last_newline + 1);
    const std::string_view text(buffer.data(), complete);
    for (std::size_t hash = text.find('#'); hash != std::string_view::npos; hash = text.find('#', hash + 1)) {
      if ((hash != 0 && text[hash - 1] != '\n') || !text.substr(hash).starts_with(kPrefix)) continue;
      each(base + hash, std::string(text.substr(hash, text.find('\n', hash) - hash)));
    }
    buffer.erase(0, complete);
    base += complete;
  }
}

// The number of the line starting at `offset`, for an error message.
std::size_t line_at(const std::filesystem::path& path, std::uint64_t offset) {
  std::ifstream file(path, std::ios::binary);
  std::size_t line = 1;
  for (std::uint64_t at = 0; at < offset && file; ++at)
    if (file.get() == '\n') ++line;
  return line;
}

}  // namespace

CorpusAnnotation read_corpus_annotation(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw TraceFileError(path.string() + ": error: cannot open");
  static const std::regex exit_line(R"(# expect-exit: (\S+))");
  static const std::regex violation_line(R"(# expect-violation: (\S+))");
  CorpusAnnotation annotation;
  for_each_annotation_line(file, [&](std::uint64_t offset, const std::string& text) {
    std::smatch match;
    if (std::regex_match(text, match, exit_line)) {
      if (offset != 0) throw TraceFileError(where(path, line_at(path, offset)) + "'# expect-exit:' must be the first line");
      if (match[1] != "0" && match[1] != "1") {
        throw TraceFileError(where(path, 1) + "expect-exit must be 0 or 1, not '" + match[1].str() + "'");
      }
      annotation.expected_exit = match[1] == "1" ? 1 : 0;
    } else if (std::regex_match(text, match, violation_line) && !annotation.expected_violation) {
      if (!is_property_name(match[1])) {
        throw TraceFileError(where(path, line_at(path, offset)) + "unknown property '" + match[1].str() +
                             "' after expect-violation");
      }
      annotation.expected_violation = match[1];
    }
  });
  return annotation;
}

std::optional<std::string> annotation_mismatch(const CorpusAnnotation& annotation, const CheckReport& report) {
  const std::string expected = annotation.expected_violation
                                   ? "a " + *annotation.expected_violation + " violation"
                                   : (annotation.expected_exit == 0 ? "every step to hold" : "a failure");
  if (report.violation) {
    const std::string actual(property_name(report.violation->property));
    if (annotation.expected_exit == 0 || (annotation.expected_violation && *annotation.expected_violation != actual)) {
      return "expected " + expected + ", got a " + actual + " violation";
    }
    return std::nullopt;
  }
  if (report.miss) {
    if (annotation.expected_exit == 0 || annotation.expected_violation) {
      return "expected " + expected + ", got an unmet expectation";
    }
    return std::nullopt;
  }
  if (annotation.expected_exit != 0 || annotation.expected_violation) {
    return "expected " + expected + ", but every step held";
  }
  return std::nullopt;
}

}  // namespace iovacheck::verify
