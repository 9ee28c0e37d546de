#include "bench/suite.h"

#include <algorithm>
#include <exception>
#include <utility>

namespace iovacheck::bench {
namespace {

std::vector<Scenario>& registry() {
  static std::vector<Scenario> scenarios;
  return scenarios;
}

}  // namespace

void add_case(const Scenario& scenario, const std::string& subject, std::function<void(benchmark::State&)> body) {
  auto& known = registry();
  if (std::ranges::none_of(known, [&](const Scenario& each) { return each.name == scenario.name; }))
    known.push_back(scenario);
  const std::string name = scenario.name + "/" + subject;
  // A layout that cannot be built (or any other throw) skips the case with the reason.
  benchmark::RegisterBenchmark(name.c_str(), [body = std::move(body)](benchmark::State& state) {
    try {
      body(state);
    } catch (const std::exception& error) {
      state.SkipWithError(error.what());
    }
  })->Unit(benchmark::kMicrosecond);
}

const std::vector<Scenario>& scenarios() { return registry(); }

}  // namespace iovacheck::bench
