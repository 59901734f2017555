#pragma once
// "magicnet": SFR-MagicNet (spec §5.6; MagicNet code/train_main_btcv.py, utils/cube_utils.py,
// utils/cube_losses.py, networks/magicnet.py).
//
// Cube layout used throughout: a [B, C, X, Y, Z] volume whose sizes are multiples of the cube edge
// s is cut into an (nx, ny, nz) grid; cube k = (i * ny + j) * nz + l sits at grid position
// (i, j, l) (x outermost, z innermost: MagicNet's visiting order). Its location label is
// i + nx * j + nx * ny * l (MagicNet's get_loc_mask), which differs from k.
//
// Within-image recovery puts every cube back at its own grid position. (MagicNet's unmix_tensor
// reads cube i + nx j + nx ny l for position (i, j, l), which swaps the x and z grid positions of
// off-diagonal cubes; the spec says "place them back at their locations", which this does.)
#include <cstdint>
#include <utility>
#include <vector>

#include "sfr/engine/training/training_method.h"

namespace sfr::engine {

struct CubeGrid {
  int64_t nx = 0, ny = 0, nz = 0;  ///< cubes along x, y, z
  int64_t size = 0;                ///< cube edge in voxels
  int64_t count() const { return nx * ny * nz; }
};

/// The grid of `cubeSize` cubes over spatial sizes (x, y, z); throws sfr::Error unless every size
/// is a positive multiple of cubeSize.
CubeGrid cubeGrid(const std::vector<int64_t>& spatial, int64_t cubeSize);

/// [B, C, X, Y, Z] -> [B, n, C, s, s, s] in cube order k (see the file comment).
torch::Tensor splitCubes(const torch::Tensor& volumes, const CubeGrid& grid);
/// The exact inverse of splitCubes: [B, n, C, s, s, s] -> [B, C, X, Y, Z].
torch::Tensor mergeCubes(const torch::Tensor& cubes, const CubeGrid& grid);

/// int64 [n]: the location label of cube k, i + nx j + nx ny l.
torch::Tensor cubeLocationLabels(const CubeGrid& grid);

/// MagicNet's cross-image partition: argsort(rand(B, nx, ny, nz), dim 0) drawn from LibTorch's CPU
/// generator, as int64 [B, n] (column k is a permutation of the batch for cube k).
torch::Tensor randomCubePermutation(int64_t batch, const CubeGrid& grid);
/// Cube k of output sample b is cube k of input sample permutation[b, k] (torch.gather on dim 0).
/// volumes [B, C, X, Y, Z], permutation int64 [B, n] on any device.
torch::Tensor mixCubes(const torch::Tensor& volumes, const torch::Tensor& permutation,
                       const CubeGrid& grid);
/// argsort(permutation, dim 0): mixCubes with it undoes mixCubes with `permutation`.
torch::Tensor inverseCubePermutation(const torch::Tensor& permutation);

/// MagicNet's VNet_Magic: the V-Net trunk of §5.1 (MagicNet: instancenorm, no dropout, no
/// auxiliary heads) whose decoder also returns the 16-channel embedding x9 (out_conv doubles as
/// the prediction head), plus fc_layer, the cube location head:
/// Linear(16 filters (s/16)^3 -> hidden) -> BatchNorm1d -> LeakyReLU(0.2) -> Linear(hidden -> n).
class VNetMagicImpl : public torch::nn::Module {
 public:
  /// Throws sfr::Error for auxiliary heads, or a crop that the cube size does not divide.
  VNetMagicImpl(const VNetOptions& options, const Extent3& crop, int64_t cubeSize,
                int64_t fcHidden);

  /// Encoder features {x1, x2, x3, x4, x5} (dropout on x5 when the options ask for it).
  std::vector<torch::Tensor> encode(const torch::Tensor& input);
  /// Decoder: (logits, embedding x9).
  std::pair<torch::Tensor, torch::Tensor> decode(const std::vector<torch::Tensor>& features);
  /// encode + decode: (logits, embedding).
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& input);
  /// out_conv on an embedding [B, 16 filters, ...].
  torch::Tensor predictionHead(const torch::Tensor& embedding);

  const CubeGrid& grid() const { return grid_; }

  VNet vnet{nullptr};
  torch::nn::Sequential fc_layer{nullptr};

 private:
  CubeGrid grid_;
};
TORCH_MODULE(VNetMagic);

class MagicNetMethod : public TeacherStudentMethod {
 public:
  /// Uses settings.network() (normally instancenorm without dropout; auxiliary heads are refused),
  /// settings.magicnet() and the crop of settings.batch().
  explicit MagicNetMethod(const TrainingSettings& settings);
  std::string name() const override { return "magicnet"; }

  VNetMagic studentMagic() const { return student_; }
  VNetMagic teacherMagic() const { return teacher_; }
  /// Pseudo-label class counts of the last histogram refresh (size = classes).
  const std::vector<int64_t>& classHistogram() const { return histogram_; }

 protected:
  torch::Tensor computeLoss(const TrainingBatch& batch, StepResult& result) override;
  nlohmann::json methodState() const override;
  void restoreMethodState(const nlohmann::json& state) override;

 private:
  VNetMagic student_{nullptr}, teacher_{nullptr};
  std::vector<int64_t> histogram_;  ///< OrganClassLogger.class_dist_init
  std::vector<int64_t> pending_;    ///< counts appended since the last refresh
  bool hasPending_ = false;
};

}  // namespace sfr::engine
