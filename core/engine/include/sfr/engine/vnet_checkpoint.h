#pragma once
// V-Net checkpoint files: UA-MT / SFR `iter_*.pth` state dicts (zip or legacy torch.save format,
// spec §11) and our own format, a torch.save-compatible dict that Python reads with torch.load:
//   {"format": "sfr-vnet", "options": "<VNetOptions JSON>", "metadata": "<JSON>",
//    "state_dict": {name: tensor, ...}}
// For a bare state dict the options are inferred from its keys and shapes.
#include <filesystem>
#include <optional>

#include <torch/arg.h>
#include <nlohmann/json.hpp>

#include "sfr/engine/checkpoint/torch_file.h"
#include "sfr/engine/vnet.h"

namespace sfr::engine {

/// The value of the "format" key of our V-Net checkpoints.
inline constexpr const char* kVNetCheckpointFormat = "sfr-vnet";

/// Options a V-Net state dict implies: in_channels and filters from `block_one.conv.0.weight`,
/// classes from `out_conv.weight`, auxiliary heads from `out_conv_dp*`, the normalisation from the
/// norm layer's tensors (running stats: batchnorm; affine only: groupnorm; none: the index of
/// block_two's second convolution, 3 = instancenorm, 2 = none). Dropout flags stay false (dropout
/// has no tensors). Throws sfr::Error(subject, ...) when the keys are not a V-Net's.
VNetOptions inferVNetOptions(const NamedTensors& stateDict, const std::string& subject);

struct VNetCheckpoint {
  VNetOptions options;
  NamedTensors stateDict;
  nlohmann::json metadata = nlohmann::json::object();  ///< free-form (iteration, dataset, ...)
  bool native = false;  ///< true for our format, false for a bare (UA-MT/SFR) state dict
};

/// Reads either format. Errors name the file.
VNetCheckpoint readVNetCheckpoint(const std::filesystem::path& path);

/// The state dict of `net` in PyTorch's state_dict() order (per module: parameters, then buffers).
NamedTensors vnetStateDict(const VNetImpl& net);

/// Writes our format atomically (see the file comment).
void writeVNetCheckpoint(const std::filesystem::path& path, const VNetImpl& net,
                         const nlohmann::json& metadata = nlohmann::json::object());

struct VNetLoadOptions {
  /// Keep SFR's auxiliary heads when the checkpoint has them (training); by default they are
  /// dropped, as for testing, and the net is a plain UA-MT V-Net.
  TORCH_ARG(bool, keep_auxiliary_heads) = false;
  /// When set, the checkpoint must have exactly this many classes.
  TORCH_ARG(std::optional<int64_t>, classes) = std::nullopt;
  /// Dropout settings of the built net (checkpoints carry none).
  TORCH_ARG(bool, has_dropout) = false;
};

struct LoadedVNet {
  VNet net{nullptr};
  VNetCheckpoint checkpoint;  ///< what was read (options describe the file's net)
};

/// Builds the V-Net a checkpoint describes and loads it strictly. BatchNorm's
/// num_batches_tracked may be absent (PyTorch < 0.4.1 files). The net is returned in eval mode.
LoadedVNet loadVNet(const std::filesystem::path& path, const VNetLoadOptions& options = {});

}  // namespace sfr::engine
