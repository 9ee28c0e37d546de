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

// A value's selector byte: below kExactSelectors it draws an edge class of the field (by the
// field's weights, the property engine's: props/generators.cpp), from there on it names one of
// the exact classes below (selector mod the count), which can spell any value the encoder meets.
constexpr unsigned kExactSelectors = 128;

// How an exact value's 32-bit payload maps onto 64 bits.
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
constexpr Pfn kTop = kMaxPfn;
constexpr Pfn kHalfSpace = Pfn{1} << 63;

// What a value is for: each field has its own edge classes and weights.
enum class Field { Start, Size, Limit, Pfn, ReserveHi };

// The header's fields, each a byte weighted toward the edges the generators favour (props/
// generators.cpp): the real 4 KiB granule, small dma32 powers of two, magazines of 1..8 or 127,
// 1..4 cpus; every byte is some valid value. Encoding searches the bytes for the value.
// Magazines of one or two pfns (a third of the bytes) and one cpu (half) come first: they are
// the range caches' own edges, where a full magazine, the swap with prev, a push to the depot
// and a depot deeper than the cpus (what trim and the flushes act on) are each a free or two
// away, as the property engine's run mode reaches them with runs of frees.
Pfn granule_of(std::uint8_t byte) { return byte < 192 ? 0x1000 : Pfn{1} << ((byte - 192) % 32); }
Pfn dma32_of(std::uint8_t byte, Pfn granule) {
  if (byte < 160) return Pfn{1} << (1 + byte % 6);  // 2 .. 64
  if (byte < 208) return Pfn{1} << (7 + byte % 6);  // 128 .. 4096
  if (byte < 224) return *Geometry::real_dma32(granule);
  return Pfn{1} << (13 + (byte - 224));  // 2^13 .. 2^44
}
unsigned mag_of(std::uint8_t byte) {
  if (byte < 64) return 1u + byte % 2;
  return byte < 160 ? 1u + byte % 8 : byte < 224 ? kDefaultMagazineSize : 9u + (byte - 224);
}
unsigned cpus_of(std::uint8_t byte) { return byte < 96 ? 1u : byte < 224 ? 1u + byte % 4 : 5u + (byte - 224); }

// The operation kinds by the low six bits of a record's first byte, weighted as the property
// engine weights its commands (alloc, fast, free, ffree, reserve, flush, trim, find); the top two
// bits are the operation's flags.
constexpr std::array<unsigned, std::variant_size_v<Op>> kKindWeights{16, 16, 8, 11, 3, 4, 3, 3};
constexpr unsigned kKindBits = 6;
constexpr unsigned kKindMask = (1u << kKindBits) - 1;

// The class `ticket` (0 .. scale-1) draws from `weights`, each class getting its share of scale.
template <std::size_t N>
std::size_t weighted(unsigned ticket, unsigned scale, const std::array<unsigned, N>& weights) {
  unsigned total = 0;
  for (unsigned weight : weights) total += weight;
  unsigned left = ticket * total / scale;
  std::size_t index = 0;
  while (index + 1 < N && left >= weights[index]) left -= weights[index++];
  return index;
}

template <std::size_t N>
std::optional<std::uint8_t> first_ticket(std::size_t index, unsigned scale, const std::array<unsigned, N>& weights) {
  for (unsigned ticket = 0; ticket < scale; ++ticket)
    if (weighted(ticket, scale, weights) == index) return static_cast<std::uint8_t>(ticket);
  return std::nullopt;
}

unsigned kind_of(std::uint8_t head) { return static_cast<unsigned>(weighted(head & kKindMask, kKindMask + 1, kKindWeights)); }

template <class Decode>
std::optional<std::uint8_t> byte_for(Decode decode) {  // the first byte `decode` accepts
  for (unsigned byte = 0; byte <= UINT8_MAX; ++byte)
    if (decode(static_cast<std::uint8_t>(byte))) return static_cast<std::uint8_t>(byte);
  return std::nullopt;
}

Pfn signed_offset(std::int64_t offset) { return static_cast<Pfn>(offset); }  // two's complement wrap
Pfn saturating_add(Pfn a, Pfn b) { return a > kTop - b ? kTop : a + b; }
Pfn saturating_sub(Pfn a, Pfn b) { return a < b ? 0 : a - b; }

// A point of [low, high] the payload picks, spread over the whole interval.
Pfn spread(std::uint32_t payload, Pfn low, Pfn high) {
  const Pfn span = high - low;
  if (span < UINT32_MAX) return low + payload % (span + 1);
  return low + (span >> 32) * payload + (((span & UINT32_MAX) * payload) >> 32);
}

template <std::size_t N>
Pfn one_of(std::uint32_t payload, const std::array<Pfn, N>& values) { return values[payload % N]; }

constexpr std::array<unsigned, 5> kStartWeights{2, 6, 3, 2, 1};
constexpr std::array<unsigned, 6> kSizeWeights{30, 20, 6, 15, 5, 1};
constexpr std::array<unsigned, 8> kLimitWeights{20, 8, 12, 4, 5, 10, 3, 2};
constexpr std::array<unsigned, 4> kPfnWeights{12, 3, 5, 2};
constexpr std::array<unsigned, 6> kReserveHiWeights{8, 4, 3, 3, 1, 1};
// A named fast free's size selector: below this its allocation's own size, then a size's edges.
constexpr unsigned kOwnSizeSelectors = 96;

// The header or one record: `N` bytes of the input from `at`, zero bytes past its end (the
// decoding is total). They are read at fixed offsets with no bounds check per byte: libFuzzer
// traced that comparison at every byte it read.
template <std::size_t N>
std::array<std::uint8_t, N> piece(std::span<const std::uint8_t> bytes, std::size_t at) {
  std::array<std::uint8_t, N> piece{};
  if (at < bytes.size()) std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(at), std::min(bytes.size() - at, N), piece.begin());
  return piece;
}
using Header = std::array<std::uint8_t, kHeaderBytes>;
using Record = std::array<std::uint8_t, kRecordBytes>;

struct EncodedValue {
  std::uint8_t selector = 0;
  std::uint32_t payload = 0;
  static EncodedValue exact(ValueClass value_class, std::uint32_t payload) {
    return {static_cast<std::uint8_t>(kExactSelectors + static_cast<unsigned>(value_class)), payload};
  }
};

// An allocating step as later frees see it.
struct Allocation {
  Pfn size = 0;
  bool fast = false;
  bool freed = false;  // a free by name has named it (whether or not the allocation succeeded)
};

// What values and names are relative to while decoding (or encoding) one trace.
struct Context {
  Geometry geometry;  // dma32 and start_pfn once the header has them
  std::vector<Pfn> seen;  // the values decoded so far and where allocations likely land
  std::vector<Allocation> allocations;  // a1, a2, ... in order

  Pfn decode(Field field, EncodedValue encoded) {
    const Pfn value = map(field, encoded);
    seen.push_back(value);
    return value;
  }

  void see_allocation(Pfn size, Pfn limit, bool fast) {
    allocations.push_back({size, fast, false});
    const Pfn end = limit + 1;
    const Pfn alignment = roundup_pow2(size);
    if (size != 0 && end >= size && alignment != 0) seen.push_back((end - size) & ~(alignment - 1));
  }

  // The allocations a free by name picks among: those of its kind not yet freed, newest first;
  // every allocation when there are none (or `any`). Walked in place rather than listed: a list
  // per free was a tenth of a short input's heap allocations in the harness.
  struct Candidates {
    const std::vector<Allocation>& allocations;
    bool fast = false;
    bool any = false;

    bool includes(std::size_t index) const {
      return any || (allocations[index].fast == fast && !allocations[index].freed);
    }
    std::size_t count() const {
      std::size_t found = 0;
      for (std::size_t i = 0; i < allocations.size(); ++i) found += includes(i);
      return found;
    }
    // The allocation at `rank` (0: the newest candidate); rank < count().
    std::size_t at(std::size_t rank) const {
      std::size_t i = allocations.size();
      while (!includes(--i) || rank-- > 0) {}
      return i;
    }
    // The rank of allocation `index`, when it is a candidate.
    std::optional<std::size_t> rank_of(std::size_t index) const {
      if (!includes(index)) return std::nullopt;
      std::size_t rank = 0;
      for (std::size_t i = index + 1; i < allocations.size(); ++i) rank += includes(i);
      return rank;
    }
  };

  Candidates candidates(bool fast, bool any) const {
    const Candidates of_kind{allocations, fast, any};
    if (any || of_kind.count() > 0) return of_kind;
    return Candidates{allocations, fast, true};
  }

  Pfn map(Field field, EncodedValue encoded) const {
    if (encoded.selector >= kExactSelectors) return exact(encoded);
    const std::uint32_t p = encoded.payload;
    const Pfn dma32 = geometry.dma32_pfn;
    const Pfn start = geometry.start_pfn;
    switch (field) {
      case Field::Start:
        switch (weighted(encoded.selector, kExactSelectors, kStartWeights)) {
          case 0: return 0;
          case 1: return 1;
          case 2: return 2 + p % 7;
          case 3: return spread(p, dma32 / 2, dma32 + 1);
          default: return one_of(p, std::array<Pfn, 3>{dma32 / 4, Pfn{1} << 40, Pfn{1} << 62});
        }
      case Field::Size:
        switch (weighted(encoded.selector, kExactSelectors, kSizeWeights)) {
          case 0: return 1 + p % 4;
          case 1: {  // 2^k - 1, 2^k, 2^k + 1
            const unsigned top_power = std::min(static_cast<unsigned>(std::bit_width(dma32)) + 1, 63u);
            return std::max<Pfn>(1, (Pfn{1} << (p % (top_power + 1))) - 1 + (p >> 8) % 3);
          }
          case 2: return one_of(p, std::array<Pfn, 6>{31, 32, 33, 63, 64, 65});  // the caches' last bins and beyond
          case 3: return spread(p, 1, 2 * dma32);
          case 4:  // the whole 32-bit space, half and all of 2^64, all above start_pfn
            return one_of(p, std::array<Pfn, 5>{dma32, std::max<Pfn>(1, saturating_sub(dma32, start)), kHalfSpace,
                                                 kTop, start == 0 ? kTop : kTop - start + 1});
          default: return 0;  // bad input
        }
      case Field::Limit:
        switch (weighted(encoded.selector, kExactSelectors, kLimitWeights)) {
          case 0: return dma32 - 1;
          case 1: return one_of(p, std::array<Pfn, 3>{dma32 - 2, dma32, dma32 + 1});
          case 2: return spread(p, 0, 2 * dma32);
          case 3: return spread(p, 0, saturating_sub(start, 1));  // below start_pfn (0 when start is 0)
          case 4: return spread(p, start, saturating_add(start, 2 * dma32));
          case 5: return seen.empty() ? dma32 - 1 : near_seen(p);
          case 6: return one_of(p, std::array<Pfn, 5>{kTop, kTop - 1, geometry.max_reservable_pfn(), kHalfSpace, 0xffffffff});
          default: return Pfn{p} * kHashMultiplier;
        }
      case Field::Pfn:
        switch (weighted(encoded.selector, kExactSelectors, kPfnWeights)) {
          case 0:
            if (!seen.empty()) return near_seen(p);
            [[fallthrough]];
          case 1: return one_of(p, std::array<Pfn, 4>{start, dma32 - 1, dma32, kTop});  // kTop: the anchor
          case 2: return spread(p, 0, 2 * dma32);
          default: return spread(p, start, saturating_add(start, 2 * dma32));
        }
      case Field::ReserveHi: {  // relative to the reserve's lo, the last value seen
        const Pfn lo = seen.empty() ? 0 : seen.back();
        switch (weighted(encoded.selector, kExactSelectors, kReserveHiWeights)) {
          case 0: return saturating_add(lo, p % 4);
          case 1: return saturating_add(lo, (Pfn{1} << (p % 8)) - 1);
          case 2: return dma32 - 1;  // the 32-bit space
          case 3: return spread(p, lo, saturating_add(lo, dma32));
          case 4: return saturating_sub(lo, 1 + p % 4);  // reversed: hi below lo
          default: return saturating_add(geometry.max_reservable_pfn(), 1 + p % 4);  // beyond 2^64-1 >> shift
        }
      }
    }
    return 0;
  }

  // An earlier value within two, among the latest sixteen.
  Pfn near_seen(std::uint32_t p) const {
    const Pfn base = seen[seen.size() - 1 - (p >> 8) % std::min<std::size_t>(seen.size(), 16)];
    const unsigned offset = (p & 0xff) % 5;
    return offset < 2 ? saturating_sub(base, 2 - offset) : saturating_add(base, offset - 2);
  }

  Pfn exact(EncodedValue encoded) const {
    const std::uint32_t payload = encoded.payload;
    const auto signed_payload = static_cast<std::int32_t>(payload);
    switch (static_cast<ValueClass>(encoded.selector % static_cast<unsigned>(ValueClass::Count))) {
      case ValueClass::Literal: return payload;
      case ValueClass::NearDma32: return geometry.dma32_pfn + signed_offset(signed_payload);
      case ValueClass::NearStart: return geometry.start_pfn + signed_offset(signed_payload);
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

// The value of 5 bytes at `at`: its selector, then the payload, little-endian.
template <std::size_t N>
EncodedValue value_at(const std::array<std::uint8_t, N>& bytes, std::size_t at) {
  std::uint32_t payload = 0;
  for (unsigned i = 0; i < 4; ++i) payload |= static_cast<std::uint32_t>(bytes[at + 1 + i]) << (8 * i);
  return {bytes[at], payload};
}

const std::vector<std::string>& variant_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> result;
    for (const VariantInfo& variant : implemented_variants()) result.push_back(variant.name);
    return result;
  }();
  return names;
}

// The header after its variant byte: granule, dma32, mag, cpus, start_pfn.
Geometry decode_geometry(const Header& header, Context& context) {
  Geometry& geometry = context.geometry;
  geometry.granule = granule_of(header[1]);
  geometry.dma32_pfn = dma32_of(header[2], geometry.granule);
  geometry.mag_size = mag_of(header[3]);
  geometry.cpus = cpus_of(header[4]);
  geometry.start_pfn = 0;
  geometry.start_pfn = context.map(Field::Start, value_at(header, 5));
  return geometry;
}

std::string allocation_name(std::size_t index) {
  std::string name(1, 'a');  // not "a" + to_string(): GCC 12 -O3's false -Wrestrict (bug 105329)
  name += std::to_string(index + 1);
  return name;
}

// A record's flags (the top bits of its first byte): what they mean depends on the kind.
constexpr unsigned kFlagOff = 3;        // alloc: unaligned; fast: no flush
constexpr unsigned kFlagAnyName = 2;    // free, ffree: among every allocation
constexpr unsigned kFlagAddress = 3;    // free, ffree: by pfn
constexpr std::array kScopes{Flush::Scope::Cpu, Flush::Scope::Depot, Flush::Scope::All, Flush::Scope::All};

// A record: kind and flags, value A, value B, cpu.
Op decode_op(const Record& record, Context& context) {
  const std::uint8_t head = record[0];
  const unsigned flags = head >> kKindBits;
  const EncodedValue a = value_at(record, 1);
  const EncodedValue b = value_at(record, 6);
  const unsigned cpu = record[11] % context.geometry.cpus;  // a trace names no cpu beyond the domain's
  // A free's target: a name (the payload picks among the candidates) unless flagged or nothing
  // is allocated yet; the index of the allocation named, if any.
  auto target = [&](bool fast) -> std::pair<Target, std::optional<std::size_t>> {
    if (flags == kFlagAddress || context.allocations.empty()) return {Target{context.decode(Field::Pfn, a), {}}, std::nullopt};
    const Context::Candidates candidates = context.candidates(fast, flags == kFlagAnyName);
    const std::size_t index = candidates.at(a.payload % candidates.count());
    context.allocations[index].freed = true;
    return {Target{0, allocation_name(index)}, index};
  };
  switch (kind_of(head)) {
    case 0: {
      Alloc alloc{allocation_name(context.allocations.size()), context.decode(Field::Size, a), 0, flags != kFlagOff};
      alloc.limit = context.decode(Field::Limit, b);
      context.see_allocation(alloc.size, alloc.limit, false);
      return alloc;
    }
    case 1: {
      FastAlloc fast{allocation_name(context.allocations.size()), context.decode(Field::Size, a), 0, cpu, flags != kFlagOff};
      fast.limit = context.decode(Field::Limit, b);
      context.see_allocation(fast.size, fast.limit, true);
      return fast;
    }
    case 2: return Free{target(false).first};
    case 3: {
      const auto [freed, index] = target(true);
      FastFree free{freed, 0, cpu};
      if (index && b.selector < kOwnSizeSelectors) free.size = context.allocations[*index].size;  // as callers free
      else if (index && b.selector < kExactSelectors) free.size = context.decode(Field::Size, {static_cast<std::uint8_t>((b.selector - kOwnSizeSelectors) * kExactSelectors / (kExactSelectors - kOwnSizeSelectors)), b.payload});
      else free.size = context.decode(Field::Size, b);
      return free;
    }
    case 4: {
      Reserve reserve{context.decode(Field::Pfn, a), 0};
      reserve.hi = context.decode(Field::ReserveHi, b);
      return reserve;
    }
    case 5: {
      const Flush::Scope scope = kScopes[flags];
      return Flush{scope, scope == Flush::Scope::Cpu ? cpu : 0};  // only a cpu flush names one
    }
    case 6: return Trim{};
    default: return Find{context.decode(Field::Pfn, a)};
  }
}

// --- encoding: the inverse, for seeds ---

std::optional<std::uint32_t> as_offset(Pfn value, Pfn base) {
  const auto offset = static_cast<std::int64_t>(value - base);
  if (offset < INT32_MIN || offset > INT32_MAX) return std::nullopt;
  return static_cast<std::uint32_t>(static_cast<std::int32_t>(offset));
}

// An exact class that spells `value` (the encoder never needs the edge classes).
std::optional<EncodedValue> encode_value(Pfn value, const Geometry& geometry) {
  using enum ValueClass;
  if (value <= UINT32_MAX) return EncodedValue::exact(Literal, static_cast<std::uint32_t>(value));
  if (kMaxPfn - value <= UINT32_MAX) return EncodedValue::exact(NearTop, static_cast<std::uint32_t>(kMaxPfn - value));
  if (const auto offset = as_offset(value, geometry.dma32_pfn)) return EncodedValue::exact(NearDma32, *offset);
  if (const auto offset = as_offset(value, geometry.start_pfn)) return EncodedValue::exact(NearStart, *offset);
  for (unsigned shift = 0; shift < 64; ++shift) {
    const auto offset = static_cast<std::int64_t>(value - (Pfn{1} << shift));
    if (offset >= -(std::int64_t{1} << 25) && offset < (std::int64_t{1} << 25))
      return EncodedValue::exact(PowerOfTwo, static_cast<std::uint32_t>(offset * 64) | shift);
  }
  if ((value & UINT32_MAX) == 0) return EncodedValue::exact(HighWord, static_cast<std::uint32_t>(value >> 32));
  return std::nullopt;
}

class Writer {
 public:
  void byte(std::uint8_t value) { bytes_.push_back(value); }
  void value(EncodedValue encoded) {
    byte(encoded.selector);
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
    const std::optional<EncodedValue> encoded = encode_value(pfn, context_.geometry);
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
    context_.geometry = geometry;
    context_.geometry.start_pfn = 0;  // as the decoder reads the start value
    writer_.value(value(geometry.start_pfn, "start"));
    context_.geometry.start_pfn = geometry.start_pfn;
  }

  template <class Decode>
  void header_byte(const std::string& what, Decode decode) {
    const std::optional<std::uint8_t> byte = byte_for(decode);
    if (!byte) fail(what);
    writer_.byte(*byte);
  }

  void record(unsigned kind, unsigned flags, EncodedValue a, EncodedValue b, std::uint8_t cpu_byte) {
    writer_.byte(static_cast<std::uint8_t>(*first_ticket(kind, kKindMask + 1, kKindWeights) | flags << kKindBits));
    writer_.value(a);
    writer_.value(b);
    writer_.byte(cpu_byte);
  }

  // The flags and value A that make decode_op pick `target`, and the allocation it names.
  struct EncodedTarget {
    unsigned flags = kFlagAddress;
    EncodedValue value;
    std::optional<std::size_t> index;
  };
  EncodedTarget target(const Target& target, bool fast) {
    if (!target.by_name()) return {kFlagAddress, value(target.pfn, "pfn"), std::nullopt};
    const auto found = names_.find(target.name);
    if (found == names_.end()) fail("a free of '" + target.name + "', which no earlier allocation binds,");
    const std::size_t index = found->second;
    for (const unsigned flags : {0u, kFlagAnyName}) {
      const std::optional<std::size_t> rank = context_.candidates(fast, flags == kFlagAnyName).rank_of(index);
      if (!rank) continue;
      context_.allocations[index].freed = true;
      return {flags, EncodedValue{0, static_cast<std::uint32_t>(*rank)}, index};
    }
    fail("a free of '" + target.name + "'");  // unreachable: every allocation is a candidate of any name
  }

  void bind(const std::string& name, Pfn size, Pfn limit, bool fast) {
    if (!name.empty()) names_[name] = context_.allocations.size();
    context_.see_allocation(size, limit, fast);
  }

  void op(const Op& operation) {
    const EncodedValue zero{};
    const unsigned kind = static_cast<unsigned>(operation.index());
    if (const auto* alloc = std::get_if<Alloc>(&operation)) {
      record(kind, alloc->aligned ? 0 : kFlagOff, value(alloc->size, "size"), value(alloc->limit, "limit"), 0);
      bind(alloc->name, alloc->size, alloc->limit, false);
    } else if (const auto* fast = std::get_if<FastAlloc>(&operation)) {
      record(kind, fast->flush ? 0 : kFlagOff, value(fast->size, "size"), value(fast->limit, "limit"), cpu(fast->cpu));
      bind(fast->name, fast->size, fast->limit, true);
    } else if (const auto* free = std::get_if<Free>(&operation)) {
      const EncodedTarget encoded = target(free->target, false);
      record(kind, encoded.flags, encoded.value, zero, 0);
    } else if (const auto* fast_free = std::get_if<FastFree>(&operation)) {
      const EncodedTarget encoded = target(fast_free->target, true);
      const bool own_size = encoded.index && context_.allocations[*encoded.index].size == fast_free->size;
      record(kind, encoded.flags, encoded.value, own_size ? zero : value(fast_free->size, "size"), cpu(fast_free->cpu));
    } else if (const auto* reserve = std::get_if<Reserve>(&operation)) {
      record(kind, 0, value(reserve->lo, "lo"), value(reserve->hi, "hi"), 0);
    } else if (const auto* flush = std::get_if<Flush>(&operation)) {
      const auto scope = static_cast<unsigned>(std::find(kScopes.begin(), kScopes.end(), flush->scope) - kScopes.begin());
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
  std::map<std::string, std::size_t> names_;  // name -> index among the allocating steps
};

}  // namespace

Trace decode_trace(std::span<const std::uint8_t> bytes) {
  const Header header = piece<kHeaderBytes>(bytes, 0);
  Context context;
  Trace trace;
  trace.variant = variant_of_byte(header[0]);
  trace.geometry = decode_geometry(header, context);
  const std::size_t records = std::min(bytes.size() > kHeaderBytes ? (bytes.size() - kHeaderBytes) / kRecordBytes : 0, kMaxRecords);
  trace.steps.reserve(records);
  context.seen.reserve(3 * records);
  context.allocations.reserve(records);
  for (std::size_t i = 0; i < records; ++i)
    trace.steps.push_back(Step{decode_op(piece<kRecordBytes>(bytes, kHeaderBytes + i * kRecordBytes), context), std::nullopt, 0});
  return trace;
}

Bytes encode_trace(const Trace& trace) { return Encoder(trace).run(); }

const std::string& variant_of_byte(std::uint8_t byte) { return variant_names()[byte % variant_names().size()]; }

struct RecordDecoder::State {
  Context context;
};

RecordDecoder::RecordDecoder(const Geometry& geometry) : state_(std::make_unique<State>()) {
  state_->context.geometry = geometry;
}
RecordDecoder::~RecordDecoder() = default;

Op RecordDecoder::decode(std::span<const std::uint8_t> record) {
  return decode_op(piece<kRecordBytes>(record, 0), state_->context);
}

}  // namespace iovacheck::fuzz
