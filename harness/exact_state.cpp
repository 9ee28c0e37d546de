#include "harness/exact_state.h"

namespace iovacheck {
namespace {

std::string pfns_text(const std::vector<Pfn>& pfns) {
  std::string text = "[";
  for (std::size_t i = 0; i < pfns.size(); ++i) text += (i ? " " : "") + hex(pfns[i]);
  return text + "]";
}

std::string hint_text(const std::optional<Range>& hint) { return hint ? to_string(*hint) : "no live node"; }

std::string versus(const std::string& a, const std::string& b) { return a + " vs " + b; }

std::optional<std::string> node_difference(const std::vector<Range>& a, const std::vector<Range>& b) {
  for (std::size_t i = 0; i < a.size() || i < b.size(); ++i) {
    if (i < a.size() && i < b.size() && a[i] == b[i]) continue;
    const std::string left = i < a.size() ? to_string(a[i]) : "nothing";
    const std::string right = i < b.size() ? to_string(b[i]) : "nothing";
    return "tree node " + std::to_string(i) + ": " + versus(left, right);
  }
  return std::nullopt;
}

std::optional<std::string> bin_difference(unsigned index, const ExactState::Bin& a, const ExactState::Bin& b) {
  const std::string bin = "rcache bin " + std::to_string(index);
  for (std::size_t cpu = 0; cpu < a.cpus.size() && cpu < b.cpus.size(); ++cpu) {
    const std::string where = bin + " cpu " + std::to_string(cpu);
    if (a.cpus[cpu].loaded != b.cpus[cpu].loaded)
      return where + " loaded: " + versus(pfns_text(a.cpus[cpu].loaded), pfns_text(b.cpus[cpu].loaded));
    if (a.cpus[cpu].prev != b.cpus[cpu].prev)
      return where + " prev: " + versus(pfns_text(a.cpus[cpu].prev), pfns_text(b.cpus[cpu].prev));
  }
  if (a.cpus.size() != b.cpus.size())
    return bin + ": " + versus(std::to_string(a.cpus.size()), std::to_string(b.cpus.size())) + " cpus";
  if (a.depot.size() != b.depot.size())
    return bin + " depot: " + versus(std::to_string(a.depot.size()), std::to_string(b.depot.size())) + " magazines";
  for (std::size_t i = 0; i < a.depot.size(); ++i)
    if (a.depot[i] != b.depot[i])
      return bin + " depot magazine " + std::to_string(i) + " from the top: " +
             versus(pfns_text(a.depot[i]), pfns_text(b.depot[i]));
  return std::nullopt;
}

}  // namespace

std::optional<std::string> first_difference(const ExactState& a, const ExactState& b) {
  if (auto nodes = node_difference(a.nodes, b.nodes)) return nodes;
  if (a.has_hints != b.has_hints) return std::string("one side keeps cached nodes, the other does not");
  if (a.has_hints) {
    if (a.cached_node != b.cached_node) return "cached_node: " + versus(hint_text(a.cached_node), hint_text(b.cached_node));
    if (a.cached32_node != b.cached32_node)
      return "cached32_node: " + versus(hint_text(a.cached32_node), hint_text(b.cached32_node));
    if (a.max32_alloc_size != b.max32_alloc_size)
      return "max32_alloc_size: " + versus(hex(a.max32_alloc_size), hex(b.max32_alloc_size));
  }
  if (a.bins.size() != b.bins.size())
    return "range-cache bins: " + versus(std::to_string(a.bins.size()), std::to_string(b.bins.size()));
  for (unsigned bin = 0; bin < a.bins.size(); ++bin)
    if (auto difference = bin_difference(bin, a.bins[bin], b.bins[bin])) return difference;
  return std::nullopt;
}

}  // namespace iovacheck
