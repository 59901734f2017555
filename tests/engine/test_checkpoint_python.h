#pragma once
// Support for the checkpoint tests: the independent reference is Debian's Python + torch
// (/usr/bin/python3). A helper script (embedded in test_checkpoint_python.cpp) loads files with
// torch.load and describes them as JSON (types, keys, dtypes, shapes, sums, first values), or
// creates special files (legacy format, other pickle protocols, deflated archives).
#include <ATen/core/ivalue.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sfr::test {

/// Empty when /usr/bin/python3 can import torch; otherwise why not (for GTEST_SKIP).
const std::string& pythonTorchUnavailable();

/// Runs the helper script with `args` and parses its stdout as JSON. Any failure (exit status,
/// invalid JSON) throws std::runtime_error with the script's stderr.
nlohmann::json runCheckpointScript(const std::vector<std::string>& args);

/// Runs /usr/bin/python3 -c `code` with `args` (sys.argv[1:]); returns stdout, throws on failure.
std::string runPython(const std::string& code, const std::vector<std::string>& args = {});

/// Compares a value read by our reader with the Python description of the same object, with
/// gtest EXPECTs naming `where` (e.g. "file.pth['key']").
void expectMatchesPython(const c10::IValue& value, const nlohmann::json& description,
                         const std::string& where);

/// The reference folder ($SFR_REFERENCE_DIR, else $SFR_REFERENCE_DIR_DEFAULT), or "" when unset.
std::filesystem::path referenceDir();

/// A fresh folder removed (with its contents) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

std::string readFileBytes(const std::filesystem::path& path);
void writeFileBytes(const std::filesystem::path& path, const std::string& bytes);

}  // namespace sfr::test

#define SFR_REQUIRE_PYTHON_TORCH()                                                            \
  do {                                                                                        \
    if (!::sfr::test::pythonTorchUnavailable().empty())                                       \
      GTEST_SKIP() << "independent check skipped: " << ::sfr::test::pythonTorchUnavailable(); \
  } while (0)
