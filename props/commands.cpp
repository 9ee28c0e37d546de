#include "props/commands.h"

#include <algorithm>
#include <array>
#include <ostream>
#include <type_traits>
#include <variant>

#include "model/trace_io.h"

namespace iovacheck::props {
namespace {

constexpr std::size_t kSeenKept = 16;

std::size_t weight_if(bool possible, std::size_t weight) { return possible ? weight : 0; }

void see(Seen& seen, Pfn pfn) {
  seen.push_back(pfn);
  if (seen.size() > kSeenKept) seen.erase(seen.begin());
}

// Where a top-down allocation under `limit` most likely lands: its limit and its first fit.
void see_allocation(Seen& seen, Pfn size, Pfn limit) {
  see(seen, limit);
  const Pfn end = limit + 1;
  const Pfn alignment = roundup_pow2(size);
  if (size == 0 || end < size || alignment == 0) return;
  see(seen, (end - size) & ~(alignment - 1));
}

// The number in a name a<number>, or 0 for any other name.
unsigned number_of(const std::string& name) {
  if (name.size() < 2 || name[0] != 'a') return 0;
  unsigned number = 0;
  for (std::size_t i = 1; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || number > 100'000'000) return 0;
    number = number * 10 + static_cast<unsigned>(name[i] - '0');
  }
  return number;
}

// The allocation numbered `number` (const or not, as `allocations` is).
template <class Allocations>
auto* numbered(Allocations& allocations, unsigned number) {
  auto found = std::find_if(allocations.begin(), allocations.end(),
                            [&](const Allocation& allocation) { return allocation.number == number; });
  return number == 0 || found == allocations.end() ? nullptr : &*found;
}

void mark_freed(GenModel& model, const Target& target) {
  if (!target.by_name()) return;
  if (Allocation* named = numbered(model.allocations, number_of(target.name))) named->freed = true;
}

// Op's alternatives in order: alloc, fast, free, ffree, reserve, flush, trim, find.
constexpr std::array<std::size_t, 8> kCommandWeights{20, 20, 10, 14, 4, 4, 3, 5};
static_assert(kCommandWeights.size() == std::variant_size_v<Op>);
constexpr std::size_t kFastKind = 1;
constexpr std::size_t kFastFreeKind = 3;
constexpr std::uint32_t kDrains = 1u << 5 | 1u << 6;  // flush, trim
static_assert(std::is_same_v<std::variant_alternative_t<kFastKind, Op>, FastAlloc>);
static_assert(std::is_same_v<std::variant_alternative_t<kFastFreeKind, Op>, FastFree>);
static_assert(std::is_same_v<std::variant_alternative_t<6, Op>, Trim>);

bool coin(std::size_t yes, std::size_t no) { return *rc::gen::weightedElement<bool>({{yes, true}, {no, false}}); }

enum class Aim { Live, WrongSize, AnyName, Address };

// Allocations of the kind no free has named yet (they may have failed).
std::vector<const Allocation*> live_allocations(const GenModel& model, bool fast) {
  std::vector<const Allocation*> found;
  for (const Allocation& allocation : model.allocations)
    if (allocation.fast == fast && !allocation.freed) found.push_back(&allocation);
  return found;
}

// Draws an index, not a pointer: RapidCheck keeps drawn values to show them later, when the
// model the pointers point into may be gone.
const Allocation& pick(const std::vector<const Allocation*>& allocations) {
  return *allocations[*uniform(0, allocations.size() - 1)];
}

const Allocation& pick_any(const GenModel& model) {
  return model.allocations[*uniform(0, model.allocations.size() - 1)];
}

Alloc generate_alloc(const GenModel& model) {
  Alloc op;
  op.name = model.fresh_name();
  op.size = *sizes(model.geometry, model.swarm.sizes);
  op.limit = *limits(model.geometry, model.seen, model.swarm.limits);
  op.aligned = coin(4, 1);
  return op;
}

// Run mode: whether the op continues the run the last ops make (same kind, CPU and size).
bool continues_run(const GenModel& model, std::size_t kind) {
  return model.swarm.run_magazines > 0 && model.run_kind == kind &&
         model.run_count < model.swarm.run_length(model.geometry.mag_size);
}

// In a run most allocations aim high, so that a run fills magazines whatever the 32-bit
// space holds: 2^64-1 and its neighbours, or anywhere.
constexpr std::uint32_t kHighLimits = 1u << 6 | 1u << 7;

FastAlloc generate_fast(const GenModel& model) {
  const bool run_mode = model.swarm.run_magazines > 0;
  if (continues_run(model, kFastKind)) {
    FastAlloc op = model.last_fast;  // the same bin and CPU, a fresh limit
    op.name = model.fresh_name();
    op.limit = *limits(model.geometry, model.seen, coin(7, 1) ? kHighLimits : model.swarm.limits);
    return op;
  }
  FastAlloc op;
  op.name = model.fresh_name();
  // A run starts at a size the range caches hold (1..32 pages), mostly the smallest bins.
  op.size = run_mode ? (coin(3, 1) ? *uniform(1, 4) : *uniform(1, 32)) : *sizes(model.geometry, model.swarm.sizes);
  op.limit = *limits(model.geometry, model.seen, run_mode && coin(1, 1) ? kHighLimits : model.swarm.limits);
  op.cpu = *cpus(model.geometry);
  op.flush = coin(4, 1);
  return op;
}

// Frees of live allocations mostly; of any name (dead, failed or fast: caller errors) and of
// addresses (live, cached or wild) sometimes.
Free generate_free(const GenModel& model) {
  const auto live = live_allocations(model, false);
  const Aim aim = *rc::gen::weightedElement<Aim>({{weight_if(!live.empty(), 20), Aim::Live},
                                                  {weight_if(!model.allocations.empty(), 3), Aim::AnyName},
                                                  {4, Aim::Address}});
  if (aim == Aim::Live) return Free{Target{0, pick(live).name()}};
  if (aim == Aim::AnyName) return Free{Target{0, pick_any(model).name()}};
  return Free{Target{*pfns(model.geometry, model.seen), {}}};
}

// Fast frees of live fast allocations with their size mostly; with a wrong size, of any name,
// or of an address sometimes.
FastFree generate_fast_free(const GenModel& model) {
  if (continues_run(model, kFastFreeKind)) {
    std::vector<const Allocation*> same;  // the same bin: sizes that round up alike
    for (const Allocation* allocation : live_allocations(model, true))
      if (roundup_pow2(allocation->size) == roundup_pow2(model.last_free_size)) same.push_back(allocation);
    if (!same.empty()) {
      const Allocation& freed = pick(same);
      return FastFree{Target{0, freed.name()}, freed.size, model.last_free_cpu};
    }
  }
  const auto live = live_allocations(model, true);
  const Aim aim = *rc::gen::weightedElement<Aim>({{weight_if(!live.empty(), 20), Aim::Live},
                                                  {weight_if(!live.empty(), 2), Aim::WrongSize},
                                                  {weight_if(!model.allocations.empty(), 3), Aim::AnyName},
                                                  {3, Aim::Address}});
  FastFree op;
  if (aim == Aim::Live || aim == Aim::WrongSize || aim == Aim::AnyName) {
    const Allocation& freed = aim == Aim::AnyName ? pick_any(model) : pick(live);
    op.target = Target{0, freed.name()};
    op.size = aim == Aim::WrongSize ? *sizes(model.geometry) : freed.size;
  } else {
    op.target = Target{*pfns(model.geometry, model.seen), {}};
    op.size = *sizes(model.geometry);
  }
  op.cpu = *cpus(model.geometry);
  return op;
}

}  // namespace

const Allocation* GenModel::find(const std::string& name) const { return numbered(allocations, number_of(name)); }

std::string GenModel::fresh_name() const {
  unsigned last = 0;
  for (const Allocation& allocation : allocations) last = std::max(last, allocation.number);
  std::string name(1, 'a');  // not "a" + to_string(): GCC 12 -O3's false -Wrestrict (bug 105329)
  name += std::to_string(last + 1);
  return name;
}

void record(GenModel& model, const Op& op) {
  model.last_kind = op.index();
  if (op.index() == kFastKind || op.index() == kFastFreeKind) {
    model.run_count = model.run_kind == op.index() ? model.run_count + 1 : 1;
    model.run_kind = op.index();
  }
  if (const auto* fast = std::get_if<FastAlloc>(&op)) model.last_fast = *fast;
  if (const auto* free = std::get_if<FastFree>(&op)) {
    model.last_free_cpu = free->cpu;
    model.last_free_size = free->size;
  }
  if (const auto* alloc = std::get_if<Alloc>(&op)) {
    model.allocations.push_back(Allocation{number_of(alloc->name), alloc->size, false, false});
    see_allocation(model.seen, alloc->size, alloc->limit);
  } else if (const auto* fast = std::get_if<FastAlloc>(&op)) {
    model.allocations.push_back(Allocation{number_of(fast->name), fast->size, true, false});
    see_allocation(model.seen, fast->size, fast->limit);
  } else if (const Target* target = free_target(op)) {
    mark_freed(model, *target);
  } else if (const auto* reserve = std::get_if<Reserve>(&op)) {
    see(model.seen, reserve->lo);
    see(model.seen, reserve->hi);
  }
}

// RC_PRE on plain bools: RapidCheck shows the operands of a failed precondition, and showing a
// pointer dereferences it, null or not.
void OpCommand::checkPreconditions(const GenModel& model) const {
  if (const std::string* name = bound_name(op_)) {
    const bool fresh = model.find(*name) == nullptr;
    RC_PRE(fresh);
  }
  if (const Target* target = free_target(op_); target && target->by_name()) {
    const bool defined = model.find(target->name) != nullptr;
    RC_PRE(defined);
  }
}

void OpCommand::run(const GenModel&, CheckedSystem& system) const {
  if (const auto failure = system.step(Step{op_, std::nullopt, 0})) RC_FAIL(*failure);
}

void OpCommand::show(std::ostream& out) const { out << print_op(op_); }

AllocCommand::AllocCommand(const GenModel& model) : OpCommand(generate_alloc(model)) {}
FastCommand::FastCommand(const GenModel& model) : OpCommand(generate_fast(model)) {}
FreeCommand::FreeCommand(const GenModel& model) : OpCommand(generate_free(model)) {}
FastFreeCommand::FastFreeCommand(const GenModel& model) : OpCommand(generate_fast_free(model)) {}
ReserveCommand::ReserveCommand(const GenModel& model) : OpCommand(*reserves(model.geometry, model.seen)) {}
FlushCommand::FlushCommand(const GenModel& model) : OpCommand(*flushes(model.geometry)) {}
TrimCommand::TrimCommand(const GenModel&) : OpCommand(Trim{}) {}
FindCommand::FindCommand(const GenModel& model) : OpCommand(Find{*pfns(model.geometry, model.seen)}) {}

// The next op's kind: in run mode a run goes on until its length (1 in 16: another kind comes
// between), and a finished run of frees is mostly followed by a drain.
std::size_t next_kind(const GenModel& model) {
  const Swarm& swarm = model.swarm;
  if (swarm.run_magazines > 0 && (model.run_kind == kFastKind || model.run_kind == kFastFreeKind)) {
    if (model.run_count < swarm.run_length(model.geometry.mag_size)) {
      // Something else may come between, never the other half of the run: that would end it.
      const std::uint32_t between = swarm.ops & ~(1u << kFastKind | 1u << kFastFreeKind);
      if (between == 0 || coin(15, 1)) return model.run_kind;
      return *weighted_index(kCommandWeights, between);
    } else if (model.last_kind == kFastFreeKind && coin(3, 1)) {
      return *weighted_index(kCommandWeights, kDrains);
    }
  }
  return *weighted_index(kCommandWeights, swarm.ops);
}

rc::Gen<CommandPtr> commands(const GenModel& model) {
  return rc::gen::exec([model = std::make_shared<const GenModel>(model)]() -> CommandPtr {
    switch (next_kind(*model)) {
      case 0: return std::make_shared<const AllocCommand>(*model);
      case 1: return std::make_shared<const FastCommand>(*model);
      case 2: return std::make_shared<const FreeCommand>(*model);
      case 3: return std::make_shared<const FastFreeCommand>(*model);
      case 4: return std::make_shared<const ReserveCommand>(*model);
      case 5: return std::make_shared<const FlushCommand>(*model);
      case 6: return std::make_shared<const TrimCommand>(*model);
      default: return std::make_shared<const FindCommand>(*model);
    }
  });
}

Trace sample_case(std::uint64_t seed, int size) {
  rc::Random random(seed);
  Trace trace;
  trace.geometry = geometries()(random.split(), size).value();
  const Swarm swarm = swarms()(random.split(), size).value();
  const auto drawn =
      rc::state::gen::commands(GenModel{trace.geometry, swarm, {}, {}}, commands)(random.split(), size * swarm.length_scale()).value();
  for (const CommandPtr& command : drawn)
    trace.steps.push_back(Step{static_cast<const OpCommand&>(*command).op(), std::nullopt, 0});
  return trace;
}

}  // namespace iovacheck::props
