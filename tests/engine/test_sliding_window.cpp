// Sliding-window inference (§7.1): grid and padding rules, and the whole predictor against a
// direct transcription of test_single_case written here (explicit count map, zero-filled padded
// copy), with networks whose output depends on the position inside the window so that the
// averaging of overlapping windows matters.
#include <cmath>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sfr/base/error.h"
#include "sfr/engine/sliding_window.h"

using namespace sfr::engine;
using torch::indexing::Slice;

namespace {

// Logits that mix the voxel value with a class-specific ramp over the window coordinates.
torch::Tensor rampLogits(const torch::Tensor& batch, int64_t classes) {
  const int64_t px = batch.size(2), py = batch.size(3), pz = batch.size(4);
  torch::Tensor x = batch.sum(1, /*keepdim=*/true);  // [N, 1, px, py, pz]
  torch::Tensor i = torch::arange(px, batch.options()).view({1, 1, px, 1, 1}) / px;
  torch::Tensor j = torch::arange(py, batch.options()).view({1, 1, 1, py, 1}) / py;
  torch::Tensor k = torch::arange(pz, batch.options()).view({1, 1, 1, 1, pz}) / pz;
  std::vector<torch::Tensor> channels;
  for (int64_t c = 0; c < classes; ++c) {
    const double s = static_cast<double>(c);
    channels.push_back(x * (0.7 * (s + 1.0) - 1.0) + (i - 0.5) * (s - 1.0) * 2.0 + k * 0.8 * s -
                       j * 0.3 * s);
  }
  return torch::cat(channels, 1);
}

struct Reference {
  torch::Tensor probabilities;
  torch::Tensor labels;
};

// test_single_case as written in UA-MT (code/test_util.py), transcribed line by line.
Reference naiveTestSingleCase(const LogitsFunction& net, const torch::Tensor& image,
                              int64_t strideXY, int64_t strideZ, const Extent3& patch,
                              int64_t classes) {
  const int64_t w = image.size(0), h = image.size(1), d = image.size(2);
  const int64_t wPad = w < patch[0] ? patch[0] - w : 0;
  const int64_t hPad = h < patch[1] ? patch[1] - h : 0;
  const int64_t dPad = d < patch[2] ? patch[2] - d : 0;
  const int64_t wl = wPad / 2, hl = hPad / 2, dl = dPad / 2;
  torch::Tensor padded = torch::zeros({w + wPad, h + hPad, d + dPad});
  padded.index_put_({Slice(wl, wl + w), Slice(hl, hl + h), Slice(dl, dl + d)}, image);
  const int64_t ww = padded.size(0), hh = padded.size(1), dd = padded.size(2);
  const auto sx = static_cast<int64_t>(std::ceil(double(ww - patch[0]) / strideXY)) + 1;
  const auto sy = static_cast<int64_t>(std::ceil(double(hh - patch[1]) / strideXY)) + 1;
  const auto sz = static_cast<int64_t>(std::ceil(double(dd - patch[2]) / strideZ)) + 1;
  torch::Tensor score = torch::zeros({classes, ww, hh, dd});
  torch::Tensor cnt = torch::zeros({ww, hh, dd});
  for (int64_t x = 0; x < sx; ++x) {
    const int64_t xs = std::min(strideXY * x, ww - patch[0]);
    for (int64_t y = 0; y < sy; ++y) {
      const int64_t ys = std::min(strideXY * y, hh - patch[1]);
      for (int64_t z = 0; z < sz; ++z) {
        const int64_t zs = std::min(strideZ * z, dd - patch[2]);
        auto region = std::vector<torch::indexing::TensorIndex>{
            Slice(xs, xs + patch[0]), Slice(ys, ys + patch[1]), Slice(zs, zs + patch[2])};
        torch::Tensor testPatch = padded.index(region).unsqueeze(0).unsqueeze(0);
        torch::Tensor y1 = torch::softmax(net(testPatch), 1)[0];
        auto scoreRegion = std::vector<torch::indexing::TensorIndex>{Slice()};
        scoreRegion.insert(scoreRegion.end(), region.begin(), region.end());
        score.index_put_(scoreRegion, score.index(scoreRegion) + y1);
        cnt.index_put_(region, cnt.index(region) + 1);
      }
    }
  }
  score = score / cnt.unsqueeze(0);
  torch::Tensor label = score.argmax(0);
  Reference ref;
  ref.probabilities =
      score.index({Slice(), Slice(wl, wl + w), Slice(hl, hl + h), Slice(dl, dl + d)});
  ref.labels =
      label.index({Slice(wl, wl + w), Slice(hl, hl + h), Slice(dl, dl + d)}).to(torch::kByte);
  return ref;
}

SlidingWindowOptions smallOptions() {
  return SlidingWindowOptions().patch({48, 48, 32}).stride_xy(8).stride_z(5);
}

}  // namespace

TEST(SlidingWindow, PaddingSplitsOddAmountsLeftSmaller) {
  EXPECT_EQ(axisPadding(41, 48).left, 3);
  EXPECT_EQ(axisPadding(41, 48).right, 4);
  EXPECT_EQ(axisPadding(40, 48).left, 4);
  EXPECT_EQ(axisPadding(40, 48).right, 4);
  EXPECT_EQ(axisPadding(48, 48).left + axisPadding(48, 48).right, 0);
  EXPECT_EQ(axisPadding(70, 48).left + axisPadding(70, 48).right, 0);
}

TEST(SlidingWindow, WindowStartsFollowTestSingleCase) {
  // §7.1's example: LA Z = 88, patch 80, stride 4 -> 3 windows at 0, 4, 8.
  EXPECT_EQ(windowStarts(88, 80, 4), (std::vector<int64_t>{0, 4, 8}));
  // ceil(22 / 8) + 1 = 4 windows, the last clamped flush with the edge.
  EXPECT_EQ(windowStarts(70, 48, 8), (std::vector<int64_t>{0, 8, 16, 22}));
  EXPECT_EQ(windowStarts(48, 48, 8), (std::vector<int64_t>{0}));
  EXPECT_EQ(windowStarts(148, 112, 18), (std::vector<int64_t>{0, 18, 36}));
  EXPECT_THROW(windowStarts(40, 48, 8), sfr::Error);
  EXPECT_THROW(windowStarts(60, 48, 0), sfr::Error);
}

TEST(SlidingWindow, MatchesTestSingleCaseWithPaddingAndClampedWindows) {
  torch::manual_seed(9);
  // x: 70 >= 48 (last window clamped), y: 41 < 48 (odd zero padding), z: 44 (stride 5).
  torch::Tensor volume = torch::randn({70, 41, 44});
  const int64_t classes = 3;
  LogitsFunction net = [&](const torch::Tensor& b) { return rampLogits(b, classes); };
  Reference ref = naiveTestSingleCase(net, volume, 8, 5, {48, 48, 32}, classes);

  SlidingWindowPredictor predictor(net, smallOptions());
  SlidingWindowResult result = predictor.predict(volume);
  EXPECT_EQ(result.windows, 4 * 1 * 4);
  ASSERT_EQ(result.probabilities.sizes(), (std::vector<int64_t>{3, 70, 41, 44}));
  EXPECT_EQ(result.labels.scalar_type(), torch::kByte);
  EXPECT_LT((result.probabilities - ref.probabilities).abs().max().item<double>(), 1e-6);
  EXPECT_TRUE(torch::equal(result.labels, ref.labels));
  // The ramps make overlapping windows disagree, so averaging is really exercised.
  EXPECT_GT(ref.labels.flatten().to(torch::kLong).bincount().count_nonzero().item<int64_t>(), 1);
  // Results are ordinary tensors that callers may modify.
  result.probabilities.add_(1.0);
}

TEST(SlidingWindow, VNetPredictorMatchesTestSingleCaseAndRestoresTrainMode) {
  torch::manual_seed(4);
  VNet net(VNetOptions().filters(2).classes(2));
  torch::Tensor volume = torch::randn({36, 20, 30});
  const SlidingWindowOptions options =
      SlidingWindowOptions().patch({32, 16, 16}).stride_xy(6).stride_z(7);
  net->eval();
  LogitsFunction direct = [&](const torch::Tensor& b) { return net->forward(b).logits; };
  Reference ref;
  {
    torch::NoGradGuard noGrad;
    ref = naiveTestSingleCase(direct, volume, 6, 7, options.patch(), 2);
  }
  net->train();
  SlidingWindowPredictor predictor(net, options);
  SlidingWindowResult result = predictor.predict(volume);
  EXPECT_TRUE(net->is_training());
  EXPECT_LT((result.probabilities - ref.probabilities).abs().max().item<double>(), 1e-5);
  EXPECT_TRUE(torch::equal(result.labels, ref.labels));
}

TEST(SlidingWindow, BatchingWindowsGivesTheSameResult) {
  torch::manual_seed(2);
  torch::Tensor volume = torch::randn({70, 41, 44});
  LogitsFunction net = [](const torch::Tensor& b) { return rampLogits(b, 2); };
  SlidingWindowResult one = SlidingWindowPredictor(net, smallOptions()).predict(volume);
  int calls = 0;
  LogitsFunction counted = [&](const torch::Tensor& b) {
    ++calls;
    EXPECT_LE(b.size(0), 5);
    return rampLogits(b, 2);
  };
  SlidingWindowResult five =
      SlidingWindowPredictor(counted, smallOptions().window_batch(5)).predict(volume);
  EXPECT_EQ(calls, 4);  // 16 windows in batches of 5, 5, 5, 1
  EXPECT_LT((one.probabilities - five.probabilities).abs().max().item<double>(), 1e-6);
  EXPECT_TRUE(torch::equal(one.labels, five.labels));
}

TEST(SlidingWindow, GaussianWeightingIsANormalisedWeightedAverage) {
  torch::manual_seed(6);
  torch::Tensor volume = torch::randn({70, 41, 44});
  // A pointwise network gives the same probabilities in every window, so any weighting agrees.
  LogitsFunction pointwise = [](const torch::Tensor& b) {
    return torch::cat({b, -b * 0.5, b * b}, 1);
  };
  SlidingWindowResult uniform = SlidingWindowPredictor(pointwise, smallOptions()).predict(volume);
  SlidingWindowResult gauss =
      SlidingWindowPredictor(pointwise, smallOptions().gaussian(true)).predict(volume);
  EXPECT_LT((uniform.probabilities - gauss.probabilities).abs().max().item<double>(), 1e-5);

  LogitsFunction ramp = [](const torch::Tensor& b) { return rampLogits(b, 3); };
  SlidingWindowResult u = SlidingWindowPredictor(ramp, smallOptions()).predict(volume);
  SlidingWindowResult g =
      SlidingWindowPredictor(ramp, smallOptions().gaussian(true)).predict(volume);
  EXPECT_GT((u.probabilities - g.probabilities).abs().max().item<double>(), 1e-3);
  EXPECT_LT((g.probabilities.sum(0) - 1.0).abs().max().item<double>(), 1e-5);
}

TEST(SlidingWindow, MixedPrecisionOnCpuAgreesWithFloat32) {
  torch::manual_seed(8);
  VNet net(VNetOptions().filters(4).classes(2));
  torch::Tensor volume = torch::randn({40, 40, 24}) + 0.5;
  const auto options = SlidingWindowOptions().patch({32, 32, 16}).stride_xy(8).stride_z(8);
  SlidingWindowResult full = SlidingWindowPredictor(net, options).predict(volume);
  SlidingWindowResult mixed =
      SlidingWindowPredictor(net, SlidingWindowOptions(options).mixed_precision(true))
          .predict(volume);
  EXPECT_EQ(mixed.probabilities.scalar_type(), torch::kFloat);
  EXPECT_LT((full.probabilities - mixed.probabilities).abs().max().item<double>(), 0.1);
  const double agree = full.labels.eq(mixed.labels).to(torch::kDouble).mean().item<double>();
  EXPECT_GT(agree, 0.97);
}

TEST(SlidingWindow, MultiChannelInputReachesTheNetwork) {
  torch::manual_seed(12);
  torch::Tensor volume = torch::randn({2, 50, 48, 32});
  LogitsFunction net = [](const torch::Tensor& b) {
    EXPECT_EQ(b.size(1), 2);
    return torch::cat({b.select(1, 0).unsqueeze(1), b.select(1, 1).unsqueeze(1)}, 1);
  };
  SlidingWindowResult r = SlidingWindowPredictor(net, smallOptions()).predict(volume);
  torch::Tensor expected = (volume[1] > volume[0]).to(torch::kByte);
  EXPECT_TRUE(torch::equal(r.labels, expected));
}

TEST(SlidingWindow, ReportsProgressAndHonoursCancellation) {
  torch::Tensor volume = torch::randn({70, 41, 44});
  LogitsFunction net = [](const torch::Tensor& b) { return rampLogits(b, 2); };
  std::vector<sfr::ProgressEvent> events;
  sfr::CallbackProgress progress([&](const sfr::ProgressEvent& e) { events.push_back(e); });
  SlidingWindowPredictor(net, smallOptions().window_batch(3)).predict(volume, &progress);
  ASSERT_EQ(events.size(), 6u);  // ceil(16 / 3)
  EXPECT_EQ(events.back().stage, "predict");
  EXPECT_EQ(events.back().done, 16);
  EXPECT_EQ(events.back().total, 16);
  EXPECT_EQ(events.front().done, 3);

  sfr::CancelToken cancel;
  int calls = 0;
  LogitsFunction cancelling = [&](const torch::Tensor& b) {
    if (++calls == 2) cancel.requestCancel();
    return rampLogits(b, 2);
  };
  EXPECT_THROW(SlidingWindowPredictor(cancelling, smallOptions()).predict(volume, nullptr, &cancel),
               sfr::Cancelled);
  EXPECT_EQ(calls, 2);
}

TEST(SlidingWindow, RejectsBadInputsAndNetworks) {
  LogitsFunction net = [](const torch::Tensor& b) { return rampLogits(b, 2); };
  SlidingWindowPredictor predictor(net, smallOptions());
  EXPECT_THROW(predictor.predict(torch::zeros({4, 4})), sfr::Error);
  EXPECT_THROW(predictor.predict(torch::zeros({10, 10, 10}, torch::kLong)), sfr::Error);
  LogitsFunction wrong = [](const torch::Tensor& b) { return b.slice(2, 0, 8); };
  EXPECT_THROW(SlidingWindowPredictor(wrong, smallOptions()).predict(torch::zeros({50, 50, 40})),
               sfr::Error);
}

TEST(SlidingWindowOptionsTest, JsonRoundTripValidationAndDevices) {
  SlidingWindowOptions o = SlidingWindowOptions()
                               .patch({64, 64, 32})
                               .stride_xy(16)
                               .stride_z(8)
                               .window_batch(4)
                               .gaussian(true)
                               .gaussian_sigma_scale(0.25)
                               .mixed_precision(true)
                               .device("cpu");
  nlohmann::json j = o;
  EXPECT_EQ(j.at("patch"), nlohmann::json::array({64, 64, 32}));
  EXPECT_EQ(j.get<SlidingWindowOptions>(), o);
  EXPECT_EQ(nlohmann::json::object().get<SlidingWindowOptions>(), SlidingWindowOptions());
  EXPECT_THROW(nlohmann::json::parse(R"({"stride_z": 0})").get<SlidingWindowOptions>(), sfr::Error);
  EXPECT_THROW(nlohmann::json::parse(R"({"patch": [1, 2]})").get<SlidingWindowOptions>(),
               sfr::Error);
  EXPECT_THROW(SlidingWindowOptions().window_batch(0).validate(), sfr::Error);

  EXPECT_TRUE(parseDevice("cpu").is_cpu());
  EXPECT_THROW(parseDevice("gpu0"), sfr::Error);
  EXPECT_THROW(parseDevice("mps"), sfr::Error);
  if (!torch::cuda::is_available()) EXPECT_THROW(parseDevice("cuda"), sfr::Error);
  LogitsFunction net = [](const torch::Tensor& b) { return b; };
  EXPECT_THROW(SlidingWindowPredictor(net, SlidingWindowOptions().device("nonsense")), sfr::Error);
}
