// The scale byte form: every byte string decodes (the real geometry, a length of 10^4 to
// 2 x 10^5 operations, valid steps), deterministically; a burst record expands into its count
// of its driver's steps; an ordinary record is the ordinary byte form's; and run on an
// implementation, the bursts react to outcomes (a 64-bit device's retry above 4 GiB).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <variant>

#include "fuzz/byte_trace.h"
#include "fuzz/scale_input.h"
#include "harness/implementation.h"
#include "model/trace_io.h"
#include "workload/drivers.h"

namespace iovacheck::fuzz {
namespace {

Bytes random_bytes(std::mt19937_64& random, std::size_t size) {
  Bytes bytes(size);
  for (std::uint8_t& byte : bytes) byte = static_cast<std::uint8_t>(random());
  return bytes;
}

// A header for `cpus`-byte 0, the shortest length, no trim, no MSI window.
Bytes quiet_header() { return Bytes{0, 0, 0, 0, 0, 1, 2, 3}; }

// A burst record: kind ticket (0 NIC, 20 NVMe, 36 the 32-bit device), flags, cpu, ring, count, size.
Bytes burst_record(std::uint8_t ticket, unsigned flags, std::uint8_t cpu, std::uint8_t count, std::uint8_t size = 0) {
  return Bytes{static_cast<std::uint8_t>(ticket | flags << 6), cpu, 0, count, size, 9, 9, 9, 9, 0, 0, 0, 0};
}

Bytes with(Bytes bytes, const Bytes& more) {
  bytes.insert(bytes.end(), more.begin(), more.end());
  return bytes;
}

TEST(ScaleInput, EveryByteStringDecodesToAValidTraceOnTheRealGeometry) {
  std::mt19937_64 random(1);
  for (int i = 0; i < 12; ++i) {
    const Bytes bytes = random_bytes(random, random() % 600);
    const ScaleInput input = decode_scale_input(bytes);
    EXPECT_GE(input.ops, workload::kScaleMinOps);
    EXPECT_LE(input.ops, workload::kScaleMaxOps);
    EXPECT_EQ(input.start.geometry, workload::real_geometry(input.start.geometry.cpus));
    EXPECT_GE(input.start.geometry.cpus, 4u);
    EXPECT_LE(input.start.geometry.cpus, 64u);
    const Trace trace = expand_scale_input(input);
    EXPECT_EQ(trace.steps.size(), input.ops);
    EXPECT_EQ(parse_trace(print_trace(trace)), trace);
  }
}

TEST(ScaleInput, ShortAndPartialInputsArePaddedAndCut) {
  EXPECT_EQ(decode_scale_input({}).ops, workload::kScaleMinOps);
  EXPECT_EQ(decode_scale_input(Bytes{0, 0, 255}).ops, workload::kScaleMaxOps);
  EXPECT_TRUE(decode_scale_input(Bytes(kScaleHeaderBytes + kScaleRecordBytes - 1, 7)).records.empty());
  EXPECT_EQ(decode_scale_input(Bytes(kScaleMaxInputBytes + 100, 7)).records.size(), kMaxScaleRecords);
  // No record at all: bursts drawn as the property engine draws them.
  EXPECT_EQ(expand_scale_input(decode_scale_input({})).steps.size(), workload::kScaleMinOps);
}

TEST(ScaleInput, TheVariantByteIsTheOrdinaryFormsAndDecodingIsDeterministic) {
  std::mt19937_64 random(2);
  for (unsigned byte = 0; byte < 40; ++byte)
    EXPECT_EQ(decode_scale_input(Bytes{static_cast<std::uint8_t>(byte)}).start.variant,
              decode_trace(Bytes{static_cast<std::uint8_t>(byte)}).variant);
  const Bytes bytes = random_bytes(random, 300);
  EXPECT_EQ(expand_scale_input(decode_scale_input(bytes)), expand_scale_input(decode_scale_input(bytes)));
  const ScaleInput input = decode_scale_input(bytes);
  const std::string variant = with_known_fixes("mainline");
  const CheckOptions options{.check_expectations = false};
  EXPECT_EQ(check_scale_input(input, variant, {}, options).named, check_scale_input(input, variant, {}, options).named);
}

TEST(ScaleInput, ABurstRecordExpandsIntoItsCountOfItsDriversSteps) {
  // A refill of 40 NIC buffers of 4 pages on CPU 3, then a completion of 10: repeated.
  const Bytes bytes = with(with(quiet_header(), burst_record(0, 2, 3, 39, 130)), burst_record(0, 3, 3, 9));
  const Trace trace = expand_scale_input(decode_scale_input(bytes));
  for (std::size_t i = 0; i < 40; ++i) {
    const auto& fast = std::get<FastAlloc>(trace.steps[i].op);
    EXPECT_EQ(fast.size, 4u);
    EXPECT_EQ(fast.cpu, 3u);
    EXPECT_EQ(fast.limit, workload::kLimit32);
  }
  for (std::size_t i = 40; i < 50; ++i) EXPECT_TRUE(std::holds_alternative<FastFree>(trace.steps[i].op));
  EXPECT_TRUE(std::holds_alternative<FastAlloc>(trace.steps[50].op));  // the records repeat
}

TEST(ScaleInput, AnOrdinaryRecordIsTheOrdinaryByteFormsRecord) {
  Trace one;
  one.geometry = workload::real_geometry(4);
  one.variant = "mainline";
  one.steps.push_back(Step{Find{0x1234}, std::nullopt, 0});
  const Bytes encoded = encode_trace(one);
  Bytes record{48};  // the first ordinary ticket
  record.insert(record.end(), encoded.begin() + kHeaderBytes, encoded.end());
  const Trace trace = expand_scale_input(decode_scale_input(with(quiet_header(), record)));
  EXPECT_EQ(trace.steps.front().op, Op{Find{0x1234}});
}

TEST(ScaleInput, RunOnAnImplementationTheBurstsReactToOutcomes) {
  // The 32-bit device fills the space below 4 GiB with 512-page buffers; the NIC's tries below
  // 4 GiB of as large buffers then fail and are retried with the device's whole mask.
  const Bytes bytes = with(with(quiet_header(), burst_record(36, 2, 1, 255, 137)), burst_record(0, 2, 0, 63, 137));
  const ScaleInput input = decode_scale_input(bytes);
  const CheckReport report = check_scale_input(input, with_known_fixes("mainline"), {}, CheckOptions{.check_expectations = false});
  bool retried = false;
  for (const Step& step : report.named.steps)
    if (const auto* fast = std::get_if<FastAlloc>(&step.op); fast && fast->limit > workload::kLimit32) retried = true;
  EXPECT_TRUE(retried);
  EXPECT_FALSE(expand_scale_input(input).steps.empty());
}

}  // namespace
}  // namespace iovacheck::fuzz
