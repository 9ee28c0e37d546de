// An operation-level custom mutator and crossover for the differential harness, built into
// `differential_opmut` for measurement only (docs/fuzz.md "Figures"): half the mutations act
// on whole 12-byte records (insert a copy, delete, swap, replace a value with an edge value),
// the rest are libFuzzer's own; crossover splices records at record boundaries.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>

#include "fuzz/byte_trace.h"

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size);

namespace {

using iovacheck::fuzz::kHeaderBytes;
using iovacheck::fuzz::kRecordBytes;

std::size_t records(std::size_t size) { return size > kHeaderBytes ? (size - kHeaderBytes) / kRecordBytes : 0; }
std::uint8_t* record(std::uint8_t* data, std::size_t index) { return data + kHeaderBytes + index * kRecordBytes; }

// A value field set to an edge: small literal, dma32 +-1, start_pfn, 2^64-1, a power of two +-1.
void edge_value(std::uint8_t* value, std::mt19937& random) {
  // The byte form's exact classes (selector 128 + class): literal, near dma32, near start_pfn,
  // near 2^64-1, a power of two, near an earlier value.
  static constexpr std::uint8_t kClasses[] = {128, 129, 130, 131, 132, 133};
  value[0] = kClasses[random() % std::size(kClasses)];
  const std::int32_t offset = static_cast<std::int32_t>(random() % 5) - 2;
  std::uint32_t payload = static_cast<std::uint32_t>(offset);
  if (value[0] == 128) payload = random() % 64;
  if (value[0] == 132) payload = static_cast<std::uint32_t>(offset * 64) | (random() % 64);
  if (value[0] == 133) payload = static_cast<std::uint32_t>(offset * 256) | (random() % 256);
  std::memcpy(value + 1, &payload, 4);
}

}  // namespace

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                               unsigned int seed) {
  std::mt19937 random(seed);
  const std::size_t count = records(size);
  if (random() % 2 == 0 || count == 0 || size < kHeaderBytes) return LLVMFuzzerMutate(data, size, max_size);
  const std::size_t at = random() % count;
  switch (random() % 4) {
    case 0:  // a copy of a record inserted elsewhere
      if (size + kRecordBytes <= max_size) {
        const std::size_t to = random() % (count + 1);
        std::uint8_t copy[kRecordBytes];
        std::memcpy(copy, record(data, at), kRecordBytes);
        std::memmove(record(data, to) + kRecordBytes, record(data, to), (count - to) * kRecordBytes);
        std::memcpy(record(data, to), copy, kRecordBytes);
        return kHeaderBytes + (count + 1) * kRecordBytes;
      }
      [[fallthrough]];
    case 1:  // a record deleted
      std::memmove(record(data, at), record(data, at) + kRecordBytes, (count - at - 1) * kRecordBytes);
      return kHeaderBytes + (count - 1) * kRecordBytes;
    case 2: {  // two records swapped
      std::swap_ranges(record(data, at), record(data, at) + kRecordBytes, record(data, random() % count));
      return kHeaderBytes + count * kRecordBytes;
    }
    default:  // one value at an edge
      edge_value(record(data, at) + 1 + (random() % 2) * 5, random);
      return kHeaderBytes + count * kRecordBytes;
  }
}

extern "C" std::size_t LLVMFuzzerCustomCrossOver(const std::uint8_t* data1, std::size_t size1, const std::uint8_t* data2,
                                                 std::size_t size2, std::uint8_t* out, std::size_t max_out_size,
                                                 unsigned int seed) {
  std::mt19937 random(seed);
  if (size1 < kHeaderBytes || max_out_size < kHeaderBytes) return 0;
  std::memcpy(out, data1, kHeaderBytes);  // the first input's domain
  const std::size_t keep = records(size1) ? random() % (records(size1) + 1) : 0;
  const std::size_t from = records(size2) ? random() % records(size2) : 0;
  const std::size_t take = records(size2) - from;
  const std::size_t total = std::min(keep + take, (max_out_size - kHeaderBytes) / kRecordBytes);
  std::memcpy(out + kHeaderBytes, data1 + kHeaderBytes, std::min(keep, total) * kRecordBytes);
  if (total > keep)
    std::memcpy(out + kHeaderBytes + keep * kRecordBytes, data2 + kHeaderBytes + from * kRecordBytes,
                (total - keep) * kRecordBytes);
  return kHeaderBytes + total * kRecordBytes;
}
