#pragma once
// Settings of the 3D V-Net (spec §5.1). Kept free of <torch/torch.h> so the CLI and settings
// code can carry them without compiling LibTorch; <torch/arg.h> is a plain macro header.
#include <cstdint>
#include <string>

#include <torch/arg.h>
#include <nlohmann/json_fwd.hpp>

namespace sfr::engine {

/// Normalisation layer after every convolution (UA-MT's `normalization` argument).
enum class Normalization {
  BatchNorm,     ///< BatchNorm3d, PyTorch defaults (eps 1e-5, momentum 0.1, affine, running stats)
  GroupNorm,     ///< GroupNorm with 16 groups (every width must be a multiple of 16)
  InstanceNorm,  ///< InstanceNorm3d, no affine, no running stats (no state-dict entries)
  None           ///< no layer: the Sequential indices shift (conv, relu, conv, relu, ...)
};

/// "batchnorm", "groupnorm", "instancenorm", "none" (the Python spellings).
std::string toString(Normalization n);
/// Inverse of toString; throws sfr::Error for any other spelling.
Normalization normalizationFromString(const std::string& name);

/// Named-setter options in the style of LibTorch's `Conv3dOptions`:
/// `VNetOptions().classes(3).auxiliary_heads(true)`. Defaults are UA-MT's LA settings.
struct VNetOptions {
  TORCH_ARG(int64_t, in_channels) = 1;  ///< UA-MT `n_channels`
  TORCH_ARG(int64_t, classes) = 2;      ///< UA-MT `n_classes` (background included)
  TORCH_ARG(int64_t, filters) = 16;     ///< UA-MT `n_filters`; widths are filters x {1,2,4,8,16}
  TORCH_ARG(Normalization, normalization) = Normalization::BatchNorm;
  TORCH_ARG(bool, has_dropout) = false;          ///< Dropout3d(0.5) after block_five and block_nine
  TORCH_ARG(bool, auxiliary_heads) = false;      ///< SFR hierarchical heads out_conv_dp{1,2,3}
  TORCH_ARG(bool, pyramid_has_dropout) = false;  ///< head inputs go through the Dropout3d first

 public:
  /// Throws sfr::Error naming the offending field (non-positive sizes, GroupNorm with a width
  /// that is not a multiple of 16, pyramid dropout without heads).
  void validate() const;
  bool operator==(const VNetOptions& o) const;
  bool operator!=(const VNetOptions& o) const { return !(*this == o); }
};

void to_json(nlohmann::json& j, const VNetOptions& o);
/// Missing keys keep their defaults. Also accepts the reference files' UA-MT spellings
/// (`n_channels`, `n_classes`, `n_filters`). Wrong types or values throw sfr::Error.
void from_json(const nlohmann::json& j, VNetOptions& o);

}  // namespace sfr::engine
