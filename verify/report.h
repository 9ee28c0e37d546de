#pragma once
// The run's reports: report.json for machines, report.md for people reading in a terminal or a
// pull request, report.html (self-contained, no network) for a browser on a phone or a desk.
#include <filesystem>
#include <string>

#include "verify/result.h"

namespace iovacheck::verify {

std::string report_json(const VerifyResult& result);
std::string report_markdown(const VerifyResult& result);
std::string report_html(const VerifyResult& result);

// Writes the three files under `dir` (each via a temporary file and a rename, so a killed run
// never leaves one half-written). Throws std::runtime_error naming the file that failed.
void write_reports(const VerifyResult& result, const std::filesystem::path& dir);

// What one cell says in the matrix: "no violation", "completeness (4 ops, F1)", "proved", ...
std::string cell_label(const Cell& cell);

}  // namespace iovacheck::verify
