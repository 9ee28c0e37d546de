// The Z3 encoding against the C++ implementation, differentially: random traces of the alphabet
// are run through the checker and encoded with every operation fixed to its concrete value; the
// encoded tree, max32_alloc_size and violation flags must equal what the implementation and the
// checker show after every step.
#include "smt/encoding.h"

#include <gtest/gtest.h>

#include <string>

#include "harness/implementation.h"
#include "model/trace_io.h"
#include "tests/smt/encoding_helpers.h"

namespace iovacheck::smt {
namespace {

// Encodes `trace` step by step with every operation fixed and compares with the implementation
// and the checker after every step, up to and including the first violation.
void agree_on(const Trace& trace, const Alphabet& alphabet) {
  const impl::Variant variant = impl::parse_variant(trace.variant);
  z3::context context;
  const Encoding encoding(context, alphabet, static_cast<unsigned>(trace.steps.size()),
                          static_cast<unsigned>(trace.steps.size()));
  z3::solver solver(context);
  EncodedState state = encoding.initial(variant);
  Trace prefix = trace;
  prefix.steps.clear();
  for (unsigned step = 0; step < trace.steps.size(); ++step) {
    prefix.steps.push_back(trace.steps[step]);
    const EncodedOp op = encoding.fresh_op("op" + std::to_string(step) + "_");
    solver.add(fixed_to_step(context, op, prefix.steps.back(), alphabet.width, [&](const Free& free) {
      return encoding.id(static_cast<unsigned>(std::stoi(free.target.name.substr(1))));
    }));
    const EncodedStep encoded = encoding.step(variant, state, op, step);
    auto implementation = make_implementation(prefix);
    const CheckReport report = check(prefix, *implementation, CheckOptions{.check_expectations = false});
    ASSERT_EQ(solver.check(), z3::sat);
    const z3::model model = solver.get_model();
    const std::string where = trace.variant + ", trace:\n" + print_trace(prefix);
    const bool violated = model.eval(encoded.violation(), true).is_true();
    ASSERT_EQ(violated, report.violation.has_value()) << where;
    if (violated) return;  // the state after a violation is not compared
    ASSERT_TRUE(model.eval(encoded.in_bounds, true).is_true()) << where;
    const Snapshot encoded_state = encoding.decode_state(model, encoded.next);
    std::vector<Range> actual = implementation->observe().nodes;
    actual.pop_back();  // the anchor
    ASSERT_EQ(encoded_state.nodes, actual) << where;
    ASSERT_EQ(hex(*encoded_state.max32), max32_described(implementation->describe())) << where;
    state = encoded.next;
  }
}

void agree_on_random_traces(const std::string& variant_name, Pfn dma32, unsigned width, unsigned traces,
                            Pfn start = 1) {
  const Alphabet alphabet = alphabet_of(dma32, width, start);
  for (const Trace& trace : random_traces(variant_name, alphabet, traces, 8)) {
    agree_on(trace, alphabet);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// z1 resets max32 whenever a free moves cached32_node, even off a node at or above dma32
// (section 5: "no pfn_lo test"); here the free of a3 does, and a7 then fits.
TEST(Encoding, AgreesOnZ1sResetWithoutThePfnLoTest) {
  Alphabet alphabet;
  agree_on(parse_trace(R"(iova-trace 1
domain granule=0x1000 start=0x1 dma32=0x4 variant=z1-max32-reset
a1: alloc 0x3 limit=0x3
a2: alloc 0x1 limit=0x3
a3: alloc 0x1 limit=0x5 unaligned
free a2
a5: alloc 0x3 limit=0x3
free a3
a7: alloc 0x3 limit=0x3 unaligned
a8: alloc 0x1 limit=0x0
)"),
           alphabet);
}

TEST(Encoding, AgreesWithTheImplementationOnMainline) { agree_on_random_traces("mainline", 4, 3, 15); }
TEST(Encoding, AgreesWithTheImplementationOnZ1) { agree_on_random_traces("z1-max32-reset", 4, 3, 15); }
TEST(Encoding, AgreesWithTheImplementationOnZ2) { agree_on_random_traces("z2-retry-overflow", 8, 4, 15); }
TEST(Encoding, AgreesWithTheImplementationOnZ3) { agree_on_random_traces("z3-no-retry", 8, 4, 15); }
TEST(Encoding, AgreesWithTheImplementationOnZ4) { agree_on_random_traces("z4-stale-cached32", 4, 3, 15); }
TEST(Encoding, AgreesWithTheImplementationOnZ5) { agree_on_random_traces("z5-no-underflow-guard", 8, 4, 15); }
TEST(Encoding, AgreesWithTheImplementationOnP1P2AndP3) {
  agree_on_random_traces("p1-best-fit", 8, 4, 12);
  agree_on_random_traces("p2-augmented", 8, 4, 12);
  agree_on_random_traces("p3-maple", 8, 4, 12);
}
TEST(Encoding, AgreesWithTheImplementationOnTheF1Candidates) {
  agree_on_random_traces("f1a-whole-space", 8, 4, 8);
  agree_on_random_traces("f1b-unaligned", 8, 4, 8);
  agree_on_random_traces("f1c-split", 8, 4, 8);
}

// The fixes as composable deltas (NAME+fN): f1's whole-window rule and size + A - 1 (z3 has no
// retry, z2 its own retry_pfn), f4's "nothing known" at start_pfn 0, f6 and f7 on p2/p3, and the
// set the engines search past the known findings with (f2, f3, f5, f9 change nothing the
// alphabet reaches).
TEST(Encoding, AgreesWithTheImplementationOnTheFixes) {
  agree_on_random_traces("mainline+f1", 8, 4, 12);
  agree_on_random_traces("z1-max32-reset+f1", 4, 3, 12);
  agree_on_random_traces("z2-retry-overflow+f1", 8, 4, 8);
  agree_on_random_traces("z3-no-retry+f1", 8, 4, 12);
  agree_on_random_traces("mainline+f4", 4, 3, 8, /*start=*/0);
  agree_on_random_traces("mainline+f1+f4", 4, 3, 8, /*start=*/0);
  agree_on_random_traces("p2-augmented+f1+f6", 8, 4, 8);
  agree_on_random_traces("p3-maple+f1+f6+f7", 8, 4, 8);
  agree_on_random_traces("mainline+f1+f2+f3+f4+f5+f9", 8, 4, 8);
  agree_on_random_traces("f1a-whole-space+f2+f3+f4+f5+f9", 8, 4, 8);
}

}  // namespace
}  // namespace iovacheck::smt
