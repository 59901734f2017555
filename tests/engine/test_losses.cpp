// Losses of §3.8 / §5.3, each checked against the formula evaluated with plain loops in double
// precision over the tensors' values (an independent computation, not the code under test).
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "sfr/base/error.h"
#include "sfr/engine/losses.h"

using namespace sfr::engine;

namespace {

// Flattened [B, C, N] probabilities/logits and [B, N] targets.
struct Problem {
  int64_t B = 2, C = 3, X = 4, Y = 5;
  torch::Tensor scores;  // [B, C, X, Y]
  torch::Tensor target;  // [B, X, Y] int64
  double p(int64_t b, int64_t c, int64_t n) const {
    return scores.reshape({B, C, X * Y})[b][c][n].item<double>();
  }
  int64_t t(int64_t b, int64_t n) const { return target.reshape({B, X * Y})[b][n].item<int64_t>(); }
};

Problem makeProblem(bool probabilities, bool withIgnore) {
  torch::manual_seed(42);
  Problem pr;
  pr.scores = torch::randn({pr.B, pr.C, pr.X, pr.Y});
  if (probabilities) pr.scores = torch::softmax(pr.scores, 1);
  pr.target = torch::randint(0, pr.C, {pr.B, pr.X, pr.Y}, torch::kLong);
  if (withIgnore) {
    pr.target[0][1][2] = 255;
    pr.target[1][3][0] = 255;
    pr.target[1][0][4] = 255;
  }
  return pr;
}

double diceByLoops(const Problem& pr, bool maskPrediction, int64_t ignore = -1) {
  const double s = 1e-10;
  double total = 0.0;
  for (int64_t c = 0; c < pr.C; ++c) {
    double inter = 0, ySum = 0, zSum = 0;
    for (int64_t b = 0; b < pr.B; ++b)
      for (int64_t n = 0; n < pr.X * pr.Y; ++n) {
        const bool ignored = pr.t(b, n) == ignore;
        const double p = (maskPrediction && ignored) ? 0.0 : pr.p(b, c, n);
        const double t = pr.t(b, n) == c ? 1.0 : 0.0;
        inter += p * t;
        ySum += t * t;
        zSum += p * p;
      }
    total += 1.0 - (2.0 * inter + s) / (zSum + ySum + s);
  }
  return total / static_cast<double>(pr.C);
}

}  // namespace

TEST(Losses, SoftDiceMatchesTheReleasedFormula) {
  Problem pr = makeProblem(true, false);
  EXPECT_NEAR(softDiceLoss(pr.scores, pr.target).item<double>(), diceByLoops(pr, false), 1e-6);
  // uint8 targets (label maps) work the same.
  EXPECT_NEAR(softDiceLoss(pr.scores, pr.target.to(torch::kByte)).item<double>(),
              diceByLoops(pr, false), 1e-6);
}

TEST(Losses, SoftDiceIgnoreIndexKeepsTheReleasedQuirkUnlessMasked) {
  Problem pr = makeProblem(true, true);
  const double quirk = diceByLoops(pr, false, 255);
  const double masked = diceByLoops(pr, true, 255);
  ASSERT_GT(std::abs(quirk - masked), 1e-4);  // the two variants really differ here
  EXPECT_NEAR(
      softDiceLoss(pr.scores, pr.target, DiceLossOptions().ignore_index(255)).item<double>(), quirk,
      1e-6);
  EXPECT_NEAR(
      softDiceLoss(pr.scores, pr.target, DiceLossOptions().ignore_index(255).mask_prediction(true))
          .item<double>(),
      masked, 1e-6);
  // Without an ignore index, 255 is not a class of a 3-class problem.
  EXPECT_THROW(softDiceLoss(pr.scores, pr.target), sfr::Error);
}

TEST(Losses, SoftDiceIsZeroForAPerfectPrediction) {
  Problem pr = makeProblem(true, false);
  torch::Tensor oneHot =
      torch::one_hot(pr.target, pr.C).permute({0, 3, 1, 2}).to(torch::kFloat).contiguous();
  EXPECT_NEAR(softDiceLoss(oneHot, pr.target).item<double>(), 0.0, 1e-7);
}

TEST(Losses, SoftDiceGradientFlowsToTheProbabilities) {
  Problem pr = makeProblem(false, false);
  torch::Tensor logits = pr.scores.clone().requires_grad_(true);
  softDiceLoss(torch::softmax(logits, 1), pr.target).backward();
  ASSERT_TRUE(logits.grad().defined());
  EXPECT_GT(logits.grad().abs().sum().item<double>(), 0.0);
}

TEST(Losses, CrossEntropyIsTheMeanNegativeLogSoftmax) {
  Problem pr = makeProblem(false, true);
  double sum = 0.0;
  int count = 0;
  for (int64_t b = 0; b < pr.B; ++b)
    for (int64_t n = 0; n < pr.X * pr.Y; ++n) {
      if (pr.t(b, n) == 255) continue;
      double norm = 0.0;
      for (int64_t c = 0; c < pr.C; ++c) norm += std::exp(pr.p(b, c, n));
      sum += -(pr.p(b, pr.t(b, n), n) - std::log(norm));
      ++count;
    }
  EXPECT_NEAR(crossEntropyLoss(pr.scores, pr.target, 255).item<double>(), sum / count, 1e-5);

  Problem clean = makeProblem(false, false);
  double all = 0.0;
  for (int64_t b = 0; b < clean.B; ++b)
    for (int64_t n = 0; n < clean.X * clean.Y; ++n) {
      double norm = 0.0;
      for (int64_t c = 0; c < clean.C; ++c) norm += std::exp(clean.p(b, c, n));
      all += -(clean.p(b, clean.t(b, n), n) - std::log(norm));
    }
  EXPECT_NEAR(crossEntropyLoss(clean.scores, clean.target).item<double>(),
              all / static_cast<double>(clean.B * clean.X * clean.Y), 1e-5);
}

TEST(Losses, ShapeAndTypeErrorsAreReported) {
  Problem pr = makeProblem(true, false);
  EXPECT_THROW(softDiceLoss(pr.scores, pr.target.to(torch::kFloat)), sfr::Error);
  EXPECT_THROW(softDiceLoss(pr.scores, pr.target.slice(1, 0, 2)), sfr::Error);
  EXPECT_THROW(crossEntropyLoss(pr.scores, pr.target.unsqueeze(1)), sfr::Error);
  EXPECT_THROW(softmaxMseLoss(pr.scores, pr.scores.slice(0, 0, 1)), sfr::Error);
}

TEST(Losses, SoftmaxMseIsTheMeanSquaredProbabilityDifference) {
  torch::manual_seed(7);
  torch::Tensor a = torch::randn({2, 3, 4, 5});
  torch::Tensor b = torch::randn({2, 3, 4, 5});
  torch::Tensor fa = a.reshape({2, 3, 20}), fb = b.reshape({2, 3, 20});
  double sum = 0.0;
  std::vector<double> map;
  for (int64_t s = 0; s < 2; ++s)
    for (int64_t n = 0; n < 20; ++n) {
      double za = 0, zb = 0;
      for (int64_t c = 0; c < 3; ++c) {
        za += std::exp(fa[s][c][n].item<double>());
        zb += std::exp(fb[s][c][n].item<double>());
      }
      for (int64_t c = 0; c < 3; ++c) {
        const double d =
            std::exp(fa[s][c][n].item<double>()) / za - std::exp(fb[s][c][n].item<double>()) / zb;
        sum += d * d;
      }
    }
  EXPECT_NEAR(softmaxMseLoss(a, b).item<double>(), sum / (2 * 3 * 20), 1e-7);
  torch::Tensor m = softmaxMseMap(a, b);
  EXPECT_EQ(m.sizes(), a.sizes());
  EXPECT_NEAR(m.sum().item<double>(), sum, 1e-5);
  EXPECT_EQ(softmaxMseLoss(a, a).item<double>(), 0.0);
}

TEST(Losses, SigmoidRampupFollowsUamt) {
  EXPECT_EQ(sigmoidRampup(3.0, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(sigmoidRampup(0.0, 40.0), std::exp(-5.0));
  EXPECT_DOUBLE_EQ(sigmoidRampup(-3.0, 40.0), std::exp(-5.0));
  EXPECT_DOUBLE_EQ(sigmoidRampup(20.0, 40.0), std::exp(-1.25));
  EXPECT_DOUBLE_EQ(sigmoidRampup(40.0, 40.0), 1.0);
  EXPECT_DOUBLE_EQ(sigmoidRampup(55.0, 40.0), 1.0);
  // §5.3: the last weight of a 6000-step run, 0.1 * rampup(5999 // 150, 40) ~ 0.9969 x 0.1.
  EXPECT_NEAR(0.1 * sigmoidRampup(5999 / 150, 40.0), 0.09969, 1e-5);
}
