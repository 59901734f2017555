#pragma once
// Private to sfr_engine: the parts of a trainer's run-state file (a torch.save dict of tensors
// and strings) that every trainer reads and writes the same way.
#include <filesystem>
#include <random>
#include <string>

#include <torch/torch.h>

namespace sfr::engine::internal {

/// Reads a run-state dict; every accessor throws sfr::Error naming the file and the key.
class RunStateReader {
 public:
  /// `what` names the kind of state in messages ("training state", "SAM fine-tuning state").
  RunStateReader(const std::filesystem::path& path, std::string what);

  const std::string& subject() const { return subject_; }
  c10::IValue entry(const std::string& key) const;
  std::string text(const std::string& key) const;
  /// A generator written by rngText().
  std::mt19937_64 rng(const std::string& key) const;

 private:
  std::string subject_, what_;
  c10::IValue root_;
};

/// The generator's full state as text (operator<< of the standard library).
std::string rngText(const std::mt19937_64& rng);

}  // namespace sfr::engine::internal
