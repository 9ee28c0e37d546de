#pragma once
// Exhaustive exploration: every operation sequence of the alphabet up to a depth, breadth first
// with state deduplication, each run on the C++ implementation through the shared checker. The
// first violation found is a shortest one. The cross-check for the Z3 engine.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/counterexample.h"
#include "smt/alphabet.h"

namespace iovacheck::smt {

struct ExploreOptions {
  Alphabet alphabet;
  std::string variant = "mainline";
  std::optional<std::string> reference;  // distinguish: violates on variant, holds on reference
  unsigned depth = 4;
};

struct DepthStats {
  unsigned depth = 0;
  std::size_t sequences = 0;  // sequences of this length run through the checker
  std::size_t states = 0;     // distinct states they reach (the next frontier)
  double seconds = 0;         // since the start
};

struct ExploreResult {
  std::optional<Counterexample> counterexample;  // a shortest one, replayed from an empty domain
  std::vector<DepthStats> depths;
};

ExploreResult explore(const ExploreOptions& options, const std::function<void(const DepthStats&)>& progress = {});

}  // namespace iovacheck::smt
