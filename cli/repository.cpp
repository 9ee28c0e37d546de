#include "cli/repository.h"

namespace iovacheck::cli {

namespace fs = std::filesystem;

namespace {

bool is_repository(const fs::path& dir) {
  std::error_code error;
  return fs::is_directory(dir / "corpus", error) && fs::is_directory(dir / "fuzz", error);
}

}  // namespace

std::optional<fs::path> repository_root() {
  std::error_code error;
  const fs::path here = fs::current_path(error);
  if (!error && is_repository(here)) return here;
  const fs::path binary = fs::canonical("/proc/self/exe", error);
  if (error) return std::nullopt;
  for (fs::path dir = binary.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    if (is_repository(dir)) return dir;
    if (dir == dir.root_path()) break;
  }
  return std::nullopt;
}

}  // namespace iovacheck::cli
