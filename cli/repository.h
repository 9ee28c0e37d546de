#pragma once
// Where the repository is, for the verbs whose defaults live in it (corpus/, build/fuzz, ...).
#include <filesystem>
#include <optional>

namespace iovacheck::cli {

// The working directory when it holds corpus/ and fuzz/, else the nearest ancestor of the
// binary that does (a build tree sits inside the checkout); nullopt when neither does.
std::optional<std::filesystem::path> repository_root();

}  // namespace iovacheck::cli
