#include "internal/run_state_file.h"

#include <sstream>

#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/torch_file.h"

namespace sfr::engine::internal {

RunStateReader::RunStateReader(const std::filesystem::path& path, std::string what)
    : subject_(path.string()), what_(std::move(what)), root_(readTorchFile(path)) {
  if (!root_.isGenericDict()) throw Error(subject_, "not a " + what_ + " (no dict)");
}

c10::IValue RunStateReader::entry(const std::string& key) const {
  const c10::impl::GenericDict root = root_.toGenericDict();
  const auto it = root.find(c10::IValue(key));
  if (it == root.end()) throw Error(subject_, what_ + " lacks '" + key + "'");
  return it->value();
}

std::string RunStateReader::text(const std::string& key) const {
  const c10::IValue v = entry(key);
  if (!v.isString()) throw Error(subject_, "'" + key + "' is not a string");
  return v.toStringRef();
}

std::mt19937_64 RunStateReader::rng(const std::string& key) const {
  std::mt19937_64 rng;
  std::istringstream in(text(key));
  in >> rng;
  if (!in) throw Error(subject_, "'" + key + "' is not a std::mt19937_64 state");
  return rng;
}

std::string rngText(const std::mt19937_64& rng) {
  std::ostringstream text;
  text << rng;
  return text.str();
}

}  // namespace sfr::engine::internal
