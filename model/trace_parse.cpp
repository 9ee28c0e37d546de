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

#include "model/concat.h"
#include "model/name_table.h"
#include "model/trace_io.h"
#include "model/trace_lexer.h"
#include "model/trace_plain.h"
#include "model/trace_words.h"

namespace iovacheck {

TraceError::TraceError(std::size_t line, std::size_t column, const std::string& message)
    : std::runtime_error("line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message),
      line_(line),
      column_(column),
      message_(message) {}

namespace {

using trace_lexer::Statement;
using trace_lexer::Token;

using trace_words::classify;
using trace_words::spelling;
using trace_words::Word;

constexpr std::string_view kArrow = "=>";

using trace_words::is_digit;
using trace_words::is_lower;
using trace_words::is_name_syntax;

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
    const auto found = std::ranges::find_if(
        rest, [separator](const Token& token) { return trace_words::same_text(token.text, separator); });
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
    if (at_end()) [[unlikely]]
      fail_missing(expected);
    return take();
  }
  void expect_end() const {
    if (!at_end()) [[unlikely]]
      fail_not_at_end();
  }

  Pfn number(const Token& token, const Expected& expected) const {
    const auto read = trace_lexer::read_number(token.text);
    if (read.status != trace_lexer::NumberStatus::Ok) [[unlikely]]
      fail_number(token, expected, read.status);
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

  // The error paths are out of line (cold), so a statement that parses runs only the checks.
  [[noreturn, gnu::cold, gnu::noinline]] void fail_missing(const Expected& expected) const {
    fail_at_end(concat("expected ", expected.text(), ", got ", end_found()));
  }
  [[noreturn, gnu::cold, gnu::noinline]] void fail_not_at_end() const {
    fail(tokens_[next_], concat("expected ", end_expected(), ", got ", quoted(tokens_[next_].text)));
  }
  [[noreturn, gnu::cold, gnu::noinline]] void fail_number(const Token& token, const Expected& expected,
                                                          trace_lexer::NumberStatus status) const {
    if (status == trace_lexer::NumberStatus::TooLarge)
      fail(token, concat("expected ", expected.text(), " no larger than ", hex(kMaxPfn), ", got ", quoted(token.text)));
    fail(token, concat("expected ", expected.text(), ", got ", quoted(token.text)));
  }

  std::string end_found() const { return separator_found_ ? concat("'", separator_, "'") : "end of line"; }
  std::string end_expected() const { return separator_.empty() ? "end of line" : concat("'", separator_, "' or end of line"); }
};

// The key=value arguments and flags after a statement's positional arguments: any order,
// each at most once, nothing unknown. Keys and flags are told apart by their Word, so a
// statement's arguments cost one classification each.
class Options {
 public:
  Options(Cursor& cursor, Word statement, std::initializer_list<Word> keys, std::initializer_list<Word> flags)
      : cursor_(cursor), statement_(statement) {
    if (keys.size() > kMostKeys) throw std::logic_error("Options: more keys than kMostKeys");
    for (const Word key : keys) key_set_ |= trace_words::bit(key);
    for (const Word flag : flags) flag_set_ |= trace_words::bit(flag);
    while (!cursor.at_end()) add(cursor.take(), keys, flags);
  }

  bool has(Word key) const { return (seen_ & trace_words::bit(key)) != 0; }
  bool has_flag(Word flag) const { return has(flag); }

  // The value part of key=value; a required key fails when absent.
  Token value(Word key) const {
    for (std::size_t i = 0; i < value_count_; ++i)
      if (values_[i].key == key) return suffix_token(*values_[i].token, values_[i].value_at);
    fail_absent(key);
  }
  Pfn number(Word key) const {
    return cursor_.number(value(key), Expected("a number after '", spelling(key), "='"));
  }

 private:
  void add(const Token& token, std::initializer_list<Word> keys, std::initializer_list<Word> flags) {
    // std::ranges::find rather than string_view::find: in line, no call to memchr for a few bytes.
    const auto equals_at = std::ranges::find(token.text, '=');
    const bool is_flag = equals_at == token.text.end();
    const std::size_t equals = is_flag ? std::string_view::npos : static_cast<std::size_t>(equals_at - token.text.begin());
    const Word key = classify(token.text.substr(0, equals));
    if (((is_flag ? flag_set_ : key_set_) & trace_words::bit(key)) == 0) [[unlikely]]
      fail_unknown(token, keys, flags);
    if (has(key)) [[unlikely]]
      fail_repeated(token, equals);
    seen_ |= trace_words::bit(key);
    // Each key at most once, so the array never holds more than the statement knows.
    if (!is_flag) values_[value_count_++] = Given{key, &token, equals + 1};
  }

  [[noreturn, gnu::cold, gnu::noinline]] void fail_absent(Word key) const {
    cursor_.fail_at_end(concat("expected a '", spelling(key), "=' argument for '", spelling(statement_), "'"));
  }
  [[noreturn, gnu::cold, gnu::noinline]] void fail_unknown(const Token& token, std::initializer_list<Word> keys,
                                                           std::initializer_list<Word> flags) const {
    cursor_.fail(token, concat("expected one of ", allowed(keys, flags), " for '", spelling(statement_), "', got ",
                               quoted(token.text)));
  }
  [[noreturn, gnu::cold, gnu::noinline]] void fail_repeated(const Token& token, std::size_t equals) const {
    const bool is_flag = equals == std::string_view::npos;
    cursor_.fail(token, concat("expected '", token.text.substr(0, equals + (is_flag ? 0 : 1)), "' at most once, got it again"));
  }

  // In the order the statement lists them.
  static std::string allowed(std::initializer_list<Word> keys, std::initializer_list<Word> flags) {
    std::vector<std::string> words;
    for (const Word key : keys) words.push_back(concat(spelling(key), "="));
    for (const Word flag : flags) words.emplace_back(spelling(flag));
    return join_alternatives(words);
  }

  static constexpr std::size_t kMostKeys = 8;  // the domain statement's six are the most
  Cursor& cursor_;
  Word statement_;
  std::uint64_t key_set_ = 0;
  std::uint64_t flag_set_ = 0;
  std::uint64_t seen_ = 0;  // keys and flags given so far
  // Trivial, so the array costs nothing until a key is given.
  struct Given {
    Word key;
    const Token* token;    // key=value, in the statement
    std::size_t value_at;  // where the value starts in it
  };
  std::array<Given, kMostKeys> values_;  // NOLINT: the first value_count_ are set
  std::size_t value_count_ = 0;
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
  explicit Parser(trace_lexer::LineSource& lines) : lines_(lines) {}

  Trace parse() {
    parse_head();
    Step step;
    while (next_step(step)) trace_.steps.push_back(std::move(step));
    return std::move(trace_);
  }

  // Streaming: the header and domain statements, then one step at a time.
  void parse_head() {
    parse_header(next_or_fail("'iova-trace 1' as the first statement"));
    parse_domain(next_or_fail("a 'domain' statement after 'iova-trace 1'"));
  }
  // Reads the next step into `step` (its storage reused); false at the end.
  bool next_step(Step& step) {
    while (const auto line = lines_.next()) {
      if (read_plain(*line, step)) return true;
      const Statement* statement = lex(*line);
      if (statement && parse_statement(*statement, step)) return true;
    }
    if (first_operation_line_ == 0) trace_.snapshot = snapshot_.finish();
    return false;
  }
  // The trace's head (geometry, variant, snapshot once the first operation has been read).
  const Trace& head() const { return trace_; }
  bool defines(std::string_view name) const { return names_.contains(name); }

 private:
  // The line's statement, its storage reused; nullptr for a line without a token.
  const Statement* lex(const trace_lexer::Line& line) {
    trace_lexer::lex_line(line.text, line.number, statement_);
    return statement_.tokens.empty() ? nullptr : &statement_;
  }

  const Statement& next_or_fail(std::string_view expected) {
    while (const auto line = lines_.next())
      if (const Statement* statement = lex(*line)) return *statement;
    throw TraceError(lines_.end_line(), 1, concat("expected ", expected, ", got end of input"));
  }

  // A plain operation line (trace_plain.h) after the first operation, whose name is new: read
  // without the general parser. Anything else, a repeated name included, is left to it.
  bool read_plain(const trace_lexer::Line& line, Step& step) {
    if (first_operation_line_ == 0) return false;  // the snapshot ends at the first operation
    std::string_view defined;
    if (!trace_plain::read_plain_operation(line.text, trace_.geometry.cpus, names_, step.op, defined)) return false;
    if (!defined.empty() && names_.add(defined, line.number)) return false;  // used before: the parser says so
    step.line = line.number;
    step.expect.reset();
    return true;
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
    const Options options(cursor, Word::Domain,
                          {Word::Granule, Word::Start, Word::Dma32, Word::Mag, Word::Cpus, Word::Variant}, {});
    Geometry& geometry = trace_.geometry;
    geometry.granule = options.number(Word::Granule);
    geometry.start_pfn = options.number(Word::Start);
    // A bad granule has no real dma32; geometry_error reports the granule before the dma32.
    geometry.dma32_pfn = options.has(Word::Dma32) ? options.number(Word::Dma32)
                                                  : Geometry::real_dma32(geometry.granule).value_or(0);
    if (options.has(Word::Mag)) geometry.mag_size = count_value(cursor, options.value(Word::Mag), "mag");
    if (options.has(Word::Cpus)) geometry.cpus = count_value(cursor, options.value(Word::Cpus), "cpus");
    if (options.has(Word::Variant)) trace_.variant = variant_name(cursor, options.value(Word::Variant));
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

  // One statement after the domain; an operation is read into `step`, and then it returns true.
  bool parse_statement(const Statement& statement, Step& step) {
    Cursor cursor(statement);
    const Head head = read_head(cursor);
    const Word word = classify(head.keyword.text);
    std::string_view name;
    if (head.name) {
      name = define_name(cursor, *head.name);
      if (word != Word::Alloc && word != Word::Fast)
        cursor.fail(head.keyword,
                    concat("expected 'alloc' or 'fast' after '", name, ":', got ", quoted(head.keyword.text)));
    }
    if (trace_words::is_snapshot_statement(word)) {
      parse_snapshot_statement(cursor, head.keyword);
      return false;
    }
    if (!trace_words::is_operation(word)) cursor.fail(head.keyword, unknown_statement(head.keyword.text));
    if (first_operation_line_ == 0) {
      first_operation_line_ = cursor.line();
      trace_.snapshot = snapshot_.finish();
    }
    parse_step(cursor, word, name, step);
    return true;
  }

  // An operation and its expectation, if any.
  void parse_step(Cursor& cursor, Word word, std::string_view name, Step& step) const {
    Cursor arguments = cursor.until(kArrow);
    step.line = cursor.line();
    parse_operation(arguments, word, name, step.op);
    step.expect.reset();
    if (!cursor.at_end()) {
      cursor.take();  // the arrow
      step.expect = parse_expectation(cursor, step.op);
    }
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
    std::vector<std::string> words;
    for (std::size_t each = 1; each < trace_words::kSpellings.size(); ++each) {
      const auto statement = static_cast<Word>(each);
      if (trace_words::is_operation(statement) || trace_words::is_snapshot_statement(statement))
        words.emplace_back(spelling(statement));
    }
    return concat("expected a statement (", join_alternatives(words), "), got ", quoted(word));
  }

  std::string_view define_name(const Cursor& cursor, const Token& name) {
    if (!trace_words::is_definable_name(name.text)) [[unlikely]]
      fail_not_a_name(cursor, name);
    if (const auto earlier = names_.add(name.text, cursor.line())) [[unlikely]]
      cursor.fail(name, concat("expected a name not used before, got '", name.text, "' (defined on line ",
                               std::to_string(*earlier), ")"));
    return name.text;
  }

  [[noreturn, gnu::cold, gnu::noinline]] static void fail_not_a_name(const Cursor& cursor, const Token& name) {
    if (!is_name_syntax(name.text))
      cursor.fail(name, concat("expected a name ([a-z][a-z0-9_]*) before ':', got ", quoted(name.text)));
    cursor.fail(name, concat("expected a name that is not a keyword before ':', got '", name.text, "'"));
  }

  void parse_snapshot_statement(Cursor& cursor, const Token& keyword) {
    if (first_operation_line_ != 0)
      cursor.fail(keyword, concat("expected snapshot statements before the first operation (line ",
                                  std::to_string(first_operation_line_), "), got '", keyword.text, "' after it"));
    snapshot_.parse(cursor, keyword);
  }

  // Each operation is built in place (emplace), so a reused step keeps nothing of the last one;
  // a name is built with it (assigning it to the empty string after took twice as long).
  void parse_operation(Cursor& cursor, Word word, std::string_view name, Op& op) const {
    switch (word) {
      case Word::Alloc: return parse_alloc(cursor, op.emplace<Alloc>(Alloc{.name = std::string(name)}));
      case Word::Fast: return parse_fast(cursor, op.emplace<FastAlloc>(FastAlloc{.name = std::string(name)}));
      case Word::Free: return parse_free(cursor, op.emplace<Free>());
      case Word::Ffree: return parse_fast_free(cursor, op.emplace<FastFree>());
      case Word::Reserve: return parse_reserve(cursor, op.emplace<Reserve>());
      case Word::Flush: return parse_flush(cursor, op.emplace<Flush>());
      case Word::Find: return parse_find(cursor, op.emplace<Find>());
      case Word::Trim:
        cursor.expect_end();  // takes no arguments
        op.emplace<Trim>();
        return;
      default:
        throw std::logic_error("parse_operation: not an operation word");
    }
  }

  static void parse_alloc(Cursor& cursor, Alloc& op) {
    op.size = cursor.take_number("a size after 'alloc'");
    const Options options(cursor, Word::Alloc, {Word::Limit}, {Word::Unaligned});
    op.limit = options.number(Word::Limit);
    op.aligned = !options.has_flag(Word::Unaligned);
  }

  void parse_fast(Cursor& cursor, FastAlloc& op) const {
    op.size = cursor.take_number("a size after 'fast'");
    const Options options(cursor, Word::Fast, {Word::Limit, Word::Cpu}, {Word::Noflush});
    op.limit = options.number(Word::Limit);
    if (options.has(Word::Cpu)) op.cpu = cpu_value(cursor, options.value(Word::Cpu));
    op.flush = !options.has_flag(Word::Noflush);
  }

  void parse_free(Cursor& cursor, Free& op) const {
    parse_target(cursor, "free", op.target);
    cursor.expect_end();
  }

  void parse_fast_free(Cursor& cursor, FastFree& op) const {
    parse_target(cursor, "ffree", op.target);
    const Options options(cursor, Word::Ffree, {Word::Size, Word::Cpu}, {});
    op.size = options.number(Word::Size);
    if (options.has(Word::Cpu)) op.cpu = cpu_value(cursor, options.value(Word::Cpu));
  }

  static void parse_reserve(Cursor& cursor, Reserve& op) {
    op.lo = cursor.take_number("LO (a pfn) after 'reserve'");
    op.hi = cursor.take_number("HI (a pfn) after 'reserve LO'");
    cursor.expect_end();
  }

  void parse_flush(Cursor& cursor, Flush& op) const {
    constexpr std::string_view kExpected = "cpu=N, depot or all after 'flush'";
    constexpr std::string_view kCpuKey = "cpu=";
    const Token& scope = cursor.expect(kExpected);
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
  }

  static void parse_find(Cursor& cursor, Find& op) {
    op.pfn = cursor.take_number("a pfn after 'find'");
    cursor.expect_end();
  }

  unsigned cpu_value(const Cursor& cursor, const Token& token) const {
    const Pfn value = cursor.number(token, "a cpu number after 'cpu='");
    const unsigned cpus = trace_.geometry.cpus;
    if (value >= cpus) [[unlikely]]
      fail_cpu(cursor, token, value, cpus);
    return static_cast<unsigned>(value);
  }

  [[noreturn, gnu::cold, gnu::noinline]] static void fail_cpu(const Cursor& cursor, const Token& token, Pfn value,
                                                              unsigned cpus) {
    cursor.fail(token, concat("expected a cpu below ", hex(cpus), " (the domain's cpus), got ", hex(value)));
  }

  void parse_target(Cursor& cursor, std::string_view statement, Target& target) const {
    const Expected expected("a pfn or an allocation name after '", statement, "'");
    const Token& token = cursor.expect(expected);
    if (is_digit(token.text.front())) {
      target.pfn = cursor.number(token, expected);
      return;
    }
    if (!is_name_syntax(token.text) || !names_.contains(token.text)) [[unlikely]]
      fail_target(cursor, token, statement, expected);
    target.name = token.text;
  }

  [[noreturn, gnu::cold, gnu::noinline]] static void fail_target(const Cursor& cursor, const Token& token,
                                                                 std::string_view statement, const Expected& expected) {
    if (!is_name_syntax(token.text)) cursor.fail(token, concat("expected ", expected.text(), ", got ", quoted(token.text)));
    cursor.fail(token, concat("expected the name of an allocation on an earlier line after '", statement, "', got '",
                              token.text, "', which no earlier line defines"));
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

  trace_lexer::LineSource& lines_;
  Statement statement_;  // the latest line's tokens, their storage reused
  Trace trace_;
  SnapshotReader snapshot_;
  NameTable names_;  // name -> line that defined it
  std::size_t first_operation_line_ = 0;                   // 0: none yet
};

}  // namespace

Trace parse_trace(std::string_view text) {
  trace_lexer::TextLineReader lines(text);
  return Parser(lines).parse();
}

class TraceStream::Reader {
 public:
  Reader(std::istream& in, std::size_t max_line_length) : lines_(in, max_line_length), parser_(lines_) {
    parser_.parse_head();
    has_pending_ = parser_.next_step(steps_[pending_]);  // the snapshot ends at the first operation
  }

  const Trace& head() const { return parser_.head(); }
  // Hands out the step read ahead and reads the next into the other slot: two steps' storage,
  // reused for the whole trace.
  Step* next() {
    if (!has_pending_) return nullptr;
    Step* step = &steps_[pending_];
    pending_ ^= 1;
    has_pending_ = parser_.next_step(steps_[pending_]);
    return step;
  }
  std::uint64_t bytes_read() const { return lines_.bytes_read(); }
  bool defines(std::string_view name) const { return parser_.defines(name); }

 private:
  trace_lexer::StreamLineReader lines_;
  Parser parser_;
  std::array<Step, 2> steps_;
  std::size_t pending_ = 0;  // the slot of the step read ahead
  bool has_pending_ = false;
};

TraceStream::TraceStream(std::istream& in, std::size_t max_line_length)
    : reader_(std::make_unique<Reader>(in, max_line_length)) {}
TraceStream::~TraceStream() = default;
const Trace& TraceStream::head() const { return reader_->head(); }
Step* TraceStream::next() { return reader_->next(); }
std::uint64_t TraceStream::bytes_read() const { return reader_->bytes_read(); }
bool TraceStream::defines(std::string_view name) const { return reader_->defines(name); }

}  // namespace iovacheck
