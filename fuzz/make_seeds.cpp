// Seeds for the harnesses from every corpus trace: corpus/fuzz/differential/<name>.bin (the
// byte form) and corpus/fuzz/trace_parser/<name>.txt (the text; not .trace, so that the corpus
// replay and `verify` do not take the copies for traces of their own). Each byte form is decoded
// back and compared with its trace, so a seed always stands for the trace it came from.
//   usage: fuzz_make_seeds CORPUS_DIR OUT_DIR      (OUT_DIR/differential, OUT_DIR/trace_parser)
// tests/fuzz/seeds-in-sync.sh regenerates them into a scratch directory and compares.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "fuzz/byte_trace.h"
#include "fuzz/text_files.h"
#include "model/trace_io.h"

namespace {

namespace fs = std::filesystem;
using namespace iovacheck;

// The operations with allocation names replaced by their index among the allocations, so that
// a trace and its decoded byte form compare equal whatever they call their allocations.
std::vector<Op> unnamed_ops(const Trace& trace) {
  std::map<std::string, std::string> index;
  std::size_t allocations = 0;
  std::vector<Op> ops;
  for (const Step& step : trace.steps) {
    Op op = step.op;
    if (Target* target = free_target(op); target && target->by_name()) target->name = index[target->name];
    if (const std::string* name = bound_name(op)) index[*name] = std::to_string(allocations);  // no name is a number
    if (std::holds_alternative<Alloc>(op) || std::holds_alternative<FastAlloc>(op)) ++allocations;
    if (auto* alloc = std::get_if<Alloc>(&op)) alloc->name.clear();
    if (auto* fast = std::get_if<FastAlloc>(&op)) fast->name.clear();
    ops.push_back(op);
  }
  return ops;
}

std::string seed_name(const fs::path& relative) {
  std::string name = relative.string();
  std::replace(name.begin(), name.end(), '/', '.');
  return name.substr(0, name.size() - std::string(".trace").size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: fuzz_make_seeds CORPUS_DIR OUT_DIR\n";
    return 2;
  }
  const fs::path corpus = argv[1];
  const fs::path out = argv[2];
  fs::create_directories(out / "differential");
  fs::create_directories(out / "trace_parser");
  std::vector<fs::path> traces;
  for (const auto& entry : fs::recursive_directory_iterator(corpus))
    if (entry.path().extension() == ".trace") traces.push_back(fs::relative(entry.path(), corpus));
  // Seeds are made from traces, never from earlier seeds.
  std::erase_if(traces, [](const fs::path& path) { return *path.begin() == "fuzz"; });
  std::sort(traces.begin(), traces.end());
  int status = 0;
  for (const fs::path& relative : traces) {
    const std::string text = fuzz::read_text(corpus / relative);
    const std::string name = seed_name(relative);
    std::ofstream(out / "trace_parser" / (name + ".txt"), std::ios::binary) << text;
    Trace trace;
    try {
      trace = parse_trace(text);
    } catch (const TraceError&) {
      continue;  // the parser harness gets it as it is; it has no byte form
    }
    fuzz::Bytes bytes;
    try {
      bytes = fuzz::encode_trace(trace);
    } catch (const fuzz::EncodeError& error) {
      std::cerr << relative.string() << ": " << error.what() << "\n";
      status = 1;
      continue;
    }
    const Trace decoded = fuzz::decode_trace(bytes);
    if (decoded.geometry != trace.geometry || decoded.variant != trace.variant || unnamed_ops(decoded) != unnamed_ops(trace)) {
      std::cerr << relative.string() << ": the byte form decodes to another trace:\n" << print_trace(decoded);
      status = 3;
      continue;
    }
    std::ofstream(out / "differential" / (name + ".bin"), std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  return status;
}
