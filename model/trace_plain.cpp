#include "model/trace_plain.h"

#include <string>

#include "model/trace_lexer.h"
#include "model/trace_words.h"

namespace iovacheck::trace_plain {

namespace {

// The rest of a line, read left to right; every read either consumes what it names or fails
// (and the line is declined).
class PlainCursor {
 public:
  explicit PlainCursor(std::string_view line) : rest_(line) {}

  bool at_end() const { return rest_.empty(); }
  // Consumes `text` when the rest starts with it.
  bool take(std::string_view text) {
    if (!trace_words::same_text(rest_.substr(0, text.size()), text)) return false;
    rest_.remove_prefix(text.size());
    return true;
  }
  // The token characters up to the next byte that is none (a space, the end, or a byte only the
  // general parser handles).
  std::string_view word() {
    const std::size_t length = trace_lexer::token_length(rest_.data(), rest_.data() + rest_.size());
    const std::string_view taken = rest_.substr(0, length);
    rest_.remove_prefix(length);
    return taken;
  }
  bool number(Pfn& value) {
    const auto read = trace_lexer::read_number(word());
    value = read.value;
    return read.status == trace_lexer::NumberStatus::Ok;
  }
  // " KEY=N" when the rest starts with it; absent is no failure, a bad number is.
  bool optional_number(std::string_view key_and_equals, Pfn& value, bool& given) {
    given = take(key_and_equals);
    return !given || number(value);
  }

 private:
  std::string_view rest_;
};

bool read_cpu(PlainCursor& cursor, unsigned cpus, unsigned& cpu) {
  Pfn value = 0;
  bool given = false;
  if (!cursor.optional_number(" cpu=", value, given) || (given && value >= cpus)) return false;
  cpu = given ? static_cast<unsigned>(value) : 0;
  return true;
}

bool read_alloc(PlainCursor& cursor, std::string_view name, Op& op) {
  Alloc& alloc = op.emplace<Alloc>(Alloc{.name = std::string(name)});
  if (!cursor.number(alloc.size) || !cursor.take(" limit=") || !cursor.number(alloc.limit)) return false;
  alloc.aligned = !cursor.take(" unaligned");
  return cursor.at_end();
}

bool read_fast(PlainCursor& cursor, std::string_view name, unsigned cpus, Op& op) {
  FastAlloc& fast = op.emplace<FastAlloc>(FastAlloc{.name = std::string(name)});
  if (!cursor.number(fast.size) || !cursor.take(" limit=") || !cursor.number(fast.limit)) return false;
  if (!read_cpu(cursor, cpus, fast.cpu)) return false;
  fast.flush = !cursor.take(" noflush");
  return cursor.at_end();
}

// A pfn (it starts with a digit) or the name of an allocation an earlier line defines.
bool read_target(PlainCursor& cursor, const NameTable& names, Target& target) {
  const std::string_view text = cursor.word();
  if (text.empty()) return false;
  if (trace_words::is_digit(text.front())) {
    const auto read = trace_lexer::read_number(text);
    target.pfn = read.value;
    return read.status == trace_lexer::NumberStatus::Ok;
  }
  if (!trace_words::is_name_syntax(text) || !names.contains(text)) return false;
  target.name = text;
  return true;
}

bool read_free(PlainCursor& cursor, const NameTable& names, Op& op) {
  return read_target(cursor, names, op.emplace<Free>().target) && cursor.at_end();
}

bool read_fast_free(PlainCursor& cursor, const NameTable& names, unsigned cpus, Op& op) {
  FastFree& fast_free = op.emplace<FastFree>();
  if (!read_target(cursor, names, fast_free.target)) return false;
  if (!cursor.take(" size=") || !cursor.number(fast_free.size)) return false;
  return read_cpu(cursor, cpus, fast_free.cpu) && cursor.at_end();
}

// "NAME: " at the start of the line, the name a definable one; `name` is empty when the line
// defines none.
bool read_definition(PlainCursor& cursor, std::string_view line, std::string_view& name) {
  std::size_t end = 0;
  while (end < line.size() && trace_words::kNameBytes[static_cast<unsigned char>(line[end])]) ++end;
  if (!trace_words::same_text(line.substr(end, 2), ": ")) {
    name = {};
    return true;  // no definition here, or not a plain one: then no keyword below matches
  }
  name = line.substr(0, end);
  return trace_words::is_definable_name(name) && cursor.take(line.substr(0, end + 2));
}

}  // namespace

bool read_plain_operation(std::string_view line, unsigned cpus, const NameTable& names, Op& op,
                          std::string_view& defined) {
  PlainCursor cursor(line);
  if (!read_definition(cursor, line, defined)) return false;
  if (cursor.take("alloc ")) return read_alloc(cursor, defined, op);
  if (cursor.take("fast ")) return read_fast(cursor, defined, cpus, op);
  if (!defined.empty()) return false;  // only an allocation defines a name
  if (cursor.take("free ")) return read_free(cursor, names, op);
  if (cursor.take("ffree ")) return read_fast_free(cursor, names, cpus, op);
  return false;
}

}  // namespace iovacheck::trace_plain
