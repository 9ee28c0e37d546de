#pragma once
// The RapidCheck commands: one per trace operation. The RC model is what the generators need
// (geometry, names bound so far, positions seen); the allocator model that judges each step is
// the checker's, behind CheckedSystem.
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include "model/geometry.h"
#include "model/op.h"
#include "model/trace.h"
#include "props/generators.h"
#include "props/system.h"

namespace iovacheck::props {

// An allocation the trace has named a<number>; whether it succeeded is the implementation's
// business, so `freed` only says a free of it was generated.
struct Allocation {
  unsigned number = 0;
  Pfn size = 0;
  bool fast = false;
  bool freed = false;
  std::string name() const {
    std::string text(1, 'a');  // not "a" + to_string(): GCC 12 -O3's false -Wrestrict (bug 105329)
    text += std::to_string(number);
    return text;
  }
};

struct GenModel {
  Geometry geometry;
  Swarm swarm;                          // the op kinds and argument classes this case draws
  std::vector<Allocation> allocations;  // in order of definition
  Seen seen;                            // newest last, bounded
  // The run in progress (run mode, generators.h), derived from the ops by record(): fast
  // allocations since the last fast free, or fast frees since the last fast allocation; other
  // ops between them do not end it.
  std::size_t last_kind = ~std::size_t{0};  // Op's alternative index of the last op
  std::size_t run_kind = ~std::size_t{0};   // fast or ffree, whichever came last
  std::size_t run_count = 0;                // ops of that kind since the other one
  FastAlloc last_fast{};                    // the last fast allocation (size, limit, cpu)
  unsigned last_free_cpu = 0;               // the CPU of the last fast free
  Pfn last_free_size = 0;                   // its size

  const Allocation* find(const std::string& name) const;
  std::string fresh_name() const;  // a<one more than any so far>
};

// What an op tells the generators of later ops.
void record(GenModel& model, const Op& op);

using Command = rc::state::Command<GenModel, CheckedSystem>;
using CommandPtr = std::shared_ptr<const Command>;

// A trace operation as a command: run() feeds it to the checker and fails with the violation.
class OpCommand : public Command {
 public:
  explicit OpCommand(Op op) : op_(std::move(op)) {}
  // After RapidCheck drops commands: a name still fresh, a freed name still defined.
  void checkPreconditions(const GenModel& model) const override;
  void apply(GenModel& model) const override { record(model, op_); }
  void run(const GenModel& model, CheckedSystem& system) const override;
  void show(std::ostream& out) const override;
  const Op& op() const { return op_; }

 private:
  Op op_;
};

// Each command draws its op from the generators when RapidCheck constructs it.
class AllocCommand final : public OpCommand {
 public:
  explicit AllocCommand(const GenModel& model);
};
class FastCommand final : public OpCommand {
 public:
  explicit FastCommand(const GenModel& model);
};
class FreeCommand final : public OpCommand {
 public:
  explicit FreeCommand(const GenModel& model);
};
class FastFreeCommand final : public OpCommand {
 public:
  explicit FastFreeCommand(const GenModel& model);
};
class ReserveCommand final : public OpCommand {
 public:
  explicit ReserveCommand(const GenModel& model);
};
class FlushCommand final : public OpCommand {
 public:
  explicit FlushCommand(const GenModel& model);
};
class TrimCommand final : public OpCommand {
 public:
  explicit TrimCommand(const GenModel& model);
};
class FindCommand final : public OpCommand {
 public:
  explicit FindCommand(const GenModel& model);
};

// The next command for the model's state, weighted toward allocations and frees.
rc::Gen<CommandPtr> commands(const GenModel& model);

// A case as the generators draw it, unchecked: a geometry and about `size` ops (for coverage
// and determinism tests of the generators).
Trace sample_case(std::uint64_t seed, int size);

}  // namespace iovacheck::props
