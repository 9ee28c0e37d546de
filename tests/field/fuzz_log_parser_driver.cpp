// Runs an LLVMFuzzerTestOneInput (fuzz/log_parser.cpp, check_log_mutants.cpp) without libFuzzer:
// over the seed files given, then over deterministic mutants of them (-n N per seed, default 1500) (bytes flipped, spans cut or doubled, lines swapped,
// the input cut short). A crash, a trap or an unexpected exception fails the test.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::uint64_t state = 0x9e3779b97f4a7c15ULL;
std::uint64_t next() {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}
std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }

std::string mutate(std::string text) {
  const char* tokens[] = {"0x", "}", "{", "\n", ":", "omitted", "dump_iova_rbtree done", "99999999999999999999", " ", ","};
  switch (next() % 6) {
    case 0:
      for (int k = 0; k < 4 && !text.empty(); ++k) text[below(text.size())] = static_cast<char>(next());
      break;
    case 1: {
      const std::size_t at = below(text.size());
      text.erase(at, below(200));
      break;
    }
    case 2: {
      const std::size_t at = below(text.size());
      text.insert(at, text.substr(below(text.size()), below(300)));
      break;
    }
    case 3: text.resize(below(text.size() + 1)); break;
    case 4: text.insert(below(text.size() + 1), tokens[below(std::size(tokens))]); break;
    case 5: {
      const std::size_t a = text.find('\n', below(text.size()));
      const std::size_t b = text.find('\n', below(text.size()));
      if (a != std::string::npos && b != std::string::npos && a != b) std::swap(text[a], text[b]);
      const std::size_t line = text.find('\n', below(text.size()));
      if (line != std::string::npos) text.insert(line, text.substr(line, below(120)));
      break;
    }
  }
  return text;
}

void run(const std::string& input) { LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size()); }

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> seeds;
  int mutants = 1500;
  int first = 1;
  if (argc > 2 && std::string(argv[1]) == "-n") {
    mutants = std::stoi(argv[2]);
    first = 3;
  }
  for (int k = first; k < argc; ++k) {
    std::ifstream file(argv[k], std::ios::binary);
    if (!file) {
      std::fprintf(stderr, "cannot read %s\n", argv[k]);
      return 2;
    }
    std::ostringstream text;
    text << file.rdbuf();
    seeds.push_back(text.str());
  }
  std::size_t inputs = 0;
  for (const std::string& seed : seeds) {
    run(seed);
    ++inputs;
    for (int k = 0; k < mutants; ++k) {
      std::string mutant = seed;
      for (std::size_t rounds = 1 + below(3); rounds > 0; --rounds) mutant = mutate(mutant);
      run(mutant);
      ++inputs;
    }
  }
  std::printf("log_parser: %zu inputs, no crash\n", inputs);  // the tests match this line
  return 0;
}
