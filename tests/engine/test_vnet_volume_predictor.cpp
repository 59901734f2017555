// Whole-volume prediction facade: checkpoint in, label map on the image's own grid out.
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "sfr/base/error.h"
#include "sfr/engine/sliding_window.h"
#include "sfr/engine/vnet_checkpoint.h"
#include "sfr/engine/vnet_volume_predictor.h"
#include "sfr/engine/volume_tensor.h"

using namespace sfr::engine;
namespace fs = std::filesystem;

namespace {

fs::path referenceCheckpoint() {
  const char* ref = std::getenv("SFR_REFERENCE_DIR");
  if (!ref || !*ref) ref = std::getenv("SFR_REFERENCE_DIR_DEFAULT");
  return ref ? fs::path(ref) / "vnet" / "vnet_c2_checkpoint.pth" : fs::path();
}

sfr::ImageVolume blobImage() {
  sfr::Geometry g;
  g.size = {50, 37, 40};
  g.spacing = {0.625, 0.625, 1.25};
  g.origin = {4.0, -2.0, 7.5};
  g.direction = {-1, 0, 0, 0, -1, 0, 0, 0, 1};
  sfr::ImageVolume image(g);
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i) {
        const double dx = (i - 25.0) / 12.0, dy = (j - 18.0) / 9.0, dz = (k - 20.0) / 10.0;
        image.at(i, j, k) = (dx * dx + dy * dy + dz * dz < 1.0 ? 2.0f : 0.0f) +
                            0.3f * static_cast<float>(std::sin(i * 0.7 + j * 1.3 + k * 0.4));
      }
  return image;
}

}  // namespace

TEST(VNetVolumePredictor, LabelsKeepTheImageGridAndMatchTheTensorPredictor) {
  const fs::path ckpt = referenceCheckpoint();
  ASSERT_TRUE(fs::exists(ckpt)) << ckpt;
  const auto options = SlidingWindowOptions().patch({32, 32, 32}).stride_xy(12).stride_z(10);
  VNetVolumePredictor predictor(ckpt, options, 2);
  EXPECT_EQ(predictor.netOptions().filters(), 4);
  EXPECT_EQ(predictor.options(), options);

  const sfr::ImageVolume image = blobImage();
  VolumePrediction p = predictor.predict(image, true);
  EXPECT_EQ(p.labels.geometry(), image.geometry());
  ASSERT_EQ(p.probabilities.size(), 2u);
  EXPECT_EQ(p.windows, 3 * 2 * 2);  // ceil(18/12)+1, ceil(5/12)+1, ceil(8/10)+1

  // Same computation through the tensor API, checked voxel by voxel in (i, j, k) order.
  LoadedVNet net = loadVNet(ckpt);
  SlidingWindowResult r = SlidingWindowPredictor(net.net, options).predict(toTensor(image));
  for (std::size_t k = 0; k < 40; k += 7)
    for (std::size_t j = 0; j < 37; j += 5)
      for (std::size_t i = 0; i < 50; i += 3) {
        const auto x = static_cast<int64_t>(i), y = static_cast<int64_t>(j),
                   z = static_cast<int64_t>(k);
        EXPECT_EQ(p.labels.at(i, j, k), r.labels[x][y][z].item<int>());
        EXPECT_FLOAT_EQ(p.probabilities[1].at(i, j, k), r.probabilities[1][x][y][z].item<float>());
      }
  EXPECT_TRUE(predictor.predict(image).probabilities.empty());
  // Volume confidence = mean of the per-voxel highest probability, within [1/C, 1].
  const double expected = r.probabilities.amax(0).to(torch::kDouble).mean().item<double>();
  EXPECT_NEAR(p.confidence, expected, 1e-12);
  EXPECT_GE(p.confidence, 0.5);
  EXPECT_LE(p.confidence, 1.0);
}

TEST(VNetVolumePredictor, RejectsBadSettings) {
  const fs::path ckpt = referenceCheckpoint();
  EXPECT_THROW(VNetVolumePredictor(ckpt, SlidingWindowOptions().patch({30, 32, 32})), sfr::Error);
  EXPECT_THROW(VNetVolumePredictor(ckpt, SlidingWindowOptions(), 3), sfr::Error);
  EXPECT_THROW(VNetVolumePredictor("/nonexistent/model.pth", SlidingWindowOptions()), sfr::Error);
  VNetVolumePredictor predictor(ckpt, SlidingWindowOptions().patch({32, 32, 32}));
  EXPECT_THROW(predictor.predict(sfr::ImageVolume()), sfr::Error);
}
