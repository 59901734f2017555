#include "sfr/engine/volume_tensor.h"

#include <cstring>

#include "sfr/base/error.h"

namespace sfr::engine {
namespace {

template <typename T>
torch::Tensor volumeToTensor(const Volume<T>& volume, torch::ScalarType type) {
  const auto& s = volume.size();
  // The buffer is x-fastest, i.e. a C-order [Z, Y, X] array; permute to [X, Y, Z] and copy so the
  // result owns contiguous memory with z fastest.
  torch::Tensor view = torch::from_blob(
      const_cast<T*>(volume.data()),
      {static_cast<int64_t>(s[2]), static_cast<int64_t>(s[1]), static_cast<int64_t>(s[0])},
      torch::TensorOptions().dtype(type));
  return view.permute({2, 1, 0}).clone(at::MemoryFormat::Contiguous);
}

template <typename T>
Volume<T> tensorToVolume(const torch::Tensor& tensor, const Geometry& geometry,
                         torch::ScalarType type, const char* what) {
  const auto& s = geometry.size;
  if (!tensor.defined() || tensor.dim() != 3 || tensor.size(0) != static_cast<int64_t>(s[0]) ||
      tensor.size(1) != static_cast<int64_t>(s[1]) || tensor.size(2) != static_cast<int64_t>(s[2]))
    throw Error(what, "tensor " + (tensor.defined() ? c10::str(tensor.sizes()) : "(undefined)") +
                          " does not match the grid " + geometry.describe());
  const torch::Tensor xFastest =
      tensor.detach().to(torch::kCPU, type).permute({2, 1, 0}).contiguous();
  std::vector<T> voxels(geometry.voxelCount());
  if (!voxels.empty()) std::memcpy(voxels.data(), xFastest.data_ptr(), voxels.size() * sizeof(T));
  return Volume<T>(geometry, std::move(voxels));
}

}  // namespace

torch::Tensor toTensor(const ImageVolume& image) {
  return volumeToTensor(image, torch::kFloat);
}

torch::Tensor toTensor(const LabelVolume& label) {
  return volumeToTensor(label, torch::kByte);
}

ImageVolume toImageVolume(const torch::Tensor& tensor, const Geometry& geometry) {
  return tensorToVolume<float>(tensor, geometry, torch::kFloat, "image tensor");
}

LabelVolume toLabelVolume(const torch::Tensor& tensor, const Geometry& geometry) {
  if (tensor.defined() && at::isFloatingType(tensor.scalar_type()))
    throw Error("label tensor",
                "expected integer labels, got " + std::string(c10::toString(tensor.scalar_type())));
  if (tensor.defined() && tensor.numel() > 0 && tensor.scalar_type() != torch::kByte &&
      (tensor.min().item<int64_t>() < 0 || tensor.max().item<int64_t>() > 255))
    throw Error("label tensor", "values must lie in 0..255");
  return tensorToVolume<std::uint8_t>(tensor, geometry, torch::kByte, "label tensor");
}

}  // namespace sfr::engine
