// The re-training methods on tiny phantoms (V-Net with 2 filters, 32 x 32 x 16 crops; MagicNet 32^3
// with 16^3 cubes): losses, weight updates, the EMA rule, MagicNet's cube algebra, the registry and
// exact resume. Pseudo-labels come from a threshold labeler, a test double for SAM.
#include <gtest/gtest.h>

#include <torch/torch.h>
#include <map>

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "sfr/base/error.h"
#include "sfr/base/phantom.h"
#include "sfr/engine/runtime.h"
#include "sfr/engine/training/acmt.h"
#include "sfr/engine/training/batch_loader.h"
#include "sfr/engine/training/magicnet.h"
#include "sfr/engine/training/mean_teacher.h"
#include "sfr/engine/training/supervised.h"
#include "sfr/engine/training/training_method.h"
#include "sfr/engine/volume_tensor.h"

using namespace sfr::engine;
namespace fs = std::filesystem;

namespace {

/// Labels a crop by thresholding its intensities (the phantom's blood pool is bright): a stand-in
/// for SAM that records what it was given.
class ThresholdLabeler : public PseudoLabeler {
 public:
  torch::Tensor pseudoLabels(const torch::Tensor& crops) override {
    ++calls;
    last = crops.clone();
    return (crops.squeeze(1) > 0.5).to(torch::kLong);
  }
  int calls = 0;
  torch::Tensor last;
};

/// Returns a fixed, wrongly shaped map.
class BrokenLabeler : public PseudoLabeler {
 public:
  torch::Tensor pseudoLabels(const torch::Tensor& crops) override {
    return torch::zeros({crops.size(0), 3, 3, 3}, torch::kLong);
  }
};

bool isMagic(const std::string& method) {
  return method == "magicnet";
}

TrainingSettings tinySettings(const std::string& method) {
  TrainingSettings s = TrainingSettings::paper(method);
  s.iterations(50);
  s.network().filters(2).classes(2);
  if (isMagic(method)) {
    s.batch().crop({32, 32, 32});
    s.magicnet().cube_size(16).fc_hidden(32).blend_start(1).histogram_interval(2);
  } else {
    s.batch().crop({32, 32, 16});
  }
  return s;
}

struct TinyData {
  std::vector<CropPair> labelled;
  std::vector<torch::Tensor> unlabelled;
};

const TinyData& tinyData(bool cubic) {
  auto make = [](sfr::Size3 size) {
    TinyData d;
    const auto phantom = sfr::PhantomSettings().setSize(size).setCases(6);
    for (int c = 0; c < 6; ++c) {
      const auto p = sfr::generatePhantomCase(phantom, c);
      if (c < 3)
        d.labelled.push_back({toTensor(p.image), toTensor(p.label)});
      else
        d.unlabelled.push_back(toTensor(p.image));
    }
    return d;
  };
  static const TinyData flat = make({40, 40, 24});
  static const TinyData cube = make({40, 40, 40});
  return cubic ? cube : flat;
}

TwoStreamBatchLoader loaderFor(const TrainingSettings& s) {
  const TinyData& d = tinyData(isMagic(s.method()));
  return TwoStreamBatchLoader(d.labelled, d.unlabelled, s.batch());
}

std::vector<torch::Tensor> snapshot(const torch::nn::Module& m) {
  std::vector<torch::Tensor> out;
  for (const auto& p : m.named_parameters()) out.push_back(p.value().detach().clone());
  for (const auto& b : m.named_buffers()) out.push_back(b.value().detach().clone());
  return out;
}

bool allEqual(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!torch::equal(a[i], b[i])) return false;
  return true;
}

fs::path tempFile(const std::string& name) {
  return fs::temp_directory_path() / ("sfr_training_" + std::to_string(::getpid()) + "_" + name);
}

}  // namespace

// ---- Every method, with and without pseudo-labels ----

struct MethodCase {
  std::string method;
  bool pseudo;
};

class EveryMethod : public testing::TestWithParam<MethodCase> {};

TEST_P(EveryMethod, StepsGiveFiniteLossesAndChangeTheWeights) {
  const MethodCase param = GetParam();
  const TrainingSettings s = tinySettings(param.method);
  auto method = createTrainingMethod(s);
  EXPECT_EQ(method->name(), param.method);
  auto labeler = std::make_shared<ThresholdLabeler>();
  if (param.pseudo) method->setPseudoLabeler(labeler);
  TwoStreamBatchLoader loader = loaderFor(s);
  const auto before = snapshot(*method->studentModule());

  for (int i = 0; i < 3; ++i) {
    const TrainingBatch batch = loader.next(method->rng());
    const StepResult r = method->step(batch);
    EXPECT_EQ(r.iteration, i + 1);
    EXPECT_DOUBLE_EQ(r.learning_rate, learningRateAt(s.optimizer(), s.schedule(), 50, i));
    ASSERT_FALSE(r.losses.empty());
    EXPECT_EQ(r.losses.front().name, "loss");
    for (const NamedValue& v : r.losses) EXPECT_TRUE(std::isfinite(v.value)) << v.name;
    EXPECT_TRUE(r.hasLoss("supervised"));
    EXPECT_EQ(r.hasLoss("pseudo"), param.pseudo);
    const bool hasTeacher = param.method != "supervised" && param.method != "self-training";
    EXPECT_EQ(r.hasLoss("consistency"), hasTeacher);
    EXPECT_EQ(static_cast<bool>(method->teacher()), hasTeacher);
    if (hasTeacher) {
      const ConsistencySettings& c =
          isMagic(param.method) ? s.magicnet().consistency() : s.consistency();
      EXPECT_DOUBLE_EQ(r.scalar("consistency_weight"), consistencyWeightAt(c, i));
    }
    EXPECT_EQ(r.hasLoss("location"), isMagic(param.method));
    if (param.pseudo) {
      // The labeler saw exactly the noise-free unlabelled crops of this batch.
      ASSERT_TRUE(labeler->last.defined());
      EXPECT_TRUE(torch::equal(labeler->last.cpu(), batch.unlabelledImages()));
      // The pseudo term is the released 0.5 (CE + Dice) and is included in the total.
      EXPECT_GE(r.loss("pseudo"), 0.0);
    }
  }
  EXPECT_EQ(labeler->calls, param.pseudo ? 3 : 0);
  EXPECT_EQ(method->iteration(), 3);
  EXPECT_FALSE(allEqual(before, snapshot(*method->studentModule())));
}

INSTANTIATE_TEST_SUITE_P(
    Training, EveryMethod,
    testing::Values(MethodCase{"supervised", false}, MethodCase{"self-training", false},
                    MethodCase{"self-training", true}, MethodCase{"mean-teacher", false},
                    MethodCase{"mean-teacher", true}, MethodCase{"acmt", false},
                    MethodCase{"acmt", true}, MethodCase{"magicnet", false},
                    MethodCase{"magicnet", true}),
    [](const testing::TestParamInfo<MethodCase>& info) {
      std::string name = info.param.method + (info.param.pseudo ? "_pseudo" : "_plain");
      for (char& c : name)
        if (c == '-') c = '_';
      return name;
    });

TEST(TrainingMethods, TotalIsTheWeightedSumOfTheTerms) {
  // Mean teacher with lambda 0.5: loss = L_s + 0.5 L_p + w L_c, all reported unweighted.
  TrainingSettings s = tinySettings("mean-teacher");
  s.pseudo_labels().lambda_pseudo(0.5);
  auto method = createTrainingMethod(s);
  method->setPseudoLabeler(std::make_shared<ThresholdLabeler>());
  TwoStreamBatchLoader loader = loaderFor(s);
  const StepResult r = method->step(loader.next(method->rng()));
  const double expected = r.loss("supervised") + 0.5 * r.loss("pseudo") +
                          r.scalar("consistency_weight") * r.loss("consistency");
  EXPECT_NEAR(r.loss(), expected, 1e-5 * std::abs(expected));

  // ACMT reports its entropy threshold and the selected share of voxels.
  auto acmt = createTrainingMethod(tinySettings("acmt"));
  TwoStreamBatchLoader acmtLoader = loaderFor(acmt->settings());
  const StepResult a = acmt->step(acmtLoader.next(acmt->rng()));
  EXPECT_DOUBLE_EQ(a.scalar("entropy_threshold"),
                   entropyThresholdAt(acmt->settings().acmt(), 50, 0));
  EXPECT_GE(a.scalar("selected_fraction"), 0.0);
  EXPECT_LE(a.scalar("selected_fraction"), 1.0);
  EXPECT_THROW(a.loss("no-such-term"), sfr::Error);
}

namespace {

/// Labels the first half along x of whatever it is shown, so its labels reveal the orientation.
class FirstHalfLabeler : public PseudoLabeler {
 public:
  torch::Tensor pseudoLabels(const torch::Tensor& crops) override {
    last = crops.clone();
    torch::Tensor labels =
        torch::zeros({crops.size(0), crops.size(2), crops.size(3), crops.size(4)}, torch::kLong);
    labels.narrow(1, 0, crops.size(2) / 2).fill_(1);
    return labels;
  }
  torch::Tensor last;
};

struct InspectableMeanTeacher : MeanTeacherMethod {
  using MeanTeacherMethod::MeanTeacherMethod;
  using TrainingMethod::pseudoLabelsFor;
};

}  // namespace

TEST(TrainingMethods, UndoRotFlipShowsTheLabelerTheCropAsSampledAndTurnsItsLabelsBack) {
  TrainingSettings s = tinySettings("mean-teacher");
  TwoStreamBatchLoader loader = loaderFor(s);
  InspectableMeanTeacher method(s);
  const TrainingBatch batch = loader.next(method.rng());
  ASSERT_EQ(batch.orientations.size(), 4u);
  for (const RotFlip& r : batch.orientations) EXPECT_FALSE(r.identity());  // UA-MT always flips

  auto labeler = std::make_shared<FirstHalfLabeler>();
  method.setPseudoLabeler(labeler);
  const torch::Tensor half = labeler->pseudoLabels(batch.unlabelledImages());
  // Released: SAM sees the augmented crops.
  EXPECT_TRUE(torch::equal(method.pseudoLabelsFor(batch), half));
  EXPECT_TRUE(torch::equal(labeler->last, batch.unlabelledImages()));

  TrainingSettings undo = s;
  undo.pseudo_labels().undo_rot_flip(true);
  InspectableMeanTeacher undoing(undo);
  undoing.setPseudoLabeler(labeler);
  const torch::Tensor labels = undoing.pseudoLabelsFor(batch);
  const int64_t bl = batch.labelledCount();
  for (int64_t i = 0; i < batch.unlabelledCount(); ++i) {
    const RotFlip& r = batch.orientations[bl + i];
    EXPECT_TRUE(torch::equal(labeler->last[i], undoRotFlip(batch.unlabelledImages()[i], r, 1)));
    EXPECT_TRUE(torch::equal(labels[i], applyRotFlip(half[i], r)));
    EXPECT_FALSE(torch::equal(labels[i], half[i]));
  }
  // A batch without orientations (built by hand) is labelled as it is.
  TrainingBatch plain = batch;
  plain.orientations.clear();
  EXPECT_TRUE(torch::equal(undoing.pseudoLabelsFor(plain), half));
  plain.orientations.resize(1);
  EXPECT_THROW(undoing.pseudoLabelsFor(plain), sfr::Error);
  // A step reports what the pseudo-labels and the labels teach: the share of each class.
  const StepResult stepped = undoing.step(batch);
  std::map<std::string, double> scalars;
  for (const NamedValue& v : stepped.scalars) scalars[v.name] = v.value;
  ASSERT_TRUE(scalars.count("pseudo_fraction_class_1")) << "no pseudo-label fractions";
  EXPECT_DOUBLE_EQ(scalars.at("pseudo_fraction_class_1"), 0.5);  // the first half along x
  EXPECT_DOUBLE_EQ(scalars.at("label_fraction_class_1"),
                   (batch.labels == 1).to(torch::kFloat64).mean().item<double>());
  // And the settings carry the choice through JSON.
  EXPECT_TRUE(nlohmann::json(undo).get<TrainingSettings>().pseudo_labels().undo_rot_flip());
  EXPECT_FALSE(nlohmann::json(s).get<TrainingSettings>().pseudo_labels().undo_rot_flip());
}

TEST(TrainingMethods, ScheduledLearningRateIsAppliedToTheOptimiser) {
  TrainingSettings s = tinySettings("self-training");
  s.schedule().milestones({1, 2});
  auto method = createTrainingMethod(s);
  TwoStreamBatchLoader loader = loaderFor(s);
  std::vector<double> used;
  for (int i = 0; i < 3; ++i)
    used.push_back(method->step(loader.next(method->rng())).learning_rate);
  EXPECT_DOUBLE_EQ(used[0], 0.01);
  EXPECT_DOUBLE_EQ(used[1], 0.01 * 0.1);
  EXPECT_DOUBLE_EQ(used[2], 0.01 * std::pow(0.1, 2));
  const auto& options =
      static_cast<const torch::optim::SGDOptions&>(method->optimizer().param_groups()[0].options());
  EXPECT_DOUBLE_EQ(options.lr(), used[2]);
  EXPECT_DOUBLE_EQ(options.momentum(), 0.9);
  EXPECT_DOUBLE_EQ(options.weight_decay(), 1e-4);
}

TEST(TrainingMethods, RejectsBadInputs) {
  auto supervised = createTrainingMethod(tinySettings("supervised"));
  EXPECT_THROW(supervised->setPseudoLabeler(std::make_shared<ThresholdLabeler>()), sfr::Error);

  auto mt = createTrainingMethod(tinySettings("mean-teacher"));
  TwoStreamBatchLoader loader = loaderFor(mt->settings());
  TrainingBatch batch = loader.next(mt->rng());
  TrainingBatch labelledOnly = batch;
  labelledOnly.images = batch.images.slice(0, 0, 2);
  EXPECT_THROW(mt->step(labelledOnly), sfr::Error);  // a teacher method needs unlabelled crops
  TrainingBatch floatLabels = batch;
  floatLabels.labels = batch.labels.to(torch::kFloat);
  EXPECT_THROW(mt->step(floatLabels), sfr::Error);
  mt->setPseudoLabeler(std::make_shared<BrokenLabeler>());
  EXPECT_THROW(mt->step(batch), sfr::Error);
  EXPECT_EQ(mt->iteration(), 0);  // nothing happened

  TrainingSettings heads = tinySettings("magicnet");
  heads.network().auxiliary_heads(true);
  EXPECT_THROW(createTrainingMethod(heads), sfr::Error);
  TrainingSettings noUnlabelled = tinySettings("mean-teacher");
  noUnlabelled.batch().unlabelled(0);
  EXPECT_THROW(createTrainingMethod(noUnlabelled), sfr::Error);
  EXPECT_NO_THROW(createTrainingMethod(noUnlabelled.method("supervised")));
  TrainingSettings oneClass = tinySettings("acmt");
  oneClass.network().classes(1);
  EXPECT_THROW(createTrainingMethod(oneClass), sfr::Error);
}

// ---- EMA ----

TEST(TrainingMethods, EmaTeacherCopiesTheStudentAtStep0AndAveragesHalfAtStep1) {
  auto method = createTrainingMethod(tinySettings("mean-teacher"));
  TwoStreamBatchLoader loader = loaderFor(method->settings());
  auto& student = *method->studentModule();
  auto& teacher = *method->teacherModule();
  EXPECT_FALSE(torch::equal(student.parameters()[0], teacher.parameters()[0]));  // own init

  method->step(loader.next(method->rng()));
  const auto s1 = student.parameters();
  const auto t1 = teacher.parameters();
  for (std::size_t i = 0; i < s1.size(); ++i) EXPECT_TRUE(torch::equal(s1[i], t1[i])) << i;
  // BatchNorm running statistics are the teacher's own (it saw noisy inputs).
  const auto sb = student.named_buffers();
  const auto tb = teacher.named_buffers();
  ASSERT_TRUE(sb.contains("block_one.conv.1.running_mean"));
  EXPECT_FALSE(
      torch::equal(sb["block_one.conv.1.running_mean"], tb["block_one.conv.1.running_mean"]));
  for (const auto& p : teacher.parameters()) EXPECT_FALSE(p.requires_grad());

  std::vector<torch::Tensor> teacherBefore;
  for (const auto& p : t1) teacherBefore.push_back(p.detach().clone());
  method->step(loader.next(method->rng()));
  const auto s2 = student.parameters();
  const auto t2 = teacher.parameters();
  for (std::size_t i = 0; i < s2.size(); ++i)
    EXPECT_TRUE(torch::allclose(t2[i], 0.5 * teacherBefore[i] + 0.5 * s2[i], 1e-6, 1e-7)) << i;
}

TEST(TrainingMethods, UpdateEmaTouchesParametersOnly) {
  torch::nn::Sequential a(torch::nn::Linear(3, 2), torch::nn::BatchNorm1d(2));
  torch::nn::Sequential b(torch::nn::Linear(3, 2), torch::nn::BatchNorm1d(2));
  {
    torch::NoGradGuard g;
    for (auto& p : a->parameters()) p.fill_(1.0);
    for (auto& p : b->parameters()) p.fill_(3.0);
    a->named_buffers()["1.running_mean"].fill_(7.0);
  }
  updateEma(*a, *b, 0.25);
  for (const auto& p : a->parameters())
    EXPECT_TRUE(torch::allclose(p, torch::full_like(p, 0.25 * 1.0 + 0.75 * 3.0)));
  EXPECT_TRUE(torch::equal(a->named_buffers()["1.running_mean"], torch::full({2}, 7.0)));
  torch::nn::Sequential c(torch::nn::Linear(3, 2));
  EXPECT_THROW(updateEma(*a, *c, 0.5), sfr::Error);
}

// ---- MagicNet cubes ----

TEST(MagicNetCubes, SplitAndMergeAreExactInverses) {
  const CubeGrid g = cubeGrid({48, 32, 16}, 16);
  EXPECT_EQ(g.count(), 3 * 2 * 1);
  const torch::Tensor x = torch::randn({2, 3, 48, 32, 16});
  const torch::Tensor cubes = splitCubes(x, g);
  ASSERT_EQ(cubes.sizes(), (std::vector<int64_t>{2, 6, 3, 16, 16, 16}));
  EXPECT_TRUE(torch::equal(mergeCubes(cubes, g), x));
  // Cube k = (i * ny + j) * nz + l holds the block at grid position (i, j, l).
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 2; ++j) {
      const int64_t k = i * 2 + j;
      EXPECT_TRUE(torch::equal(cubes.select(1, k),
                               x.narrow(2, 16 * i, 16).narrow(3, 16 * j, 16).narrow(4, 0, 16)));
    }
  EXPECT_THROW(cubeGrid({48, 32, 20}, 16), sfr::Error);
  EXPECT_THROW(splitCubes(torch::zeros({1, 1, 32, 32, 32}), g), sfr::Error);
}

TEST(MagicNetCubes, LocationLabelsAreXPlusNxYPlusNxNyZ) {
  const CubeGrid g = cubeGrid({96, 96, 96}, 32);
  const torch::Tensor labels = cubeLocationLabels(g);
  ASSERT_EQ(labels.numel(), 27);
  // Visiting order: x outermost, z innermost. Cube (x=0, y=0, z=1) is k = 1 with label 9;
  // (x=1, y=0, z=0) is k = 9 with label 1; (2, 2, 2) is k = 26 with label 26.
  EXPECT_EQ(labels[1].item<int64_t>(), 9);
  EXPECT_EQ(labels[9].item<int64_t>(), 1);
  EXPECT_EQ(labels[3].item<int64_t>(), 3);  // (0, 1, 0)
  EXPECT_EQ(labels[26].item<int64_t>(), 26);
  EXPECT_EQ(std::get<0>(labels.sort()).equal(torch::arange(27)), true);
}

TEST(MagicNetCubes, CrossImageMixAndRecoveryIsAnExactInverse) {
  torch::manual_seed(4);
  const CubeGrid g = cubeGrid({32, 32, 32}, 16);
  const torch::Tensor x = torch::randn({4, 2, 32, 32, 32});
  const torch::Tensor perm = randomCubePermutation(4, g);
  ASSERT_EQ(perm.sizes(), (std::vector<int64_t>{4, 8}));
  for (int64_t k = 0; k < 8; ++k)
    EXPECT_TRUE(torch::equal(std::get<0>(perm.select(1, k).sort()), torch::arange(4)));
  const torch::Tensor mixed = mixCubes(x, perm, g);
  EXPECT_FALSE(torch::equal(mixed, x));
  // Cube k of mixed sample b is cube k of sample perm[b, k].
  const torch::Tensor cx = splitCubes(x, g), cm = splitCubes(mixed, g);
  for (int64_t b = 0; b < 4; ++b)
    for (int64_t k = 0; k < 8; ++k)
      EXPECT_TRUE(torch::equal(cm[b][k], cx[perm[b][k].item<int64_t>()][k]));
  EXPECT_TRUE(torch::equal(mixCubes(mixed, inverseCubePermutation(perm), g), x));
}

TEST(MagicNetCubes, VNetMagicShapesAndLocationHead) {
  VNetMagic net(VNetOptions().filters(2).normalization(Normalization::InstanceNorm),
                Extent3{32, 32, 32}, int64_t{16}, int64_t{32});
  EXPECT_EQ(net->grid().count(), 8);
  const auto [logits, embedding] = net->forward(torch::randn({2, 1, 32, 32, 32}));
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, 2, 32, 32, 32}));
  EXPECT_EQ(embedding.sizes(), (std::vector<int64_t>{2, 2, 32, 32, 32}));  // filters channels
  EXPECT_TRUE(torch::allclose(net->predictionHead(embedding), logits));
  const auto features = net->encode(torch::randn({8, 1, 16, 16, 16}));
  ASSERT_EQ(features.size(), 5u);
  EXPECT_EQ(features[4].flatten(1).size(1), 2 * 16);
  EXPECT_EQ(net->fc_layer->forward(features[4].flatten(1)).sizes(), (std::vector<int64_t>{8, 8}));
  EXPECT_THROW(VNetMagic(VNetOptions().filters(2), Extent3{32, 32, 24}, int64_t{16}, int64_t{32}),
               sfr::Error);
}

TEST(MagicNetMethod, ClassHistogramFollowsThePseudoLabels) {
  auto s = tinySettings("magicnet");
  MagicNetMethod method(s);
  TwoStreamBatchLoader loader = loaderFor(s);
  method.step(loader.next(method.rng()));  // iteration 0: refresh with this step's counts
  int64_t total = 0;
  for (int64_t c : method.classHistogram()) total += c;
  EXPECT_EQ(total, 2 * 32 * 32 * 32);      // every voxel of the two unlabelled crops
  method.step(loader.next(method.rng()));  // iteration 1: pending only (interval 2)
  method.step(loader.next(method.rng()));  // iteration 2: refresh with steps 1 and 2
  total = 0;
  for (int64_t c : method.classHistogram()) total += c;
  EXPECT_EQ(total, 2 * 2 * 32 * 32 * 32);
}

// ---- Registry and loop ----

TEST(TrainingRegistry, KnowsTheBuiltInsAndAcceptsPlugIns) {
  const auto names = trainingMethodNames();
  for (const char* n : {"supervised", "self-training", "mean-teacher", "acmt", "magicnet"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  EXPECT_THROW(createTrainingMethod(TrainingSettings().method("no-such-method")), sfr::Error);
  EXPECT_THROW(registerTrainingMethod("mean-teacher",
                                      [](const TrainingSettings& s) {
                                        return std::make_unique<MeanTeacherMethod>(s);
                                      }),
               sfr::Error);
  int built = 0;
  registerTrainingMethod("test-plugin", [&built](const TrainingSettings& s) {
    ++built;
    return std::make_unique<SupervisedMethod>(s);
  });
  auto plugin = createTrainingMethod(tinySettings("supervised").method("test-plugin"));
  EXPECT_EQ(built, 1);
  EXPECT_EQ(plugin->name(), "supervised");
}

TEST(TrainingRegistry, RunTrainingReportsProgressAndHonoursCancel) {
  auto method = createTrainingMethod(tinySettings("supervised"));
  TwoStreamBatchLoader loader = loaderFor(method->settings());
  std::vector<sfr::ProgressEvent> events;
  sfr::CallbackProgress progress([&](const sfr::ProgressEvent& e) { events.push_back(e); });
  int callbacks = 0;
  runTraining(*method, loader, 2, progress, {}, [&](const StepResult&) { ++callbacks; });
  EXPECT_EQ(method->iteration(), 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].stage, "train");
  EXPECT_EQ(events[1].done, 2);
  EXPECT_EQ(events[1].total, 50);
  EXPECT_EQ(events[1].message.rfind("loss ", 0), 0u);
  EXPECT_EQ(callbacks, 2);
  sfr::CancelToken cancel;
  cancel.requestCancel();
  EXPECT_THROW(runTraining(*method, loader, 4, progress, cancel), sfr::Cancelled);
  EXPECT_EQ(method->iteration(), 2);
}

// ---- Exact resume ----

class ExactResume : public testing::TestWithParam<std::string> {};

TEST_P(ExactResume, HalfAndHalfWithSaveAndLoadEqualsOneRun) {
  const std::string name = GetParam();
  const sfr::engine::ThreadSettings previous = torchThreads();
  setTorchThreads(1);  // bitwise equality holds for a fixed thread count; 1 keeps the test fast
  const TrainingSettings s = tinySettings(name);
  // MagicNet: 4 steps cover blending (iteration > 1) and a pending histogram at the save point.
  const int steps = isMagic(name) ? 4 : 6;

  auto reference = createTrainingMethod(s);
  reference->setPseudoLabeler(std::make_shared<ThresholdLabeler>());
  TwoStreamBatchLoader referenceLoader = loaderFor(s);
  StepResult last;
  for (int i = 0; i < steps; ++i) last = reference->step(referenceLoader.next(reference->rng()));

  const fs::path file = tempFile(name + ".pt");
  {
    auto first = createTrainingMethod(s);
    first->setPseudoLabeler(std::make_shared<ThresholdLabeler>());
    TwoStreamBatchLoader loader = loaderFor(s);
    for (int i = 0; i < steps / 2; ++i) first->step(loader.next(first->rng()));
    first->saveState(file, {{"loader", loader.state()}});
  }
  auto resumed = createTrainingMethod(s);
  resumed->setPseudoLabeler(std::make_shared<ThresholdLabeler>());
  TwoStreamBatchLoader loader = loaderFor(s);
  // Disturb both generators: loadState must restore them.
  torch::manual_seed(999);
  resumed->rng().discard(17);
  const nlohmann::json extra = resumed->loadState(file);
  loader.restoreState(extra.at("loader"));
  EXPECT_EQ(resumed->iteration(), steps / 2);
  StepResult resumedLast;
  for (int i = steps / 2; i < steps; ++i) resumedLast = resumed->step(loader.next(resumed->rng()));

  EXPECT_TRUE(allEqual(snapshot(*reference->studentModule()), snapshot(*resumed->studentModule())));
  EXPECT_TRUE(allEqual(snapshot(*reference->teacherModule()), snapshot(*resumed->teacherModule())));
  EXPECT_EQ(last.loss(), resumedLast.loss());

  // A state belongs to its method.
  auto other = createTrainingMethod(tinySettings("self-training"));
  EXPECT_THROW(other->loadState(file), sfr::Error);
  fs::remove(file);
  setTorchThreads(previous.intraOp);
}

INSTANTIATE_TEST_SUITE_P(Training, ExactResume, testing::Values("mean-teacher", "magicnet"),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return info.param == "mean-teacher" ? std::string("mean_teacher")
                                                               : info.param;
                         });
