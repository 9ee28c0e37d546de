#pragma once
// Small file and text helpers the harnesses, the campaign and its CLI share.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace iovacheck::fuzz {

// The whole file; empty when it cannot be read.
std::string read_text(const std::filesystem::path& path);

// Through a temporary file beside it and a rename, so that a process killed at any moment leaves
// either the old file or the whole new one. Returns false when it could not be written.
bool write_atomically(const std::filesystem::path& path, std::string_view text);

// & < > " as character entities: text inside HTML, SVG or XML markup and its quoted attributes.
std::string markup_escaped(std::string_view text);

// The text as a JSON string, quotes included.
std::string json_quoted(std::string_view text);

// "a,b,,c" -> {a, b, c}.
std::vector<std::string> split_list(std::string_view text);

}  // namespace iovacheck::fuzz
