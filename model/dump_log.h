#pragma once
// Kernel logs with dump_iova_rbtree-style dumps of an iova_domain (docs/spec.md
// section 6), as engineers paste them: kernel timestamps and tags before each line, lines wrapped
// by mail, "N lines of log are omitted" notes, several dumps per file. This is the lexical layer:
// it records what the log prints, as printed; dump_state.h gives it meaning.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace iovacheck {

// A log that cannot be read as one: names the line and column (1-based).
class LogError : public std::runtime_error {
 public:
  LogError(std::size_t line, std::size_t column, const std::string& message);
  std::size_t line() const { return line_; }
  std::size_t column() const { return column_; }
  const std::string& message() const { return message_; }

 private:
  std::size_t line_;
  std::size_t column_;
  std::string message_;
};

// "key:value" fields of one logical record (a header, an event), numbers as printed.
// Keys the dumps use: iovad rbroot cached_node cached32_node granule start_pfn dma_32bit_pfn
// max32_alloc_size size limit_pfn count total_size (KB).
using LogFields = std::map<std::string, std::uint64_t, std::less<>>;

// One node line: "INDEX OBJECT PFN_LO SIZE PFN_HI", values as printed (bytes when the dump is
// shifted by the granule).
struct DumpLine {
  std::size_t line = 0;  // where the node line starts
  std::uint64_t index = 0;
  std::uint64_t object = 0;  // the struct iova's address
  std::uint64_t lo = 0;
  std::uint64_t size = 0;
  std::uint64_t hi = 0;
};

// "...322 lines of log are omitted here...": that many node lines are missing after the
// `after` first node lines of the dump.
struct Omission {
  std::size_t line = 0;
  std::optional<std::uint64_t> count;  // nullopt when the note gives no number
  std::size_t after = 0;
};

struct Dump {
  std::size_t first_line = 0;   // "dump_iova_rbtree start"
  std::size_t last_line = 0;    // "dump_iova_rbtree done", or the last line of the log
  LogFields header;             // iovad, rbroot, cached_node, cached32_node, granule, ...
  bool says_shifted = false;    // the log notes that pfn_lo, size, pfn_hi carry iova_shift
  std::vector<DumpLine> lines;  // in printed order, the anchor line included
  std::vector<Omission> omissions;
  std::optional<LogFields> done;  // "dump_iova_rbtree done" fields (count, total_size); nullopt: cut off
};

// A line that says an allocation failed or the fast path flushed and retried.
struct LogEvent {
  enum class Kind {
    TreeFailure,   // __alloc_and_insert_iova_range failed (size, maybe the domain's fields)
    FlushRetry,    // alloc_iova_fast failed, flushes the range caches and retries (size, limit_pfn)
  };
  Kind kind = Kind::TreeFailure;
  std::size_t line = 0;
  LogFields fields;
  std::string text;  // the record as joined, prefixes removed
};

struct DumpLog {
  std::vector<Dump> dumps;
  std::vector<LogEvent> events;  // in log order
};

// Reads every dump and event; other text (mail, commentary) is skipped. Throws LogError on a
// record that starts like a dump's but does not parse, and when the log holds no dump.
DumpLog parse_dump_log(std::string_view text);

}  // namespace iovacheck
