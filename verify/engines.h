#pragma once
// The engines verify runs on each variant, each as a child `iovacheck VERB ...`: the one place
// that knows how to ask an engine for a verdict within a time share and how to read its answer.
#include <cstdint>
#include <string>
#include <vector>

#include "verify/result.h"
#include "verify/subprocess.h"

namespace iovacheck::verify {

struct CellRequest {
  std::string binary;  // the iovacheck executable
  std::string variant;
  double share_seconds = 0;  // this cell's part of the budget
  std::uint64_t seed = 0;
  std::string work_dir;  // where the cell may write (its counterexample, its output)
  std::string corpus;    // the corpus directory (field logs live in its field/)
  std::string fuzz_build;  // the libFuzzer build the fuzz engine runs (empty: the campaign's default)
  std::string coverage_build;  // the fuzz-coverage build, when coverage is measured (else empty)
  std::string impl = "impl";   // what runs the variant, as --impl spells it
  bool past_known = true;      // search with the fixes of the variant's known findings (else --no-known)
};

struct Engine {
  std::string name;
  std::string verb;  // the iovacheck verb it runs; the engine is built when the binary has it
  Command (*command)(const CellRequest& request);
  Cell (*verdict)(const CellRequest& request, const CommandResult& result);
  // Coverage: true, the engine's work runs in the iovacheck it is given (the coverage build's CLI
  // then, with a profile file); false, it measures its own with the coverage build (the campaign).
  bool runs_in_cli = true;
  bool runs_code = true;  // false: it checks the spec's design (smt), not an implementation's code
};

// Every engine verify knows, in the order of the matrix's columns.
const std::vector<Engine>& all_engines();
const Engine* find_engine(const std::string& name);

// Property-engine cases for a time share: a fixed count (so a seed gives the same cases on any
// machine), from a nominal rate well below the measured one.
std::uint64_t property_cases_for(double share_seconds);

}  // namespace iovacheck::verify
