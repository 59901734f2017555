#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

#include "sfr/base/error.h"
#include "sfr/engine/augment.h"

using namespace sfr::engine;

TEST(Augment, RandIntCoversRangeUniformlyAndRejectsEmpty) {
  std::mt19937_64 rng(1);
  std::vector<int> hits(5, 0);
  for (int n = 0; n < 5000; ++n) ++hits[randInt(rng, 0, 5)];
  for (int h : hits) EXPECT_NEAR(h, 1000, 150);
  EXPECT_EQ(randInt(rng, 7, 8), 7);
  EXPECT_THROW(randInt(rng, 3, 3), sfr::Error);
}

TEST(Augment, RotFlipIsAPermutationOfVoxelsAppliedToImageAndLabelAlike) {
  std::mt19937_64 rng(5);
  auto image = torch::arange(6 * 6 * 3, torch::kFloat).view({6, 6, 3});
  auto label = image.to(torch::kLong);
  std::set<std::vector<float>> variants;
  for (int t = 0; t < 40; ++t) {
    const CropPair out = randomRotFlip({image, label}, rng);
    ASSERT_EQ(out.image.sizes(), image.sizes());
    EXPECT_TRUE(torch::equal(out.image.to(torch::kLong), out.label));
    EXPECT_TRUE(torch::equal(std::get<0>(out.image.flatten().sort()), image.flatten()));
    // z is never touched: each (x, y) column keeps its z order.
    EXPECT_TRUE(torch::equal(out.image.select(2, 1) - out.image.select(2, 0), torch::ones({6, 6})));
    auto flat = out.image.flatten();
    variants.insert(
        std::vector<float>(flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel()));
  }
  // UA-MT's RandomRotFlip always flips (axis 0 or 1) after rot90 k, and flip_y . rot_k equals
  // flip_x . rot_(k+2): exactly the 4 reflections of the square occur, never the identity.
  EXPECT_EQ(variants.size(), 4u);
  const auto original = image.flatten();
  EXPECT_EQ(variants.count(std::vector<float>(original.data_ptr<float>(),
                                              original.data_ptr<float>() + original.numel())),
            0u);
}

TEST(Augment, RotFlipUndoIsTheExactInverseAndMatchesTheRandomDraw) {
  // Non-square x-y, so a quarter turn changes the shape; also with a leading channel axis.
  const auto volume = torch::arange(6 * 4 * 3, torch::kFloat).view({6, 4, 3});
  const auto channels = torch::stack({volume, -volume});
  for (int64_t k = 0; k < 4; ++k) {
    for (int64_t axis = -1; axis <= 1; ++axis) {
      const RotFlip r{k, axis};
      const torch::Tensor turned = applyRotFlip(volume, r);
      EXPECT_EQ(turned.size(0), k % 2 ? 4 : 6);
      EXPECT_TRUE(torch::equal(undoRotFlip(turned, r), volume)) << "k " << k << " axis " << axis;
      const torch::Tensor turnedC = applyRotFlip(channels, r, 1);
      EXPECT_TRUE(torch::equal(turnedC[1], applyRotFlip(-volume, r)));
      EXPECT_TRUE(torch::equal(undoRotFlip(turnedC, r, 1), channels));
      EXPECT_EQ(r.identity(), k == 0 && axis < 0);
    }
  }
  // The recorded draw is what was applied, and recording consumes the same random numbers.
  std::mt19937_64 a(21), b(21);
  for (int t = 0; t < 12; ++t) {
    RotFlip drawn;
    const CropPair out = randomRotFlip({volume, volume.to(torch::kLong)}, a, &drawn);
    const RotFlip expected = drawRotFlip(b);
    EXPECT_EQ(drawn.k, expected.k);
    EXPECT_EQ(drawn.axis, expected.axis);
    EXPECT_TRUE(torch::equal(out.image, applyRotFlip(volume, drawn)));
    EXPECT_TRUE(torch::equal(undoRotFlip(out.label, drawn), volume.to(torch::kLong)));
  }
  EXPECT_THROW(applyRotFlip(torch::zeros({4}), RotFlip{}), sfr::Error);
  EXPECT_THROW(undoRotFlip(volume, RotFlip{0, 2}), sfr::Error);
  EXPECT_THROW(applyRotFlip(volume, RotFlip{}, 2), sfr::Error);
}

TEST(Augment, RandomCropTakesAWindowOfTheInput) {
  std::mt19937_64 rng(9);
  auto image = torch::arange(40 * 30 * 20, torch::kFloat).view({40, 30, 20});
  const CropPair out = randomCrop({image, image.to(torch::kLong)}, {16, 16, 8}, rng);
  ASSERT_EQ(out.image.sizes(), (std::vector<int64_t>{16, 16, 8}));
  const int64_t v = out.image[0][0][0].item<float>();
  const int64_t x0 = v / 600, y0 = (v / 20) % 30, z0 = v % 20;
  EXPECT_TRUE(torch::equal(out.image, image.narrow(0, x0, 16).narrow(1, y0, 16).narrow(2, z0, 8)));
  EXPECT_LT(x0, 40 - 16);  // numpy randint excludes the upper bound
}

TEST(Augment, RandomCropPadsSmallVolumesLikeUaMt) {
  std::mt19937_64 rng(2);
  auto image = torch::ones({10, 40, 12});
  // x: (16-10)//2+3 = 6; y: (16-40)//2+3 = -9 -> 0; z: (16-12)//2+3 = 5.
  int sawPad = 0;
  for (int t = 0; t < 30; ++t) {
    const CropPair out = randomCrop({image, image.to(torch::kLong)}, {16, 16, 16}, rng);
    ASSERT_EQ(out.image.sizes(), (std::vector<int64_t>{16, 16, 16}));
    sawPad += out.image.eq(0).any().item<bool>();
    EXPECT_TRUE(torch::equal(out.image.to(torch::kLong), out.label));
  }
  EXPECT_EQ(sawPad, 30);  // 22 x 40 x 22 padded volume: every 16^3 crop touches padding
}
