// readTorchFile() / readStateDict() against Python's torch.load on the same files: every
// reference file, files Python writes in the legacy format, with pickle protocol 4, deflated,
// or "saved from CUDA"; then damaged files, which must raise one sfr::Error naming the file.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <random>

#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/torch_file.h"
#include "sfr/engine/checkpoint/zip_archive.h"
#include "test_checkpoint_python.h"

namespace sfr::engine {
namespace {

namespace fs = std::filesystem;
using sfr::test::readFileBytes;
using sfr::test::TempDir;
using sfr::test::writeFileBytes;

/// The reference files the brief names: sam/*.pth, sam/*.pt, vnet/*, minisam/minisam_io.pt.
std::vector<fs::path> referenceFiles() {
  std::vector<fs::path> files;
  const fs::path root = sfr::test::referenceDir();
  if (root.empty() || !fs::is_directory(root)) return files;
  for (const char* folder : {"sam", "vnet"}) {
    if (!fs::is_directory(root / folder)) continue;
    for (const auto& entry : fs::directory_iterator(root / folder)) {
      const std::string ext = entry.path().extension().string();
      if (entry.is_regular_file() && (ext == ".pth" || ext == ".pt")) files.push_back(entry.path());
    }
  }
  const fs::path minisam = root / "minisam" / "minisam_io.pt";
  if (fs::is_regular_file(minisam) && ::access(minisam.c_str(), R_OK) == 0)
    files.push_back(minisam);
  std::sort(files.begin(), files.end());
  return files;
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const sfr::Error& e) {
    return e.what();
  }
  return "(no sfr::Error)";
}

/// Copies a zip archive entry by entry, letting `edit` drop (return false) or change entries.
void repack(const fs::path& from, const fs::path& to,
            const std::function<bool(const std::string& name, std::string& bytes)>& edit) {
  ZipReader reader(from);
  std::string out;
  ZipWriter writer(
      [&out](const void* d, std::size_t n) { out.append(static_cast<const char*>(d), n); }, "mem");
  for (const ZipEntry& entry : reader.entries()) {
    std::string bytes = reader.read(entry);
    if (edit(entry.name, bytes)) writer.add(entry.name, bytes);
  }
  writer.finish();
  writeFileBytes(to, out);
}

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TEST(CheckpointRead, EveryReferenceFileMatchesPython) {
  SFR_REQUIRE_PYTHON_TORCH();
  const std::vector<fs::path> files = referenceFiles();
  if (files.empty()) GTEST_SKIP() << "no reference files (set SFR_REFERENCE_DIR)";
  std::vector<std::string> args{"describe"};
  for (const fs::path& f : files) args.push_back(f.string());
  const nlohmann::json python = sfr::test::runCheckpointScript(args);

  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    EXPECT_EQ(detectTorchFileFormat(file), TorchFileFormat::Zip);
    const c10::IValue value = readTorchFile(file);
    const nlohmann::json& expected = python.at(file.string());
    ASSERT_TRUE(value.isGenericDict());
    std::cout << file.lexically_relative(sfr::test::referenceDir()).string() << ": "
              << value.toGenericDict().size() << " keys (Python: " << expected.at("keys").size()
              << ")\n";
    sfr::test::expectMatchesPython(value, expected, file.filename().string());

    // State dicts and LoRA files are all tensors, in file order.
    const std::string name = file.filename().string();
    if (endsWith(name, "_checkpoint.pth") || endsWith(name, "_lora.pth")) {
      const NamedTensors tensors = readStateDict(file);
      ASSERT_EQ(tensors.size(), expected.at("keys").size());
      for (std::size_t i = 0; i < tensors.size(); ++i)
        EXPECT_EQ(tensors[i].first, expected.at("keys")[i].at("value").get<std::string>());
    }
  }
}

TEST(CheckpointRead, FilesPythonWritesInEveryLayoutMatchPython) {
  SFR_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  const std::vector<std::string> variants{"legacy_mixed",      "zip_mixed",     "zip_proto4",
                                          "zip_deflated",      "legacy_cuda",   "zip_cuda",
                                          "legacy_state_dict", "zip_state_dict"};
  std::vector<std::string> args{"make"};  // one Python process for all files
  for (const std::string& variant : variants) {
    args.push_back(variant);
    args.push_back((dir / (variant + ".pt")).string());
  }
  const nlohmann::json made = sfr::test::runCheckpointScript(args);
  for (const std::string& variant : variants) {
    SCOPED_TRACE(variant);
    const fs::path file = dir / (variant + ".pt");
    const nlohmann::json& python = made.at(variant);
    const bool legacy = variant.rfind("legacy", 0) == 0;
    EXPECT_EQ(detectTorchFileFormat(file), legacy ? TorchFileFormat::Legacy : TorchFileFormat::Zip);
    if (variant == "zip_deflated") {
      EXPECT_NE(python.at("methods").dump().find('8'), std::string::npos)
          << "Python did not deflate";
    }
    const c10::IValue value = readTorchFile(file);
    sfr::test::expectMatchesPython(value, python.at("object"), variant);

    if (variant.find("mixed") != std::string::npos || variant.find("cuda") != std::string::npos ||
        variant == "zip_deflated" || variant == "zip_proto4") {
      // Views keep sharing their storage, as torch.load's do.
      const auto dict = value.toGenericDict();
      const at::Tensor base = dict.at("base").toTensor();
      const at::Tensor columns = dict.at("view_cols").toTensor();
      base.fill_(2.0);
      EXPECT_EQ(columns.sum().item<float>(), 2.0f * static_cast<float>(columns.numel()));
    }
  }
}

TEST(CheckpointRead, NamedTensorsNeedADictOfTensors) {
  TempDir dir;
  c10::impl::GenericDict mixed(c10::StringType::get(), c10::AnyType::get());
  mixed.insert("weight", at::ones({2}));
  mixed.insert("config", c10::IValue(std::string("{}")));
  writeTorchFile(dir / "mixed.pt", c10::IValue(mixed));
  const std::string message = errorOf([&] { readStateDict(dir / "mixed.pt"); });
  EXPECT_NE(message.find((dir / "mixed.pt").string()), std::string::npos) << message;
  EXPECT_NE(message.find("key 'config' holds a String, not a tensor"), std::string::npos)
      << message;

  c10::impl::GenericList list(c10::AnyType::get());
  list.push_back(at::ones({1}));
  EXPECT_NE(
      errorOf([&] { toNamedTensors(c10::IValue(list), "x"); }).find("expected a dict of tensors"),
      std::string::npos);
  c10::impl::GenericDict tensors(c10::StringType::get(), c10::AnyType::get());
  tensors.insert("b", at::zeros({3}));
  tensors.insert("a", at::ones({1}));
  const NamedTensors named = toNamedTensors(c10::IValue(tensors), "x");
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].first, "b");
  EXPECT_EQ(named[1].first, "a");
}

TEST(CheckpointRead, MalformedFilesRaiseOneErrorNamingTheFileAndProblem) {
  TempDir dir;
  c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
  dict.insert("w", at::arange(12, at::kFloat).reshape({3, 4}));
  const fs::path good = dir / "good.pt";
  writeTorchFile(good, c10::IValue(dict));
  ASSERT_TRUE(at::equal(readStateDict(good).at(0).second, dict.at("w").toTensor()));

  auto expectError = [&](const fs::path& file, const std::string& problem) {
    const std::string message = errorOf([&] { readTorchFile(file); });
    EXPECT_EQ(message.rfind(file.string() + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(problem), std::string::npos)
        << "expected '" << problem << "' in: " << message;
  };
  expectError(dir / "absent.pt", "cannot open");
  expectError(dir.path(), "is a folder");
  writeFileBytes(dir / "empty.pt", "");
  expectError(dir / "empty.pt", "not a PyTorch checkpoint");
  writeFileBytes(dir / "text.pt", "hello, I am text");
  expectError(dir / "text.pt", "not a PyTorch checkpoint");

  const std::string bytes = readFileBytes(good);
  writeFileBytes(dir / "truncated.pt", bytes.substr(0, bytes.size() / 2));
  expectError(dir / "truncated.pt", "ZIP");

  repack(good, dir / "no_pickle.pt",
         [](const std::string& name, std::string&) { return !endsWith(name, "data.pkl"); });
  expectError(dir / "no_pickle.pt", "no archive/data.pkl");
  repack(good, dir / "no_storage.pt",
         [](const std::string& name, std::string&) { return !endsWith(name, "data/0"); });
  expectError(dir / "no_storage.pt", "missing storage data/0");
  repack(good, dir / "short_storage.pt", [](const std::string& name, std::string& b) {
    if (endsWith(name, "data/0")) b.resize(b.size() - 4);
    return true;
  });
  expectError(dir / "short_storage.pt",
              "storage data/0 holds 44 bytes but the pickle declares 12 Float elements");
  repack(good, dir / "bad_opcode.pt", [](const std::string& name, std::string& b) {
    if (endsWith(name, "data.pkl")) b = std::string("\x80\x02\xff.", 4);
    return true;
  });
  expectError(dir / "bad_opcode.pt", "data.pkl: unsupported or invalid pickle opcode 0xff");
  repack(good, dir / "global.pt", [](const std::string& name, std::string& b) {
    if (endsWith(name, "data.pkl"))
      b = std::string(
          "\x80\x02"
          "cos\nsystem\n.",
          14);
    return true;
  });
  expectError(dir / "global.pt", "unsupported global 'os.system'");
  repack(good, dir / "big_endian.pt", [](const std::string& name, std::string& b) {
    if (endsWith(name, "byteorder")) b = "big";
    return true;
  });
  expectError(dir / "big_endian.pt", "little-endian");
}

/// Reads `bytes` written to `path`; it must succeed or raise sfr::Error about `path`.
void expectLoadsOrRaises(const fs::path& path, const std::string& bytes, int& loaded, int& rejected,
                         const std::string& what) {
  writeFileBytes(path, bytes);
  try {
    readTorchFile(path);
    ++loaded;
  } catch (const sfr::Error& e) {
    EXPECT_EQ(e.subject(), path.string()) << what;
    ++rejected;
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": not an sfr::Error: " << e.what();
  }
}

TEST(CheckpointRead, TruncatedAndBitFlippedFilesLoadOrRaiseSfrError) {
  TempDir dir;
  std::vector<fs::path> sources;
  const fs::path reference = sfr::test::referenceDir();
  for (const char* name : {"vnet/vnet_c3_in_checkpoint.pth", "sam/sfr_tiny_c2_lora.pth"})
    if (!reference.empty() && fs::exists(reference / name)) sources.push_back(reference / name);
  if (sfr::test::pythonTorchUnavailable().empty()) {
    // Legacy files have no CRC, so flipped bytes reach the pickle machine and the storages.
    sfr::test::runCheckpointScript({"make", "legacy_state_dict", (dir / "legacy.pt").string()});
    sources.push_back(dir / "legacy.pt");
  }
  if (sources.empty()) GTEST_SKIP() << "neither reference files nor Python torch available";

  std::mt19937 rng(20261127);
  for (const fs::path& source : sources) {
    const std::string original = readFileBytes(source);
    int loaded = 0, rejected = 0;
    const fs::path target = dir / "fuzz.pt";
    for (int i = 0; i < 50; ++i) {
      const std::size_t cut = rng() % original.size();
      expectLoadsOrRaises(target, original.substr(0, cut), loaded, rejected,
                          "cut at " + std::to_string(cut));
    }
    for (int i = 0; i < 50; ++i) {
      std::string damaged = original;
      const int flips = 1 + static_cast<int>(rng() % 8);
      std::string where;
      for (int f = 0; f < flips; ++f) {
        const std::size_t at = rng() % damaged.size();
        damaged[at] = static_cast<char>(damaged[at] ^ (1 + rng() % 255));
        where += " " + std::to_string(at);
      }
      expectLoadsOrRaises(target, damaged, loaded, rejected, "flips at" + where);
    }
    std::cout << source.filename().string() << ": " << loaded << " damaged copies loaded, "
              << rejected << " rejected with sfr::Error\n";
    EXPECT_GE(rejected, 50) << "every truncated copy must be rejected";
  }
}

}  // namespace
}  // namespace sfr::engine
