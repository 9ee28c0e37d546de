#include "bench/suite.h"

#include <algorithm>
#include <exception>
#include <utility>

namespace iovacheck::bench {
namespace {

std::vector<RegisteredScenario>& registry() {
  static std::vector<RegisteredScenario> scenarios;
  return scenarios;
}

}  // namespace

void add_case(const Scenario& scenario, const std::string& subject, std::function<void(benchmark::State&)> body) {
  auto& known = registry();
  auto same_name = [&](const RegisteredScenario& each) { return each.scenario.name == scenario.name; };
  auto entry = std::ranges::find_if(known, same_name);
  if (entry == known.end()) entry = known.insert(known.end(), RegisteredScenario{scenario, {}});
  entry->subjects.push_back(subject);
  const std::string name = scenario.name + "/" + subject;
  // A layout that cannot be built (or any other throw) skips the case with the reason.
  benchmark::internal::Benchmark* registered =
      benchmark::RegisterBenchmark(name.c_str(), [body = std::move(body)](benchmark::State& state) {
        try {
          body(state);
        } catch (const std::exception& error) {
          state.SkipWithError(error.what());
        }
      });
  registered->Unit(benchmark::kMicrosecond);
  if (scenario.iterations > 0) registered->Iterations(scenario.iterations);
}

const std::vector<RegisteredScenario>& scenarios() { return registry(); }

}  // namespace iovacheck::bench
