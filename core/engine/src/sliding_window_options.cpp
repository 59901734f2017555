#include "sfr/engine/sliding_window_options.h"

#include <nlohmann/json.hpp>

#include "sfr/base/error.h"

namespace sfr::engine {

void SlidingWindowOptions::validate() const {
  for (int64_t p : patch_)
    if (p < 1) throw Error("patch", "every patch size must be at least 1");
  if (stride_xy_ < 1) throw Error("stride_xy", "must be at least 1");
  if (stride_z_ < 1) throw Error("stride_z", "must be at least 1");
  if (window_batch_ < 1) throw Error("window_batch", "must be at least 1");
  if (!(gaussian_sigma_scale_ > 0.0)) throw Error("gaussian_sigma_scale", "must be positive");
  if (device_.empty()) throw Error("device", "must name a device (cpu, cuda, cuda:<n>)");
}

bool SlidingWindowOptions::operator==(const SlidingWindowOptions& o) const {
  return patch_ == o.patch_ && stride_xy_ == o.stride_xy_ && stride_z_ == o.stride_z_ &&
         window_batch_ == o.window_batch_ && gaussian_ == o.gaussian_ &&
         gaussian_sigma_scale_ == o.gaussian_sigma_scale_ &&
         mixed_precision_ == o.mixed_precision_ && frozen_network_ == o.frozen_network_ &&
         device_ == o.device_;
}

void to_json(nlohmann::json& j, const SlidingWindowOptions& o) {
  j = nlohmann::json{{"patch", o.patch()},
                     {"stride_xy", o.stride_xy()},
                     {"stride_z", o.stride_z()},
                     {"window_batch", o.window_batch()},
                     {"gaussian", o.gaussian()},
                     {"gaussian_sigma_scale", o.gaussian_sigma_scale()},
                     {"mixed_precision", o.mixed_precision()},
                     {"frozen_network", o.frozen_network()},
                     {"device", o.device()}};
}

namespace {

template <typename T>
void readKey(const nlohmann::json& j, const char* key, T& out) {
  if (!j.contains(key)) return;
  try {
    out = j.at(key).get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(key, std::string("wrong type in sliding-window options: ") + e.what());
  }
}

}  // namespace

void from_json(const nlohmann::json& j, SlidingWindowOptions& o) {
  if (!j.is_object()) throw Error("sliding-window options", "expected a JSON object");
  readKey(j, "patch", o.patch());
  readKey(j, "stride_xy", o.stride_xy());
  readKey(j, "stride_z", o.stride_z());
  readKey(j, "window_batch", o.window_batch());
  readKey(j, "gaussian", o.gaussian());
  readKey(j, "gaussian_sigma_scale", o.gaussian_sigma_scale());
  readKey(j, "mixed_precision", o.mixed_precision());
  readKey(j, "frozen_network", o.frozen_network());
  readKey(j, "device", o.device());
  o.validate();
}

}  // namespace sfr::engine
