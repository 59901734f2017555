#pragma once
// LoRA fine-tuning of SAM as SFR/SAMed do it (`LoRA_Sam`, spec §3.6, §10.2): rank-r adapters on
// q and v of the fused qkv projection of ViT blocks, the whole image encoder frozen, prompt
// encoder and mask decoder trainable. Adapter files use SFR's `sam_iter_*.pth` layout
// (w_a_NNN / w_b_NNN, then every prompt_encoder and mask_decoder key) or the adapters alone.
//
// In the C++ model the adapters are submodules `image_encoder.blocks.<i>.attn.lora.linear_{a,b}
// _{q,v}`, so the official base keys keep their names; the file names are SFR's. Every function
// here also serves the TinyViT encoder (spec §12.7, tiny_vit_lora.h): adapters are then numbered
// in TinyViT's attention-block order.
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "sfr/engine/checkpoint/torch_file.h"
#include "sfr/engine/sam/sam.h"
#include "sfr/engine/sam/sam_options.h"

namespace sfr::engine {

/// Adds adapters (A kaiming-uniform, B zero) to the chosen blocks of the ViT encoder (TinyViT:
/// applyTinyViTLoRA) and freezes every image-encoder parameter except the adapters. Throws
/// sfr::Error when the model has neither encoder, already has adapters, or a layer index is out
/// of range.
void applyLoRA(SamImpl& sam, const LoRAOptions& options = {});

/// True when applyLoRA() has been called.
bool hasLoRA(const SamImpl& sam);

/// The adapter modules of the adapted blocks, in ascending block order. In SFR's files adapter j
/// is w_a_{2j} / w_b_{2j} (q) and w_a_{2j+1} / w_b_{2j+1} (v).
std::vector<LoRAQkv> loraAdapters(const SamImpl& sam);

/// The adapter weights under SFR's names: w_a_000.. (A, [r, E]) then w_b_000.. (B, [E, r]).
NamedTensors loraAdapterTensors(const SamImpl& sam);

enum class LoRAFileLayout {
  Adapters,  ///< w_a_NNN and w_b_NNN only
  Sfr        ///< adapters + every prompt_encoder / mask_decoder state-dict key (sam_iter_*.pth)
};

/// Writes the adapters (and for Sfr the prompt encoder and mask decoder) as a torch.save file
/// Python's torch.load reads, atomically. Throws sfr::Error(path, ...) when the model has no
/// adapters or writing fails.
void saveLoRA(const std::filesystem::path& path, const SamImpl& sam,
              LoRAFileLayout layout = LoRAFileLayout::Sfr);

/// Loads a file written by saveLoRA() or SFR's save_lora_parameters(): the layout is Sfr when
/// the file holds any prompt_encoder / mask_decoder key, and then all of them must be present
/// (SFR's load_lora_parameters). Key set and shapes are checked before anything is copied;
/// problems throw one sfr::Error naming the file and the keys. Returns the layout found.
LoRAFileLayout loadLoRA(const std::filesystem::path& path, SamImpl& sam);
LoRAFileLayout loadLoRA(const NamedTensors& tensors, SamImpl& sam,
                        const std::string& source = "LoRA file");

/// Parameters with requires_grad (what SFR's optimiser receives), in registration order.
std::vector<torch::Tensor> trainableParameters(const torch::nn::Module& module);
int64_t trainableParameterCount(const torch::nn::Module& module);

/// SFR's fine-tuning model (spec §3.6): the base configuration with an SFR head for
/// `num_classes` at `image_size`, base weights from `base_checkpoint` loaded the SFR way (skipped
/// when empty), then LoRA. Left in train mode, as SAMed's builder leaves it.
Sam makeSfrSam(SamOptions base, int64_t num_classes, int64_t image_size,
               const LoRAOptions& lora = {}, const std::filesystem::path& base_checkpoint = {});

}  // namespace sfr::engine
