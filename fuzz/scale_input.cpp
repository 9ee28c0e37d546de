#include "fuzz/scale_input.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "workload/drivers.h"

namespace iovacheck::fuzz {
namespace {

using workload::Burst;
using workload::DriverShape;

// A header byte, 0 when the input is shorter.
std::uint8_t header_byte(std::span<const std::uint8_t> bytes, std::size_t at) { return at < bytes.size() ? bytes[at] : 0; }

// 4 and 64 CPUs three times in ten each, else 5..63 (as the property engine's scale profile).
unsigned cpus_of(std::uint8_t byte) {
  if (byte < 77) return 4;
  if (byte < 154) return 64;
  return 5u + (byte - 154u) % 59u;
}

// Log-uniform over kScaleMinOps .. kScaleMaxOps.
std::size_t length_of(std::uint8_t byte) {
  const double low = static_cast<double>(workload::kScaleMinOps);
  const double high = static_cast<double>(workload::kScaleMaxOps);
  return static_cast<std::size_t>(std::llround(low * std::pow(high / low, byte / 255.0)));
}

// What a record is, by the low six bits of its first byte: of 64, a NIC ring's burst 20, an NVMe
// queue's 16, the 32-bit device's 12, an ordinary operation 12, a CPU going offline 4.
enum class RecordKind { Nic, Nvme, Legacy, Ordinary, Hotplug };
RecordKind kind_of(std::uint8_t head) {
  const unsigned ticket = head & 63u;
  if (ticket < 20) return RecordKind::Nic;
  if (ticket < 36) return RecordKind::Nvme;
  if (ticket < 48) return RecordKind::Legacy;
  if (ticket < 60) return RecordKind::Ordinary;
  return RecordKind::Hotplug;
}

// A burst's count: 1..64 mostly, else 64..4096 in steps of 64 (a ring refilled whole, a flood).
std::size_t count_of(std::uint8_t byte) { return byte < 192 ? 1u + byte % 64u : 64u * (byte - 191u); }

// Half the bytes leave the sizes to the driver's own mix; else every buffer 2^k pages (1..512),
// or an odd size (37..1036 pages).
std::optional<Pfn> pages_of(std::uint8_t byte) {
  if (byte < 128) return std::nullopt;
  if (byte < 228) return Pfn{1} << ((byte - 128u) % 10u);
  return Pfn{37} * (byte - 227u);
}

Burst burst_of(const Bytes& record, DriverShape driver) {
  static constexpr std::array kDirections{Burst::Direction::Auto, Burst::Direction::Auto, Burst::Direction::Allocate,
                                          Burst::Direction::Release};
  Burst burst;
  burst.driver = driver;
  burst.direction = kDirections[record[0] >> 6];
  burst.cpu = record[1];
  burst.queue = record[2];
  burst.count = count_of(record[3]);
  burst.pages = pages_of(record[4]);
  for (std::size_t i = 0; i < 4; ++i) burst.seed |= std::uint64_t{record[5 + i]} << (8 * i);
  return burst;
}

Step step(Op op) { return Step{std::move(op), std::nullopt, 0}; }

// Every driver; what the fleet draws its bursts among when the input has no record.
constexpr std::uint32_t kEveryDriver = (1u << static_cast<unsigned>(DriverShape::NicRings)) |
                                       (1u << static_cast<unsigned>(DriverShape::NvmeQueues)) |
                                       (1u << static_cast<unsigned>(DriverShape::Legacy32));

}  // namespace

ScaleInput decode_scale_input(std::span<const std::uint8_t> bytes) {
  ScaleInput input;
  input.start.variant = variant_of_byte(header_byte(bytes, 0));
  input.start.geometry = workload::real_geometry(cpus_of(header_byte(bytes, 1)));
  input.ops = length_of(header_byte(bytes, 2));
  input.trim_every = workload::kTrimPeriods[header_byte(bytes, 3) % workload::kTrimPeriods.size()];
  input.msi_window = header_byte(bytes, 4) % 3 != 0;  // two in three, as iommu-dma on x86 does
  for (std::size_t i = 0; i < 3; ++i) input.fleet_seed |= std::uint64_t{header_byte(bytes, 5 + i)} << (8 * i);
  const std::size_t records =
      std::min(bytes.size() > kScaleHeaderBytes ? (bytes.size() - kScaleHeaderBytes) / kScaleRecordBytes : 0, kMaxScaleRecords);
  for (std::size_t i = 0; i < records; ++i) {
    const auto record = bytes.subspan(kScaleHeaderBytes + i * kScaleRecordBytes, kScaleRecordBytes);
    input.records.emplace_back(record.begin(), record.end());
  }
  return input;
}

// The schedule: the MSI window first, the periodic trim, a retry above 4 GiB as soon as it is
// due, and otherwise the records in order, a burst running until its count is spent.
class ScaleExpansion::Expander {
 public:
  explicit Expander(const ScaleInput& input)
      : input_(input), fleet_(input.start.geometry, input.fleet_seed), ordinary_(input.start.geometry) {}

  std::optional<Step> next() {
    if (emitted_ == input_.ops) return std::nullopt;
    ++emitted_;
    from_fleet_ = false;
    if (fleet_.retry_due()) return from_fleet();
    if (input_.msi_window && emitted_ == 1) return step(Reserve{workload::kMsiLo, workload::kMsiHi});
    if (input_.trim_every != 0 && emitted_ % input_.trim_every == 0) return step(Trim{});
    if (fleet_.in_burst()) return from_fleet();
    if (input_.records.empty()) {
      fleet_.start(fleet_.random_burst(kEveryDriver));
      return from_fleet();
    }
    const Bytes& record = input_.records[next_record_++ % input_.records.size()];
    switch (kind_of(record[0])) {
      case RecordKind::Nic: fleet_.start(burst_of(record, DriverShape::NicRings)); return from_fleet();
      case RecordKind::Nvme: fleet_.start(burst_of(record, DriverShape::NvmeQueues)); return from_fleet();
      case RecordKind::Legacy: fleet_.start(burst_of(record, DriverShape::Legacy32)); return from_fleet();
      case RecordKind::Ordinary: return step(ordinary_.decode(std::span(record).subspan(1)));
      case RecordKind::Hotplug: return step(Flush{Flush::Scope::Cpu, record[1] % input_.start.geometry.cpus});
    }
    return std::nullopt;  // unreachable: every kind is handled
  }

  void observe(const std::optional<Outcome>& outcome) {
    if (from_fleet_) fleet_.observe(outcome);
  }

 private:
  Step from_fleet() {
    from_fleet_ = true;
    return fleet_.next();
  }

  const ScaleInput& input_;
  workload::DriverFleet fleet_;
  RecordDecoder ordinary_;
  std::size_t emitted_ = 0;
  std::size_t next_record_ = 0;
  bool from_fleet_ = false;  // the last step came from the fleet, which wants its outcome
};

ScaleExpansion::ScaleExpansion(const ScaleInput& input) : expander_(std::make_unique<Expander>(input)) {}
ScaleExpansion::~ScaleExpansion() = default;
std::optional<Step> ScaleExpansion::next() { return expander_->next(); }
void ScaleExpansion::observe(const std::optional<Outcome>& outcome) { expander_->observe(outcome); }

CheckReport check_scale_input(const ScaleInput& input, std::string_view variant, const ImplementationChoice& choice,
                              const CheckOptions& options) {
  Trace start = input.start;
  start.variant = variant_for(choice, variant, input.start);
  const std::unique_ptr<ExactSystemUnderTest> implementation = make_exact_implementation(start, start.variant, choice);
  CheckSession session(start, *implementation, options);
  ScaleExpansion expansion(input);
  while (const std::optional<Step> next = expansion.next()) {
    if (!session.step(*next)) break;
    const StepRecord& last = session.report().steps.back();
    expansion.observe(last.caller_error ? std::nullopt : std::optional<Outcome>(last.outcome));
  }
  session.finish();
  return session.report();
}

Trace expand_scale_input(const ScaleInput& input) {
  Trace trace = input.start;
  ScaleExpansion expansion(input);
  while (std::optional<Step> next = expansion.next()) {
    trace.steps.push_back(std::move(*next));
    expansion.observe(Outcome{});
  }
  return trace;
}

}  // namespace iovacheck::fuzz
