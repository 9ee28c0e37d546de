#include "verify/annotation.h"

#include <fstream>
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

}  // namespace

CorpusAnnotation read_corpus_annotation(const std::filesystem::path& path) {
  std::ifstream file(path);
  if (!file) throw TraceFileError(path.string() + ": error: cannot open");
  static const std::regex exit_line(R"(# expect-exit: (\S+))");
  static const std::regex violation_line(R"(# expect-violation: (\S+))");
  CorpusAnnotation annotation;
  std::string text;
  for (std::size_t line = 1; std::getline(file, text); ++line) {
    if (!text.starts_with("# expect-")) continue;  // both forms start so: no regex on a long trace's steps
    std::smatch match;
    if (std::regex_match(text, match, exit_line)) {
      if (line != 1) throw TraceFileError(where(path, line) + "'# expect-exit:' must be the first line");
      if (match[1] != "0" && match[1] != "1") {
        throw TraceFileError(where(path, line) + "expect-exit must be 0 or 1, not '" + match[1].str() + "'");
      }
      annotation.expected_exit = match[1] == "1" ? 1 : 0;
    } else if (std::regex_match(text, match, violation_line) && !annotation.expected_violation) {
      if (!is_property_name(match[1])) {
        throw TraceFileError(where(path, line) + "unknown property '" + match[1].str() + "' after expect-violation");
      }
      annotation.expected_violation = match[1];
    }
  }
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
