// Training settings (JSON, presets, validation), schedules, the two-stream sampler and the batch
// loader. Expected values come from the spec's formulas (§5.2, §5.3, §5.5), evaluated here.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "sfr/base/error.h"
#include "sfr/base/phantom.h"
#include "sfr/engine/training/batch_loader.h"
#include "sfr/engine/training/training_method.h"
#include "sfr/engine/training/training_settings.h"
#include "sfr/engine/training/two_stream_batch_sampler.h"
#include "sfr/engine/volume_tensor.h"

using namespace sfr::engine;
using nlohmann::json;

namespace {

std::vector<int64_t> sorted(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<int64_t> iota(int64_t begin, int64_t end) {
  std::vector<int64_t> v;
  for (int64_t i = begin; i < end; ++i) v.push_back(i);
  return v;
}

}  // namespace

// ---- Settings ----

TEST(TrainingSettings, DefaultsAreTheReleasedSfrSettings) {
  const TrainingSettings s;
  EXPECT_EQ(s.method(), "mean-teacher");
  EXPECT_EQ(s.iterations(), 6000);
  EXPECT_DOUBLE_EQ(s.optimizer().learning_rate(), 0.01);
  EXPECT_DOUBLE_EQ(s.optimizer().momentum(), 0.9);
  EXPECT_DOUBLE_EQ(s.optimizer().weight_decay(), 1e-4);
  EXPECT_EQ(s.schedule().kind(), LrScheduleKind::Step);
  EXPECT_EQ(s.schedule().step_size(), 2500);
  EXPECT_DOUBLE_EQ(s.schedule().gamma(), 0.1);
  EXPECT_DOUBLE_EQ(s.consistency().weight(), 0.1);
  EXPECT_DOUBLE_EQ(s.consistency().rampup_length(), 40);
  EXPECT_DOUBLE_EQ(s.consistency().rampup_divisor(), 150);
  EXPECT_DOUBLE_EQ(s.teacher().ema_decay(), 0.99);
  EXPECT_DOUBLE_EQ(s.teacher().noise_sigma(), 0.1);
  EXPECT_DOUBLE_EQ(s.teacher().noise_clip(), 0.2);
  EXPECT_DOUBLE_EQ(s.pseudo_labels().lambda_pseudo(), 1.0);
  EXPECT_DOUBLE_EQ(s.acmt().entropy_threshold(), 0.75);
  EXPECT_EQ(s.magicnet().cube_size(), 32);
  EXPECT_EQ(s.batch().labelled(), 2);
  EXPECT_EQ(s.batch().unlabelled(), 2);
  EXPECT_EQ(s.batch().crop(), (Extent3{112, 112, 80}));
  EXPECT_EQ(s.seed(), 1337u);
  EXPECT_TRUE(s.network().has_dropout());
  EXPECT_TRUE(s.network().auxiliary_heads());
  EXPECT_TRUE(s.network().pyramid_has_dropout());
  EXPECT_NO_THROW(s.validate());
}

TEST(TrainingSettings, PresetsFollowSection9) {
  const TrainingSettings magic = TrainingSettings::paper("magicnet");
  EXPECT_EQ(magic.iterations(), 70000);
  EXPECT_EQ(magic.schedule().kind(), LrScheduleKind::Poly);
  EXPECT_EQ(magic.network().normalization(), Normalization::InstanceNorm);
  EXPECT_FALSE(magic.network().has_dropout());
  EXPECT_FALSE(magic.network().auxiliary_heads());
  EXPECT_EQ(magic.batch().crop(), (Extent3{96, 96, 96}));
  EXPECT_FALSE(magic.batch().rot_flip());
  EXPECT_DOUBLE_EQ(magic.magicnet().consistency().rampup_divisor(), 350);
  EXPECT_DOUBLE_EQ(magic.magicnet().consistency().rampup_length(), 200);

  const TrainingSettings cpu = TrainingSettings::cpu("mean-teacher");
  EXPECT_EQ(cpu.iterations(), 300);
  EXPECT_EQ(cpu.schedule().milestones(), (std::vector<int64_t>{150, 250}));
  EXPECT_EQ(cpu.batch().labelled(), 1);
  EXPECT_EQ(cpu.batch().unlabelled(), 1);
  EXPECT_EQ(cpu.batch().crop(), (Extent3{64, 64, 32}));
  EXPECT_FALSE(cpu.consistency().floor_division());
  EXPECT_NO_THROW(cpu.validate());
  EXPECT_NO_THROW(TrainingSettings::cpu("magicnet").validate());
  EXPECT_THROW(TrainingSettings::paper("no-such-method"), sfr::Error);
}

TEST(TrainingSettings, JsonRoundTripKeepsEveryField) {
  TrainingSettings s = TrainingSettings::paper("acmt");
  s.iterations(123).seed(42).device("cuda:1");
  s.network().filters(8).classes(3);
  s.optimizer().learning_rate(0.02).momentum(0.8).weight_decay(3e-4);
  s.schedule().kind(LrScheduleKind::PolyBeforeIncrement).milestones({10, 20}).power(0.7);
  s.batch().labelled(1).unlabelled(3).crop({64, 48, 32}).rot_flip(false);
  s.consistency().weight(0.3).rampup_length(12).rampup_divisor(7.5).floor_division(false);
  s.teacher().ema_decay(0.95).noise_sigma(0.05).noise_clip(0.1);
  s.pseudo_labels().lambda_pseudo(0.25);
  s.acmt().entropy_threshold(0.6).entropy_threshold_max(0.9);
  s.magicnet().cube_size(16).fc_hidden(64).blend_start(5).histogram_interval(3).temperature(2);
  s.magicnet().consistency().weight(0.7);

  const json j = s;
  const TrainingSettings back = j.get<TrainingSettings>();
  EXPECT_EQ(back, s);
  EXPECT_EQ(json(back), j);
  EXPECT_EQ(back.schedule().kind(), LrScheduleKind::PolyBeforeIncrement);
  EXPECT_EQ(back.batch().crop(), (Extent3{64, 48, 32}));
  EXPECT_DOUBLE_EQ(back.magicnet().consistency().weight(), 0.7);
  EXPECT_EQ(j.at("schedule").at("kind"), "poly-acmt");
  // A different value is a different setting.
  TrainingSettings other = back;
  other.teacher().noise_clip(0.3);
  EXPECT_NE(other, s);
}

TEST(TrainingSettings, JsonMissingKeysKeepDefaultsAndErrorsNameTheKey) {
  const TrainingSettings partial = json{{"iterations", 10}, {"batch", {{"labelled", 1}}}};
  EXPECT_EQ(partial.iterations(), 10);
  EXPECT_EQ(partial.batch().labelled(), 1);
  EXPECT_EQ(partial.batch().unlabelled(), 2);
  EXPECT_EQ(partial.method(), "mean-teacher");

  try {
    (void)json{{"batch", {{"labeled", 1}}}}.get<TrainingSettings>();
    FAIL() << "unknown key accepted";
  } catch (const sfr::Error& e) {
    EXPECT_EQ(e.subject(), "training.batch.labeled");
  }
  try {
    (void)json{{"teacher", {{"ema_decay", "high"}}}}.get<TrainingSettings>();
    FAIL() << "wrong type accepted";
  } catch (const sfr::Error& e) {
    EXPECT_EQ(e.subject(), "training.teacher.ema_decay");
  }
  const json cosine = {{"schedule", {{"kind", "cosine"}}}};
  EXPECT_THROW((void)cosine.get<TrainingSettings>(), sfr::Error);
}

TEST(TrainingSettings, ValidateNamesTheOffendingKey) {
  auto subjectOf = [](const TrainingSettings& s) {
    try {
      s.validate();
    } catch (const sfr::Error& e) {
      return e.subject();
    }
    return std::string();
  };
  EXPECT_EQ(subjectOf(TrainingSettings().batch(BatchSettings().crop({112, 112, 40}))),
            "training.batch.crop");
  EXPECT_EQ(subjectOf(TrainingSettings().iterations(0)), "training.iterations");
  EXPECT_EQ(subjectOf(TrainingSettings().optimizer(OptimizerSettings().momentum(1.0))),
            "training.optimizer.momentum");
  EXPECT_EQ(subjectOf(TrainingSettings().schedule(LrScheduleSettings().milestones({5, 5}))),
            "training.schedule.milestones");
  EXPECT_EQ(subjectOf(TrainingSettings().magicnet(MagicNetSettings().cube_size(24))),
            "training.magicnet.cube_size");
  EXPECT_EQ(subjectOf(TrainingSettings().batch(BatchSettings().labelled(0))),
            "training.batch.labelled");
  EXPECT_EQ(subjectOf(TrainingSettings()), "");
}

// ---- Schedules ----

TEST(TrainingSchedule, StepDecayEvery2500AndMilestones) {
  const OptimizerSettings o;
  const LrScheduleSettings step;
  EXPECT_DOUBLE_EQ(learningRateAt(o, step, 6000, 0), 0.01);
  EXPECT_DOUBLE_EQ(learningRateAt(o, step, 6000, 2499), 0.01);
  EXPECT_DOUBLE_EQ(learningRateAt(o, step, 6000, 2500), 0.01 * 0.1);
  EXPECT_DOUBLE_EQ(learningRateAt(o, step, 6000, 4999), 0.01 * 0.1);
  EXPECT_DOUBLE_EQ(learningRateAt(o, step, 6000, 5000), 0.01 * 0.01);
  EXPECT_DOUBLE_EQ(learningRateAt(o, step, 6000, 5999), 0.01 * 0.01);
  const LrScheduleSettings cpu = LrScheduleSettings().milestones({150, 250});
  EXPECT_DOUBLE_EQ(learningRateAt(o, cpu, 300, 149), 0.01);
  EXPECT_DOUBLE_EQ(learningRateAt(o, cpu, 300, 150), 0.001);
  EXPECT_DOUBLE_EQ(learningRateAt(o, cpu, 300, 250), 0.01 * 0.01);
}

TEST(TrainingSchedule, PolyAfterAndBeforeTheIncrement) {
  const OptimizerSettings o;
  const auto poly = LrScheduleSettings().kind(LrScheduleKind::Poly);
  const auto acmt = LrScheduleSettings().kind(LrScheduleKind::PolyBeforeIncrement);
  EXPECT_DOUBLE_EQ(learningRateAt(o, poly, 6000, 0), 0.01);
  EXPECT_DOUBLE_EQ(learningRateAt(o, poly, 6000, 1), 0.01 * std::pow(1 - 1 / 6000.0, 0.9));
  EXPECT_DOUBLE_EQ(learningRateAt(o, poly, 6000, 3000), 0.01 * std::pow(0.5, 0.9));
  EXPECT_DOUBLE_EQ(learningRateAt(o, poly, 6000, 6000), 0.0);
  // ACMT sets lr from the pre-increment count: step k (k >= 1) uses (1 - (k-1)/max)^0.9.
  EXPECT_DOUBLE_EQ(learningRateAt(o, acmt, 8000, 1), 0.01);
  EXPECT_DOUBLE_EQ(learningRateAt(o, acmt, 8000, 2), 0.01 * std::pow(1 - 1 / 8000.0, 0.9));
}

TEST(TrainingSchedule, ConsistencyWeightIsTheReleasedSigmoidRampup) {
  const ConsistencySettings c;
  auto expected = [](double position) {
    const double phase = 1.0 - std::min(position, 40.0) / 40.0;
    return 0.1 * std::exp(-5.0 * phase * phase);
  };
  EXPECT_DOUBLE_EQ(consistencyWeightAt(c, 0), 0.1 * std::exp(-5.0));
  EXPECT_DOUBLE_EQ(consistencyWeightAt(c, 149), 0.1 * std::exp(-5.0));  // iter // 150 = 0
  EXPECT_DOUBLE_EQ(consistencyWeightAt(c, 150), expected(1));
  EXPECT_DOUBLE_EQ(consistencyWeightAt(c, 3000), expected(20));
  EXPECT_DOUBLE_EQ(consistencyWeightAt(c, 5999), expected(39));
  EXPECT_NEAR(consistencyWeightAt(c, 5999), 0.1 * 0.99688, 1e-6);  // spec: ~0.9969 x 0.1
  EXPECT_DOUBLE_EQ(consistencyWeightAt(c, 6000), 0.1);
  EXPECT_DOUBLE_EQ(consistencyWeightAt(c, 90000), 0.1);
  // cpu preset: real division, iter / 7.5.
  const auto cpu = ConsistencySettings().rampup_divisor(7.5).floor_division(false);
  EXPECT_DOUBLE_EQ(consistencyWeightAt(cpu, 16), expected(16 / 7.5));
}

TEST(TrainingSchedule, EmaAlphaAndEntropyThreshold) {
  EXPECT_DOUBLE_EQ(emaAlpha(0, 0.99), 0.0);
  EXPECT_DOUBLE_EQ(emaAlpha(1, 0.99), 0.5);
  EXPECT_DOUBLE_EQ(emaAlpha(3, 0.99), 0.75);
  EXPECT_DOUBLE_EQ(emaAlpha(98, 0.99), 1.0 - 1.0 / 99.0);
  EXPECT_DOUBLE_EQ(emaAlpha(99, 0.99), 0.99);
  EXPECT_DOUBLE_EQ(emaAlpha(5000, 0.99), 0.99);
  const AcmtSettings a;
  EXPECT_DOUBLE_EQ(entropyThresholdAt(a, 6000, 0), 0.75 + 0.2 * std::exp(-5.0));
  EXPECT_DOUBLE_EQ(entropyThresholdAt(a, 6000, 3000), 0.75 + 0.2 * std::exp(-5.0 * 0.25));
  EXPECT_DOUBLE_EQ(entropyThresholdAt(a, 6000, 6000), 0.95);
}

// ---- Sampler ----

TEST(TwoStreamBatchSampler, EpochIsLabelledPairsFromOnePermutationPlusUnlabelledChain) {
  TwoStreamBatchSampler sampler(iota(0, 6), iota(6, 11), 2, 2);
  EXPECT_EQ(sampler.batchesPerEpoch(), 3);
  std::mt19937_64 rng(3);
  std::set<std::vector<int64_t>> labelledOrders;
  int repeatedInLastPair = 0;
  for (int e = 0; e < 200; ++e) {
    const auto epoch = sampler.epoch(rng);
    ASSERT_EQ(epoch.size(), 3u);
    std::vector<int64_t> labelled, chain;
    for (const auto& batch : epoch) {
      ASSERT_EQ(batch.size(), 4u);
      labelled.insert(labelled.end(), batch.begin(), batch.begin() + 2);
      chain.insert(chain.end(), batch.begin() + 2, batch.end());
    }
    EXPECT_EQ(sorted(labelled), iota(0, 6));  // one permutation, consumed in pairs
    labelledOrders.insert(labelled);
    // The chain's first 5 items are one permutation of the unlabelled indices; the 6th starts the
    // next one, so the last pair straddles two permutations.
    EXPECT_EQ(sorted(std::vector<int64_t>(chain.begin(), chain.begin() + 5)), iota(6, 11));
    EXPECT_GE(chain[5], 6);
    EXPECT_LE(chain[5], 10);
    // Pairs inside one permutation never repeat an index; the straddling pair can (p = 1/5).
    EXPECT_NE(chain[0], chain[1]);
    EXPECT_NE(chain[2], chain[3]);
    repeatedInLastPair += chain[4] == chain[5];
  }
  EXPECT_GT(repeatedInLastPair, 15);
  EXPECT_LT(repeatedInLastPair, 70);
  EXPECT_GT(labelledOrders.size(), 150u);  // fresh permutation every epoch (720 possible)
}

TEST(TwoStreamBatchSampler, OddLabelledCountDropsTheTrailingIndex) {
  TwoStreamBatchSampler sampler(iota(0, 5), iota(5, 9), 2, 2);
  EXPECT_EQ(sampler.batchesPerEpoch(), 2);
  std::mt19937_64 rng(8);
  std::set<int64_t> dropped;
  for (int e = 0; e < 30; ++e) {
    std::set<int64_t> seen;
    for (const auto& batch : sampler.epoch(rng)) seen.insert(batch.begin(), batch.begin() + 2);
    EXPECT_EQ(seen.size(), 4u);
    for (int64_t i = 0; i < 5; ++i)
      if (!seen.count(i)) dropped.insert(i);
  }
  EXPECT_EQ(dropped.size(), 5u);  // every index is the dropped one sometimes
}

TEST(TwoStreamBatchSampler, OneLabelledVolumeFillsTheLabelledHalfByRepetition) {
  TwoStreamBatchSampler sampler({0}, iota(1, 4), 2, 2);
  EXPECT_EQ(sampler.primary(), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(sampler.batchesPerEpoch(), 1);
  std::mt19937_64 rng(1);
  for (int i = 0; i < 7; ++i) {
    const auto batch = sampler.next(rng);
    ASSERT_EQ(batch.size(), 4u);
    EXPECT_EQ(batch[0], 0);
    EXPECT_EQ(batch[1], 0);
    EXPECT_NE(batch[2], batch[3]);  // a pair from one permutation of 3 indices
  }
  TwoStreamBatchSampler three(iota(0, 3), iota(3, 8), 4, 1);
  EXPECT_EQ(three.primary().size(), 6u);  // repeated until it reaches the batch of 4
  EXPECT_EQ(three.batchesPerEpoch(), 1);
}

TEST(TwoStreamBatchSampler, NextWalksEpochsAndResumesFromItsState) {
  TwoStreamBatchSampler a(iota(0, 6), iota(6, 11), 2, 2);
  TwoStreamBatchSampler reference(iota(0, 6), iota(6, 11), 2, 2);
  std::mt19937_64 rngA(77), rngRef(77);
  std::vector<std::vector<int64_t>> expected;
  for (int e = 0; e < 3; ++e)
    for (auto& batch : reference.epoch(rngRef)) expected.push_back(batch);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(a.next(rngA), expected[i]);
  // Mid-epoch (batch 5 of epoch 2 is pending): save, restore into a fresh sampler, continue.
  const json state = a.state();
  TwoStreamBatchSampler b(iota(0, 6), iota(6, 11), 2, 2);
  b.restoreState(state);
  std::mt19937_64 rngB = rngA;
  for (std::size_t i = 4; i < expected.size(); ++i) {
    EXPECT_EQ(b.next(rngB), expected[i]);
    EXPECT_EQ(a.next(rngA), expected[i]);
  }
  TwoStreamBatchSampler other(iota(0, 4), iota(4, 6), 2, 2);
  EXPECT_THROW(other.restoreState(state), sfr::Error);
}

TEST(TwoStreamBatchSampler, RejectsUnusableConfigurations) {
  EXPECT_THROW(TwoStreamBatchSampler({}, iota(0, 4), 2, 2), sfr::Error);
  EXPECT_THROW(TwoStreamBatchSampler(iota(0, 4), {5}, 2, 2), sfr::Error);
  EXPECT_THROW(TwoStreamBatchSampler(iota(0, 4), iota(4, 8), 0, 2), sfr::Error);
  EXPECT_NO_THROW(TwoStreamBatchSampler(iota(0, 4), {}, 2, 0));
}

TEST(TwoStreamBatchSampler, RandomPermutationIsUniform) {
  std::mt19937_64 rng(5);
  std::map<std::vector<int64_t>, int> counts;
  for (int i = 0; i < 6000; ++i) ++counts[randomPermutation({0, 1, 2}, rng)];
  ASSERT_EQ(counts.size(), 6u);
  for (const auto& [perm, n] : counts) EXPECT_NEAR(n, 1000, 120);
}

// ---- Loader ----

TEST(TwoStreamBatchLoader, StacksAugmentedCropsLabelledFirst) {
  const auto phantom = sfr::PhantomSettings().setSize({40, 36, 24}).setCases(5);
  std::vector<CropPair> labelled;
  std::vector<torch::Tensor> unlabelled;
  for (int c = 0; c < 5; ++c) {
    const auto p = sfr::generatePhantomCase(phantom, c);
    if (c < 2)
      labelled.push_back({toTensor(p.image), toTensor(p.label)});
    else
      unlabelled.push_back(toTensor(p.image));
  }
  TwoStreamBatchLoader loader(labelled, unlabelled, BatchSettings().crop({32, 32, 16}));
  std::mt19937_64 rng(11);
  for (int i = 0; i < 3; ++i) {
    const TrainingBatch batch = loader.next(rng);
    ASSERT_EQ(batch.images.sizes(), (std::vector<int64_t>{4, 1, 32, 32, 16}));
    ASSERT_EQ(batch.labels.sizes(), (std::vector<int64_t>{2, 32, 32, 16}));
    EXPECT_EQ(batch.labels.scalar_type(), torch::kLong);
    EXPECT_EQ(batch.labelledCount(), 2);
    EXPECT_EQ(batch.unlabelledCount(), 2);
    ASSERT_EQ(batch.indices.size(), 4u);
    EXPECT_EQ(sorted({batch.indices[0], batch.indices[1]}), (std::vector<int64_t>{0, 1}));
    EXPECT_GE(batch.indices[2], 2);
    EXPECT_GE(batch.indices[3], 2);
    EXPECT_TRUE(batch.labels.le(1).all().item<bool>());
  }

  // Without RotFlip and with a volume exactly the crop size, a crop is the (padded) volume itself
  // at a random offset: compare against the original voxels.
  const torch::Tensor image = torch::arange(32 * 32 * 16, torch::kFloat).view({32, 32, 16});
  TwoStreamBatchLoader exact(
      {{image, (image > 8000).to(torch::kUInt8)}}, {image * 2},
      BatchSettings().labelled(1).unlabelled(1).crop({32, 32, 16}).rot_flip(false));
  const TrainingBatch b = exact.next(rng);
  // Every labelled voxel value > 0 comes from the image and its label matches the threshold.
  const torch::Tensor inside = b.images[0][0] > 0;
  EXPECT_TRUE(torch::equal(b.labels[0].masked_select(inside),
                           (b.images[0][0] > 8000).to(torch::kLong).masked_select(inside)));
  EXPECT_THROW(TwoStreamBatchLoader({{image, image}}, {}, BatchSettings().unlabelled(0)),
               sfr::Error);  // float label
  EXPECT_THROW(TwoStreamBatchLoader({{image, image.to(torch::kLong)}}, {},
                                    BatchSettings().unlabelled(0).crop({32, 32, 20})),
               sfr::Error);
}
