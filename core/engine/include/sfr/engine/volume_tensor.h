#pragma once
// Conversions between core/base volumes (voxel i fastest, ITK/NIfTI order) and tensors [X, Y, Z]
// with Z fastest (the released code's layout, §1.2): a Volume's buffer read as [Z, Y, X] and
// permuted to [X, Y, Z]. Every conversion copies; no tensor aliases a volume's memory.
#include <torch/torch.h>

#include "sfr/base/volume.h"

namespace sfr::engine {

/// [X, Y, Z] float32 CPU tensor holding `image` (element [x][y][z] = image.at(x, y, z)).
torch::Tensor toTensor(const ImageVolume& image);
/// [X, Y, Z] uint8 CPU tensor holding `label`.
torch::Tensor toTensor(const LabelVolume& label);

/// Image volume on `geometry` from an [X, Y, Z] tensor (any device, converted to float32).
/// Throws sfr::Error when the tensor's shape is not geometry.size.
ImageVolume toImageVolume(const torch::Tensor& tensor, const Geometry& geometry);
/// Label volume on `geometry` from an [X, Y, Z] integer tensor with values in 0..255.
LabelVolume toLabelVolume(const torch::Tensor& tensor, const Geometry& geometry);

}  // namespace sfr::engine
