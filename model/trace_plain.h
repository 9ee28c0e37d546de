#pragma once
// Internal to the trace parser: the operation lines that engines print and generators write,
// read straight from the line's bytes. The general parser cuts a line into tokens first and
// accepts any spacing, key order, comment and expectation; that costs about three times as much
// as the line itself, and a long trace is millions of lines of four plain shapes:
//
//   [NAME: ]alloc SIZE limit=LIMIT[ unaligned]
//   [NAME: ]fast SIZE limit=LIMIT[ cpu=CPU][ noflush]
//   free TARGET
//   ffree TARGET size=SIZE[ cpu=CPU]
//
// (one space between tokens, the keys in the order print_trace writes them, numbers as the
// format allows them, no expectation, no comment, nothing after). A line of one of these shapes
// that is valid gives the very operation the general parser gives; any other line, valid or not,
// is declined and left to the general parser, which reads it or names its error. So the plain
// reader changes what a trace costs, never what it means or how an error reads.
#include <string_view>

#include "model/name_table.h"
#include "model/op.h"

namespace iovacheck::trace_plain {

// Reads `line` into `op` when it is a valid plain operation line of a trace whose domain has
// `cpus` CPUs and whose earlier lines define `names`; `defined` is then the name the line
// defines (empty: none), which the caller still has to check is new and record. Returns false
// for any other line; `op` may then hold anything (the general parser builds it anew).
bool read_plain_operation(std::string_view line, unsigned cpus, const NameTable& names, Op& op,
                          std::string_view& defined);

}  // namespace iovacheck::trace_plain
