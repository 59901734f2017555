#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cfenv>
#include <cmath>

#include "sfr/base/error.h"
#include "sfr/engine/stitcher.h"

using sfr::engine::Stitcher;

namespace {

// A literal transcription of the released numpy rule (spec §2.1 steps 1-12), written
// independently of StitchLayout: pads the stack, enlarges the canvas for negative offsets, places
// whole padded tiles, crops back.
torch::Tensor releasedStitch(const torch::Tensor& vol /*[X,Y,Z]*/, int S, double fill) {
  const int X = vol.size(0), Y = vol.size(1), Z = vol.size(2);
  const int nRow = S / Y, nCol = S / X, T = nRow * nCol;
  std::fesetround(FE_TONEAREST);  // nearbyint = Python round (half to even)
  const int pw = static_cast<int>(std::nearbyint((double(S) / nRow - Y) / 2));
  const int ph = static_cast<int>(std::nearbyint((double(S) / nCol - X) / 2));
  const int ps = std::max((T - Z) >= 0 ? (T - Z) / 2 : -((Z - T + 1) / 2), 0);
  auto V = vol.permute({2, 1, 0});  // swapaxes(0, 2): (Z, Y, X)
  auto padded = torch::full({Z + 2 * ps, Y + 2 * pw, X + 2 * ph}, fill, vol.options());
  padded.narrow(0, ps, Z).narrow(1, pw, Y).narrow(2, ph, X).copy_(V);
  if (padded.size(0) < T) {
    auto extra = torch::full({T - padded.size(0), Y + 2 * pw, X + 2 * ph}, fill, vol.options());
    padded = torch::cat({padded, extra}, 0);
  }
  const int sl = Y + 2 * pw, sw = X + 2 * ph;
  auto floordiv = [](int a, int b) { return int(std::floor(double(a) / b)); };
  int pww = floordiv(S - sl * nRow, 2), phh = floordiv(S - sw * nCol, 2);
  int er = 0, ec = 0;
  if (pww < 0) {
    er = -pww;
    ec = std::abs(phh);
    pww = 0;
    phh = 0;
  }
  auto canvas = torch::full({S + 2 * er, S + 2 * ec}, fill, vol.options());
  for (int k = 0; k < T; ++k) {
    const int r = k / nCol, c = k % nCol;
    canvas.narrow(0, pww + r * sl, sl).narrow(1, phh + c * sw, sw).copy_(padded[k]);
  }
  return canvas.narrow(0, er, S).narrow(1, ec, S);
}

}  // namespace

TEST(Stitcher, MatchesLiteralReleasedRuleForImagesAndLabels) {
  torch::manual_seed(3);
  for (auto shape : std::vector<std::array<int, 3>>{
           {112, 112, 80}, {96, 96, 96}, {64, 64, 32}, {48, 48, 32}, {128, 96, 64}}) {
    const Stitcher st({size_t(shape[0]), size_t(shape[1]), size_t(shape[2])});
    auto img = torch::rand({2, shape[0], shape[1], shape[2]}) + 0.5;
    auto lab = torch::randint(0, 3, {2, shape[0], shape[1], shape[2]}, torch::kLong);
    auto ci = st.stitchImages(img.unsqueeze(1));
    auto cl = st.stitchLabels(lab);
    ASSERT_EQ(ci.sizes(), (std::vector<int64_t>{2, 1024, 1024}));
    for (int b = 0; b < 2; ++b) {
      EXPECT_TRUE(torch::equal(ci[b], releasedStitch(img[b], 1024, 0.0)))
          << shape[0] << "x" << shape[1] << "x" << shape[2];
      EXPECT_TRUE(torch::equal(cl[b], releasedStitch(lab[b], 1024, 255)));
    }
    // Exact inverse.
    EXPECT_TRUE(torch::equal(st.unstitchLabels(cl), lab));
    auto probs = torch::stack({ci, 1 - ci}, 1);
    auto back = st.unstitchProbabilities(probs);
    EXPECT_TRUE(torch::equal(back.select(1, 0), img));
  }
}

TEST(Stitcher, LaLabelCanvasHas45056IgnorePixels) {
  const Stitcher st({112, 112, 80});
  auto lab = torch::zeros({1, 112, 112, 80}, torch::kLong);
  auto c = st.stitchLabels(lab);
  EXPECT_EQ(c.eq(255).sum().item<int64_t>(), 45056);
  EXPECT_EQ(c.eq(0).sum().item<int64_t>(), 1003520);
}

TEST(Stitcher, RandomShapesRoundTripAndChunkAveraging) {
  torch::manual_seed(11);
  int done = 0;
  for (int trial = 0; trial < 40 && done < 12; ++trial) {
    const int X = 16 + torch::randint(0, 100, {1}).item<int>();
    const int Y = 16 + torch::randint(0, 100, {1}).item<int>();
    const int Z = 1 + torch::randint(0, 200, {1}).item<int>();
    const int S = trial % 2 ? 512 : 1024;
    std::optional<Stitcher> st;
    try {
      st.emplace(sfr::Size3{size_t(X), size_t(Y), size_t(Z)}, sfr::StitchSettings{}.setCanvas(S));
    } catch (const sfr::Error&) {
      continue;
    }
    ++done;
    auto vol = torch::randn({3, X, Y, Z});
    auto canv = st->stitchImages(vol);
    ASSERT_EQ(canv.size(0), 3 * st->chunksPerCrop());
    auto back = st->unstitchProbabilities(canv.unsqueeze(1)).squeeze(1);
    EXPECT_TRUE(torch::allclose(back, vol, 0, 1e-6)) << X << "x" << Y << "x" << Z;
    auto lab = torch::randint(0, 5, {3, X, Y, Z}, torch::kLong);
    EXPECT_TRUE(torch::equal(st->unstitchLabels(st->stitchLabels(lab)), lab));
  }
  EXPECT_GE(done, 6);
}

TEST(Stitcher, OverlappingChunksAreAveraged) {
  const Stitcher st({112, 112, 88});  // two chunks: slices 0-80 and 7-87
  ASSERT_EQ(st.chunksPerCrop(), 2);
  auto canv = torch::zeros({2, 1, 1024, 1024});
  canv[0].fill_(1.0);
  canv[1].fill_(3.0);
  auto p = st.unstitchProbabilities(canv);
  EXPECT_FLOAT_EQ(p[0][0][5][5][0].item<float>(), 1.0f);   // first chunk only
  EXPECT_FLOAT_EQ(p[0][0][5][5][40].item<float>(), 2.0f);  // both
  EXPECT_FLOAT_EQ(p[0][0][5][5][87].item<float>(), 3.0f);  // second only
}

TEST(Stitcher, ResampleModeRoundTripsConstantsAndKeepsLabels) {
  sfr::StitchSettings s;
  s.setMode(sfr::StitchMode::Resample);
  const Stitcher st({112, 112, 80}, s);
  auto vol = torch::full({1, 112, 112, 80}, 2.5);
  auto canv = st.stitchImages(vol);
  EXPECT_FLOAT_EQ(canv[0][7][7].item<float>(), 2.5f);
  EXPECT_FLOAT_EQ(canv[0][3][3].item<float>(), 0.0f);  // pad
  auto back = st.unstitchProbabilities(canv.unsqueeze(1));
  EXPECT_TRUE(torch::allclose(back.squeeze(1), vol));
  // Half-space labels survive nearest resampling up to the resampling blur at the edge.
  auto lab = torch::zeros({1, 112, 112, 80}, torch::kLong);
  lab.narrow(1, 0, 56).fill_(1);
  auto lb = st.unstitchLabels(st.stitchLabels(lab));
  EXPECT_LT(lb.ne(lab).sum().item<int64_t>(), 112 * 80 * 4);
  EXPECT_EQ(lb.narrow(1, 0, 50).ne(1).sum().item<int64_t>(), 0);
}

TEST(Stitcher, RejectsWrongShapes) {
  const Stitcher st({64, 64, 32});
  EXPECT_THROW(st.stitchImages(torch::zeros({1, 64, 64, 31})), sfr::Error);
  EXPECT_THROW(st.unstitchLabels(torch::zeros({1, 1000, 1024})), sfr::Error);
  EXPECT_THROW(st.unstitchProbabilities(torch::zeros({1, 1024, 1024})), sfr::Error);
}
