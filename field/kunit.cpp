#include "field/kunit.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>
#include <variant>

#include "field/inspect.h"
#include "harness/implementation.h"
#include "model/free_space.h"
#include "model/trace_io.h"

namespace iovacheck::field {
namespace {

std::string c_hex(Pfn value) { return hex(value) + "UL"; }

// Why the kernel's API cannot replay this trace, or empty.
std::string refusal(const Trace& trace) {
  const Geometry& geometry = trace.geometry;
  if (trace.snapshot) return "it starts from a snapshot: the kernel's API cannot build a tree state directly, only by operations";
  if (geometry.mag_size != kDefaultMagazineSize)
    return "its magazine size is " + std::to_string(geometry.mag_size) + ": the kernel's IOVA_MAG_SIZE is " + std::to_string(kDefaultMagazineSize);
  const std::optional<Pfn> real = Geometry::real_dma32(geometry.granule);
  if (!real || *real != geometry.dma32_pfn)
    return "its dma32 " + hex(geometry.dma32_pfn) + " is a test geometry: init_iova_domain derives dma_32bit_pfn from the granule (" +
           (real ? hex(*real) : std::string("none")) + ")";
  if (geometry.granule > 0x1000) return "its granule " + hex(geometry.granule) + " is above PAGE_SIZE on a 4 KiB-page kernel (init_iova_domain BUG()s)";
  if (geometry.cpus != 1) return "it has " + std::to_string(geometry.cpus) + " CPUs: the kernel's fast path runs on whichever CPU calls it";
  for (const Step& step : trace.steps) {
    const std::string where = "line " + std::to_string(step.line) + " (" + print_op(step.op) + ")";
    if (const auto* fast = std::get_if<FastAlloc>(&step.op); fast && fast->cpu != 0) return where + " chooses a CPU for the fast path";
    if (const auto* ffree = std::get_if<FastFree>(&step.op); ffree && ffree->cpu != 0) return where + " chooses a CPU for the fast path";
    if (std::holds_alternative<Flush>(step.op))
      return where + ": free_cpu_cached_iovas and free_global_cached_iovas are static in the kernel (only CPU hot-unplug and the fast path's retry call them)";
    if (std::holds_alternative<Trim>(step.op)) return where + ": the depot trimming is a delayed work item, not callable";
  }
  return {};
}

class Emitter {
 public:
  Emitter(const Trace& trace, const CheckReport& report, const InspectedRun& run, const std::optional<Violation>& on_mainline)
      : trace_(trace), report_(report), run_(run), on_mainline_(on_mainline) {}

  std::string body() {
    const std::size_t end = report_.violation ? report_.violation->step + 1 : report_.steps.size();
    for (std::size_t i = 0; i < end; ++i) step(i);
    return out_.str();
  }

 private:
  static std::string var(const std::string& name) { return "iova_" + name; }

  std::string name_of(std::size_t i) const {
    const Op& op = report_.named.steps[i].op;
    const std::string* name = bound_name(op);
    return name && !name->empty() ? var(*name) : "unnamed_step" + std::to_string(i + 1);
  }

  void line(const std::string& text) { out_ << "\t" << text << "\n"; }

  void step(std::size_t i) {
    const Step& original = trace_.steps[i];
    const Op& op = report_.named.steps[i].op;
    out_ << "\n\t/* line " << original.line << ": " << print_op(original.op);
    if (original.expect) out_ << " => " << print_expectation(*original.expect);
    out_ << " */\n";
    std::visit([&](const auto& typed) { emit(i, typed); }, op);
    if (report_.violation && report_.violation->step == i) violation(i, op);
  }

  void emit(std::size_t i, const Alloc& op) {
    const std::string name = name_of(i);
    line("struct iova *" + name + " = alloc_iova(&iovad, " + c_hex(op.size) + ", " + c_hex(op.limit) + ", " + (op.aligned ? "true" : "false") + ");");
    live_[name] = false;
    if (const auto& expect = trace_.steps[i].expect) {
      switch (expect->kind) {
        case Expectation::Kind::At:
          line("KUNIT_ASSERT_NOT_NULL(test, " + name + ");");
          line("KUNIT_EXPECT_EQ(test, " + name + "->pfn_lo, " + c_hex(expect->value.lo) + ");");
          break;
        case Expectation::Kind::Fail: line("KUNIT_EXPECT_NULL(test, " + name + ");"); break;
        case Expectation::Kind::Ok: line("KUNIT_EXPECT_NOT_NULL(test, " + name + ");"); break;
        default: break;
      }
    }
  }

  void emit(std::size_t i, const FastAlloc& op) {
    const std::string name = name_of(i);
    line("unsigned long " + name + " = alloc_iova_fast(&iovad, " + c_hex(op.size) + ", " + c_hex(op.limit) + ", " + (op.flush ? "true" : "false") + ");");
    live_[name] = true;
    if (const auto& expect = trace_.steps[i].expect) {
      switch (expect->kind) {
        case Expectation::Kind::At: line("KUNIT_EXPECT_EQ(test, " + name + ", " + c_hex(expect->value.lo) + ");"); break;
        case Expectation::Kind::Fail: line("KUNIT_EXPECT_EQ(test, " + name + ", 0UL);"); break;
        case Expectation::Kind::Ok: line("KUNIT_EXPECT_NE(test, " + name + ", 0UL);"); break;
        default: break;
      }
    }
  }

  // A free of a named allocation goes through only if that allocation succeeded on this kernel.
  void emit(std::size_t, const Free& op) {
    if (!op.target.by_name()) {
      line("free_iova(&iovad, " + c_hex(op.target.pfn) + ");");
      return;
    }
    const std::string name = var(op.target.name);
    line("if (" + name + ")");
    line("\tfree_iova(&iovad, " + (live_[name] ? name : name + "->pfn_lo") + ");");
  }

  void emit(std::size_t, const FastFree& op) {
    if (!op.target.by_name()) {
      line("free_iova_fast(&iovad, " + c_hex(op.target.pfn) + ", " + c_hex(op.size) + ");");
      return;
    }
    const std::string name = var(op.target.name);
    line("if (" + name + ")");
    line("\tfree_iova_fast(&iovad, " + (live_[name] ? name : name + "->pfn_lo") + ", " + c_hex(op.size) + ");");
  }

  void emit(std::size_t, const Reserve& op) { line("KUNIT_EXPECT_NOT_NULL(test, reserve_iova(&iovad, " + c_hex(op.lo) + ", " + c_hex(op.hi) + "));"); }

  void emit(std::size_t i, const Find& op) {
    const std::string name = "found_step" + std::to_string(i + 1);
    line("struct iova *" + name + " = find_iova(&iovad, " + c_hex(op.pfn) + ");");
    if (const auto& expect = trace_.steps[i].expect) {
      if (expect->kind == Expectation::Kind::None) line("KUNIT_EXPECT_NULL(test, " + name + ");");
      if (expect->kind == Expectation::Kind::Node) {
        line("KUNIT_ASSERT_NOT_NULL(test, " + name + ");");
        line("KUNIT_EXPECT_EQ(test, " + name + "->pfn_lo, " + c_hex(expect->value.lo) + ");");
        line("KUNIT_EXPECT_EQ(test, " + name + "->pfn_hi, " + c_hex(expect->value.hi) + ");");
      }
    }
  }

  void emit(std::size_t, const Flush&) {}  // refused before emitting
  void emit(std::size_t, const Trim&) {}

  // The hints and where the search ended, as the variant had them, in a kernel developer's words.
  std::string how_it_failed(std::size_t i) const {
    if (run_.error || i >= run_.steps.size()) return {};
    const TreeHints& before = i == 0 ? run_.start_hints : run_.steps[i - 1].hints;
    std::string text = "On " + trace_.variant + ", this call: " + describe_attempts(run_.steps[i].attempts) + "; before it, cached32_node was " +
                       describe_hint(before.cached32) + ", cached_node " + describe_hint(before.cached) + " and max32_alloc_size " +
                       hex(before.max32_alloc_size) + ".";
    return text;
  }

  std::string mainline_verdict() const {
    if (trace_.variant == "mainline") return "This is mainline's own behaviour in iovacheck's model (v6.2+ tree, v6.7+ range caches).";
    if (!on_mainline_) return "iovacheck's mainline model passes this test; " + trace_.variant + " fails it here, as a kernel with its behaviour would.";
    return "iovacheck's mainline model violates " + std::string(property_name(on_mainline_->property)) + " on this trace too (step " +
           std::to_string(on_mainline_->step + 1) + ").";
  }

  void comment(const std::vector<std::string>& paragraphs) {
    out_ << "\t/*\n";
    for (const std::string& paragraph : paragraphs) {
      std::string rest = paragraph;
      while (!rest.empty()) {
        std::size_t cut = rest.size() <= 90 ? rest.size() : rest.rfind(' ', 90);
        if (cut == std::string::npos || cut == 0) cut = std::min<std::size_t>(rest.size(), 90);
        out_ << "\t * " << rest.substr(0, cut) << "\n";
        rest = rest.substr(std::min(rest.size(), cut + 1));
      }
    }
    out_ << "\t */\n";
  }

  void violation(std::size_t i, const Op& op) {
    const Violation& found = *report_.violation;
    const std::string name = name_of(i);
    const std::string property(property_name(found.property));
    comment({"The allocator semantics iovacheck checks (" + property + ") fails here on " + trace_.variant + ": " + found.reason + ".",
             how_it_failed(i), mainline_verdict()});
    const std::string message = "\"" + property + ": " + escaped(found.reason) + "\"";
    const bool fast = std::holds_alternative<FastAlloc>(op);
    if (found.property == Property::Completeness) {
      line(fast ? "KUNIT_EXPECT_NE_MSG(test, " + name + ", 0UL, " + message + ");" : "KUNIT_EXPECT_NOT_NULL_MSG(test, " + name + ", " + message + ");");
      return;
    }
    // Soundness: the result lies in [start_pfn, limit], aligned, of the size handed out, apart from every range live before it.
    const Pfn size = fast ? fast_alloc_size(std::get<FastAlloc>(op).size) : std::get<Alloc>(op).size;
    const Pfn limit = fast ? std::get<FastAlloc>(op).limit : std::get<Alloc>(op).limit;
    const bool aligned = fast || std::get<Alloc>(op).aligned;
    const std::string node = fast ? "node_step" + std::to_string(i + 1) : name;
    if (fast) {
      line("KUNIT_ASSERT_NE(test, " + name + ", 0UL);");
      line("struct iova *" + node + " = find_iova(&iovad, " + name + ");");
    }
    line("KUNIT_ASSERT_NOT_NULL(test, " + node + ");");
    line("KUNIT_EXPECT_GE_MSG(test, " + node + "->pfn_lo, " + c_hex(trace_.geometry.start_pfn) + ", " + message + ");");
    line("KUNIT_EXPECT_LE_MSG(test, " + node + "->pfn_hi, " + c_hex(limit) + ", " + message + ");");
    line("KUNIT_EXPECT_EQ_MSG(test, " + node + "->pfn_hi - " + node + "->pfn_lo + 1, " + c_hex(size) + ", " + message + ");");
    if (aligned) line("KUNIT_EXPECT_EQ_MSG(test, " + node + "->pfn_lo & " + c_hex(roundup_pow2(size) - 1) + ", 0UL, " + message + ");");
    const Observation& before = i == 0 ? run_.start : run_.steps[i - 1].after;
    for (const Range& live : before.nodes) {
      // The anchor, and ranges a cache holds (a hit hands one out), are no caller's.
      if (live.lo == kMaxPfn || std::ranges::any_of(before.cached, [&](const CachedPfn& cached) { return live.contains(cached.pfn); })) continue;
      line("KUNIT_EXPECT_TRUE_MSG(test, " + node + "->pfn_hi < " + c_hex(live.lo) + " || " + node + "->pfn_lo > " + c_hex(live.hi) + ", " + message + ");");
    }
  }

  static std::string escaped(const std::string& text) {
    std::string result;
    for (char c : text) {
      if (c == '"' || c == '\\') result += '\\';
      if (static_cast<unsigned char>(c) < 0x80) result += c;
    }
    return result;
  }

  const Trace& trace_;
  const CheckReport& report_;
  const InspectedRun& run_;
  const std::optional<Violation>& on_mainline_;
  std::ostringstream out_;
  std::map<std::string, bool> live_;  // C variable -> holds an unsigned long pfn (fast) rather than a struct iova *
};

bool uses_fast_path(const Trace& trace) {
  for (const Step& step : trace.steps)
    if (std::holds_alternative<FastAlloc>(step.op) || std::holds_alternative<FastFree>(step.op)) return true;
  return false;
}

}  // namespace

std::string kunit_name(const std::string& file_stem) {
  std::string name;
  for (char c : file_stem) name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '_';
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) name = "t_" + name;
  return name;
}

std::string emit_kunit(const Trace& trace, const std::string& name, const std::string& origin) {
  if (const std::string why = refusal(trace); !why.empty()) throw KunitRefusal("the kernel's API cannot express this trace: " + why);
  const CheckReport report = check_on(trace);
  for (std::size_t i = 0; i < report.steps.size(); ++i)
    if (report.steps[i].caller_error)
      throw KunitRefusal("line " + std::to_string(trace.steps[i].line) + " is a caller error the kernel does not define (" + report.steps[i].caller_error->reason() + ")");
  if (report.violation && report.violation->property != Property::Completeness && report.violation->property != Property::Soundness)
    throw KunitRefusal("the violated property (" + std::string(property_name(report.violation->property)) +
                       ") is not observable through the kernel's API; only completeness and soundness are emitted");
  const InspectedRun run = run_inspected(trace);
  const std::optional<Violation> on_mainline = trace.variant == "mainline" ? std::nullopt : check_on(trace, "mainline").violation;
  const std::string body = Emitter(trace, report, run, on_mainline).body();
  const bool fast = uses_fast_path(trace);

  std::ostringstream c;
  c << "// SPDX-License-Identifier: GPL-2.0\n"
    << "/*\n * KUnit test generated by iovacheck emit-kunit from " << origin << " (variant " << trace.variant << ").\n"
    << " * It replays the trace through the IOVA API and checks every exact expectation the trace states\n"
    << " * and, where iovacheck finds a violation, the property it violates. Drop it into drivers/iommu/\n"
    << " * and run it with tools/testing/kunit/kunit.py.\n */\n"
    << "#include <kunit/test.h>\n#include <linux/iova.h>\n#include <linux/module.h>\n"
    << (fast ? "#include <linux/preempt.h>\n" : "") << "\n"
    << "static void iovacheck_" << name << "(struct kunit *test)\n{\n"
    << "\tstruct iova_domain iovad;\n\n"
    << "\tKUNIT_ASSERT_EQ(test, iova_cache_get(), 0);\n"
    << "\tinit_iova_domain(&iovad, " << c_hex(trace.geometry.granule) << ", " << c_hex(trace.geometry.start_pfn) << ");\n";
  if (fast)
    c << "\tKUNIT_ASSERT_EQ(test, iova_domain_init_rcaches(&iovad), 0);\n"
      << "\t/* The trace runs the fast path on one CPU: stay on it. */\n\tmigrate_disable();\n";
  c << body << "\n";
  if (fast) c << "\tmigrate_enable();\n";
  c << "\tput_iova_domain(&iovad);\n\tiova_cache_put();\n}\n\n"
    << "static struct kunit_case iovacheck_" << name << "_cases[] = {\n\tKUNIT_CASE(iovacheck_" << name << "),\n\t{}\n};\n\n"
    << "static struct kunit_suite iovacheck_" << name << "_suite = {\n\t.name = \"iovacheck-" << name << "\",\n"
    << "\t.test_cases = iovacheck_" << name << "_cases,\n};\n"
    << "kunit_test_suite(iovacheck_" << name << "_suite);\n\nMODULE_LICENSE(\"GPL\");\n";
  return c.str();
}

}  // namespace iovacheck::field
