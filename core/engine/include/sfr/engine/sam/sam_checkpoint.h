#pragma once
// Loading SAM weights (spec §3.6, §10.1): official checkpoints (`sam_vit_b_01ec64.pth`, a flat
// state dict) as-is, and SFR/SAMed's base-weight loading for fine-tuning, which drops the head
// (mask tokens, hypernetworks, IoU head) when it does not fit and resizes pos_embed and the
// global blocks' rel-pos tables for other input sizes.
#include <filesystem>
#include <string>
#include <vector>

#include "sfr/engine/checkpoint/load_state_dict.h"
#include "sfr/engine/checkpoint/torch_file.h"
#include "sfr/engine/sam/sam.h"

namespace torch::nn {
class Module;
}

namespace sfr::engine {

/// The module's parameters and buffers in PyTorch's state_dict() order (per module: own
/// parameters, own buffers, then children in registration order).
NamedTensors stateDictInPythonOrder(const torch::nn::Module& module);

/// Strict load of an official SAM state dict: every key of the model (LoRA adapters excepted)
/// must be in the file with the same shape and the file may hold nothing else. A ViT model built
/// for another input size gets pos_embed and the global rel-pos tables resized first, as SAMed's
/// load_from does (resizeSamPositionTables). Throws sfr::Error(path, report) and leaves the model
/// unchanged otherwise.
LoadReport loadSamCheckpoint(SamImpl& sam, const std::filesystem::path& path);
LoadReport loadSamCheckpoint(SamImpl& sam, const NamedTensors& tensors,
                             const std::string& source = "SAM checkpoint");

/// What loadSamBaseForSfr() did.
struct SfrBaseLoadReport {
  /// The file matched the model exactly and was loaded whole (SAMed's first, strict attempt).
  bool loaded_whole = false;
  /// File keys dropped as SFR does (mask_tokens, output_hypernetworks_mlps, iou_prediction_head).
  std::vector<std::string> skipped_head;
  /// Keys resized for another token grid (pos_embed, global rel_pos tables).
  std::vector<std::string> resized;
  LoadReport load;
};

/// SAMed/SFR `_build_sam` checkpoint logic for a ViT SAM (spec §3.6): load the file whole when it
/// fits; otherwise skip the head keys (they keep their fresh initialisation), and when the
/// model's grid t differs from the file's, resize pos_embed bilinearly to t x t and the rel-pos
/// tables of the global blocks (the model's real global indexes, which equal SFR's '2','5','8',
/// '11' substring test for ViT-B) to 2t-1 rows. Everything else must match (sfr::Error naming
/// the file and the mismatches otherwise; the model is then unchanged).
SfrBaseLoadReport loadSamBaseForSfr(SamImpl& sam, const std::filesystem::path& path);
SfrBaseLoadReport loadSamBaseForSfr(SamImpl& sam, const NamedTensors& tensors,
                                    const std::string& source = "SAM checkpoint");

/// The resizing of loadSamBaseForSfr on its own: pos_embed [1, g, g, E] -> [1, t, t, E] and the
/// global blocks' rel_pos [2g-1, hd] -> [2t-1, hd] for `target` (t = target.gridSize()); other
/// tensors unchanged. Returns the names of the resized keys through `resized`.
NamedTensors resizeSamPositionTables(const NamedTensors& tensors,
                                     const ImageEncoderViTOptions& target,
                                     std::vector<std::string>* resized = nullptr);

}  // namespace sfr::engine
