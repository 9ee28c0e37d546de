#pragma once
// log-check: what a kernel log with dump_iova_rbtree dumps says, checked against the spec and
// replayed on the variants. Every dump is read and validated, its 32-bit estimate checked; the
// failed request the log names is replayed from every complete dump (as dumped, and after one
// free below cached32_node); two dumps with the fast path's flush between them are joined by
// the history the log records, and each variant is asked whether it can get from one to the other.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "field/inspect.h"
#include "harness/implementation.h"
#include "model/dump_log.h"
#include "model/dump_state.h"

namespace iovacheck::field {

// The failed allocation the log names.
struct FailedRequest {
  Pfn size = 0;
  std::optional<Pfn> limit;  // nullopt: the log does not say
  bool fast = false;         // alloc_iova_fast (size-aligned, flushes and retries)
  std::size_t line = 0;
  Op op() const;  // needs limit
};

// The request replayed from a state on one variant.
struct RequestRun {
  std::string variant;
  std::optional<std::string> error;
  bool placed = false;
  std::optional<Range> node;
  std::vector<TreeAttempt> attempts;
  std::optional<Violation> violation;  // the checker's verdict on the request's step (or before)
  std::string rebuilt;  // on a kernel: how its state was rebuilt through its API (no tree attempts)
};

struct DumpVerdict {
  DumpState state;
  EstimateCheck estimate;
  std::vector<RequestRun> as_dumped;         // empty: not replayed (see replay_note)
  std::optional<Range> freed_below_cached32;  // the node the second replay frees first
  std::vector<RequestRun> after_free;
  std::string replay_note;  // why the request was not replayed from this dump, if it was not
  bool inconsistent() const { return !state.violations.empty() || estimate.stale.has_value(); }
};

// One variant's attempt to get from the earlier dump to the later one the way the log says.
struct HistoryRun {
  std::string variant;
  bool reaches = false;
  std::vector<std::string> how;          // what the frees and the retry did to the hints
  std::vector<std::string> differences;  // where the result differs from the later dump
  std::optional<Violation> violation;
};

struct History {
  std::size_t from = 0;  // indices into LogReport::dumps
  std::size_t to = 0;
  std::size_t flush_line = 0;
  std::vector<std::string> reconstruction;  // what was assumed, and why that is enough
  std::optional<std::string> cannot;         // why the history could not be replayed
  std::vector<HistoryRun> runs;
  Trace trace;  // the replayed history: the earlier dump completed, the frees, the retry
};

struct LogReport {
  std::vector<DumpVerdict> dumps;
  std::optional<FailedRequest> request;
  std::vector<std::string> request_notes;
  std::vector<History> histories;
  bool inconsistent() const;
};

// Checks a parsed log; `variants` are the variants to replay on (every implemented one when empty).
// On a kernel (`implementation`), which cannot start from a snapshot, each dump's state is
// rebuilt through its API (harness/rebuild.h) and the request replayed there when that reaches
// the dumped state exactly; otherwise the run says why not. Histories are replayed on impl/ only.
LogReport check_log(const DumpLog& log, const std::vector<std::string>& variants,
                    const ImplementationChoice& implementation = {});

// The state of a dump as a snapshot trace on `variant`, with the request as its one step when the
// log names one with a limit; comments say where it came from. Throws std::invalid_argument for a
// partial dump or one whose nodes overlap (no snapshot can hold it).
Trace dump_trace(const DumpVerdict& dump, const std::optional<FailedRequest>& request, const std::string& variant);

}  // namespace iovacheck::field
