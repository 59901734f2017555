#include "sfr/engine/vnet_options.h"

#include <nlohmann/json.hpp>

#include "sfr/base/error.h"

namespace sfr::engine {

std::string toString(Normalization n) {
  switch (n) {
    case Normalization::BatchNorm:
      return "batchnorm";
    case Normalization::GroupNorm:
      return "groupnorm";
    case Normalization::InstanceNorm:
      return "instancenorm";
    case Normalization::None:
      return "none";
  }
  return "none";
}

Normalization normalizationFromString(const std::string& name) {
  if (name == "batchnorm") return Normalization::BatchNorm;
  if (name == "groupnorm") return Normalization::GroupNorm;
  if (name == "instancenorm") return Normalization::InstanceNorm;
  if (name == "none") return Normalization::None;
  throw Error("normalization",
              "unknown value '" + name + "' (expected batchnorm, groupnorm, instancenorm or none)");
}

void VNetOptions::validate() const {
  if (in_channels_ < 1) throw Error("in_channels", "must be at least 1");
  if (classes_ < 1) throw Error("classes", "must be at least 1");
  if (filters_ < 1) throw Error("filters", "must be at least 1");
  // GroupNorm(16, width) needs every width (filters x 1..16) divisible by 16.
  if (normalization_ == Normalization::GroupNorm && filters_ % 16 != 0)
    throw Error("filters", "groupnorm uses 16 groups, so filters must be a multiple of 16 (got " +
                               std::to_string(filters_) + ")");
  if (pyramid_has_dropout_ && !auxiliary_heads_)
    throw Error("pyramid_has_dropout", "needs auxiliary_heads");
}

bool VNetOptions::operator==(const VNetOptions& o) const {
  return in_channels_ == o.in_channels_ && classes_ == o.classes_ && filters_ == o.filters_ &&
         normalization_ == o.normalization_ && has_dropout_ == o.has_dropout_ &&
         auxiliary_heads_ == o.auxiliary_heads_ && pyramid_has_dropout_ == o.pyramid_has_dropout_;
}

void to_json(nlohmann::json& j, const VNetOptions& o) {
  j = nlohmann::json{{"in_channels", o.in_channels()},
                     {"classes", o.classes()},
                     {"filters", o.filters()},
                     {"normalization", toString(o.normalization())},
                     {"has_dropout", o.has_dropout()},
                     {"auxiliary_heads", o.auxiliary_heads()},
                     {"pyramid_has_dropout", o.pyramid_has_dropout()}};
}

namespace {

// Reads `key` (or its UA-MT alias) into `out` when present; a wrong type names the key.
template <typename T>
void readKey(const nlohmann::json& j, const char* key, const char* alias, T& out) {
  const char* found = j.contains(key) ? key : (alias && j.contains(alias) ? alias : nullptr);
  if (!found) return;
  try {
    out = j.at(found).get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(found, std::string("wrong type in V-Net options: ") + e.what());
  }
}

}  // namespace

void from_json(const nlohmann::json& j, VNetOptions& o) {
  if (!j.is_object()) throw Error("V-Net options", "expected a JSON object");
  readKey(j, "in_channels", "n_channels", o.in_channels());
  readKey(j, "classes", "n_classes", o.classes());
  readKey(j, "filters", "n_filters", o.filters());
  std::string norm = toString(o.normalization());
  readKey(j, "normalization", nullptr, norm);
  o.normalization(normalizationFromString(norm));
  readKey(j, "has_dropout", nullptr, o.has_dropout());
  readKey(j, "auxiliary_heads", nullptr, o.auxiliary_heads());
  readKey(j, "pyramid_has_dropout", nullptr, o.pyramid_has_dropout());
}

}  // namespace sfr::engine
