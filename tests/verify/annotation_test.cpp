// A corpus trace's annotations against what its replay did.
#include "verify/annotation.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "model/trace_file.h"

namespace iovacheck::verify {
namespace {

std::filesystem::path write(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("iovacheck-annotation-" + name);
  std::ofstream(path) << text;
  return path;
}

CheckReport violated(Property property) {
  CheckReport report;
  report.violation = Violation{0, property, "why", "", ""};
  return report;
}

TEST(ReadCorpusAnnotation, ReadsExitAndProperty) {
  const auto annotation = read_corpus_annotation(
      write("finding", "# expect-exit: 1\n# expect-violation: completeness\niova-trace 1\n"));
  EXPECT_EQ(annotation.expected_exit, 1);
  EXPECT_EQ(annotation.expected_violation, "completeness");
}

TEST(ReadCorpusAnnotation, NoAnnotationMeansEveryStepHolds) {
  const auto annotation = read_corpus_annotation(write("plain", "iova-trace 1\n"));
  EXPECT_EQ(annotation.expected_exit, 0);
  EXPECT_FALSE(annotation.expected_violation);
}

TEST(ReadCorpusAnnotation, MalformedAnnotationsNameTheLine) {
  EXPECT_THROW(read_corpus_annotation(write("late", "iova-trace 1\n# expect-exit: 1\n")), TraceFileError);
  EXPECT_THROW(read_corpus_annotation(write("exit", "# expect-exit: 7\n")), TraceFileError);
  try {
    read_corpus_annotation(write("property", "# expect-exit: 1\n# expect-violation: speed\n"));
    FAIL() << "an unknown property was accepted";
  } catch (const TraceFileError& error) {
    EXPECT_NE(std::string(error.what()).find(":2:1: error: unknown property 'speed'"), std::string::npos);
  }
}

// The file is scanned a block at a time for '#': annotations past the first blocks, and their
// line numbers, are found as on the first line; a '#' within a line starts no annotation.
TEST(ReadCorpusAnnotation, FindsAnnotationsAndTheirLinesPastManyBlocks) {
  std::string text = "# expect-exit: 1\niova-trace 1\n";
  for (int i = 0; i < 20000; ++i) text += "free 0x10  # expect-violation: soundness\n";  // 3 + 20000 lines
  text += "# expect-violation: speed\n";
  try {
    read_corpus_annotation(write("deep", text));
    FAIL() << "an unknown property was accepted";
  } catch (const TraceFileError& error) {
    EXPECT_NE(std::string(error.what()).find(":20003:1: error: unknown property 'speed'"), std::string::npos)
        << error.what();
  }
  const auto deep = read_corpus_annotation(write("deep-ok", text.substr(0, text.size() - 6) + "find\n"));
  EXPECT_EQ(deep.expected_violation, "find");
}

TEST(AnnotationMismatch, EachWayAReplayCanDepartFromItsAnnotation) {
  const CorpusAnnotation holds{};
  const CorpusAnnotation finding{1, "completeness"};
  const CorpusAnnotation any_failure{1, std::nullopt};
  EXPECT_FALSE(annotation_mismatch(holds, CheckReport{}));
  EXPECT_FALSE(annotation_mismatch(finding, violated(Property::Completeness)));
  EXPECT_FALSE(annotation_mismatch(any_failure, violated(Property::Soundness)));
  EXPECT_EQ(annotation_mismatch(finding, CheckReport{}), "expected a completeness violation, but every step held");
  EXPECT_EQ(annotation_mismatch(finding, violated(Property::Soundness)),
            "expected a completeness violation, got a soundness violation");
  EXPECT_EQ(annotation_mismatch(holds, violated(Property::Structure)),
            "expected every step to hold, got a structure violation");
  CheckReport missed;
  missed.miss = ExpectationMiss{0, "0x3", "fail"};
  EXPECT_EQ(annotation_mismatch(finding, missed), "expected a completeness violation, got an unmet expectation");
  EXPECT_FALSE(annotation_mismatch(any_failure, missed));
}

}  // namespace
}  // namespace iovacheck::verify
