// The table of node starts (impl/node_starts.h) against a std::map under random inserts and
// erases dense enough to make long probe runs, wrap around the table's end and grow it.
#include "impl/node_starts.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include "impl/node_set.h"

namespace iovacheck::impl {
namespace {

TEST(NodeStarts, AgreesWithAMapUnderRandomInsertsAndErases) {
  std::mt19937_64 random(20261130);
  std::vector<IovaNode> nodes(4096);  // only their addresses are stored
  NodeStarts starts;
  std::map<Pfn, IovaNode*> reference;
  for (int round = 0; round < 40000; ++round) {
    // Few distinct keys, some far apart, so runs collide and erases shift entries back.
    const Pfn pfn = random() % 8 == 0 ? ~Pfn{0} - random() % 64 : random() % 3000;
    if (const auto found = reference.find(pfn); found != reference.end()) {
      if (random() % 2 == 0) {
        starts.erase(pfn);
        reference.erase(found);
      }
    } else if (random() % 3 != 0) {
      IovaNode* node = &nodes[random() % nodes.size()];
      starts.insert(pfn, node);
      reference[pfn] = node;
    }
    ASSERT_EQ(starts.size(), reference.size());
    const Pfn probe = random() % 2 == 0 ? pfn : random() % 3000;
    const auto expected = reference.find(probe);
    ASSERT_EQ(starts.find(probe), expected == reference.end() ? nullptr : expected->second) << "pfn " << probe;
  }
  for (const auto& [pfn, node] : reference) ASSERT_EQ(starts.find(pfn), node) << "pfn " << pfn;
}

}  // namespace
}  // namespace iovacheck::impl
