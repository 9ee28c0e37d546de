#pragma once
// The byte form of a trace, what the differential harness is fed: every byte string decodes to a
// valid trace (total), and one operation is one fixed-size record, so a byte flip changes one
// argument and a splice moves whole operations. docs/fuzz.md "Byte format" lays it out.
//
//   header  10 bytes: variant, granule, dma32, mag, cpus (one byte each, weighted toward the
//                     edges), start_pfn (a 5-byte value)
//   record  12 bytes: kind (low 6 bits, weighted as the property engine weights its commands)
//                     + flags (top 2 bits), value A (5 bytes), value B (5 bytes), cpu
//   value    5 bytes: selector, 32-bit little-endian payload. A selector below 128 draws one of
//                     the field's edge classes by the property engine's weights (a size: 1..4,
//                     2^k+-1, the caches' last bins, ...; a limit: dma32-1, near dma32, near a
//                     value seen before, ...), the payload picking within it; from 128 on it
//                     names an exact class that spells any value (literal, near dma32, near
//                     start_pfn, near 2^64-1, a power of two and its neighbours, near an earlier
//                     value, the high word, a hash). A free names a live allocation of its kind
//                     (newest first) unless flagged, and a named fast free's size is its
//                     allocation's unless its selector says otherwise.
//
// Shared by the harness (fuzz/differential.cpp) and the CLI (fuzz-replay), and the inverse,
// encode, turns corpus traces into seed inputs.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/trace.h"

namespace iovacheck::fuzz {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::size_t kHeaderBytes = 10;
inline constexpr std::size_t kRecordBytes = 12;
// Longer inputs are cut here: a finding needs few operations, and a run stays fast.
inline constexpr std::size_t kMaxRecords = 512;

// Decodes any byte string: a short header is padded with zero bytes, a trailing partial record
// is ignored. Allocations are named a1, a2, ...; frees name them (or give a pfn).
Trace decode_trace(std::span<const std::uint8_t> bytes);

// The variant an input's first byte picks (mod the count of variants), in both byte forms.
const std::string& variant_of_byte(std::uint8_t byte);

// One record of the byte form (kRecordBytes, padded with zeros when shorter) at a time, on a
// geometry given beforehand: the scale byte form (fuzz/scale_input.h) mixes these ordinary
// operations among its driver bursts. Values seen and allocations (a1, a2, ...) carry over from
// one record to the next, as in a whole trace.
class RecordDecoder {
 public:
  explicit RecordDecoder(const Geometry& geometry);
  ~RecordDecoder();
  RecordDecoder(const RecordDecoder&) = delete;
  RecordDecoder& operator=(const RecordDecoder&) = delete;
  Op decode(std::span<const std::uint8_t> record);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// A trace that has no byte form; what() names the step (or the header) and the value.
class EncodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The bytes that decode to `trace`'s geometry, variant and operations. Expectations and a
// snapshot have no byte form and are left out; a value no class can express throws EncodeError.
Bytes encode_trace(const Trace& trace);

}  // namespace iovacheck::fuzz
