#include "impl/tree_allocator.h"

#include <stdexcept>
#include <string>

#include "impl/cached_tree.h"
#include "impl/gap_tree.h"

namespace iovacheck::impl {

std::vector<Node> TreeAllocator::nodes() const {
  std::vector<Node> nodes;
  nodes.reserve(node_count());
  for_each_node([&nodes](const Node& node) { nodes.push_back(node); });
  return nodes;
}

std::unique_ptr<TreeAllocator> make_tree_allocator(const Config& config, const Variant& variant,
                                                   const TreeSnapshot* snapshot) {
  switch (variant.search) {
    case Search::FirstFitFromCachedNode:
    case Search::BestFit:
      return make_cached_tree(config, variant, snapshot);
    case Search::HighestGap:
    case Search::MapleGap:
      return make_gap_tree(config, variant, snapshot);
  }
  throw std::invalid_argument("variant " + std::string(variant.name) + " has an unknown search");
}

}  // namespace iovacheck::impl
