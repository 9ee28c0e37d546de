#include "props/scale.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <variant>

#include "props/commands.h"
#include "props/generators.h"

namespace iovacheck::props {
namespace {

constexpr unsigned kHotplugEvery = 5000;  // a CPU goes offline about this often

}  // namespace

rc::Gen<ScaleCase> scale_cases(std::size_t min_ops, std::size_t max_ops) {
  return rc::gen::exec([min_ops, max_ops] {
    ScaleCase scale_case;
    unsigned cpus = 4;
    switch (*rc::gen::noShrink(weighted_index(std::array<std::size_t, 3>{3, 3, 4}))) {
      case 0: cpus = 4; break;
      case 1: cpus = 64; break;
      default: cpus = static_cast<unsigned>(*rc::gen::noShrink(uniform(5, 63)));
    }
    scale_case.geometry = workload::real_geometry(cpus);
    scale_case.seed = *rc::gen::noShrink(uniform(0, kMaxPfn));
    constexpr unsigned kShapes = static_cast<unsigned>(DriverShape::kCount);
    scale_case.shapes = static_cast<std::uint32_t>(*rc::gen::noShrink(uniform(1, (Pfn{1} << kShapes) - 1)));
    if (scale_case.shapes == (1u << static_cast<unsigned>(DriverShape::CpuHotplug)))
      scale_case.shapes |= 1u << static_cast<unsigned>(DriverShape::NicRings);  // hotplug alone allocates nothing
    scale_case.generic_per_mille = static_cast<unsigned>(*rc::gen::noShrink(rc::gen::elementOf(std::vector<Pfn>{0, 5, 20, 50})));
    scale_case.trim_every = *rc::gen::noShrink(rc::gen::elementOf(std::vector<unsigned>(workload::kTrimPeriods.begin(), workload::kTrimPeriods.end())));
    scale_case.msi_window = *rc::gen::noShrink(rc::gen::elementOf(std::vector<bool>{true, true, false}));
    // Log-uniform between the bounds, then shrinkable toward 1: a shorter case is a prefix.
    const double exponent = static_cast<double>(*rc::gen::noShrink(uniform(0, 1000))) / 1000.0;
    const double low = static_cast<double>(std::max<std::size_t>(min_ops, 1));
    const double high = static_cast<double>(std::max(max_ops, min_ops));
    const auto drawn = static_cast<Pfn>(low * std::pow(high / low, exponent));
    scale_case.ops = static_cast<std::size_t>(*rc::gen::shrink(rc::gen::just(drawn), [](Pfn ops) {
      return rc::shrink::towards<Pfn>(ops, 1);
    }));
    return scale_case;
  });
}

// ---- The drivers ------------------------------------------------------------------------------

// The case's schedule around the fleet's bursts: the MSI window first, the periodic trim, CPU
// hotplug, and the ordinary generators' operations mixed in.
class ScaleWorkload::Drivers {
 public:
  explicit Drivers(const ScaleCase& scale_case)
      : case_(scale_case), random_(scale_case.seed), fleet_(scale_case.geometry, scale_case.seed),
        generic_random_(scale_case.seed), generic_model_{scale_case.geometry, Swarm{}, {}, {}} {
    generic_model_.swarm = swarms()(generic_random_.split(), 0).value();
  }

  Step next() {
    ++emitted_;
    pending_generic_ = false;
    if (fleet_.retry_due()) return fleet_.next();
    if (case_.msi_window && emitted_ == 1) return step(Reserve{workload::kMsiLo, workload::kMsiHi});
    if (case_.trim_every != 0 && emitted_ % case_.trim_every == 0) return step(Trim{});
    if (workload::has_shape(case_.shapes, DriverShape::CpuHotplug) && draw(1, kHotplugEvery) == 1)
      return step(Flush{Flush::Scope::Cpu, static_cast<unsigned>(draw(0, case_.geometry.cpus - 1))});
    if (case_.generic_per_mille != 0 && draw(1, 1000) <= case_.generic_per_mille) return generic();
    if (!fleet_.in_burst()) fleet_.start(fleet_.random_burst(case_.shapes));
    return fleet_.next();
  }

  void observe(const std::optional<Outcome>& outcome) {
    if (pending_generic_) record(generic_model_, generic_op_);
    else fleet_.observe(outcome);
  }

 private:
  static Step step(Op op) { return Step{std::move(op), std::nullopt, 0}; }
  Pfn draw(Pfn low, Pfn high) { return std::uniform_int_distribution<Pfn>(low, high)(random_); }

  // One operation of the ordinary generators, over their whole space: wild frees, reserves,
  // finds, flushes, odd sizes and limits, caller errors.
  Step generic() {
    const CommandPtr command = commands(generic_model_)(generic_random_.split(), 0).value();
    pending_generic_ = true;
    generic_op_ = static_cast<const OpCommand&>(*command).op();
    return step(generic_op_);
  }

  const ScaleCase case_;
  std::mt19937_64 random_;
  workload::DriverFleet fleet_;
  rc::Random generic_random_;
  GenModel generic_model_;
  std::size_t emitted_ = 0;
  bool pending_generic_ = false;
  Op generic_op_;
};

ScaleWorkload::ScaleWorkload(const ScaleCase& scale_case) : drivers_(std::make_unique<Drivers>(scale_case)) {}
ScaleWorkload::~ScaleWorkload() = default;
Step ScaleWorkload::next() { return drivers_->next(); }
void ScaleWorkload::observe(const std::optional<Outcome>& outcome) { drivers_->observe(outcome); }

Trace sample_scale_case(std::uint64_t seed, std::size_t ops) {
  rc::Random random(seed);
  ScaleCase scale_case = scale_cases(ops, ops)(random, 0).value();
  Trace trace;
  trace.geometry = scale_case.geometry;
  ScaleWorkload workload(scale_case);
  for (std::size_t i = 0; i < scale_case.ops; ++i) {
    trace.steps.push_back(workload.next());
    workload.observe(Outcome{});
  }
  return trace;
}

}  // namespace iovacheck::props
