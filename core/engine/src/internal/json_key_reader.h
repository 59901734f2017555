#pragma once
// Private to sfr_engine: the strict reader every settings struct's from_json uses. Missing keys
// keep the struct's value; a wrong type or an unknown key throws one sfr::Error naming
// "<path>.<key>".
#include <set>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "sfr/base/error.h"

namespace sfr::engine::internal {

class KeyReader {
 public:
  KeyReader(const nlohmann::json& j, std::string path) : j_(j), path_(std::move(path)) {
    if (!j_.is_object()) throw Error(path_, "expected a JSON object");
  }

  template <typename T>
  void read(const char* key, T& out) {
    known_.insert(key);
    const auto it = j_.find(key);
    if (it == j_.end()) return;
    try {
      out = it->template get<T>();
    } catch (const nlohmann::json::exception& e) {
      throw Error(path_ + "." + key, std::string("wrong type: ") + e.what());
    }
  }

  // Nested settings structs: their own from_json reports errors with their own path.
  template <typename T>
  void nested(const char* key, T& out) {
    known_.insert(key);
    const auto it = j_.find(key);
    if (it != j_.end()) from_json(*it, out);
  }

  void finish() const {
    for (const auto& item : j_.items())
      if (!known_.count(item.key())) throw Error(path_ + "." + item.key(), "unknown key");
  }

 private:
  const nlohmann::json& j_;
  std::string path_;
  std::set<std::string> known_;
};

}  // namespace sfr::engine::internal
