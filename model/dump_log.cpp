#include "model/dump_log.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>

namespace iovacheck {

LogError::LogError(std::size_t line, std::size_t column, const std::string& message)
    : std::runtime_error(std::to_string(line) + ":" + std::to_string(column) + ": " + message),
      line_(line),
      column_(column),
      message_(message) {}

namespace {

constexpr std::array<std::string_view, 12> kNumericKeys = {
    "iovad", "rbroot", "cached_node", "cached32_node", "granule", "start_pfn", "dma_32bit_pfn",
    "max32_alloc_size", "size", "limit_pfn", "count", "total_size"};

// A mail wraps a record over a few lines at most; more is a runaway join.
constexpr std::size_t kMaxContinuationLines = 4;

bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// One physical line with the kernel's prefixes ("<6>", "[  12.345678]", "[T123]",
// "[name:iova&]", "Mar  3 08:05:14 host kernel: ") removed.
struct LogLine {
  std::size_t number = 0;
  std::string_view content;
  std::size_t column = 1;  // of content's first character
  bool prefixed = false;
};

std::size_t syslog_prefix_length(std::string_view line) {
  const std::size_t kernel = line.find("kernel: ");
  if (kernel == std::string_view::npos || kernel > 64) return 0;
  const std::string_view before = line.substr(0, kernel);
  return std::ranges::count(before, ':') >= 2 ? kernel + 8 : 0;  // a time stamp hh:mm:ss precedes it
}

LogLine strip_prefixes(std::size_t number, std::string_view raw) {
  if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
  std::size_t pos = syslog_prefix_length(raw);
  bool prefixed = pos > 0;
  if (pos < raw.size() && raw[pos] == '<') {
    std::size_t end = pos + 1;
    while (end < raw.size() && std::isdigit(static_cast<unsigned char>(raw[end]))) ++end;
    if (end > pos + 1 && end < raw.size() && raw[end] == '>') {
      pos = end + 1;
      prefixed = true;
    }
  }
  for (;;) {
    std::size_t next = pos;
    while (next < raw.size() && is_space(raw[next])) ++next;
    if (next >= raw.size() || raw[next] != '[') break;
    const std::size_t close = raw.find(']', next);
    if (close == std::string_view::npos) break;
    pos = close + 1;
    prefixed = true;
  }
  while (pos < raw.size() && is_space(raw[pos])) ++pos;
  // A kernel line may carry the driver's pr_fmt prefix ("iova: ") after its time stamp.
  if (prefixed) {
    std::size_t end = pos;
    while (end < raw.size() && (is_ident_char(raw[end]) || raw[end] == '-')) ++end;
    if (end > pos && end + 1 < raw.size() && raw[end] == ':' && raw[end + 1] == ' ') pos = end + 2;
  }
  std::string_view content = raw.substr(pos);
  while (!content.empty() && is_space(content.back())) content.remove_suffix(1);
  return LogLine{number, content, pos + 1, prefixed};
}

std::vector<LogLine> split_lines(std::string_view text) {
  std::vector<LogLine> lines;
  std::size_t start = 0;
  std::size_t number = 1;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(strip_prefixes(number++, text.substr(start, end - start)));
    if (end == text.size()) break;
    start = end + 1;
  }
  return lines;
}

// A record joined from its wrapped lines; maps each offset back to its line and column.
class Joined {
 public:
  void append(const LogLine& line) {
    if (!text_.empty()) text_ += ' ';
    pieces_.push_back(Piece{text_.size(), line.number, line.column});
    text_ += line.content;
  }
  const std::string& text() const { return text_; }
  std::size_t first_line() const { return pieces_.front().line; }
  [[noreturn]] void fail(std::size_t offset, const std::string& message) const {
    const Piece* piece = &pieces_.front();
    for (const Piece& each : pieces_)
      if (each.offset <= offset) piece = &each;
    throw LogError(piece->line, piece->column + (offset - piece->offset), message);
  }

 private:
  struct Piece {
    std::size_t offset;
    std::size_t line;
    std::size_t column;
  };
  std::string text_;
  std::vector<Piece> pieces_;
};

bool contains(std::string_view text, std::string_view word) { return text.find(word) != std::string_view::npos; }

bool starts_record(std::string_view content) {
  return contains(content, "dump_iova_rbtree") || contains(content, "flushing rcache") ||
         contains(content, "__alloc_and_insert_iova_range");
}

// The wrapped tail of a record: a line opening with "{", "}" or "key:value" (a mail wraps it
// without a prefix, a multi-line printk with one).
bool continues_fields(const LogLine& line) {
  if (line.content.empty() || starts_record(line.content)) return false;
  const std::string_view c = line.content;
  if (c.front() == '{' || c.front() == '}') return true;
  std::size_t i = 0;
  while (i < c.size() && is_ident_char(c[i])) ++i;
  return i > 0 && i + 1 < c.size() && c[i] == ':' && !is_space(c[i + 1]);
}

std::optional<std::uint64_t> parse_number(std::string_view token) {
  int base = 10;
  if (token.size() > 2 && token[0] == '0' && (token[1] == 'x' || token[1] == 'X')) {
    base = 16;
    token.remove_prefix(2);
  }
  if (token.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : token) {
    unsigned digit = 0;
    if (c >= '0' && c <= '9') digit = static_cast<unsigned>(c - '0');
    else if (base == 16 && c >= 'a' && c <= 'f') digit = static_cast<unsigned>(c - 'a' + 10);
    else if (base == 16 && c >= 'A' && c <= 'F') digit = static_cast<unsigned>(c - 'A' + 10);
    else return std::nullopt;
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / static_cast<unsigned>(base)) return std::nullopt;
    value = value * static_cast<unsigned>(base) + digit;
  }
  return value;
}

bool is_numeric_key(std::string_view key) { return std::ranges::find(kNumericKeys, key) != kNumericKeys.end(); }

// Every "key:value" with a known key; a known key with a value that is not a number is an error.
LogFields parse_fields(const Joined& record) {
  const std::string& text = record.text();
  LogFields fields;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_ident_char(text[i]) || (i > 0 && is_ident_char(text[i - 1]))) {
      ++i;
      continue;
    }
    std::size_t key_end = i;
    while (key_end < text.size() && is_ident_char(text[key_end])) ++key_end;
    const std::string key = text.substr(i, key_end - i);
    if (key_end >= text.size() || text[key_end] != ':' || !is_numeric_key(key)) {
      i = key_end;
      continue;
    }
    const std::size_t value_start = key_end + 1;
    std::size_t value_end = value_start;
    while (value_end < text.size() && !is_space(text[value_end]) && text[value_end] != ',' &&
           text[value_end] != '}' && text[value_end] != '{')
      ++value_end;
    std::string_view value = std::string_view(text).substr(value_start, value_end - value_start);
    if (key == "total_size" && (value.ends_with("KB") || value.ends_with("kB"))) value.remove_suffix(2);
    const std::optional<std::uint64_t> number = parse_number(value);
    if (!number) record.fail(value_start, "field '" + key + "' needs a number, got '" + std::string(value) + "'");
    if (!fields.emplace(key, *number).second) record.fail(i, "field '" + key + "' given twice");
    i = value_end;
  }
  return fields;
}

// Whitespace-separated tokens with their offsets.
std::vector<std::pair<std::size_t, std::string_view>> tokens_of(std::string_view text) {
  std::vector<std::pair<std::size_t, std::string_view>> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    const std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) tokens.emplace_back(start, text.substr(start, i - start));
  }
  return tokens;
}

bool all_digits(std::string_view token) {
  return !token.empty() && std::ranges::all_of(token, [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

// "INDEX 0x..." opens a node line.
bool starts_node_line(std::string_view content) {
  const auto tokens = tokens_of(content);
  return tokens.size() >= 2 && all_digits(tokens[0].second) && tokens[1].second.starts_with("0x");
}

// An unprefixed line of hex numbers only: the wrapped tail of a node line.
bool continues_node_line(const LogLine& line) {
  if (line.prefixed || line.content.empty()) return false;
  const auto tokens = tokens_of(line.content);
  return std::ranges::all_of(tokens, [](const auto& token) {
    return token.second.starts_with("0x") && parse_number(token.second).has_value();
  });
}

DumpLine parse_node_line(const Joined& record) {
  static constexpr std::array<const char*, 5> kColumns = {"index", "iova_object", "pfn_lo", "size", "pfn_hi"};
  const auto tokens = tokens_of(record.text());
  if (tokens.size() > kColumns.size())
    record.fail(tokens[kColumns.size()].first, "node line has more than 5 fields (index, iova_object, pfn_lo, size, pfn_hi)");
  if (tokens.size() < kColumns.size())
    record.fail(record.text().size(), "node line ends after " + std::to_string(tokens.size()) +
                                          " fields; missing " + kColumns[tokens.size()]);
  std::array<std::uint64_t, 5> values{};
  for (std::size_t k = 0; k < kColumns.size(); ++k) {
    const std::optional<std::uint64_t> value = parse_number(tokens[k].second);
    if (!value) record.fail(tokens[k].first, std::string(kColumns[k]) + " is not a number: '" + std::string(tokens[k].second) + "'");
    values[k] = *value;
  }
  return DumpLine{record.first_line(), values[0], values[1], values[2], values[3], values[4]};
}

std::optional<std::uint64_t> first_decimal(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  std::size_t end = i;
  while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
  return end > i ? parse_number(text.substr(i, end - i)) : std::nullopt;
}

class Reader {
 public:
  explicit Reader(std::string_view text) : lines_(split_lines(text)) {}

  DumpLog read() {
    while (next_ < lines_.size()) {
      const LogLine& line = lines_[next_++];
      const std::string_view c = line.content;
      if (contains(c, "dump_iova_rbtree start")) start_dump(line);
      else if (contains(c, "dump_iova_rbtree done")) end_dump(line);
      else if (contains(c, "flushing rcache")) event(line, LogEvent::Kind::FlushRetry);
      else if (contains(c, "__alloc_and_insert_iova_range") && contains(c, "fail")) event(line, LogEvent::Kind::TreeFailure);
      else if (open_) in_dump(line);
    }
    if (open_) close_cut_off(lines_.back().number);
    if (log_.dumps.empty()) throw LogError(1, 1, "no dump_iova_rbtree dump in this log");
    return std::move(log_);
  }

 private:
  Joined join_fields(const LogLine& first) {
    Joined record;
    record.append(first);
    for (std::size_t k = 0; k < kMaxContinuationLines && next_ < lines_.size() && continues_fields(lines_[next_]); ++k)
      record.append(lines_[next_++]);
    return record;
  }

  void start_dump(const LogLine& line) {
    if (open_) close_cut_off(line.number - 1);
    const Joined record = join_fields(line);
    Dump dump;
    dump.first_line = line.number;
    dump.last_line = line.number;
    dump.header = parse_fields(record);
    log_.dumps.push_back(std::move(dump));
    open_ = true;
  }

  void end_dump(const LogLine& line) {
    const Joined record = join_fields(line);
    if (!open_) throw LogError(line.number, line.column, "'dump_iova_rbtree done' without a 'dump_iova_rbtree start' before it");
    Dump& dump = log_.dumps.back();
    dump.done = parse_fields(record);
    dump.last_line = line.number;
    open_ = false;
  }

  void close_cut_off(std::size_t last_line) {
    log_.dumps.back().last_line = last_line;
    open_ = false;
  }

  void event(const LogLine& line, LogEvent::Kind kind) {
    const Joined record = join_fields(line);
    log_.events.push_back(LogEvent{kind, line.number, parse_fields(record), record.text()});
  }

  void in_dump(const LogLine& line) {
    Dump& dump = log_.dumps.back();
    const std::string_view c = line.content;
    dump.last_line = line.number;
    if (contains(c, "iova_shift")) {
      dump.says_shifted = true;
    } else if (contains(c, "omitted")) {
      dump.omissions.push_back(Omission{line.number, first_decimal(c), dump.lines.size()});
    } else if (starts_node_line(c)) {
      Joined record;
      record.append(line);
      while (tokens_of(record.text()).size() < 5 && next_ < lines_.size() && continues_node_line(lines_[next_]))
        record.append(lines_[next_++]);
      dump.lines.push_back(parse_node_line(record));
    }
  }

  std::vector<LogLine> lines_;
  std::size_t next_ = 0;
  DumpLog log_;
  bool open_ = false;
};

}  // namespace

DumpLog parse_dump_log(std::string_view text) { return Reader(text).read(); }

}  // namespace iovacheck
