// Reading the trace format (trace-format.md). Every error is a TraceError naming the line and
// the column of the offending token and saying what was expected there.
#include <algorithm>
#include <array>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/name_table.h"
#include "model/trace_io.h"
#include "model/trace_lexer.h"

namespace iovacheck {

TraceError::TraceError(std::size_t line, std::size_t column, const std::string& message)
    : std::runtime_error("line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message),
      line_(line),
      column_(column),
      message_(message) {}

namespace {

using trace_lexer::Statement;
using trace_lexer::Token;

constexpr std::string_view kArrow = "=>";
constexpr std::array<std::string_view, 8> kOperationWords = {"alloc",   "fast",  "free", "ffree",
                                                             "reserve", "flush", "trim", "find"};
constexpr std::array<std::string_view, 4> kSnapshotWords = {"node", "cached32", "cached", "max32"};
// With the statement words above, the words a name may not be.
constexpr std::array<std::string_view, 13> kOtherReservedWords = {
    "iova-trace", "domain", "unaligned", "noflush", "fail", "ok", "none",
    "anchor",     "depot",  "all",       "limit",   "size", "cpu"};

template <class... Parts>
std::string concat(const Parts&... parts) {
  std::string out;
  (out += ... += parts);
  return out;
}

template <std::size_t N>
bool is_one_of(std::string_view word, const std::array<std::string_view, N>& words) {
  return std::ranges::find(words, word) != words.end();
}

bool is_reserved(std::string_view word) {
  return is_one_of(word, kOperationWords) || is_one_of(word, kSnapshotWords) || is_one_of(word, kOtherReservedWords);
}

bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// [a-z][a-z0-9_]*
bool is_name_syntax(std::string_view text) {
  return !text.empty() && is_lower(text.front()) &&
         std::ranges::all_of(text, [](char c) { return is_lower(c) || is_digit(c) || c == '_'; });
}

// NAME[+fN...]: NAME is [a-z0-9][a-z0-9-]*, each fix f followed by digits. Which names and
// fixes exist is the implementations' business, checked where a trace is run.
bool is_variant_syntax(std::string_view text) {
  const std::string_view name = text.substr(0, text.find('+'));
  const bool name_ok = !name.empty() && name.front() != '-' &&
                       std::ranges::all_of(name, [](char c) { return is_lower(c) || is_digit(c) || c == '-'; });
  if (!name_ok) return false;
  for (std::size_t at = name.size(); at < text.size();) {
    const std::size_t end = std::min(text.find('+', at + 1), text.size());
    const std::string_view fix = text.substr(at + 1, end - at - 1);
    if (fix.size() < 2 || fix.front() != 'f' || !std::ranges::all_of(fix.substr(1), is_digit)) return false;
    at = end;
  }
  return true;
}

// What was expected at a place, in up to three pieces joined only when an error message is built:
// a statement that parses allocates nothing for its messages.
struct Expected {
  Expected(const char* text) : first(text) {}        // NOLINT: implicit, as a plain wording
  Expected(std::string_view text) : first(text) {}  // NOLINT: implicit, as a plain wording
  Expected(std::string_view a, std::string_view b, std::string_view c) : first(a), second(b), third(c) {}
  std::string text() const { return concat(first, second, third); }
  std::string_view first, second, third;
};

// A token as quoted in a message; long junk is cut so the message stays readable.
std::string quoted(std::string_view text) {
  constexpr std::size_t kShown = 40;
  if (text.empty()) return "nothing";
  if (text.size() > kShown) return concat("'", text.substr(0, kShown), "...'");
  return concat("'", text, "'");
}

// The part of a key=value token after the first `prefix_length` characters, with its own column.
Token suffix_token(const Token& token, std::size_t prefix_length) {
  return Token{token.text.substr(prefix_length), token.column + prefix_length};
}

std::string join_alternatives(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

// One statement's tokens, read left to right; every error names the offending token's column.
class Cursor {
 public:
  explicit Cursor(const Statement& statement)
      : line_(statement.line), tokens_(statement.tokens), end_column_(statement.end_column) {}

  std::size_t line() const { return line_; }
  bool at_end() const { return next_ == tokens_.size(); }
  const Token* peek() const { return at_end() ? nullptr : &tokens_[next_]; }
  const Token& take() { return tokens_[next_++]; }  // precondition: !at_end()

  // Splits off the tokens before `separator` (or all that remain) into their own cursor;
  // this cursor continues at the separator.
  Cursor until(std::string_view separator) {
    const auto rest = tokens_.subspan(next_);
    const auto found = std::ranges::find(rest, separator, &Token::text);
    const auto length = static_cast<std::size_t>(found - rest.begin());
    Cursor before = *this;
    before.tokens_ = rest.first(length);
    before.next_ = 0;
    before.separator_ = separator;
    if (found != rest.end()) {
      before.end_column_ = found->column;
      before.separator_found_ = true;
    }
    next_ += length;
    return before;
  }

  [[noreturn]] void fail(const Token& at, const std::string& message) const {
    throw TraceError(line_, at.column, message);
  }
  [[noreturn]] void fail_at_end(const std::string& message) const { throw TraceError(line_, end_column_, message); }

  // The next token; fails saying `expected` when there is none.
  const Token& expect(const Expected& expected) {
    if (at_end()) fail_at_end(concat("expected ", expected.text(), ", got ", end_found()));
    return take();
  }
  void expect_end() const {
    if (!at_end()) fail(tokens_[next_], concat("expected ", end_expected(), ", got ", quoted(tokens_[next_].text)));
  }

  Pfn number(const Token& token, const Expected& expected) const {
    const auto read = trace_lexer::read_number(token.text);
    if (read.status == trace_lexer::NumberStatus::NotANumber)
      fail(token, concat("expected ", expected.text(), ", got ", quoted(token.text)));
    if (read.status == trace_lexer::NumberStatus::TooLarge)
      fail(token, concat("expected ", expected.text(), " no larger than ", hex(kMaxPfn), ", got ", quoted(token.text)));
    return read.value;
  }
  Pfn take_number(const Expected& expected) { return number(expect(expected), expected); }

 private:
  std::size_t line_;
  std::span<const Token> tokens_;
  std::size_t next_ = 0;
  std::size_t end_column_;
  // Set by until(): the separator that may follow the last token, and whether it does.
  std::string_view separator_;
  bool separator_found_ = false;

  std::string end_found() const { return separator_found_ ? concat("'", separator_, "'") : "end of line"; }
  std::string end_expected() const { return separator_.empty() ? "end of line" : concat("'", separator_, "' or end of line"); }
};

// The key=value arguments and flags after a statement's positional arguments: any order,
// each at most once, nothing unknown.
class Options {
 public:
  Options(Cursor& cursor, std::string_view statement, std::initializer_list<std::string_view> keys,
          std::initializer_list<std::string_view> flags)
      : cursor_(cursor), statement_(statement) {
    if (keys.size() > kMostKeys || flags.size() > kMostKeys) throw std::logic_error("Options: more keys than kMostKeys");
    while (!cursor.at_end()) add(cursor.take(), keys, flags);
  }

  bool has(std::string_view key) const { return find_value(key) != nullptr; }
  bool has_flag(std::string_view flag) const {
    return std::ranges::find(flags_.begin(), flags_.begin() + flag_count_, flag) != flags_.begin() + flag_count_;
  }

  // The value part of key=value; a required key fails when absent.
  const Token& value(std::string_view key) const {
    const Token* found = find_value(key);
    if (!found) cursor_.fail_at_end(concat("expected a '", key, "=' argument for '", statement_, "'"));
    return *found;
  }
  Pfn number(std::string_view key) const { return cursor_.number(value(key), Expected("a number after '", key, "='")); }

 private:
  void add(const Token& token, std::initializer_list<std::string_view> keys,
           std::initializer_list<std::string_view> flags) {
    const std::size_t equals = token.text.find('=');
    const bool is_flag = equals == std::string_view::npos;
    const std::string_view key = token.text.substr(0, equals);
    const std::initializer_list<std::string_view>& known = is_flag ? flags : keys;
    if (std::ranges::find(known, key) == known.end())
      cursor_.fail(
          token, concat("expected one of ", allowed(keys, flags), " for '", statement_, "', got ", quoted(token.text)));
    if (is_flag ? has_flag(key) : has(key))
      cursor_.fail(token, concat("expected '", token.text.substr(0, equals + (is_flag ? 0 : 1)),
                                 "' at most once, got it again"));
    // Each key and flag at most once, so the arrays never hold more than the statement knows.
    if (is_flag)
      flags_[flag_count_++] = key;
    else
      values_[value_count_++] = {key, suffix_token(token, equals + 1)};
  }

  const Token* find_value(std::string_view key) const {
    for (std::size_t i = 0; i < value_count_; ++i)
      if (values_[i].first == key) return &values_[i].second;
    return nullptr;
  }

  static std::string allowed(std::initializer_list<std::string_view> keys,
                             std::initializer_list<std::string_view> flags) {
    std::vector<std::string> words;
    for (const std::string_view key : keys) words.push_back(concat(key, "="));
    for (const std::string_view flag : flags) words.emplace_back(flag);
    return join_alternatives(words);
  }

  static constexpr std::size_t kMostKeys = 8;  // the domain statement's six are the most
  Cursor& cursor_;
  std::string_view statement_;
  std::array<std::pair<std::string_view, Token>, kMostKeys> values_{};
  std::size_t value_count_ = 0;
  std::array<std::string_view, kMostKeys> flags_{};
  std::size_t flag_count_ = 0;
};

// Collects the snapshot statements; checks what one line can check at once and node
// references once all nodes are known.
class SnapshotReader {
 public:
  void parse(Cursor& cursor, const Token& keyword) {
    seen_ = true;
    if (keyword.text == "node") return parse_node(cursor);
    if (keyword.text == "cached32") return parse_reference(cursor, keyword, cached32_);
    if (keyword.text == "cached") return parse_reference(cursor, keyword, cached_);
    parse_max32(cursor, keyword);
  }

  std::optional<Snapshot> finish() const {
    if (!seen_) return std::nullopt;
    Snapshot snapshot;
    for (const auto& [lo, node] : nodes_) snapshot.nodes.push_back(node.range);
    snapshot.cached32 = resolve(cached32_);
    snapshot.cached = resolve(cached_);
    if (max32_) snapshot.max32 = max32_->value;
    return snapshot;
  }

 private:
  struct PlacedNode {
    Range range;
    std::size_t line = 0;
  };
  struct Reference {
    std::string keyword;
    NodeRef ref;
    std::size_t line = 0;
    std::size_t column = 0;
  };
  struct Max32 {
    Pfn value = 0;
    std::size_t line = 0;
  };

  void parse_node(Cursor& cursor) {
    const Token& lo_token = cursor.expect("LO (a pfn) after 'node'");
    const Pfn lo = cursor.number(lo_token, "LO (a pfn) after 'node'");
    const Token& hi_token = cursor.expect("HI (a pfn) after 'node LO'");
    const Pfn hi = cursor.number(hi_token, "HI (a pfn) after 'node LO'");
    if (hi < lo) cursor.fail(hi_token, concat("expected HI >= LO (", hex(lo), ") after 'node LO', got ", hex(hi)));
    if (hi == kMaxPfn)
      cursor.fail(hi_token, concat("expected HI below the anchor at ", hex(kMaxPfn), ", got ", hex(hi)));
    const Range range{lo, hi};
    if (const PlacedNode* other = overlapping(range))
      cursor.fail(lo_token, concat("expected nodes that do not overlap, got ", to_string(range), " overlapping ",
                                   to_string(other->range), " from line ", std::to_string(other->line)));
    cursor.expect_end();
    nodes_.emplace(lo, PlacedNode{range, cursor.line()});
  }

  const PlacedNode* overlapping(const Range& range) const {
    const auto above = nodes_.lower_bound(range.lo);
    if (above != nodes_.end() && above->second.range.overlaps(range)) return &above->second;
    if (above != nodes_.begin() && std::prev(above)->second.range.overlaps(range)) return &std::prev(above)->second;
    return nullptr;
  }

  static void fail_if_repeated(const Cursor& cursor, const Token& keyword, std::optional<std::size_t> first_line) {
    if (first_line)
      cursor.fail(keyword, concat("expected '", keyword.text, "' at most once, got it again (first on line ",
                                  std::to_string(*first_line), ")"));
  }

  void parse_reference(Cursor& cursor, const Token& keyword, std::optional<Reference>& slot) {
    fail_if_repeated(cursor, keyword, slot ? std::optional(slot->line) : std::nullopt);
    const Expected expected("a node's LO or 'anchor' after '", keyword.text, "'");
    const Token& token = cursor.expect(expected);
    NodeRef ref;
    if (token.text != "anchor") ref.lo = cursor.number(token, expected);
    cursor.expect_end();
    slot = Reference{std::string(keyword.text), ref, cursor.line(), token.column};
  }

  void parse_max32(Cursor& cursor, const Token& keyword) {
    fail_if_repeated(cursor, keyword, max32_ ? std::optional(max32_->line) : std::nullopt);
    const Pfn value = cursor.take_number("a size after 'max32'");
    cursor.expect_end();
    max32_ = Max32{value, cursor.line()};
  }

  std::optional<NodeRef> resolve(const std::optional<Reference>& reference) const {
    if (!reference) return std::nullopt;
    const NodeRef& ref = reference->ref;
    if (!ref.is_anchor() && !nodes_.contains(*ref.lo))
      throw TraceError(reference->line, reference->column,
                       concat("expected the LO of a snapshot node or 'anchor' after '", reference->keyword, "', got ",
                              hex(*ref.lo), ", which starts no node"));
    return ref;
  }

  bool seen_ = false;
  std::map<Pfn, PlacedNode> nodes_;
  std::optional<Reference> cached32_;
  std::optional<Reference> cached_;
  std::optional<Max32> max32_;
};

// A statement's optional "name:" prefix and its keyword.
struct Head {
  std::optional<Token> name;
  Token keyword;
};

class Parser {
 public:
  explicit Parser(trace_lexer::StatementSource& reader) : reader_(reader) {}

  Trace parse() {
    parse_head();
    while (const auto statement = reader_.next()) parse_statement(*statement);
    if (first_operation_line_ == 0) trace_.snapshot = snapshot_.finish();
    return std::move(trace_);
  }

  // Streaming: the header and domain statements, then one step at a time.
  void parse_head() {
    parse_header(next_or_fail("'iova-trace 1' as the first statement"));
    parse_domain(next_or_fail("a 'domain' statement after 'iova-trace 1'"));
  }
  std::optional<Step> next_step() {
    while (const auto statement = reader_.next()) {
      parse_statement(*statement);
      if (!trace_.steps.empty()) {
        Step step = std::move(trace_.steps.back());
        trace_.steps.clear();
        return step;
      }
    }
    if (first_operation_line_ == 0) trace_.snapshot = snapshot_.finish();
    return std::nullopt;
  }
  // The trace's head (geometry, variant, snapshot once the first operation has been read).
  const Trace& head() const { return trace_; }
  bool defines(std::string_view name) const { return names_.contains(name); }

 private:
  const Statement& next_or_fail(std::string_view expected) {
    const Statement* statement = reader_.next();
    if (!statement) throw TraceError(reader_.end_line(), 1, concat("expected ", expected, ", got end of input"));
    return *statement;
  }

  void parse_header(const Statement& statement) {
    Cursor cursor(statement);
    const Token& keyword = cursor.take();
    if (keyword.text != "iova-trace")
      cursor.fail(keyword, concat("expected 'iova-trace 1' as the first statement, got ", quoted(keyword.text)));
    const Token& version = cursor.expect("a version number after 'iova-trace'");
    if (cursor.number(version, "a version number after 'iova-trace'") != 1)
      cursor.fail(version, concat("unsupported trace version ", version.text, " (expected 1)"));
    cursor.expect_end();
  }

  void parse_domain(const Statement& statement) {
    Cursor cursor(statement);
    const Token& keyword = cursor.take();
    if (keyword.text != "domain")
      cursor.fail(keyword,
                  concat("expected 'domain granule=.. start=..' as the second statement, got ", quoted(keyword.text)));
    const Options options(cursor, keyword.text, {"granule", "start", "dma32", "mag", "cpus", "variant"}, {});
    Geometry& geometry = trace_.geometry;
    geometry.granule = options.number("granule");
    geometry.start_pfn = options.number("start");
    // A bad granule has no real dma32; geometry_error reports the granule before the dma32.
    geometry.dma32_pfn =
        options.has("dma32") ? options.number("dma32") : Geometry::real_dma32(geometry.granule).value_or(0);
    if (options.has("mag")) geometry.mag_size = count_value(cursor, options.value("mag"), "mag");
    if (options.has("cpus")) geometry.cpus = count_value(cursor, options.value("cpus"), "cpus");
    if (options.has("variant")) trace_.variant = variant_name(cursor, options.value("variant"));
    if (const auto error = geometry_error(geometry)) cursor.fail(keyword, *error);
  }

  static unsigned count_value(const Cursor& cursor, const Token& token, std::string_view key) {
    const Expected expected("a count after '", key, "='");
    const Pfn value = cursor.number(token, expected);
    if (value > std::numeric_limits<unsigned>::max())
      cursor.fail(token, concat("expected ", expected.text(), " below 2^32, got ", quoted(token.text)));
    return static_cast<unsigned>(value);
  }

  static std::string variant_name(const Cursor& cursor, const Token& token) {
    if (!is_variant_syntax(token.text))
      cursor.fail(token,
                  concat("expected a variant NAME[+fN...] (NAME [a-z0-9][a-z0-9-]*, e.g. mainline+f1) after 'variant=', got ",
                         quoted(token.text)));
    return std::string(token.text);
  }

  void parse_statement(const Statement& statement) {
    Cursor cursor(statement);
    const Head head = read_head(cursor);
    const std::string_view word = head.keyword.text;
    std::string name;
    if (head.name) {
      name = define_name(cursor, *head.name);
      if (word != "alloc" && word != "fast")
        cursor.fail(head.keyword, concat("expected 'alloc' or 'fast' after '", name, ":', got ", quoted(word)));
    }
    if (is_one_of(word, kSnapshotWords)) return parse_snapshot_statement(cursor, head.keyword);
    if (!is_one_of(word, kOperationWords)) cursor.fail(head.keyword, unknown_statement(word));
    if (first_operation_line_ == 0) {
      first_operation_line_ = cursor.line();
      trace_.snapshot = snapshot_.finish();
    }
    trace_.steps.push_back(parse_step(cursor, head.keyword, std::move(name)));
  }

  // An operation and its expectation, if any.
  Step parse_step(Cursor& cursor, const Token& keyword, std::string name) {
    Cursor arguments = cursor.until(kArrow);
    Step step;
    step.line = cursor.line();
    step.op = parse_operation(arguments, keyword, std::move(name));
    if (!cursor.at_end()) {
      cursor.take();  // the arrow
      step.expect = parse_expectation(cursor, step.op);
    }
    return step;
  }

  static Head read_head(Cursor& cursor) {
    const Token& first = cursor.take();
    if (first.text.ends_with(':')) {
      const Token name{first.text.substr(0, first.text.size() - 1), first.column};
      return {name, cursor.expect(Expected("'alloc' or 'fast' after '", first.text, "'"))};
    }
    if (cursor.peek() != nullptr && cursor.peek()->text == ":") {
      cursor.take();
      return {first, cursor.expect(Expected("'alloc' or 'fast' after '", first.text, " :'"))};
    }
    return {std::nullopt, first};
  }

  static std::string unknown_statement(std::string_view word) {
    if (word == "iova-trace" || word == "domain")
      return concat("expected an operation or a snapshot statement, got a second '", word,
                    "' (the header comes once, first)");
    std::vector<std::string> words(kOperationWords.begin(), kOperationWords.end());
    words.insert(words.end(), kSnapshotWords.begin(), kSnapshotWords.end());
    return concat("expected a statement (", join_alternatives(words), "), got ", quoted(word));
  }

  std::string define_name(const Cursor& cursor, const Token& name) {
    if (!is_name_syntax(name.text))
      cursor.fail(name, concat("expected a name ([a-z][a-z0-9_]*) before ':', got ", quoted(name.text)));
    if (is_reserved(name.text))
      cursor.fail(name, concat("expected a name that is not a keyword before ':', got '", name.text, "'"));
    if (const auto earlier = names_.add(name.text, cursor.line()))
      cursor.fail(name, concat("expected a name not used before, got '", name.text, "' (defined on line ",
                               std::to_string(*earlier), ")"));
    return std::string(name.text);
  }

  void parse_snapshot_statement(Cursor& cursor, const Token& keyword) {
    if (first_operation_line_ != 0)
      cursor.fail(keyword, concat("expected snapshot statements before the first operation (line ",
                                  std::to_string(first_operation_line_), "), got '", keyword.text, "' after it"));
    snapshot_.parse(cursor, keyword);
  }

  Op parse_operation(Cursor& cursor, const Token& keyword, std::string name) {
    const std::string_view word = keyword.text;
    if (word == "alloc") return parse_alloc(cursor, std::move(name));
    if (word == "fast") return parse_fast(cursor, std::move(name));
    if (word == "free") return parse_free(cursor);
    if (word == "ffree") return parse_fast_free(cursor);
    if (word == "reserve") return parse_reserve(cursor);
    if (word == "flush") return parse_flush(cursor);
    if (word == "find") return parse_find(cursor);
    cursor.expect_end();  // "trim", the one operation word left, takes no arguments
    return Trim{};
  }

  static Alloc parse_alloc(Cursor& cursor, std::string name) {
    Alloc op;
    op.name = std::move(name);
    op.size = cursor.take_number("a size after 'alloc'");
    const Options options(cursor, "alloc", {"limit"}, {"unaligned"});
    op.limit = options.number("limit");
    op.aligned = !options.has_flag("unaligned");
    return op;
  }

  FastAlloc parse_fast(Cursor& cursor, std::string name) const {
    FastAlloc op;
    op.name = std::move(name);
    op.size = cursor.take_number("a size after 'fast'");
    const Options options(cursor, "fast", {"limit", "cpu"}, {"noflush"});
    op.limit = options.number("limit");
    if (options.has("cpu")) op.cpu = cpu_value(cursor, options.value("cpu"));
    op.flush = !options.has_flag("noflush");
    return op;
  }

  Free parse_free(Cursor& cursor) const {
    Free op;
    op.target = parse_target(cursor, "free");
    cursor.expect_end();
    return op;
  }

  FastFree parse_fast_free(Cursor& cursor) const {
    FastFree op;
    op.target = parse_target(cursor, "ffree");
    const Options options(cursor, "ffree", {"size", "cpu"}, {});
    op.size = options.number("size");
    if (options.has("cpu")) op.cpu = cpu_value(cursor, options.value("cpu"));
    return op;
  }

  static Reserve parse_reserve(Cursor& cursor) {
    Reserve op;
    op.lo = cursor.take_number("LO (a pfn) after 'reserve'");
    op.hi = cursor.take_number("HI (a pfn) after 'reserve LO'");
    cursor.expect_end();
    return op;
  }

  Flush parse_flush(Cursor& cursor) const {
    constexpr std::string_view kExpected = "cpu=N, depot or all after 'flush'";
    constexpr std::string_view kCpuKey = "cpu=";
    const Token& scope = cursor.expect(kExpected);
    Flush op;
    if (scope.text == "depot") {
      op.scope = Flush::Scope::Depot;
    } else if (scope.text == "all") {
      op.scope = Flush::Scope::All;
    } else if (scope.text.starts_with(kCpuKey)) {
      op.scope = Flush::Scope::Cpu;
      op.cpu = cpu_value(cursor, suffix_token(scope, kCpuKey.size()));
    } else {
      cursor.fail(scope, concat("expected ", kExpected, ", got ", quoted(scope.text)));
    }
    cursor.expect_end();
    return op;
  }

  static Find parse_find(Cursor& cursor) {
    Find op;
    op.pfn = cursor.take_number("a pfn after 'find'");
    cursor.expect_end();
    return op;
  }

  unsigned cpu_value(const Cursor& cursor, const Token& token) const {
    const Pfn value = cursor.number(token, "a cpu number after 'cpu='");
    const unsigned cpus = trace_.geometry.cpus;
    if (value >= cpus)
      cursor.fail(token, concat("expected a cpu below ", hex(cpus), " (the domain's cpus), got ", hex(value)));
    return static_cast<unsigned>(value);
  }

  Target parse_target(Cursor& cursor, std::string_view statement) const {
    const Expected expected("a pfn or an allocation name after '", statement, "'");
    const Token& token = cursor.expect(expected);
    Target target;
    if (is_digit(token.text.front())) {
      target.pfn = cursor.number(token, expected);
    } else if (!is_name_syntax(token.text)) {
      cursor.fail(token, concat("expected ", expected.text(), ", got ", quoted(token.text)));
    } else if (!names_.contains(token.text)) {
      cursor.fail(token, concat("expected the name of an allocation on an earlier line after '", statement, "', got '",
                                token.text, "', which no earlier line defines"));
    } else {
      target.name = token.text;
    }
    return target;
  }

  static Expectation parse_expectation(Cursor& cursor, const Op& op) {
    const Token& first = cursor.expect(kExpectationForms);
    std::optional<Expectation> expectation = word_expectation(first.text);
    if (!expectation) expectation = position_expectation(cursor, first);
    cursor.expect_end();
    if (!expectation_applies(op, expectation->kind))
      cursor.fail(first, concat("expected ", applicable_expectations(op), " after '", keyword(op), " ... =>', got ",
                                quoted(first.text)));
    return *expectation;
  }

  static constexpr std::string_view kExpectationForms = "fail, ok, none or a pfn after '=>'";

  static std::optional<Expectation> word_expectation(std::string_view word) {
    Expectation expectation;
    if (word == "fail")
      expectation.kind = Expectation::Kind::Fail;
    else if (word == "ok")
      expectation.kind = Expectation::Kind::Ok;
    else if (word == "none")
      expectation.kind = Expectation::Kind::None;
    else
      return std::nullopt;
    return expectation;
  }

  // "=> PFN" or "=> LO HI"; a single pfn is kept as [pfn, pfn] so the Range stays well formed.
  static Expectation position_expectation(Cursor& cursor, const Token& first) {
    const Pfn lo = cursor.number(first, kExpectationForms);
    Expectation expectation;
    expectation.kind = Expectation::Kind::At;
    expectation.value = Range{lo, lo};
    if (cursor.at_end()) return expectation;
    const Token& hi_token = cursor.take();
    const Pfn hi = cursor.number(hi_token, "HI (a pfn) after '=> LO'");
    if (hi < lo) cursor.fail(hi_token, concat("expected HI >= LO (", hex(lo), ") after '=> LO', got ", hex(hi)));
    expectation.kind = Expectation::Kind::Node;
    expectation.value = Range{lo, hi};
    return expectation;
  }

  static std::string applicable_expectations(const Op& op) {
    using Kind = Expectation::Kind;
    constexpr std::array<std::pair<Kind, std::string_view>, 5> kForms = {
        {{Kind::Fail, "fail"}, {Kind::Ok, "ok"}, {Kind::At, "PFN"}, {Kind::Node, "LO HI"}, {Kind::None, "none"}}};
    std::vector<std::string> forms;
    for (const auto& [kind, form] : kForms)
      if (expectation_applies(op, kind)) forms.emplace_back(form);
    return join_alternatives(forms);
  }

  trace_lexer::StatementSource& reader_;
  Trace trace_;
  SnapshotReader snapshot_;
  NameTable names_;  // name -> line that defined it
  std::size_t first_operation_line_ = 0;                   // 0: none yet
};

}  // namespace

Trace parse_trace(std::string_view text) {
  trace_lexer::StatementReader reader(text);
  return Parser(reader).parse();
}

class TraceStream::Reader {
 public:
  Reader(std::istream& in, std::size_t max_line_length) : lines_(in, max_line_length), parser_(lines_) {
    parser_.parse_head();
    pending_ = parser_.next_step();  // the snapshot ends at the first operation
  }

  const Trace& head() const { return parser_.head(); }
  std::optional<Step> next() {
    std::optional<Step> step = std::move(pending_);
    pending_.reset();
    if (!step) return std::nullopt;
    pending_ = parser_.next_step();
    return step;
  }
  std::uint64_t bytes_read() const { return lines_.bytes_read(); }
  bool defines(std::string_view name) const { return parser_.defines(name); }

 private:
  trace_lexer::StreamStatementReader lines_;
  Parser parser_;
  std::optional<Step> pending_;
};

TraceStream::TraceStream(std::istream& in, std::size_t max_line_length)
    : reader_(std::make_unique<Reader>(in, max_line_length)) {}
TraceStream::~TraceStream() = default;
const Trace& TraceStream::head() const { return reader_->head(); }
std::optional<Step> TraceStream::next() { return reader_->next(); }
std::uint64_t TraceStream::bytes_read() const { return reader_->bytes_read(); }
bool TraceStream::defines(std::string_view name) const { return reader_->defines(name); }

}  // namespace iovacheck
