#pragma once
// Reading and writing torch.save files from C++ without Python.
//
// Reading handles the zip format (torch >= 1.6: official SAM checkpoints, SFR/SAMed LoRA files,
// our reference files) and the legacy format (torch < 1.6, e.g. UA-MT's released V-Nets), with
// OrderedDict state dicts, which LibTorch's torch::pickle_load cannot read. Writing produces a
// zip-format file that Python's torch.load reads (spec §11).
#include <ATen/core/ivalue.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace sfr::engine {

/// A state dict: tensor names in file order.
using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

enum class TorchFileFormat {
  Zip,     ///< "PK\x03\x04": torch >= 1.6
  Legacy,  ///< "\x80\x02\x8a\x0a": a pickle stream starting with torch's magic number
  Unknown
};

/// Looks at the first bytes only. Throws sfr::Error when the file cannot be opened.
TorchFileFormat detectTorchFileFormat(const std::filesystem::path& path);

/// The object stored by torch.save: dicts/OrderedDicts become GenericDict (str or int keys, file
/// order), lists GenericList, tuples Tuple, tensors CPU tensors (whatever device they were saved
/// from). Every problem (unreadable, truncated, corrupt, unsupported content) throws one
/// sfr::Error whose subject is the path.
c10::IValue readTorchFile(const std::filesystem::path& path);

/// The (name, tensor) pairs of a dict whose values are all tensors; anything else throws
/// sfr::Error(subject, ...) naming the first offending key.
NamedTensors toNamedTensors(const c10::IValue& value, const std::string& subject);

/// readTorchFile() + toNamedTensors(): a state_dict() file (OrderedDict) or a plain dict of
/// tensors (LoRA files).
NamedTensors readStateDict(const std::filesystem::path& path);

/// Writes `value` as torch.save would (zip format, pickle protocol 2, one storage per tensor).
/// Supported values: dicts with str or int keys, lists, tuples, tensors (any device; written
/// from a contiguous CPU copy), str, int, double, bool, None. The file is replaced atomically.
void writeTorchFile(const std::filesystem::path& path, const c10::IValue& value);

/// Writes a plain dict {name: tensor} in the given order (what Python's dict(state_dict()) holds).
void writeStateDict(const std::filesystem::path& path, const NamedTensors& tensors);

}  // namespace sfr::engine
