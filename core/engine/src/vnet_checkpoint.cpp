#include "sfr/engine/vnet_checkpoint.h"

#include <algorithm>
#include <map>

#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/load_state_dict.h"

namespace sfr::engine {
namespace {

const torch::Tensor* findTensor(const NamedTensors& tensors, const std::string& key) {
  for (const auto& [name, tensor] : tensors)
    if (name == key) return &tensor;
  return nullptr;
}

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool hasKey(const NamedTensors& tensors, const std::string& key) {
  return findTensor(tensors, key) != nullptr;
}

std::string stringEntry(const c10::impl::GenericDict& dict, const std::string& key,
                        const std::string& subject) {
  auto it = dict.find(c10::IValue(key));
  if (it == dict.end()) return {};
  if (!it->value().isString())
    throw Error(subject, "entry '" + key + "' of the V-Net checkpoint must be a string");
  return it->value().toStringRef();
}

nlohmann::json parseJson(const std::string& text, const std::string& what,
                         const std::string& subject) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(subject, "entry '" + what + "' is not valid JSON: " + e.what());
  }
}

}  // namespace

VNetOptions inferVNetOptions(const NamedTensors& stateDict, const std::string& subject) {
  const torch::Tensor* first = findTensor(stateDict, "block_one.conv.0.weight");
  const torch::Tensor* out = findTensor(stateDict, "out_conv.weight");
  if (!first || !out || first->dim() != 5 || out->dim() != 5)
    throw Error(subject,
                "not a V-Net state dict (no 5-D block_one.conv.0.weight / out_conv.weight)");
  VNetOptions options;
  options.filters(first->size(0)).in_channels(first->size(1)).classes(out->size(0));
  if (hasKey(stateDict, "block_one.conv.1.running_mean"))
    options.normalization(Normalization::BatchNorm);
  else if (hasKey(stateDict, "block_one.conv.1.weight"))
    options.normalization(Normalization::GroupNorm);
  else if (hasKey(stateDict, "block_two.conv.3.weight"))
    options.normalization(Normalization::InstanceNorm);
  else if (hasKey(stateDict, "block_two.conv.2.weight"))
    options.normalization(Normalization::None);
  else
    throw Error(subject, "cannot tell the V-Net's normalisation from its keys");
  const bool heads = hasKey(stateDict, "out_conv_dp1.weight") ||
                     hasKey(stateDict, "out_conv_dp2.weight") ||
                     hasKey(stateDict, "out_conv_dp3.weight");
  options.auxiliary_heads(heads);
  try {
    options.validate();
  } catch (const Error& e) {
    throw Error(subject, "inferred V-Net options are invalid: " + std::string(e.what()));
  }
  return options;
}

VNetCheckpoint readVNetCheckpoint(const std::filesystem::path& path) {
  const std::string subject = path.string();
  const c10::IValue root = readTorchFile(path);
  VNetCheckpoint checkpoint;
  if (root.isGenericDict()) {
    const c10::impl::GenericDict dict = root.toGenericDict();
    auto state = dict.find(c10::IValue(std::string("state_dict")));
    if (state != dict.end()) {
      const std::string format = stringEntry(dict, "format", subject);
      if (!format.empty() && format != kVNetCheckpointFormat)
        throw Error(subject, "unknown checkpoint format '" + format + "' (expected '" +
                                 kVNetCheckpointFormat + "')");
      checkpoint.native = true;
      checkpoint.stateDict = toNamedTensors(state->value(), subject);
      const std::string options = stringEntry(dict, "options", subject);
      if (!options.empty()) {
        try {
          checkpoint.options = parseJson(options, "options", subject).get<VNetOptions>();
          checkpoint.options.validate();
        } catch (const Error& e) {
          throw Error(subject, "invalid V-Net options: " + std::string(e.what()));
        }
      } else {
        checkpoint.options = inferVNetOptions(checkpoint.stateDict, subject);
      }
      const std::string metadata = stringEntry(dict, "metadata", subject);
      if (!metadata.empty()) checkpoint.metadata = parseJson(metadata, "metadata", subject);
      return checkpoint;
    }
  }
  checkpoint.stateDict = toNamedTensors(root, subject);
  checkpoint.options = inferVNetOptions(checkpoint.stateDict, subject);
  return checkpoint;
}

NamedTensors vnetStateDict(const VNetImpl& net) {
  NamedTensors tensors;
  for (const auto& item : net.named_modules()) {
    const std::string prefix = item.key().empty() ? "" : item.key() + ".";
    for (const auto& p : item.value()->named_parameters(/*recurse=*/false))
      if (p.value().defined()) tensors.emplace_back(prefix + p.key(), p.value().detach());
    for (const auto& b : item.value()->named_buffers(/*recurse=*/false))
      if (b.value().defined()) tensors.emplace_back(prefix + b.key(), b.value().detach());
  }
  return tensors;
}

void writeVNetCheckpoint(const std::filesystem::path& path, const VNetImpl& net,
                         const nlohmann::json& metadata) {
  c10::impl::GenericDict state(c10::StringType::get(), c10::TensorType::get());
  for (const auto& [name, tensor] : vnetStateDict(net)) state.insert(name, tensor);
  c10::impl::GenericDict root(c10::StringType::get(), c10::AnyType::get());
  root.insert(std::string("format"), std::string(kVNetCheckpointFormat));
  root.insert(std::string("options"), nlohmann::json(net.options()).dump());
  root.insert(std::string("metadata"), metadata.dump());
  root.insert(std::string("state_dict"), state);
  writeTorchFile(path, root);
}

LoadedVNet loadVNet(const std::filesystem::path& path, const VNetLoadOptions& options) {
  LoadedVNet loaded;
  loaded.checkpoint = readVNetCheckpoint(path);
  const VNetOptions& fileOptions = loaded.checkpoint.options;
  if (options.classes() && *options.classes() != fileOptions.classes())
    throw Error(path.string(), "the checkpoint has " + std::to_string(fileOptions.classes()) +
                                   " classes, not " + std::to_string(*options.classes()));
  VNetOptions netOptions = fileOptions;
  const bool heads = fileOptions.auxiliary_heads() && options.keep_auxiliary_heads();
  netOptions.auxiliary_heads(heads)
      .pyramid_has_dropout(heads && options.has_dropout())
      .has_dropout(options.has_dropout());
  loaded.net = VNet(netOptions);

  LoadOptions load;
  load.strict(true).source(path.string()).prefix_renames({{"module.", ""}});
  if (!heads) load.skip_prefixes({"out_conv_dp1.", "out_conv_dp2.", "out_conv_dp3."});
  std::vector<std::string> optional;  // num_batches_tracked appeared in PyTorch 0.4.1
  for (const auto& b : loaded.net->named_buffers())
    if (endsWith(b.key(), ".num_batches_tracked")) optional.push_back(b.key());
  load.allow_missing_prefixes(optional);
  loadStateDict(*loaded.net, loaded.checkpoint.stateDict, load);
  loaded.net->eval();
  return loaded;
}

}  // namespace sfr::engine
