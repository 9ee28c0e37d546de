#include "fuzz/byte_trace.h"

#include <algorithm>
#include <array>
#include <bit>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "harness/implementation.h"
#include "model/trace_io.h"

namespace iovacheck::fuzz {
namespace {

// How a value's 32-bit payload maps onto 64 bits (the class byte, modulo the count).
enum class ValueClass : std::uint8_t {
  Literal,     // the payload itself
  NearDma32,   // dma32 + the payload as a signed 32-bit offset
  NearStart,   // start_pfn + the signed offset
  NearTop,     // 2^64-1 - the payload
  PowerOfTwo,  // 2^(payload & 63) + (signed payload >> 6)
  NearSeen,    // an earlier value (payload & 0xff picks it) + (signed payload >> 8)
  HighWord,    // the payload << 32
  Hashed,      // the payload times a 64-bit odd constant: anywhere in the space
  Count,
};

constexpr Pfn kHashMultiplier = 0x9e3779b97f4a7c15;  // 2^64 / golden ratio, odd

// The header's fields, each a byte weighted toward the edges the generators favour (props/
// generators.cpp): the real 4 KiB granule, small dma32 powers of two, magazines of 1..8 or 127,
// 1..4 cpus; every byte is some valid value. Encoding searches the bytes for the value.
Pfn granule_of(std::uint8_t byte) { return byte < 192 ? 0x1000 : Pfn{1} << ((byte - 192) % 32); }
Pfn dma32_of(std::uint8_t byte, Pfn granule) {
  if (byte < 160) return Pfn{1} << (1 + byte % 6);  // 2 .. 64
  if (byte < 208) return Pfn{1} << (7 + byte % 6);  // 128 .. 4096
  if (byte < 224) return *Geometry::real_dma32(granule);
  return Pfn{1} << (13 + (byte - 224));  // 2^13 .. 2^44
}
unsigned mag_of(std::uint8_t byte) { return byte < 160 ? 1u + byte % 8 : byte < 224 ? kDefaultMagazineSize : 9u + (byte - 224); }
unsigned cpus_of(std::uint8_t byte) { return byte < 224 ? 1u + byte % 4 : 5u + (byte - 224); }

template <class Decode>
std::optional<std::uint8_t> byte_for(Decode decode) {  // the first byte `decode` accepts
  for (unsigned byte = 0; byte <= UINT8_MAX; ++byte)
    if (decode(static_cast<std::uint8_t>(byte))) return static_cast<std::uint8_t>(byte);
  return std::nullopt;
}

Pfn signed_offset(std::int64_t offset) { return static_cast<Pfn>(offset); }  // two's complement wrap

// Reads past the end as zero bytes: the decoding is total.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  std::uint8_t byte() { return at_ < bytes_.size() ? bytes_[at_++] : (++at_, std::uint8_t{0}); }
  std::uint32_t word() {
    std::uint32_t value = 0;
    for (unsigned i = 0; i < 4; ++i) value |= static_cast<std::uint32_t>(byte()) << (8 * i);
    return value;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t at_ = 0;
};

struct EncodedValue {
  std::uint8_t value_class = 0;
  std::uint32_t payload = 0;
};

// The positions values are relative to while decoding one trace.
struct Context {
  Pfn dma32 = 0;
  Pfn start = 0;
  std::vector<Pfn> seen;  // every value decoded so far, for NearSeen

  Pfn decode(EncodedValue encoded) {
    const Pfn value = map(encoded);
    seen.push_back(value);
    return value;
  }

  Pfn map(EncodedValue encoded) const {
    const std::uint32_t payload = encoded.payload;
    const auto signed_payload = static_cast<std::int32_t>(payload);
    switch (static_cast<ValueClass>(encoded.value_class % static_cast<std::uint8_t>(ValueClass::Count))) {
      case ValueClass::Literal: return payload;
      case ValueClass::NearDma32: return dma32 + signed_offset(signed_payload);
      case ValueClass::NearStart: return start + signed_offset(signed_payload);
      case ValueClass::NearTop: return kMaxPfn - payload;
      case ValueClass::PowerOfTwo: return (Pfn{1} << (payload & 63)) + signed_offset(signed_payload >> 6);
      case ValueClass::NearSeen:
        if (seen.empty()) return payload >> 8;
        return seen[(payload & 0xff) % seen.size()] + signed_offset(signed_payload >> 8);
      case ValueClass::HighWord: return Pfn{payload} << 32;
      case ValueClass::Hashed:
      case ValueClass::Count: break;
    }
    return Pfn{payload} * kHashMultiplier;
  }
};

EncodedValue read_value(Reader& reader) {
  const std::uint8_t value_class = reader.byte();
  return {value_class, reader.word()};
}

const std::vector<std::string>& variant_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> result;
    for (const VariantInfo& variant : implemented_variants()) result.push_back(variant.name);
    return result;
  }();
  return names;
}

Geometry decode_geometry(Reader& reader, Context& context) {
  Geometry geometry;
  geometry.granule = granule_of(reader.byte());
  geometry.dma32_pfn = dma32_of(reader.byte(), geometry.granule);
  geometry.mag_size = mag_of(reader.byte());
  geometry.cpus = cpus_of(reader.byte());
  context.dma32 = geometry.dma32_pfn;
  geometry.start_pfn = context.map(read_value(reader));
  context.start = geometry.start_pfn;
  return geometry;
}

std::string allocation_name(std::size_t index) {
  std::string name(1, 'a');  // not "a" + to_string(): GCC 12 -O3's false -Wrestrict (bug 105329)
  name += std::to_string(index + 1);
  return name;
}

Op decode_op(Reader& reader, Context& context, const Geometry& geometry, std::size_t& allocations) {
  const std::uint8_t head = reader.byte();
  const unsigned flags = head >> 3;
  const EncodedValue a = read_value(reader);
  const EncodedValue b = read_value(reader);
  const std::uint8_t cpu_byte = reader.byte();
  const unsigned cpu = cpu_byte % geometry.cpus;  // a trace names no cpu beyond the domain's
  const bool flag = (flags & 1) != 0;
  auto target = [&] {  // by name unless flagged or nothing is allocated yet
    if (!flag && allocations > 0) return Target{0, allocation_name(a.payload % allocations)};
    return Target{context.decode(a), {}};
  };
  switch (head % std::variant_size_v<Op>) {
    case 0: {
      Alloc alloc{allocation_name(allocations++), context.decode(a), 0, !flag};
      alloc.limit = context.decode(b);
      return alloc;
    }
    case 1: {
      FastAlloc fast{allocation_name(allocations++), context.decode(a), 0, cpu, !flag};
      fast.limit = context.decode(b);
      return fast;
    }
    case 2: return Free{target()};
    case 3: {
      FastFree free{target(), 0, cpu};
      free.size = context.decode(b);
      return free;
    }
    case 4: {
      Reserve reserve{context.decode(a), 0};
      reserve.hi = context.decode(b);
      return reserve;
    }
    case 5: {
      constexpr std::array kScopes{Flush::Scope::All, Flush::Scope::Cpu, Flush::Scope::Depot};
      const Flush::Scope scope = kScopes[flags % kScopes.size()];
      return Flush{scope, scope == Flush::Scope::Cpu ? cpu : 0};  // only a cpu flush names one
    }
    case 6: return Trim{};
    default: return Find{context.decode(a)};
  }
}

// --- encoding: the inverse, for seeds ---

std::optional<std::uint32_t> as_offset(Pfn value, Pfn base) {
  const auto offset = static_cast<std::int64_t>(value - base);
  if (offset < INT32_MIN || offset > INT32_MAX) return std::nullopt;
  return static_cast<std::uint32_t>(static_cast<std::int32_t>(offset));
}

std::optional<EncodedValue> encode_value(Pfn value, const Context& context) {
  auto of = [](ValueClass value_class, std::uint32_t payload) {
    return EncodedValue{static_cast<std::uint8_t>(value_class), payload};
  };
  if (value <= UINT32_MAX) return of(ValueClass::Literal, static_cast<std::uint32_t>(value));
  if (kMaxPfn - value <= UINT32_MAX) return of(ValueClass::NearTop, static_cast<std::uint32_t>(kMaxPfn - value));
  if (const auto offset = as_offset(value, context.dma32)) return of(ValueClass::NearDma32, *offset);
  if (const auto offset = as_offset(value, context.start)) return of(ValueClass::NearStart, *offset);
  for (unsigned shift = 0; shift < 64; ++shift) {
    const auto offset = static_cast<std::int64_t>(value - (Pfn{1} << shift));
    if (offset >= -(std::int64_t{1} << 25) && offset < (std::int64_t{1} << 25))
      return of(ValueClass::PowerOfTwo, static_cast<std::uint32_t>(offset * 64) | shift);
  }
  if ((value & UINT32_MAX) == 0) return of(ValueClass::HighWord, static_cast<std::uint32_t>(value >> 32));
  return std::nullopt;
}

class Writer {
 public:
  void byte(std::uint8_t value) { bytes_.push_back(value); }
  void value(EncodedValue encoded) {
    byte(encoded.value_class);
    for (unsigned i = 0; i < 4; ++i) byte(static_cast<std::uint8_t>(encoded.payload >> (8 * i)));
  }
  Bytes take() { return std::move(bytes_); }

 private:
  Bytes bytes_;
};

class Encoder {
 public:
  explicit Encoder(const Trace& trace) : trace_(trace) {}

  Bytes run() {
    header();
    for (std::size_t i = 0; i < trace_.steps.size(); ++i) {
      step_ = i;
      op(trace_.steps[i].op);
    }
    return writer_.take();
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    const std::string where = step_ ? "step " + std::to_string(*step_ + 1) + " (" + print_op(trace_.steps[*step_].op) + ")"
                                    : std::string("the header");
    throw EncodeError(where + ": " + what + " has no byte form");
  }

  EncodedValue value(Pfn pfn, const char* what) {
    const std::optional<EncodedValue> encoded = encode_value(pfn, context_);
    if (!encoded) fail(std::string(what) + " " + hex(pfn));
    return *encoded;
  }

  std::uint8_t cpu(unsigned number) {
    if (number <= UINT8_MAX) return static_cast<std::uint8_t>(number);  // below cpus, which is at most 36 here
    fail("cpu=" + std::to_string(number));
  }

  void header() {
    const Geometry& geometry = trace_.geometry;
    const std::vector<std::string>& names = variant_names();
    std::size_t variant = 0;
    while (variant < names.size() && names[variant] != trace_.variant) ++variant;
    if (variant == names.size()) fail("variant " + trace_.variant);
    writer_.byte(static_cast<std::uint8_t>(variant));
    header_byte("granule " + hex(geometry.granule), [&](std::uint8_t byte) { return granule_of(byte) == geometry.granule; });
    header_byte("dma32 " + hex(geometry.dma32_pfn),
                [&](std::uint8_t byte) { return dma32_of(byte, geometry.granule) == geometry.dma32_pfn; });
    header_byte("mag " + std::to_string(geometry.mag_size), [&](std::uint8_t byte) { return mag_of(byte) == geometry.mag_size; });
    header_byte("cpus " + std::to_string(geometry.cpus), [&](std::uint8_t byte) { return cpus_of(byte) == geometry.cpus; });
    context_.dma32 = geometry.dma32_pfn;
    writer_.value(value(geometry.start_pfn, "start"));
    context_.start = geometry.start_pfn;
  }

  template <class Decode>
  void header_byte(const std::string& what, Decode decode) {
    const std::optional<std::uint8_t> byte = byte_for(decode);
    if (!byte) fail(what);
    writer_.byte(*byte);
  }

  void record(unsigned kind, unsigned flags, EncodedValue a, EncodedValue b, std::uint8_t cpu_byte) {
    writer_.byte(static_cast<std::uint8_t>(kind | flags << 3));
    writer_.value(a);
    writer_.value(b);
    writer_.byte(cpu_byte);
  }

  // The target as decode_op reads it: flag clear and payload the allocation's index, or a pfn.
  std::pair<unsigned, EncodedValue> target(const Target& target) {
    if (!target.by_name()) return {1, value(target.pfn, "pfn")};
    const auto found = allocations_.find(target.name);
    if (found == allocations_.end()) fail("a free of '" + target.name + "', which no earlier allocation binds,");
    return {0, EncodedValue{0, static_cast<std::uint32_t>(found->second)}};
  }

  void bind(const std::string& name) {
    const std::size_t index = next_allocation_++;
    if (!name.empty()) allocations_[name] = index;
  }

  void op(const Op& operation) {
    const EncodedValue zero{};
    const unsigned kind = static_cast<unsigned>(operation.index());
    if (const auto* alloc = std::get_if<Alloc>(&operation)) {
      record(kind, alloc->aligned ? 0 : 1, value(alloc->size, "size"), value(alloc->limit, "limit"), 0);
      bind(alloc->name);
    } else if (const auto* fast = std::get_if<FastAlloc>(&operation)) {
      record(kind, fast->flush ? 0 : 1, value(fast->size, "size"), value(fast->limit, "limit"), cpu(fast->cpu));
      bind(fast->name);
    } else if (const auto* free = std::get_if<Free>(&operation)) {
      const auto [flag, encoded] = target(free->target);
      record(kind, flag, encoded, zero, 0);
    } else if (const auto* fast_free = std::get_if<FastFree>(&operation)) {
      const auto [flag, encoded] = target(fast_free->target);
      record(kind, flag, encoded, value(fast_free->size, "size"), cpu(fast_free->cpu));
    } else if (const auto* reserve = std::get_if<Reserve>(&operation)) {
      record(kind, 0, value(reserve->lo, "lo"), value(reserve->hi, "hi"), 0);
    } else if (const auto* flush = std::get_if<Flush>(&operation)) {
      const unsigned scope = flush->scope == Flush::Scope::All ? 0 : flush->scope == Flush::Scope::Cpu ? 1 : 2;
      record(kind, scope, zero, zero, flush->scope == Flush::Scope::Cpu ? cpu(flush->cpu) : 0);
    } else if (std::holds_alternative<Trim>(operation)) {
      record(kind, 0, zero, zero, 0);
    } else {
      record(kind, 0, value(std::get<Find>(operation).pfn, "pfn"), zero, 0);
    }
  }

  const Trace& trace_;
  Writer writer_;
  Context context_;
  std::optional<std::size_t> step_;
  std::map<std::string, std::size_t> allocations_;  // name -> index among the allocating steps
  std::size_t next_allocation_ = 0;
};

}  // namespace

Trace decode_trace(std::span<const std::uint8_t> bytes) {
  Reader reader(bytes);
  Context context;
  Trace trace;
  trace.variant = variant_names()[reader.byte() % variant_names().size()];
  trace.geometry = decode_geometry(reader, context);
  const std::size_t records = bytes.size() > kHeaderBytes ? (bytes.size() - kHeaderBytes) / kRecordBytes : 0;
  std::size_t allocations = 0;
  for (std::size_t i = 0; i < std::min(records, kMaxRecords); ++i)
    trace.steps.push_back(Step{decode_op(reader, context, trace.geometry, allocations), std::nullopt, 0});
  return trace;
}

Bytes encode_trace(const Trace& trace) { return Encoder(trace).run(); }

}  // namespace iovacheck::fuzz
