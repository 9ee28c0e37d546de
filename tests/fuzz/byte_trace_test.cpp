// The byte form: every byte string decodes to a valid, printable trace; the encoding inverts it.
#include "fuzz/byte_trace.h"

#include <random>
#include <set>
#include <utility>
#include <variant>

#include <gtest/gtest.h>

#include "model/trace_io.h"

namespace iovacheck::fuzz {
namespace {

TEST(ByteTrace, EmptyInputIsTheSmallestDomainWithNoSteps) {
  const Trace trace = decode_trace({});
  EXPECT_EQ(trace.variant, "mainline");
  EXPECT_EQ(trace.geometry.granule, 0x1000u);
  EXPECT_EQ(trace.geometry.dma32_pfn, 0x2u);
  EXPECT_EQ(trace.geometry.start_pfn, 0x0u);
  EXPECT_EQ(trace.geometry.mag_size, 1u);
  EXPECT_EQ(trace.geometry.cpus, 1u);
  EXPECT_TRUE(trace.steps.empty());
}

TEST(ByteTrace, HeaderBytesFavourTheEdgesAndReachTheRest) {
  std::size_t real_granule = 0, small_dma32 = 0, default_mag = 0, small_mag = 0, few_cpus = 0, one_cpu = 0;
  std::set<unsigned> mags, cpus;
  for (unsigned byte = 0; byte < 256; ++byte) {
    auto with = [byte](std::size_t field) {  // that header field set to `byte`, the others 0
      Bytes bytes(kHeaderBytes, 0);
      bytes[field] = static_cast<std::uint8_t>(byte);
      return decode_trace(bytes).geometry;
    };
    real_granule += with(1).granule == 0x1000;
    small_dma32 += with(2).dma32_pfn <= 64;
    default_mag += with(3).mag_size == 127;
    small_mag += with(3).mag_size <= 2;
    mags.insert(with(3).mag_size);
    few_cpus += with(4).cpus <= 4;
    one_cpu += with(4).cpus == 1;
    cpus.insert(with(4).cpus);
  }
  EXPECT_EQ(real_granule, 192u + 2);  // and every other power of two up to 2^31 twice
  EXPECT_EQ(small_dma32, 160u);
  EXPECT_EQ(default_mag, 64u);
  EXPECT_EQ(small_mag, 64u + 24);  // the range caches' edges first, then 1..8 evenly
  EXPECT_EQ(few_cpus, 224u);
  EXPECT_EQ(one_cpu, 96u + 32);
  EXPECT_EQ(mags.size(), 8u + 1 + 32);  // 1..8, 127, 9..40
  EXPECT_EQ(cpus.size(), 4u + 32);      // 1..36
}

TEST(ByteTrace, RandomBytesDecodeToTracesThatPrintAndParseBack) {
  std::mt19937_64 random(7);
  int encoded = 0;
  for (int i = 0; i < 2000; ++i) {
    Bytes bytes(random() % 400);
    for (auto& byte : bytes) byte = static_cast<std::uint8_t>(random());
    const Trace trace = decode_trace(bytes);
    ASSERT_FALSE(geometry_error(trace.geometry).has_value());
    EXPECT_EQ(trace.steps.size(), bytes.size() > kHeaderBytes ? (bytes.size() - kHeaderBytes) / kRecordBytes : 0);
    EXPECT_EQ(parse_trace(print_trace(trace)), trace) << print_trace(trace);
    try {  // values of the hashed class mostly have no shorter form; the rest must round-trip
      EXPECT_EQ(decode_trace(encode_trace(trace)), trace) << print_trace(trace);
      ++encoded;
    } catch (const EncodeError&) {
    }
  }
  EXPECT_GT(encoded, 100);
}

TEST(ByteTrace, OneByteFlipChangesOneOperation) {
  Bytes bytes(kHeaderBytes + 3 * kRecordBytes, 0);
  const Trace before = decode_trace(bytes);
  bytes[kHeaderBytes + kRecordBytes + 2] ^= 0x5;  // inside the second record's value A
  const Trace after = decode_trace(bytes);
  EXPECT_EQ(after.steps[0], before.steps[0]);
  EXPECT_NE(after.steps[1], before.steps[1]);
  EXPECT_EQ(after.steps[2], before.steps[2]);
}

// The first head byte of each kind: the low six bits weighted 16 alloc, 16 fast, 8 free, 11 ffree, ...
constexpr std::uint8_t kAllocHead = 0, kFastHead = 16, kFastFreeHead = 40;

// One record with the head byte, the value selectors and payloads given.
Bytes one_record(std::uint8_t head, std::uint8_t a_selector, std::uint32_t a, std::uint8_t b_selector, std::uint32_t b) {
  Bytes bytes(kHeaderBytes, 0);
  bytes[2] = 3;  // dma32 0x10
  bytes.push_back(head);
  for (const auto& [selector, payload] : {std::pair{a_selector, a}, std::pair{b_selector, b}}) {
    bytes.push_back(selector);
    for (unsigned i = 0; i < 4; ++i) bytes.push_back(static_cast<std::uint8_t>(payload >> (8 * i)));
  }
  bytes.push_back(0);
  return bytes;
}

TEST(ByteTrace, EveryOperationKindIsOneByteAway) {
  std::set<std::size_t> kinds;
  for (unsigned head = 0; head < 256; ++head) kinds.insert(decode_trace(one_record(static_cast<std::uint8_t>(head), 0, 0, 0, 0)).steps.at(0).op.index());
  EXPECT_EQ(kinds.size(), std::variant_size_v<Op>);
}

TEST(ByteTrace, ValuesFavourTheFieldsEdges) {
  // Over every selector below 128 with payload 0: sizes of 1..4 pages and the limit dma32 - 1
  // come most often, as the property engine draws them; the rest of the space stays reachable.
  std::size_t small_sizes = 0, dma32_limits = 0;
  for (unsigned selector = 0; selector < 128; ++selector) {
    const Op op = decode_trace(one_record(kAllocHead, static_cast<std::uint8_t>(selector), 0, static_cast<std::uint8_t>(selector), 0)).steps.at(0).op;
    small_sizes += std::get<Alloc>(op).size <= 4;
    dma32_limits += std::get<Alloc>(op).limit == 0xf;
  }
  EXPECT_GE(small_sizes, 40u);
  EXPECT_GE(dma32_limits, 35u);
  const Op hashed = decode_trace(one_record(kAllocHead, 128 + 7, 0x12345, 128 + 7, 0x12345)).steps.at(0).op;
  EXPECT_GT(std::get<Alloc>(hashed).size, Pfn{1} << 40);
}

TEST(ByteTrace, FastFreesNameALiveFastAllocationWithItsOwnSize) {
  Bytes bytes = one_record(kFastHead, 0, 2, 0, 0);  // fast 3 limit 0xf
  const Bytes alloc = one_record(kAllocHead, 0, 1, 0, 0);
  bytes.insert(bytes.end(), alloc.begin() + kHeaderBytes, alloc.end());  // alloc 2 limit 0xf
  const Bytes free = one_record(kFastFreeHead, 0, 0, 0, 0);
  bytes.insert(bytes.end(), free.begin() + kHeaderBytes, free.end());  // ffree: the fast one, newest first
  const Trace trace = decode_trace(bytes);
  const auto& fast_free = std::get<FastFree>(trace.steps.at(2).op);
  EXPECT_EQ(fast_free.target.name, "a1");
  EXPECT_EQ(fast_free.size, 3u);
  EXPECT_EQ(decode_trace(encode_trace(trace)), trace);
}

TEST(ByteTrace, ValuesNoClassExpressesAreRefusedNamingTheStep) {
  Trace trace;
  trace.steps.push_back(Step{Find{0x123456789abcdefULL}, std::nullopt, 0});
  try {
    encode_trace(trace);
    FAIL() << "encoded";
  } catch (const EncodeError& error) {
    EXPECT_NE(std::string(error.what()).find("step 1 (find 0x123456789abcdef)"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace iovacheck::fuzz
