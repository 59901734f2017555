// run.data.label_files (issue 5 of the studio): the labels a clinician edited or drew replace the
// dataset's. JSON round trip, the override really read for a labelled case (also for a case the
// dataset has no label for, and for a held-out one), and one sfr::Error naming the file and the
// case for an unknown case, a missing file, an unreadable file and a label on another grid. The
// dataset is a tiny plain folder written by the test.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "pipeline/pipeline_data.h"  // private to sfr_engine (core/engine/src)
#include "sfr/base/error.h"
#include "sfr/base/progress.h"
#include "sfr/engine/pipeline/pipeline_config.h"
#include "sfr/engine/pipeline/sfr_pipeline.h"
#include "sfr/engine/volume_tensor.h"
#include "test_checkpoint_python.h"
#ifdef SFR_HAVE_ITK
#include "sfr/io/image_io.h"
#endif

namespace fs = std::filesystem;
using namespace sfr::engine;
using nlohmann::json;
using sfr::test::TempDir;

namespace {

PipelineConfig parse(const json& j) {
  PipelineConfig c;
  from_json(j, c);
  return c;
}

// The message of the sfr::Error `f` throws ("" when it throws none).
template <class F>
std::string errorOf(F&& f) {
  try {
    f();
  } catch (const sfr::Error& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST(PipelineLabelFiles, JsonRoundTripAndValidation) {
  PipelineConfig c;
  c.data().source("folder").folder("/data/hippocampus").labelled_ids({"hippocampus_001"});
  c.data().label_files({{"hippocampus_001", "/project.sfrproj.labels/hippocampus_001.nii.gz"},
                        {"hippocampus_007", "/elsewhere/x.nii.gz"}});
  const json j = c;
  EXPECT_EQ(j.at("data").at("label_files"),
            json({{"hippocampus_001", "/project.sfrproj.labels/hippocampus_001.nii.gz"},
                  {"hippocampus_007", "/elsewhere/x.nii.gz"}}));
  const PipelineConfig back = parse(j);
  EXPECT_EQ(back.data().label_files(), c.data().label_files());
  EXPECT_EQ(json(back), j);
  // Read from a run file; empty = absent (older run folders keep their config.json).
  EXPECT_EQ(parse({{"data", {{"label_files", {{"a", "/a.nii.gz"}}}}}}).data().label_files(),
            (LabelFiles{{"a", "/a.nii.gz"}}));
  EXPECT_TRUE(PipelineConfig().data().label_files().empty());
  EXPECT_FALSE(json(PipelineConfig()).at("data").contains("label_files"));
  // A wrong type names the key.
  EXPECT_NE(errorOf([] {
              parse({{"data", {{"label_files", json::array({"/a.nii.gz"})}}}});
            }).find("run.data.label_files"),
            std::string::npos);
  EXPECT_NE(errorOf([] {
              parse({{"data", {{"label_files", {{"a", 3}}}}}});
            }).find("run.data.label_files"),
            std::string::npos);
  // Phantoms have no label files; an empty path is refused before any reading.
  PipelineConfig phantom;
  phantom.data().label_files({{"phantom_000", "/x.nii.gz"}});
  EXPECT_NE(errorOf([&] { phantom.validate(); }).find("run.data.label_files"), std::string::npos);
  PipelineConfig empty;
  empty.data().label_files({{"a", ""}});
  EXPECT_NE(errorOf([&] { empty.validate(); }).find("run.data.label_files.a"), std::string::npos);
}

#ifdef SFR_HAVE_ITK

namespace {

sfr::Geometry grid() {
  sfr::Geometry g;
  g.size = {10, 8, 6};
  g.spacing = {0.8, 0.9, 1.5};
  g.origin = {-3.0, 2.0, 5.0};
  return g;
}

// A label map on `g`: a box of value 1 whose corner depends on `seed`.
sfr::LabelVolume box(const sfr::Geometry& g, std::size_t seed) {
  sfr::LabelVolume label(g, 0);
  for (std::size_t k = 1; k < 4; ++k)
    for (std::size_t j = 1 + seed % 3; j < 5 + seed % 3; ++j)
      for (std::size_t i = seed % 4; i < 4 + seed % 4; ++i) label.at(i, j, k) = 1;
  return label;
}

// A plain dataset folder: case_a and case_b with labels, case_c without; edited labels outside it.
class LabelFilesData : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(data());
    fs::create_directories(edits());
    const sfr::Geometry g = grid();
    for (int n = 0; n < 3; ++n) {
      sfr::ImageVolume image(g, 0.0f);
      for (std::size_t v = 0; v < image.voxelCount(); ++v)
        image.data()[v] = static_cast<float>((v * 7 + static_cast<std::size_t>(n) * 13) % 31);
      const std::string id = std::string("case_") + static_cast<char>('a' + n);
      sfr::io::writeImage(image, data() / (id + ".nii.gz"));
      if (n < 2) sfr::io::writeLabel(box(g, n), data() / (id + "_label.nii.gz"));
    }
    sfr::io::writeLabel(box(g, 5), edits() / "case_a.nii.gz");  // the clinician's edit
    sfr::io::writeLabel(box(g, 6), edits() / "case_c.nii.gz");  // drawn from scratch
  }

  fs::path data() const { return dir_ / "data"; }
  fs::path edits() const { return dir_ / "project.sfrproj.labels"; }

  PipelineDataSettings settings() const {
    PipelineDataSettings d;
    d.source("folder").folder(data().string()).normalize("none");
    return d;
  }

  internal::PipelineData load(const PipelineDataSettings& d) const {
    sfr::NullProgress progress;
    sfr::CancelToken cancel;
    return internal::loadPipelineData(d, progress, cancel);
  }

  TempDir dir_;
};

}  // namespace

TEST_F(LabelFilesData, TheOverrideIsTheLabelThatTrains) {
  const sfr::Geometry g = grid();
  // Without overrides: a and b are labelled, c is not (and cannot be named as labelled).
  internal::PipelineData plain = load(settings().labelled_ids({"case_a"}));
  ASSERT_EQ(plain.labelled.size(), 1u);
  EXPECT_TRUE(torch::equal(plain.labelled[0].label, toTensor(box(g, 0))));
  EXPECT_EQ(plain.labelled[0].labelFile, data() / "case_a_label.nii.gz");
  EXPECT_NE(errorOf([&] { load(settings().labelled_ids({"case_c"})); }).find("case_c"),
            std::string::npos);

  // With them: a's edit replaces its dataset label, c (no dataset label) is labelled too; the
  // order of labelled_ids stays the dataset's, b (not named) feeds the unlabelled stream.
  PipelineDataSettings d = settings().labelled_ids({"case_c", "case_a"});
  d.label_files({{"case_a", (edits() / "case_a.nii.gz").string()},
                 {"case_c", (edits() / "case_c.nii.gz").string()}});
  internal::PipelineData data = load(d);
  ASSERT_EQ(data.labelled.size(), 2u);
  EXPECT_EQ(data.labelled[0].id, "case_a");
  EXPECT_EQ(data.labelled[1].id, "case_c");
  EXPECT_TRUE(torch::equal(data.labelled[0].label, toTensor(box(g, 5))));
  EXPECT_FALSE(torch::equal(data.labelled[0].label, toTensor(box(g, 0))));
  EXPECT_TRUE(torch::equal(data.labelled[1].label, toTensor(box(g, 6))));
  EXPECT_EQ(data.labelled[0].labelFile, edits() / "case_a.nii.gz");
  EXPECT_EQ(data.labelled[1].labelFile, edits() / "case_c.nii.gz");
  ASSERT_EQ(data.unlabelled.size(), 1u);
  EXPECT_EQ(data.unlabelled[0].id, "case_b");
  EXPECT_FALSE(data.unlabelled[0].label.defined());
  EXPECT_EQ(data.classes, 2);

  // The first N labelled cases: c counts as labelled; a held-out case is scored on its override.
  PipelineDataSettings firstTwo = settings().labelled(2).test(1);
  firstTwo.label_files(d.label_files());
  internal::PipelineData held = load(firstTwo);
  ASSERT_EQ(held.labelled.size(), 2u);
  EXPECT_EQ(held.labelled[0].id, "case_a");
  EXPECT_TRUE(torch::equal(held.labelled[0].label, toTensor(box(g, 5))));
  EXPECT_EQ(held.labelled[1].id, "case_b");
  ASSERT_EQ(held.test.size(), 1u);
  EXPECT_EQ(held.test[0].id, "case_c");
  EXPECT_EQ(held.test[0].label, edits() / "case_c.nii.gz");
  const internal::HeldOutVolumes volumes = internal::readHeldOut(firstTwo, held.test[0]);
  EXPECT_EQ(volumes.label.voxels(), box(g, 6).voxels());
}

// run.data.test_ids (the studio's validation case): exactly the named labelled cases are held
// out, in dataset order, with their label_files override; they neither train nor feed the
// unlabelled stream. An unlabelled or unknown case, a duplicate, an overlap with labelled_ids and
// test_ids together with test are errors naming the key.
TEST_F(LabelFilesData, TestIdsHoldOutExactlyTheNamedCases) {
  const sfr::Geometry g = grid();
  PipelineDataSettings d = settings().labelled_ids({"case_b"}).test_ids({"case_c", "case_a"});
  d.label_files({{"case_c", (edits() / "case_c.nii.gz").string()}});
  const internal::PipelineData held = load(d);
  ASSERT_EQ(held.labelled.size(), 1u);
  EXPECT_EQ(held.labelled[0].id, "case_b");
  EXPECT_TRUE(held.unlabelled.empty());
  ASSERT_EQ(held.test.size(), 2u);
  EXPECT_EQ(held.test[0].id, "case_a");
  EXPECT_EQ(held.test[1].id, "case_c");
  EXPECT_EQ(held.test[0].label, data() / "case_a_label.nii.gz");
  EXPECT_EQ(internal::readHeldOut(d, held.test[1]).label.voxels(), box(g, 6).voxels());

  // With the first N labelled: the held-out one is not among them.
  const internal::PipelineData firstOne = load(settings().labelled(1).test_ids({"case_a"}));
  ASSERT_EQ(firstOne.labelled.size(), 1u);
  EXPECT_EQ(firstOne.labelled[0].id, "case_b");
  ASSERT_EQ(firstOne.test.size(), 1u);
  EXPECT_EQ(firstOne.test[0].id, "case_a");
  ASSERT_EQ(firstOne.unlabelled.size(), 1u);
  EXPECT_EQ(firstOne.unlabelled[0].id, "case_c");

  // JSON: written only when set, read back.
  PipelineConfig c;
  c.data().source("folder").folder(data().string()).test_ids({"case_a"});
  EXPECT_EQ(json(c).at("data").at("test_ids"), json::array({"case_a"}));
  EXPECT_EQ(parse(json(c)).data().test_ids(), std::vector<std::string>{"case_a"});
  EXPECT_FALSE(json(PipelineConfig()).at("data").contains("test_ids"));

  EXPECT_NE(errorOf([&] { load(settings().test_ids({"case_c"})); }).find("run.data.test_ids"),
            std::string::npos);  // case_c has no label without its override
  EXPECT_NE(errorOf([&] { load(settings().test_ids({"case_z"})); }).find("'case_z'"),
            std::string::npos);
  EXPECT_NE(errorOf([&] {
              load(settings().test_ids({"case_a", "case_a"}));
            }).find("twice"),
            std::string::npos);
  PipelineConfig both = c;
  both.data().test(1);
  EXPECT_NE(errorOf([&] { both.validate(); }).find("run.data.test_ids"), std::string::npos);
  PipelineConfig overlap = c;
  overlap.data().labelled_ids({"case_a"});
  EXPECT_NE(errorOf([&] { overlap.validate(); }).find("run.data.test_ids"), std::string::npos);
}

TEST_F(LabelFilesData, EveryBadLabelFileIsOneErrorNamingTheFileAndTheCase) {
  const auto expectError = [&](const std::string& id, const fs::path& file,
                               const std::string& problem) {
    PipelineDataSettings d = settings().labelled_ids({"case_a"});
    d.label_files({{id, file.string()}});
    const std::string message = errorOf([&] { load(d); });
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    EXPECT_NE(message.find("'" + id + "'"), std::string::npos) << message;
    EXPECT_NE(message.find(problem), std::string::npos) << message;
  };
  // A case the dataset does not have.
  expectError("case_z", edits() / "case_a.nii.gz", "has no case 'case_z'");
  // A file that is not there.
  expectError("case_a", edits() / "missing.nii.gz", "does not exist");
  // A file that is not a readable label map.
  { std::ofstream(edits() / "garbage.nii.gz") << "not a NIfTI file"; }
  expectError("case_a", edits() / "garbage.nii.gz", "run.data.label_files");
  // Another grid: size, spacing, origin, direction, each on its own.
  sfr::Geometry size = grid(), spacing = grid(), origin = grid(), direction = grid();
  size.size = {10, 8, 5};
  spacing.spacing = {0.8, 0.9, 2.0};
  origin.origin = {-3.0, 2.0, 7.0};
  direction.direction = {-1, 0, 0, 0, -1, 0, 0, 0, 1};
  int n = 0;
  for (const sfr::Geometry& g : {size, spacing, origin, direction}) {
    const fs::path file = edits() / ("other_grid_" + std::to_string(n++) + ".nii.gz");
    sfr::io::writeLabel(sfr::LabelVolume(g, 0), file);
    expectError("case_a", file, "run.data.label_files");
    // Also when the case would only feed the unlabelled stream or is held out: checked up front.
    PipelineDataSettings unused = settings().labelled_ids({"case_b"});
    unused.label_files({{"case_a", file.string()}});
    EXPECT_NE(errorOf([&] { load(unused); }).find(file.string()), std::string::npos);
    PipelineDataSettings heldOut = settings().labelled_ids({"case_b"}).test(1);
    heldOut.label_files({{"case_c", file.string()}});
    EXPECT_NE(errorOf([&] { load(heldOut); }).find(file.string()), std::string::npos);
  }
}

// run.data.spacing: a label drawn in the studio on a LA case (HDF5 stores no spacing) of a
// project opened with --spacing 0.625 lies on the 0.625 mm grid; the run reads the HDF5 image at
// 1 mm by default, which is another grid (one error naming the file), and at the project's
// spacing with data.spacing, which trains on the drawn label.
TEST(PipelineDataSpacing, HdfCasesAreReadAtTheProjectSpacing) {
  const char* dataEnv = std::getenv("SFR_DATA_DIR");
  if (!dataEnv || !*dataEnv) GTEST_SKIP() << "SFR_DATA_DIR is not set";
  const fs::path la = fs::path(dataEnv) / "la";
  std::ifstream list(la / "train.list");
  std::string id;
  ASSERT_TRUE(std::getline(list, id)) << la / "train.list";
  const fs::path image = la / id / "mri_norm2.h5";
  std::cout << "LA case " << image << "\n";
  TempDir dir;
  const sfr::ImageVolume atProjectSpacing =
      sfr::io::readImage(image, sfr::io::ReadOptions{}.setSpacing({0.625, 0.625, 0.625}));
  sfr::LabelVolume drawn(atProjectSpacing.geometry(), 0);
  drawn.at(10, 20, 30) = 1;
  drawn.at(11, 20, 30) = 1;
  const fs::path labelFile = dir.path() / "p.sfrproj.labels" / (id + ".nii.gz");
  fs::create_directories(labelFile.parent_path());
  sfr::io::writeLabel(drawn, labelFile);

  PipelineDataSettings d;
  d.source("folder").folder(la.string()).labelled_ids({id}).unlabelled(0).normalize("none");
  d.label_files({{id, labelFile.string()}});
  sfr::NullProgress progress;
  sfr::CancelToken cancel;
  const std::string oneMm = errorOf([&] { internal::loadPipelineData(d, progress, cancel); });
  std::cout << "without data.spacing: " << oneMm << "\n";
  EXPECT_NE(oneMm.find(labelFile.string()), std::string::npos) << oneMm;
  EXPECT_NE(oneMm.find("run.data.label_files"), std::string::npos) << oneMm;

  d.spacing({0.625, 0.625, 0.625});
  const internal::PipelineData data = internal::loadPipelineData(d, progress, cancel);
  ASSERT_EQ(data.labelled.size(), 1u);
  EXPECT_TRUE(torch::equal(data.labelled[0].label, toTensor(drawn)));
  EXPECT_TRUE(torch::equal(data.labelled[0].image, toTensor(atProjectSpacing)));

  // JSON and validation.
  PipelineConfig c;
  c.data().source("folder").folder(la.string()).spacing({0.625, 0.625, 0.625});
  EXPECT_EQ(json(c).at("data").at("spacing"), json::array({0.625, 0.625, 0.625}));
  EXPECT_EQ(parse(json(c)).data().spacing(), c.data().spacing());
  EXPECT_FALSE(json(PipelineConfig()).at("data").contains("spacing"));
  for (const std::vector<double>& bad :
       {std::vector<double>{1.0, 1.0}, std::vector<double>{1.0, 0.0, 1.0},
        std::vector<double>{1.0, -2.0, 1.0}}) {
    PipelineConfig wrong = c;
    wrong.data().spacing(bad);
    EXPECT_NE(errorOf([&] { wrong.validate(); }).find("run.data.spacing"), std::string::npos);
  }
}

// The studio's path end to end on a folder dataset: case_a trains (its dataset label), case_c is
// the validation case with the label drawn in the studio, case_b feeds the unlabelled stream.
// config.json names every label file that was read; the run validates on case_c at each
// checkpoint and scores it at the end.
TEST(PipelineFolderRun, RecordsItsLabelFilesAndValidatesOnTheNamedCase) {
  TempDir dir;
  const fs::path data = dir.path() / "data", edits = dir.path() / "p.sfrproj.labels";
  fs::create_directories(data);
  fs::create_directories(edits);
  sfr::Geometry g;
  g.size = {32, 32, 16};
  g.spacing = {1.0, 1.0, 2.0};
  for (int n = 0; n < 3; ++n) {
    sfr::ImageVolume image(g, 0.0f);
    sfr::LabelVolume label(g, 0);
    for (std::size_t k = 0; k < 16; ++k)
      for (std::size_t j = 0; j < 32; ++j)
        for (std::size_t i = 0; i < 32; ++i) {
          const bool inside = i >= 8 + static_cast<std::size_t>(n) && i < 20 && j >= 10 && j < 24 &&
                              k >= 4 && k < 12;
          image.at(i, j, k) = inside ? 1.0f : 0.0f;
          label.at(i, j, k) = inside ? 1 : 0;
        }
    const std::string id = std::string("case_") + static_cast<char>('a' + n);
    sfr::io::writeImage(image, data / (id + ".nii.gz"));
    if (n < 2) sfr::io::writeLabel(label, data / (id + "_label.nii.gz"));
    if (n == 2) sfr::io::writeLabel(label, edits / "case_c.nii.gz");
  }
  const json config = {{"preset", "cpu"},
                       {"method", "supervised"},
                       {"data",
                        {{"source", "folder"},
                         {"folder", data.string()},
                         {"labelled_ids", {"case_a"}},
                         {"test_ids", {"case_c"}},
                         {"label_files", {{"case_c", (edits / "case_c.nii.gz").string()}}}}},
                       {"training",
                        {{"iterations", 4},
                         {"network", {{"filters", 4}}},
                         {"batch", {{"crop", {32, 32, 16}}, {"labelled", 1}, {"unlabelled", 1}}}}},
                       {"window", {{"patch", {32, 32, 16}}, {"stride_xy", 8}, {"stride_z", 8}}},
                       {"checkpoint_every", 2}};
  PipelineConfig c = parse(config);
  struct Recorder : EventSink {
    void emit(const json& e) override {
      if (e.at("type") == "metric" && e.at("name") == "validation_dice") validation.push_back(e);
    }
    std::vector<json> validation;
  } events;
  sfr::NullProgress progress;
  const json summary = SfrPipeline(c, dir.path() / "run", false).run(progress, {}, events);
  EXPECT_EQ(summary.at("labelled"), 1);
  EXPECT_EQ(summary.at("unlabelled"), 1);
  EXPECT_EQ(summary.at("test"), 1);

  std::ifstream in(dir.path() / "run" / "config.json");
  const json written = json::parse(in);
  const json& split = written.at("data_split");
  std::cout << "data_split of the run: " << split.dump() << "\n";
  EXPECT_EQ(split.at("labelled"), json::array({"case_a"}));
  EXPECT_EQ(split.at("unlabelled"), json::array({"case_b"}));
  EXPECT_EQ(split.at("test"), json::array({"case_c"}));
  EXPECT_EQ(split.at("label_files"), json({{"case_a", (data / "case_a_label.nii.gz").string()},
                                           {"case_c", (edits / "case_c.nii.gz").string()}}));
  EXPECT_EQ(written.at("config").at("data").at("test_ids"), json::array({"case_c"}));

  ASSERT_EQ(events.validation.size(), 2u);  // iterations 2 and 4
  for (const json& v : events.validation) EXPECT_EQ(v.at("cases"), json::array({"case_c"}));
  std::ifstream evaluationFile(dir.path() / "run" / "evaluation.json");
  const json evaluation = json::parse(evaluationFile);
  EXPECT_EQ(evaluation.at("cases")[0].at("case"), "case_c");
  EXPECT_NEAR(events.validation.back().at("value").get<double>(),
              evaluation.at("cases")[0].at("classes").at("1").at("dice").get<double>(), 1e-9);
}

#endif  // SFR_HAVE_ITK
