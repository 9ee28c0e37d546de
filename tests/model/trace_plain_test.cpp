// The plain reader (trace_plain.h) changes what a trace costs, never what it means: a trace
// parses to the same steps, or fails with the same error at the same place, whether its lines
// are read plainly or (each followed by a comment, which the plain reader declines) by the
// general parser. Lines of the plain shapes are generated with every optional part, names new,
// repeated, undefined and reserved, numbers in both bases and too large, CPUs past the domain's,
// and then bytes are changed, dropped and inserted.
#include "model/trace_plain.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "model/trace_io.h"

namespace iovacheck {
namespace {

const std::string kHead = "iova-trace 1\ndomain granule=0x1000 start=0x1 cpus=4\nalloc 0x1 limit=0xff\n";

class PlainLines {
 public:
  explicit PlainLines(unsigned seed) : random_(seed) {}

  std::string line() {
    switch (pick(4)) {
      case 0: return definition() + "alloc " + number() + " limit=" + number() + (pick(3) == 0 ? " unaligned" : "");
      case 1:
        return definition() + "fast " + number() + " limit=" + number() + cpu() + (pick(3) == 0 ? " noflush" : "");
      case 2: return "free " + target();
      default: return "ffree " + target() + " size=" + number() + cpu();
    }
  }

  std::string mutated(std::string text) {
    const std::string alphabet = " \t:=#x0a_\r\x01\x80";
    for (std::size_t changes = 1 + pick(3); changes > 0 && !text.empty(); --changes) {
      const std::size_t at = pick(text.size());
      switch (pick(3)) {
        case 0: text[at] = alphabet[pick(alphabet.size())]; break;
        case 1: text.erase(at, 1); break;
        default: text.insert(at, 1, alphabet[pick(alphabet.size())]);
      }
    }
    return text;
  }

  std::size_t pick(std::size_t n) { return random_() % n; }

 private:
  std::string definition() {
    switch (pick(40)) {
      case 0: return defined_.empty() ? "" : defined_[pick(defined_.size())] + ": ";  // used before
      case 1: return std::string(pick(2) == 0 ? "limit" : "granule") + ": ";       // a word of the format
      case 2: case 3: case 4: case 5: case 6: case 7: case 8: case 9: return "";
      default: {
        defined_.push_back("n" + std::to_string(defined_.size()) + (pick(4) == 0 ? "_x" : ""));
        return defined_.back() + ": ";
      }
    }
  }
  std::string target() {
    if (pick(3) == 0) return number();
    if (defined_.empty() || pick(40) == 0) return "nobody";
    return defined_[pick(defined_.size())];
  }
  std::string number() {
    switch (pick(40)) {
      case 0: return "0x1ffffffffffffffff";
      case 1: case 2: case 3: case 4: return std::to_string(random_() % 5000);
      case 5: case 6: return "0xFfFf";
      default: {
        char text[24];
        std::snprintf(text, sizeof text, "0x%lx", static_cast<unsigned long>(random_() % 0x100000));
        return text;
      }
    }
  }
  std::string cpu() {
    if (pick(3) == 0) return "";
    const std::size_t cpu = pick(40) == 0 ? 4 + pick(2) : pick(4);  // past the domain's four now and then
    return " cpu=" + (pick(2) == 0 ? std::to_string(cpu) : "0x" + std::to_string(cpu));
  }

  std::mt19937 random_;
  std::vector<std::string> defined_;
};

struct Parsed {
  std::optional<Trace> trace;
  std::optional<TraceError> error;
};

Parsed parsed(const std::string& text) {
  try {
    return {parse_trace(text), std::nullopt};
  } catch (const TraceError& error) {
    return {std::nullopt, error};
  }
}

void expect_same(const Parsed& plain, const Parsed& general, const std::string& text) {
  ASSERT_EQ(plain.error.has_value(), general.error.has_value()) << text;
  if (plain.error) {
    EXPECT_EQ(plain.error->line(), general.error->line()) << text;
    EXPECT_EQ(plain.error->column(), general.error->column()) << text;
    EXPECT_EQ(plain.error->message(), general.error->message()) << text;
    return;
  }
  ASSERT_EQ(plain.trace->steps.size(), general.trace->steps.size()) << text;
  for (std::size_t i = 0; i < plain.trace->steps.size(); ++i) {
    EXPECT_EQ(plain.trace->steps[i], general.trace->steps[i]) << "step " << i << " of\n" << text;
    EXPECT_EQ(plain.trace->steps[i].line, general.trace->steps[i].line) << "step " << i << " of\n" << text;
  }
}

// The line as the general parser must read it: a comment the plain reader declines, placed
// before a final carriage return so that stays the line's end.
std::string with_comment(const std::string& line) {
  const bool carriage_return = !line.empty() && line.back() == '\r';
  return line.substr(0, line.size() - carriage_return) + " # read by the general parser" + (carriage_return ? "\r" : "");
}

TEST(TracePlain, ATraceReadPlainlyParsesAsTheGeneralParserParsesIt) {
  PlainLines lines(20261130);
  std::size_t failed = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string plain = kHead, general = kHead;
    for (std::size_t count = 1 + lines.pick(12); count > 0; --count) {
      std::string line = lines.line();
      if (lines.pick(16) == 0) line = lines.mutated(line);
      plain += line + "\n";
      general += with_comment(line) + "\n";
    }
    const Parsed by_plain = parsed(plain);
    failed += by_plain.error.has_value();
    expect_same(by_plain, parsed(general), plain);
  }
  // Both outcomes are exercised: traces that hold and traces that fail.
  EXPECT_GT(failed, 300u);
  EXPECT_LT(failed, 2700u) << "too few traces hold for their later lines to be read";
}

TEST(TracePlain, ReadsThePlainShapesAndDeclinesAnythingElse) {
  NameTable names;
  names.add("a1", 1);
  Op op;
  std::string_view defined;
  EXPECT_TRUE(trace_plain::read_plain_operation("b2: fast 0x3 limit=0xff cpu=3 noflush", 4, names, op, defined));
  EXPECT_EQ(op, Op(FastAlloc{"b2", 3, 0xff, 3, false}));
  EXPECT_EQ(defined, "b2");
  EXPECT_TRUE(trace_plain::read_plain_operation("alloc 10 limit=0x7f unaligned", 4, names, op, defined));
  EXPECT_EQ(op, Op(Alloc{"", 10, 0x7f, false}));
  EXPECT_EQ(defined, "");
  EXPECT_TRUE(trace_plain::read_plain_operation("ffree a1 size=0x2", 4, names, op, defined));
  EXPECT_EQ(op, Op(FastFree{Target{0, "a1"}, 2, 0}));
  EXPECT_TRUE(trace_plain::read_plain_operation("free 0x40", 4, names, op, defined));
  EXPECT_EQ(op, Op(Free{Target{0x40, ""}}));
  for (const char* other : {"alloc 0x1 limit=0xff # a comment", "alloc 0x1  limit=0xff", "alloc 0x1 limit=0xff => ok",
                            "alloc 0x1 unaligned limit=0xff", "fast 0x1 limit=0xff noflush cpu=1", "fast 0x1 limit=0xff cpu=4",
                            "b2 : alloc 0x1 limit=0xff", "free b2", "free 0x40 ", "alloc 0x1 limit=0xff\r", "a1: free 0x40",
                            "alloc: alloc 0x1 limit=0xff", "flush all", "trim", "free\t0x40"})
    EXPECT_FALSE(trace_plain::read_plain_operation(other, 4, names, op, defined)) << other;
}

}  // namespace
}  // namespace iovacheck
