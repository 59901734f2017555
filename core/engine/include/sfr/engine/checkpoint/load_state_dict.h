#pragma once
// Copying a state dict into a torch::nn::Module by name, like PyTorch's
// Module.load_state_dict(): names map to named_parameters() and named_buffers() (BatchNorm's
// num_batches_tracked included), with key filtering and renaming for checkpoints whose names
// differ from the module's (SFR's LoRA files, SFR checkpoints loaded into a UA-MT V-Net).
#include <torch/arg.h>

#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "sfr/engine/checkpoint/torch_file.h"

namespace torch::nn {
class Module;
}

namespace sfr::engine {

/// (from, to): a key prefix and its replacement.
using PrefixRename = std::pair<std::string, std::string>;

/// How file keys are matched to module keys. The order of operations per file key: skipped when
/// it starts with one of `skip_prefixes` or `skip_if` returns true; otherwise the first matching
/// `prefix_renames` entry replaces its prefix, then `rename` (if set) maps the result.
struct LoadOptions {
  /// Throw sfr::Error (and change nothing) when any key is missing, unexpected or mis-shaped.
  TORCH_ARG(bool, strict) = true;
  /// File keys with these prefixes are ignored (e.g. "out_conv_dp" for SFR heads).
  TORCH_ARG(std::vector<std::string>, skip_prefixes);
  /// Module keys with these prefixes may stay unloaded without counting as missing
  /// (e.g. LoRA adapters absent from the official SAM checkpoint).
  TORCH_ARG(std::vector<std::string>, allow_missing_prefixes);
  /// (from, to) prefix replacements; the first match wins (e.g. {"sam.", ""}).
  TORCH_ARG(std::vector<PrefixRename>, prefix_renames);
  /// Extra predicate on the original file key; true = skip. Not part of the JSON form.
  TORCH_ARG(std::function<bool(const std::string&)>, skip_if);
  /// Final key mapping after prefix_renames. Not part of the JSON form.
  TORCH_ARG(std::function<std::string(const std::string&)>, rename);
  /// Names the tensors' origin (usually the file) in errors; empty = "state dict".
  TORCH_ARG(std::string, source);

 public:
  /// The module key a file key maps to, or "" when the key is skipped.
  std::string mapKey(const std::string& fileKey) const;
};

/// Round trip of strict, skip_prefixes, allow_missing_prefixes, prefix_renames and source.
void to_json(nlohmann::json& j, const LoadOptions& o);
/// Missing keys keep their defaults; wrong types throw sfr::Error("load options", ...).
void from_json(const nlohmann::json& j, LoadOptions& o);

struct ShapeMismatch {
  std::string key;                     ///< module key
  std::vector<std::int64_t> expected;  ///< module shape
  std::vector<std::int64_t> found;     ///< file shape
};

struct LoadReport {
  std::vector<std::string> loaded;      ///< module keys that received a tensor
  std::vector<std::string> missing;     ///< module keys with no tensor in the file
  std::vector<std::string> unexpected;  ///< (mapped) file keys with no module key
  std::vector<ShapeMismatch> mismatched;
  std::vector<std::string> skipped;  ///< file keys dropped by skip_prefixes / skip_if

  /// No missing, unexpected or mis-shaped key.
  bool complete() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  /// One line per problem category, the first 10 keys of each plus a count; "" when complete.
  std::string problems() const;
};

/// Copies matching tensors into the module's parameters and buffers (no autograd, dtype and
/// device converted as needed). In strict mode nothing is copied unless the match is complete.
LoadReport loadStateDict(torch::nn::Module& module, const NamedTensors& tensors,
                         const LoadOptions& options = LoadOptions());

/// readStateDict(path) + loadStateDict(); errors name the file unless options.source is set.
LoadReport loadStateDict(torch::nn::Module& module, const std::filesystem::path& path,
                         LoadOptions options = LoadOptions());

}  // namespace sfr::engine
