// Volume <-> tensor conversions (§1.2): element [x][y][z] of the tensor is voxel (x, y, z).
#include <gtest/gtest.h>

#include "sfr/base/error.h"
#include "sfr/engine/volume_tensor.h"

using namespace sfr::engine;

namespace {

sfr::Geometry grid(std::size_t x, std::size_t y, std::size_t z) {
  sfr::Geometry g;
  g.size = {x, y, z};
  g.spacing = {0.625, 0.7, 1.5};
  g.origin = {-3.0, 2.0, 10.0};
  return g;
}

}  // namespace

TEST(SlidingVolumeTensor, ImageVoxelsLandAtTheirXyzIndex) {
  sfr::ImageVolume image(grid(5, 3, 4));
  for (std::size_t k = 0; k < 4; ++k)
    for (std::size_t j = 0; j < 3; ++j)
      for (std::size_t i = 0; i < 5; ++i) image.at(i, j, k) = float(i + 10 * j + 100 * k);
  torch::Tensor t = toTensor(image);
  ASSERT_EQ(t.sizes(), (std::vector<int64_t>{5, 3, 4}));
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t[4][2][3].item<float>(), 4 + 20 + 300);
  EXPECT_EQ(t[1][0][2].item<float>(), 201);
  // Z is the fastest axis in memory.
  EXPECT_EQ(t.data_ptr<float>()[1], image.at(0, 0, 1));
  // The tensor owns its memory.
  image.at(0, 0, 0) = -1.0f;
  EXPECT_EQ(t[0][0][0].item<float>(), 0.0f);

  sfr::ImageVolume back = toImageVolume(t * 2, image.geometry());
  EXPECT_EQ(back.geometry(), image.geometry());
  EXPECT_EQ(back.at(4, 2, 3), 2 * (4 + 20 + 300));
  EXPECT_EQ(back.at(3, 1, 0), 2 * (3 + 10));
}

TEST(SlidingVolumeTensor, LabelsRoundTripAndAreChecked) {
  sfr::LabelVolume label(grid(2, 3, 2));
  label.at(1, 2, 1) = 7;
  label.at(0, 1, 0) = 3;
  torch::Tensor t = toTensor(label);
  EXPECT_EQ(t.scalar_type(), torch::kByte);
  EXPECT_EQ(t[1][2][1].item<int>(), 7);
  sfr::LabelVolume back = toLabelVolume(t.to(torch::kLong), label.geometry());
  EXPECT_EQ(back.voxels(), label.voxels());

  EXPECT_THROW(toLabelVolume(t.to(torch::kFloat), label.geometry()), sfr::Error);
  EXPECT_THROW(toLabelVolume(t.to(torch::kLong) + 300, label.geometry()), sfr::Error);
  EXPECT_THROW(toLabelVolume(t, grid(3, 2, 2)), sfr::Error);
  EXPECT_THROW(toImageVolume(torch::zeros({2, 3}), label.geometry()), sfr::Error);
}
