#include "model/minimize.h"

#include <algorithm>
#include <bit>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace iovacheck {
namespace {

// Sets one number somewhere in a trace (a step's size, a limit, the geometry's mag, ...).
using SetNumber = std::function<void(Trace&, Pfn)>;

// Steps [begin, end) removed, and with them every free naming an allocation they bound, so
// no name is used without its definition.
Trace without_steps(const Trace& trace, std::size_t begin, std::size_t end) {
  std::set<std::string> dropped_names;
  for (std::size_t i = begin; i < end; ++i)
    if (const std::string* name = bound_name(trace.steps[i].op)) dropped_names.insert(*name);
  Trace result = trace;
  result.steps.clear();
  for (std::size_t i = 0; i < trace.steps.size(); ++i) {
    if (i >= begin && i < end) continue;
    const Target* target = free_target(trace.steps[i].op);
    if (target && target->by_name() && dropped_names.count(target->name)) continue;
    result.steps.push_back(trace.steps[i]);
  }
  return result;
}

// A fast allocation's size, and the size of every ffree of it that matched the old one, so the
// frees stay valid.
void set_fast_size(Trace& trace, std::size_t index, Pfn size) {
  auto& fast = std::get<FastAlloc>(trace.steps[index].op);
  const Pfn old_size = fast.size;
  fast.size = size;
  if (fast.name.empty()) return;
  for (Step& step : trace.steps)
    if (auto* free = std::get_if<FastFree>(&step.op); free && free->target.name == fast.name && free->size == old_size)
      free->size = size;
}

// Every cpu an op names, kept below `cpus` so the trace still parses.
void set_cpus(Trace& trace, unsigned cpus) {
  trace.geometry.cpus = cpus;
  auto clamp = [cpus](unsigned& cpu) { cpu = std::min(cpu, cpus - 1); };
  for (Step& step : trace.steps) {
    if (auto* fast = std::get_if<FastAlloc>(&step.op)) clamp(fast->cpu);
    if (auto* free = std::get_if<FastFree>(&step.op)) clamp(free->cpu);
    if (auto* flush = std::get_if<Flush>(&step.op)) clamp(flush->cpu);
  }
}

// A smaller dma32; with `follow`, positions at dma32-1 and dma32 (and sizes of dma32) move with it,
// since a trace written against one dma32 usually means "the top of the 32-bit space".
Trace with_dma32(const Trace& trace, Pfn dma32, bool follow) {
  Trace result = trace;
  const Pfn old = trace.geometry.dma32_pfn;
  result.geometry.dma32_pfn = dma32;
  if (!follow) return result;
  auto position = [&](Pfn& value) {
    if (value == old - 1) {
      value = dma32 - 1;
    } else if (value == old) {
      value = dma32;
    }
  };
  auto size = [&](Pfn& value) {
    if (value == old) value = dma32;
  };
  for (Step& step : result.steps) {
    if (auto* alloc = std::get_if<Alloc>(&step.op)) {
      position(alloc->limit);
      size(alloc->size);
    }
    if (auto* fast = std::get_if<FastAlloc>(&step.op)) {
      position(fast->limit);
      size(fast->size);
    }
    if (auto* reserve = std::get_if<Reserve>(&step.op)) {
      position(reserve->lo);
      position(reserve->hi);
    }
    if (auto* find = std::get_if<Find>(&step.op)) position(find->pfn);
  }
  return result;
}

// A lower start_pfn, with every position at or above the old one moved down with it, so that
// a trace that lives just above its start_pfn keeps its shape.
void set_start_moving_positions(Trace& trace, Pfn start) {
  const Pfn old = trace.geometry.start_pfn;
  const Pfn delta = old - start;
  trace.geometry.start_pfn = start;
  auto move = [&](Pfn& value) {
    if (value >= old) value -= delta;
  };
  for (Step& step : trace.steps) {
    if (auto* alloc = std::get_if<Alloc>(&step.op)) move(alloc->limit);
    if (auto* fast = std::get_if<FastAlloc>(&step.op)) move(fast->limit);
    if (auto* reserve = std::get_if<Reserve>(&step.op)) {
      move(reserve->lo);
      move(reserve->hi);
    }
    if (auto* find = std::get_if<Find>(&step.op)) move(find->pfn);
    if (Target* target = free_target(step.op); target && !target->by_name()) move(target->pfn);
  }
}

// Allocation names renumbered a1, a2, ... in order of definition; nullopt when a free names an
// allocation the trace does not define (renaming could then capture it).
std::optional<Trace> renumbered(const Trace& trace) {
  std::map<std::string, std::string> renamed;
  Trace result = trace;
  for (Step& step : result.steps) {
    std::string* name = nullptr;
    if (auto* alloc = std::get_if<Alloc>(&step.op)) name = &alloc->name;
    if (auto* fast = std::get_if<FastAlloc>(&step.op)) name = &fast->name;
    if (name && !name->empty()) {
      std::string fresh(1, 'a');  // not "a" + to_string(): GCC 12 -O3's false -Wrestrict (bug 105329)
      fresh += std::to_string(renamed.size() + 1);
      renamed[*name] = fresh;
      *name = fresh;
    }
    if (Target* target = free_target(step.op); target && target->by_name()) {
      auto found = renamed.find(target->name);
      if (found == renamed.end()) return std::nullopt;
      target->name = found->second;
    }
  }
  return result;
}

class Minimizer {
 public:
  Minimizer(const Trace& trace, const TracePredicate& keeps, const MinimizeOptions& options)
      : best_(trace), keeps_(keeps), options_(options) {}

  Trace run() {
    if (!holds(best_)) return best_;
    bool changed = true;
    while (changed && budget_left()) {
      changed = drop_steps();
      for (std::size_t i = 0; i < best_.steps.size(); ++i) changed |= simplify_step(i);
      changed |= simplify_geometry();
    }
    if (auto names = renumbered(best_)) accept(std::move(*names));
    return best_;
  }

  MinimizeStats stats() const { return stats_; }

 private:
  bool budget_left() const { return stats_.predicate_calls < options_.max_predicate_calls; }

  bool holds(const Trace& candidate) {
    if (!budget_left()) {
      stats_.budget_exhausted = true;
      return false;
    }
    ++stats_.predicate_calls;
    return keeps_(candidate);
  }

  // Makes the candidate the best trace when the predicate still holds for it.
  bool accept(Trace candidate) {
    if (candidate == best_ || !holds(candidate)) return false;
    best_ = std::move(candidate);
    return true;
  }

  // ddmin, complements only: remove one of `parts` chunks; on success coarsen, else refine.
  bool drop_steps() {
    bool changed = false;
    std::size_t parts = 2;
    while (!best_.steps.empty() && budget_left()) {
      const std::size_t count = best_.steps.size();
      parts = std::min(parts, count);
      const std::size_t chunk = (count + parts - 1) / parts;
      bool dropped = false;
      for (std::size_t begin = 0; begin < count && !dropped; begin += chunk)
        dropped = accept(without_steps(best_, begin, std::min(begin + chunk, count)));
      if (dropped) {
        changed = true;
        parts = std::max<std::size_t>(parts - 1, 2);
        continue;
      }
      if (parts == count) break;
      parts = std::min(parts * 2, count);
    }
    return changed;
  }

  // Lowers a number: to `floor`, then to the preferred values (smallest first), then by halving
  // the distance to the floor while the predicate holds.
  bool lower(Pfn current, Pfn floor, std::vector<Pfn> preferred, const SetNumber& set) {
    if (current <= floor) return false;
    preferred.push_back(floor);
    std::sort(preferred.begin(), preferred.end());
    bool changed = false;
    for (const Pfn target : preferred) {
      if (target < floor || target >= current) continue;
      if (try_number(set, target)) {
        current = target;
        changed = true;
        break;
      }
    }
    Pfn low = floor + 1;  // the floor was tried first; `current` is the best value known to hold
    while (low < current && budget_left()) {
      const Pfn middle = low + (current - low) / 2;
      if (try_number(set, middle)) {
        current = middle;
        changed = true;
      } else {
        low = middle + 1;
      }
    }
    return changed;
  }

  bool try_number(const SetNumber& set, Pfn value) {
    Trace candidate = best_;
    set(candidate, value);
    return accept(std::move(candidate));
  }

  // Sets a field of the op at `index`, whose type simplification does not change.
  template <class OpType, class Field>
  SetNumber field(std::size_t index, Field OpType::*member) {
    return [index, member](Trace& trace, Pfn value) {
      std::get<OpType>(trace.steps[index].op).*member = static_cast<Field>(value);
    };
  }

  template <class OpType>
  SetNumber target_pfn(std::size_t index) {
    return [index](Trace& trace, Pfn value) { std::get<OpType>(trace.steps[index].op).target.pfn = value; };
  }

  std::vector<Pfn> limit_targets() const {
    return {best_.geometry.start_pfn, best_.geometry.dma32_pfn - 1};
  }

  bool simplify_step(std::size_t index) {
    bool changed = false;
    if (best_.steps[index].expect) {
      Trace candidate = best_;
      candidate.steps[index].expect.reset();
      changed |= accept(std::move(candidate));
    }
    const Op op = best_.steps[index].op;
    if (const auto* alloc = std::get_if<Alloc>(&op)) changed |= simplify(index, *alloc);
    if (const auto* fast = std::get_if<FastAlloc>(&op)) changed |= simplify(index, *fast);
    if (const auto* free = std::get_if<Free>(&op); free && !free->target.by_name())
      changed |= lower(free->target.pfn, 0, {}, target_pfn<Free>(index));
    if (const auto* fast_free = std::get_if<FastFree>(&op)) changed |= simplify(index, *fast_free);
    if (const auto* reserve = std::get_if<Reserve>(&op)) changed |= simplify(index, *reserve);
    if (const auto* flush = std::get_if<Flush>(&op); flush && flush->scope == Flush::Scope::Cpu)
      changed |= lower(flush->cpu, 0, {}, field(index, &Flush::cpu));
    if (const auto* find = std::get_if<Find>(&op)) changed |= lower(find->pfn, 0, limit_targets(), field(index, &Find::pfn));
    return changed;
  }

  bool simplify(std::size_t index, const Alloc& alloc) {
    bool changed = false;
    if (!alloc.aligned) {
      Trace candidate = best_;
      std::get<Alloc>(candidate.steps[index].op).aligned = true;
      changed |= accept(std::move(candidate));
    }
    changed |= lower(alloc.size, 1, {std::bit_floor(alloc.size)}, field(index, &Alloc::size));
    changed |= lower(alloc.limit, 0, limit_targets(), field(index, &Alloc::limit));
    return changed;
  }

  bool simplify(std::size_t index, const FastAlloc& fast) {
    bool changed = false;
    if (!fast.flush) {
      Trace candidate = best_;
      std::get<FastAlloc>(candidate.steps[index].op).flush = true;
      changed |= accept(std::move(candidate));
    }
    changed |= lower(fast.cpu, 0, {}, field(index, &FastAlloc::cpu));
    changed |= lower(fast.size, 1, {std::bit_floor(fast.size)},
                     [index](Trace& trace, Pfn size) { set_fast_size(trace, index, size); });
    changed |= lower(fast.limit, 0, limit_targets(), field(index, &FastAlloc::limit));
    return changed;
  }

  // A free by name keeps the size of its fast allocation (which moves with it); a free by pfn
  // names nothing the minimizer can follow, so its pfn and size are plain numbers.
  bool simplify(std::size_t index, const FastFree& free) {
    bool changed = lower(free.cpu, 0, {}, field(index, &FastFree::cpu));
    if (free.target.by_name()) return changed;
    changed |= lower(free.target.pfn, 0, {}, target_pfn<FastFree>(index));
    changed |= lower(free.size, 1, {std::bit_floor(free.size)}, field(index, &FastFree::size));
    return changed;
  }

  // A reservation shrinks from both ends; a reversed one (a caller error) stays as it is.
  bool simplify(std::size_t index, const Reserve& reserve) {
    if (reserve.lo > reserve.hi) return false;
    bool changed = lower(reserve.hi - reserve.lo, 0, {}, [index](Trace& trace, Pfn span) {
      auto& op = std::get<Reserve>(trace.steps[index].op);
      op.lo = op.hi - span;
    });
    const Reserve narrowed = std::get<Reserve>(best_.steps[index].op);
    changed |= lower(narrowed.hi, narrowed.lo, {}, field(index, &Reserve::hi));
    return changed;
  }

  // The granule and the magazine size go back to the format's defaults when they can (a shorter
  // header); otherwise the magazine shrinks.
  bool simplify_geometry() {
    const Geometry defaults;
    bool changed = lower(best_.geometry.cpus, 1, {}, [](Trace& trace, Pfn cpus) { set_cpus(trace, static_cast<unsigned>(cpus)); });
    changed |= reset_geometry([&](Geometry& geometry) { geometry.granule = defaults.granule; });
    if (best_.geometry.mag_size != defaults.mag_size) {
      const bool reset = reset_geometry([&](Geometry& geometry) { geometry.mag_size = defaults.mag_size; });
      changed |= reset || lower(best_.geometry.mag_size, 1, {}, [](Trace& trace, Pfn mag) {
                   trace.geometry.mag_size = static_cast<unsigned>(mag);
                 });
    }
    changed |= lower(best_.geometry.start_pfn, 0, {1}, set_start_moving_positions);
    changed |= lower(best_.geometry.start_pfn, 0, {1}, [](Trace& trace, Pfn start) { trace.geometry.start_pfn = start; });
    for (Pfn dma32 = 2; dma32 < best_.geometry.dma32_pfn && budget_left(); dma32 <<= 1) {
      if (accept(with_dma32(best_, dma32, true)) || accept(with_dma32(best_, dma32, false))) {
        changed = true;
        break;
      }
    }
    return changed;
  }

  bool reset_geometry(const std::function<void(Geometry&)>& reset) {
    Trace candidate = best_;
    reset(candidate.geometry);
    return accept(std::move(candidate));
  }

  Trace best_;
  const TracePredicate& keeps_;
  const MinimizeOptions options_;
  MinimizeStats stats_;
};

}  // namespace

Trace minimize(const Trace& trace, const TracePredicate& keeps, const MinimizeOptions& options, MinimizeStats* stats) {
  Minimizer minimizer(trace, keeps, options);
  Trace result = minimizer.run();
  if (stats) *stats = minimizer.stats();
  return result;
}

}  // namespace iovacheck
