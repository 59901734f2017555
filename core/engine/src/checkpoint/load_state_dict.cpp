// Name-based copy of state-dict tensors into a module. The match is planned first and applied
// only afterwards, so a strict failure leaves the module exactly as it was.
#include "sfr/engine/checkpoint/load_state_dict.h"

#include <torch/nn/module.h>
#include <torch/utils.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "sfr/base/error.h"

namespace sfr::engine {
namespace {

constexpr std::size_t kListedPerCategory = 10;

bool startsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

std::string shapeText(const std::vector<std::int64_t>& shape) {
  std::ostringstream out;
  out << '[';
  for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

template <typename T, typename Format>
void describe(std::ostringstream& out, const std::vector<T>& items, const char* singular,
              const char* plural, Format format) {
  if (items.empty()) return;
  if (out.tellp() > 0) out << "; ";
  out << items.size() << ' ' << (items.size() == 1 ? singular : plural) << ": ";
  for (std::size_t i = 0; i < items.size() && i < kListedPerCategory; ++i)
    out << (i ? ", " : "") << format(items[i]);
  if (items.size() > kListedPerCategory)
    out << ", ... and " << items.size() - kListedPerCategory << " more";
}

}  // namespace

std::string LoadOptions::mapKey(const std::string& fileKey) const {
  for (const std::string& prefix : skip_prefixes_)
    if (startsWith(fileKey, prefix)) return {};
  if (skip_if_ && skip_if_(fileKey)) return {};
  std::string key = fileKey;
  for (const auto& [from, to] : prefix_renames_) {
    if (startsWith(key, from)) {
      key = to + key.substr(from.size());
      break;
    }
  }
  return rename_ ? rename_(key) : key;
}

void to_json(nlohmann::json& j, const LoadOptions& o) {
  j = nlohmann::json{{"strict", o.strict()},
                     {"skip_prefixes", o.skip_prefixes()},
                     {"allow_missing_prefixes", o.allow_missing_prefixes()},
                     {"prefix_renames", o.prefix_renames()},
                     {"source", o.source()}};
}

void from_json(const nlohmann::json& j, LoadOptions& o) {
  if (!j.is_object()) throw sfr::Error("load options", "expected a JSON object");
  for (const auto& item : j.items()) {
    const std::string& key = item.key();
    try {
      if (key == "strict") {
        o.strict(item.value().get<bool>());
      } else if (key == "skip_prefixes") {
        o.skip_prefixes(item.value().get<std::vector<std::string>>());
      } else if (key == "allow_missing_prefixes") {
        o.allow_missing_prefixes(item.value().get<std::vector<std::string>>());
      } else if (key == "prefix_renames") {
        o.prefix_renames(item.value().get<std::vector<PrefixRename>>());
      } else if (key == "source") {
        o.source(item.value().get<std::string>());
      } else {
        throw sfr::Error("load options", "unknown key '" + key + "'");
      }
    } catch (const nlohmann::json::exception& e) {
      throw sfr::Error("load options", "'" + key + "' has the wrong type (" + e.what() + ")");
    }
  }
}

std::string LoadReport::problems() const {
  std::ostringstream out;
  auto plain = [](const std::string& s) { return s; };
  describe(out, missing, "missing key", "missing keys", plain);
  describe(out, unexpected, "unexpected key", "unexpected keys", plain);
  describe(out, mismatched, "shape mismatch", "shape mismatches", [](const ShapeMismatch& m) {
    return m.key + " (module " + shapeText(m.expected) + ", file " + shapeText(m.found) + ")";
  });
  return out.str();
}

LoadReport loadStateDict(torch::nn::Module& module, const NamedTensors& tensors,
                         const LoadOptions& options) {
  const std::string subject = options.source().empty() ? "state dict" : options.source();

  std::vector<std::string> order;
  std::unordered_map<std::string, at::Tensor> targets;
  auto collect = [&](const torch::OrderedDict<std::string, at::Tensor>& named) {
    for (const auto& item : named) {
      if (!item.value().defined()) continue;
      if (targets.emplace(item.key(), item.value()).second) order.push_back(item.key());
    }
  };
  collect(module.named_parameters(/*recurse=*/true));
  collect(module.named_buffers(/*recurse=*/true));

  LoadReport report;
  std::vector<std::pair<at::Tensor, at::Tensor>> plan;
  std::unordered_map<std::string, std::string> assigned;  // module key -> file key
  for (const auto& [fileKey, tensor] : tensors) {
    const std::string key = options.mapKey(fileKey);
    if (key.empty()) {
      report.skipped.push_back(fileKey);
      continue;
    }
    const auto target = targets.find(key);
    if (target == targets.end() || !tensor.defined()) {
      report.unexpected.push_back(key);
      continue;
    }
    const auto previous = assigned.emplace(key, fileKey);
    if (!previous.second)
      throw sfr::Error(subject, "file keys '" + previous.first->second + "' and '" + fileKey +
                                    "' both map to module key '" + key + "'");
    if (target->second.sizes() != tensor.sizes()) {
      report.mismatched.push_back({key, target->second.sizes().vec(), tensor.sizes().vec()});
      continue;
    }
    plan.emplace_back(target->second, tensor);
    report.loaded.push_back(key);
  }
  for (const std::string& key : order) {
    if (assigned.count(key)) continue;
    bool allowed = false;
    for (const std::string& prefix : options.allow_missing_prefixes())
      allowed = allowed || startsWith(key, prefix);
    if (!allowed) report.missing.push_back(key);
  }
  if (options.strict() && !report.complete()) throw sfr::Error(subject, report.problems());

  try {
    torch::NoGradGuard noGrad;
    for (auto& [target, source] : plan) target.copy_(source);
  } catch (const c10::Error& e) {
    throw sfr::Error(subject, std::string("copying tensors failed: ") + e.what_without_backtrace());
  }
  return report;
}

LoadReport loadStateDict(torch::nn::Module& module, const std::filesystem::path& path,
                         LoadOptions options) {
  if (options.source().empty()) options.source(path.string());
  return loadStateDict(module, readStateDict(path), options);
}

}  // namespace sfr::engine
