#include "model/op.h"

#include <type_traits>

namespace iovacheck {

namespace {

template <class... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};
// Aggregate deduction (P1816) arrives in clang 17; the guide lets clang 14 deduce too.
template <class... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

using Kind = Expectation::Kind;

// What an allocation returns: nothing, or a pfn (checked exactly or not at all).
bool is_allocation_result(Kind kind) { return kind == Kind::Fail || kind == Kind::Ok || kind == Kind::At; }
bool is_success_or_failure(Kind kind) { return kind == Kind::Fail || kind == Kind::Ok; }

// Free and FastFree both name a target; OpRef is Op or const Op.
template <class OpRef>
auto* target_of(OpRef& op) {
  using TargetPtr = std::conditional_t<std::is_const_v<OpRef>, const Target*, Target*>;
  if (auto* free = std::get_if<Free>(&op)) return TargetPtr{&free->target};
  if (auto* fast_free = std::get_if<FastFree>(&op)) return TargetPtr{&fast_free->target};
  return TargetPtr{nullptr};
}

}  // namespace

void copy_op(Op& to, const Op& from) {
  if (to.index() == from.index()) {
    to = from;  // member by member: the name's storage is reused
    return;
  }
  std::visit([&to](const auto& operation) { to.emplace<std::decay_t<decltype(operation)>>(operation); }, from);
}

std::string_view keyword(const Op& op) {
  return std::visit(Overloaded{
                        [](const Alloc&) { return std::string_view("alloc"); },
                        [](const FastAlloc&) { return std::string_view("fast"); },
                        [](const Free&) { return std::string_view("free"); },
                        [](const FastFree&) { return std::string_view("ffree"); },
                        [](const Reserve&) { return std::string_view("reserve"); },
                        [](const Flush&) { return std::string_view("flush"); },
                        [](const Trim&) { return std::string_view("trim"); },
                        [](const Find&) { return std::string_view("find"); },
                    },
                    op);
}

const std::string* bound_name(const Op& op) {
  const std::string* name = nullptr;
  if (const auto* alloc = std::get_if<Alloc>(&op)) name = &alloc->name;
  if (const auto* fast = std::get_if<FastAlloc>(&op)) name = &fast->name;
  return name != nullptr && !name->empty() ? name : nullptr;
}

Target* free_target(Op& op) { return target_of(op); }
const Target* free_target(const Op& op) { return target_of(op); }

bool expectation_applies(const Op& op, Expectation::Kind kind) {
  return std::visit(Overloaded{
                        [kind](const Alloc&) { return is_allocation_result(kind); },
                        [kind](const FastAlloc&) { return is_allocation_result(kind); },
                        [kind](const Free&) { return is_success_or_failure(kind); },
                        [kind](const FastFree&) { return is_success_or_failure(kind); },
                        // reserve_iova returns the node now covering [lo, hi], or fails.
                        [kind](const Reserve&) { return is_success_or_failure(kind) || kind == Kind::Node; },
                        [kind](const Flush&) { return kind == Kind::Ok; },
                        [kind](const Trim&) { return kind == Kind::Ok; },
                        [kind](const Find&) { return kind == Kind::Node || kind == Kind::None; },
                    },
                    op);
}

}  // namespace iovacheck
