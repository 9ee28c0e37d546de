#include "props/commands.h"

#include <algorithm>
#include <ostream>

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

void mark_freed(GenModel& model, const Target& target) {
  if (!target.by_name()) return;
  for (Allocation& allocation : model.allocations)
    if (allocation.name == target.name) allocation.freed = true;
}

bool coin(std::size_t yes, std::size_t no) { return *rc::gen::weightedElement<bool>({{yes, true}, {no, false}}); }

enum class Aim { Live, WrongSize, AnyName, Address };

std::vector<const Allocation*> allocations_where(const GenModel& model, bool fast, bool live_only) {
  std::vector<const Allocation*> found;
  for (const Allocation& allocation : model.allocations)
    if (allocation.fast == fast && !(live_only && allocation.freed)) found.push_back(&allocation);
  return found;
}

const Allocation& pick(const std::vector<const Allocation*>& allocations) { return **rc::gen::elementOf(allocations); }

const Allocation& pick_any(const GenModel& model) {
  return model.allocations[*uniform(0, model.allocations.size() - 1)];
}

Alloc generate_alloc(const GenModel& model) {
  Alloc op;
  op.name = model.fresh_name();
  op.size = *sizes(model.geometry);
  op.limit = *limits(model.geometry, model.seen);
  op.aligned = coin(4, 1);
  return op;
}

FastAlloc generate_fast(const GenModel& model) {
  FastAlloc op;
  op.name = model.fresh_name();
  op.size = *sizes(model.geometry);
  op.limit = *limits(model.geometry, model.seen);
  op.cpu = *cpus(model.geometry);
  op.flush = coin(4, 1);
  return op;
}

// Frees of live allocations mostly; of any name (dead, failed or fast: caller errors) and of
// addresses (live, cached or wild) sometimes.
Free generate_free(const GenModel& model) {
  const auto live = allocations_where(model, false, true);
  const Aim aim = *rc::gen::weightedElement<Aim>({{weight_if(!live.empty(), 20), Aim::Live},
                                                  {weight_if(!model.allocations.empty(), 3), Aim::AnyName},
                                                  {4, Aim::Address}});
  if (aim == Aim::Live) return Free{Target{0, pick(live).name}};
  if (aim == Aim::AnyName) return Free{Target{0, pick_any(model).name}};
  return Free{Target{*pfns(model.geometry, model.seen), {}}};
}

// Fast frees of live fast allocations with their size mostly; with a wrong size, of any name,
// or of an address sometimes.
FastFree generate_fast_free(const GenModel& model) {
  const auto live = allocations_where(model, true, true);
  const Aim aim = *rc::gen::weightedElement<Aim>({{weight_if(!live.empty(), 20), Aim::Live},
                                                  {weight_if(!live.empty(), 2), Aim::WrongSize},
                                                  {weight_if(!model.allocations.empty(), 3), Aim::AnyName},
                                                  {3, Aim::Address}});
  FastFree op;
  if (aim == Aim::Live || aim == Aim::WrongSize || aim == Aim::AnyName) {
    const Allocation& freed = aim == Aim::AnyName ? pick_any(model) : pick(live);
    op.target = Target{0, freed.name};
    op.size = aim == Aim::WrongSize ? *sizes(model.geometry) : freed.size;
  } else {
    op.target = Target{*pfns(model.geometry, model.seen), {}};
    op.size = *sizes(model.geometry);
  }
  op.cpu = *cpus(model.geometry);
  return op;
}

template <class Made>
rc::Gen<CommandPtr> command(const std::shared_ptr<const GenModel>& model) {
  return rc::gen::exec([model] { return CommandPtr(std::make_shared<const Made>(*model)); });
}

}  // namespace

const Allocation* GenModel::find(const std::string& name) const {
  auto found = std::find_if(allocations.begin(), allocations.end(),
                            [&](const Allocation& allocation) { return allocation.name == name; });
  return found == allocations.end() ? nullptr : &*found;
}

std::string GenModel::fresh_name() const { return "a" + std::to_string(allocations.size() + 1); }

void record(GenModel& model, const Op& op) {
  if (const auto* alloc = std::get_if<Alloc>(&op)) {
    model.allocations.push_back(Allocation{alloc->name, alloc->size, false, false});
    see_allocation(model.seen, alloc->size, alloc->limit);
  } else if (const auto* fast = std::get_if<FastAlloc>(&op)) {
    model.allocations.push_back(Allocation{fast->name, fast->size, true, false});
    see_allocation(model.seen, fast->size, fast->limit);
  } else if (const Target* target = free_target(op)) {
    mark_freed(model, *target);
  } else if (const auto* reserve = std::get_if<Reserve>(&op)) {
    see(model.seen, reserve->lo);
    see(model.seen, reserve->hi);
  }
}

void OpCommand::checkPreconditions(const GenModel& model) const {
  if (const std::string* name = bound_name(op_)) RC_PRE(model.find(*name) == nullptr);
  if (const Target* target = free_target(op_); target && target->by_name()) RC_PRE(model.find(target->name) != nullptr);
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

rc::Gen<CommandPtr> commands(const GenModel& model) {
  const auto shared = std::make_shared<const GenModel>(model);
  return rc::gen::weightedOneOf<CommandPtr>({
      {20, command<AllocCommand>(shared)},
      {20, command<FastCommand>(shared)},
      {10, command<FreeCommand>(shared)},
      {14, command<FastFreeCommand>(shared)},
      {4, command<ReserveCommand>(shared)},
      {4, command<FlushCommand>(shared)},
      {3, command<TrimCommand>(shared)},
      {5, command<FindCommand>(shared)},
  });
}

Trace sample_case(std::uint64_t seed, int size) {
  rc::Random random(seed);
  Trace trace;
  trace.geometry = geometries()(random.split(), size).value();
  const auto drawn = rc::state::gen::commands(GenModel{trace.geometry, {}, {}}, commands)(random.split(), size).value();
  for (const CommandPtr& command : drawn)
    trace.steps.push_back(Step{static_cast<const OpCommand&>(*command).op(), std::nullopt, 0});
  return trace;
}

}  // namespace iovacheck::props
