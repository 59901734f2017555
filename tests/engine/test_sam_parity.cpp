// Parity of the LibTorch SAM with the original Python code, through the reference files made by
// tools/make_reference.py (official segment-anything; SFR/SAMed LoRA-SAM). The io files are the
// only source of expected values. Every sam/sam_*_io.pt and sam/sfr_*_io.pt under
// $SFR_REFERENCE_DIR (else $SFR_REFERENCE_DIR_DEFAULT) is checked; the model configuration comes
// from each file's `config` entry, so full-size (ViT-B) references of the same format work too.
// The checks run on the CPU and, where LibTorch sees one, on a CUDA device (TF32 off).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <unistd.h>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sfr/engine/checkpoint/torch_file.h"
#include "sfr/engine/sam/lora.h"
#include "sfr/engine/sam/sam.h"
#include "sfr/engine/sam/sam_checkpoint.h"

namespace fs = std::filesystem;
using namespace sfr::engine;

namespace {

constexpr double kTolerance = 1e-4;

fs::path referenceDir() {
  for (const char* name : {"SFR_REFERENCE_DIR", "SFR_REFERENCE_DIR_DEFAULT"}) {
    const char* value = std::getenv(name);
    if (value && *value) return value;
  }
  return {};
}

// The CPU, plus CUDA when available.
std::vector<torch::Device> devices() {
  std::vector<torch::Device> out{torch::kCPU};
  if (torch::cuda::is_available()) out.emplace_back(torch::kCUDA);
  return out;
}

// Full float32 on CUDA while alive: TF32 keeps 10 mantissa bits, far beyond the 1e-4 tolerance.
class NoTF32 {
 public:
  NoTF32()
      : cudnn_(at::globalContext().allowTF32CuDNN()),
        precision_(at::globalContext().float32MatmulPrecision()) {
    at::globalContext().setAllowTF32CuDNN(false);
    at::globalContext().setFloat32MatmulPrecision("highest");
  }
  ~NoTF32() {
    at::globalContext().setAllowTF32CuDNN(cudnn_);
    // The string form exists in every LibTorch version (the enum overload not in 2.x).
    const auto p = precision_;
    at::globalContext().setFloat32MatmulPrecision(
        p == at::Float32MatmulPrecision::HIGHEST ? "highest"
        : p == at::Float32MatmulPrecision::HIGH  ? "high"
                                                 : "medium");
  }

 private:
  bool cudnn_;
  at::Float32MatmulPrecision precision_;
};

// Files sam/<prefix>*_io.pt, sorted.
std::vector<fs::path> ioFiles(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir / "sam")) return files;
  for (const auto& entry : fs::directory_iterator(dir / "sam")) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.size() > 6 &&
        name.compare(name.size() - 6, 6, "_io.pt") == 0)
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The io file's dict.
class IoFile {
 public:
  explicit IoFile(const fs::path& path) : path_(path), dict_(readTorchFile(path).toGenericDict()) {
    config_ = nlohmann::json::parse(get("config").toStringRef());
  }
  c10::IValue get(const std::string& key) const {
    if (!dict_.contains(key)) throw std::runtime_error(path_.string() + ": no key '" + key + "'");
    return dict_.at(key);
  }
  bool has(const std::string& key) const { return dict_.contains(key); }
  torch::Tensor tensor(const std::string& key) const { return get(key).toTensor(); }
  std::array<int64_t, 2> size2(const std::string& key) const {
    const auto list = get(key).toList();
    return {list.get(0).toInt(), list.get(1).toInt()};
  }
  const nlohmann::json& config() const { return config_; }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
  c10::Dict<c10::IValue, c10::IValue> dict_;
  nlohmann::json config_;
};

// Compares and records the largest difference; counts every comparison.
struct Checker {
  std::string file;
  torch::Device device = torch::kCPU;
  int compared = 0;
  double worst = 0.0;

  void close(const torch::Tensor& actualOnDevice, const torch::Tensor& expected,
             const std::string& what) {
    ++compared;
    const torch::Tensor actual = actualOnDevice.cpu();
    ASSERT_EQ(actual.sizes(), expected.sizes()) << file << " " << what;
    const double diff =
        (actual.to(torch::kDouble) - expected.to(torch::kDouble)).abs().max().item<double>();
    worst = std::max(worst, diff);
    EXPECT_LE(diff, kTolerance) << file << " " << what;
  }

  void equal(const torch::Tensor& actualOnDevice, const torch::Tensor& expected,
             const std::string& what) {
    ++compared;
    const torch::Tensor actual = actualOnDevice.cpu();
    ASSERT_EQ(actual.sizes(), expected.sizes()) << file << " " << what;
    EXPECT_TRUE(torch::equal(actual, expected)) << file << " " << what;
  }

  // Thresholded masks: only where the reference logit is clearly away from zero.
  void masks(const torch::Tensor& actualOnDevice, const torch::Tensor& expected,
             const torch::Tensor& expectedLogits, const std::string& what) {
    ++compared;
    const torch::Tensor actual = actualOnDevice.cpu();
    ASSERT_EQ(actual.sizes(), expected.sizes()) << file << " " << what;
    const torch::Tensor decided = expectedLogits.abs() > kTolerance;
    const int64_t differing = (actual.ne(expected) & decided).sum().item<int64_t>();
    EXPECT_EQ(differing, 0) << file << " " << what;
  }

  void report() const {
    std::cout << "[sam parity] checked " << file << " on " << device << ": " << compared
              << " comparisons, largest |difference| " << worst << std::endl;
  }
};

torch::Tensor coordsFromJson(const nlohmann::json& points) {
  std::vector<double> flat;
  for (const auto& p : points) {
    flat.push_back(p.at(0).get<double>());
    flat.push_back(p.at(1).get<double>());
  }
  return torch::tensor(flat, torch::kDouble).view({-1, 2});
}

void checkOfficialSam(const fs::path& refDir, const IoFile& io, torch::Device device) {
  const nlohmann::json& config = io.config();
  Checker check{io.path().string(), device};

  Sam sam(samOptionsFromFlatConfig(config));
  loadSamCheckpoint(*sam, refDir / config.at("checkpoint").get<std::string>());
  sam->to(device);
  sam->eval();
  torch::NoGradGuard noGrad;

  const torch::Tensor image = io.tensor("image_uint8");
  const ResizeLongestSide transform(sam->options().image_encoder().img_size());
  check.equal(transform.applyImage(image), io.tensor("resized_uint8"), "resized_uint8");

  SamPredictor predictor(sam);
  predictor.setImage(image);
  const auto inputSize = io.size2("input_size");
  const auto originalSize = io.size2("original_size");
  EXPECT_EQ(predictor.inputSize(), inputSize) << check.file;
  EXPECT_EQ(predictor.originalSize(), originalSize) << check.file;
  check.close(predictor.preprocessedImage(), io.tensor("preprocessed"), "preprocessed");
  check.close(predictor.features(), io.tensor("image_embeddings"), "image_embeddings");
  check.close(sam->prompt_encoder->getDensePe(), io.tensor("dense_pe"), "dense_pe");

  ASSERT_TRUE(config.contains("cases"));
  int cases = 0;
  for (const auto& c : config.at("cases")) {
    const std::string key = c.at("key").get<std::string>();
    const bool multimask = c.at("multimask_output").get<bool>();
    const nlohmann::json& prompt = c.at("prompt");
    Prompts original;
    if (prompt.contains("point_coords")) {
      original.point_coords = coordsFromJson(prompt.at("point_coords"));
      original.point_labels =
          torch::tensor(prompt.at("point_labels").get<std::vector<int64_t>>(), torch::kLong);
    }
    if (prompt.contains("box"))
      original.boxes = torch::tensor(prompt.at("box").get<std::vector<double>>(), torch::kDouble);
    Prompts transformed = predictor.transformPrompts(original);
    if (original.point_coords.defined()) {
      check.close(transformed.point_coords, io.tensor(key + "/point_coords_transformed"),
                  key + "/point_coords_transformed");
      check.equal(original.point_labels, io.tensor(key + "/point_labels"), key + "/point_labels");
    }
    if (original.boxes.defined()) {
      const torch::Tensor expected = io.tensor(key + "/box_transformed");
      check.close(transformed.boxes.reshape(expected.sizes()), expected, key + "/box_transformed");
    }
    // The mask input is the reference's own low-res output of an earlier case, fed as given.
    if (prompt.contains("mask_from")) transformed.mask_inputs = io.tensor(key + "/mask_input");

    const SamMaskPrediction p =
        sam->predictMasks(predictor.features(), transformed.to(device), multimask);
    check.close(p.sparse_embeddings, io.tensor(key + "/sparse_embeddings"), key + "/sparse");
    check.close(p.dense_embeddings, io.tensor(key + "/dense_embeddings"), key + "/dense");

    const SamPredictor::Result r = predictor.predictTorch(transformed, multimask);
    check.close(r.low_res_masks, io.tensor(key + "/low_res_masks"), key + "/low_res_masks");
    check.close(r.iou_predictions, io.tensor(key + "/iou_predictions"), key + "/iou_predictions");
    const torch::Tensor expectedLogits = io.tensor(key + "/masks_logits");
    check.close(r.masks, expectedLogits, key + "/masks_logits");
    // The same through predict(), which takes the prompts in the original image frame.
    if (transformed.mask_inputs.defined()) original.mask_inputs = transformed.mask_inputs[0];
    const SamPredictor::Result binary = predictor.predict(original, multimask, false);
    check.masks(binary.masks, io.tensor(key + "/masks"), expectedLogits, key + "/masks");
    ++cases;
  }
  EXPECT_EQ(cases, 8) << check.file << ": expected 4 prompt cases x 2 multimask modes";
  check.report();
}

void checkSfrSam(const fs::path& refDir, const IoFile& io, torch::Device device) {
  const nlohmann::json& config = io.config();
  Checker check{io.path().string(), device};

  LoRAOptions lora;
  lora.rank(config.at("rank").get<int64_t>());
  if (config.contains("lora_layers"))
    lora.layers(config.at("lora_layers").get<std::vector<int64_t>>());
  Sam sam =
      makeSfrSam(samOptionsFromFlatConfig(config.at("base_config")),
                 config.at("num_classes").get<int64_t>(), config.at("image_size").get<int64_t>(),
                 lora, refDir / config.at("base_checkpoint").get<std::string>());
  const fs::path loraFile = refDir / config.at("lora_file").get<std::string>();
  EXPECT_EQ(loadLoRA(loraFile, *sam), LoRAFileLayout::Sfr) << check.file;
  sam->to(device);
  EXPECT_EQ(trainableParameterCount(*sam), config.at("trainable_params").get<int64_t>())
      << check.file;

  // Saving reproduces SFR's file layout: same keys in the same order, same values.
  const NamedTensors reference = readStateDict(loraFile);
  const fs::path saved =
      fs::temp_directory_path() / ("sfr_sam_parity_" + std::to_string(::getpid()) + "_lora.pth");
  saveLoRA(saved, *sam);
  const NamedTensors written = readStateDict(saved);
  fs::remove(saved);
  ASSERT_EQ(written.size(), reference.size()) << check.file;
  for (size_t i = 0; i < written.size(); ++i) {
    EXPECT_EQ(written[i].first, reference[i].first) << check.file << " key " << i;
    check.equal(written[i].second, reference[i].second, "saved " + written[i].first);
  }

  sam->train();  // SFR's forward runs in train mode (SAM has no dropout or batch norm)
  torch::NoGradGuard noGrad;
  const SamBatchOutput out =
      sam->forward(io.tensor("input").to(device), io.get("multimask_output").toBool());
  check.close(out.image_embeddings, io.tensor("image_embeddings"), "image_embeddings");
  check.close(out.low_res_logits, io.tensor("low_res_logits"), "low_res_logits");
  check.close(out.iou_predictions, io.tensor("iou_predictions"), "iou_predictions");
  check.close(out.masks, io.tensor("masks"), "masks");
  check.report();
}

}  // namespace

TEST(sam_parity, OfficialSamMatchesEveryReferenceIoFile) {
  const fs::path dir = referenceDir();
  if (dir.empty()) GTEST_SKIP() << "SFR_REFERENCE_DIR(_DEFAULT) not set";
  const auto files = ioFiles(dir, "sam_");
  ASSERT_FALSE(files.empty()) << "no sam/sam_*_io.pt under " << dir;
  const NoTF32 fullPrecision;
  for (const auto& file : files) {
    const IoFile io(file);
    for (const torch::Device& device : devices()) {
      SCOPED_TRACE(file.string() + " on " + device.str());
      checkOfficialSam(dir, io, device);
    }
  }
}

TEST(sam_parity, SfrLoraSamMatchesEveryReferenceIoFile) {
  const fs::path dir = referenceDir();
  if (dir.empty()) GTEST_SKIP() << "SFR_REFERENCE_DIR(_DEFAULT) not set";
  const auto files = ioFiles(dir, "sfr_");
  ASSERT_FALSE(files.empty()) << "no sam/sfr_*_io.pt under " << dir;
  const NoTF32 fullPrecision;
  for (const auto& file : files) {
    const IoFile io(file);
    for (const torch::Device& device : devices()) {
      SCOPED_TRACE(file.string() + " on " + device.str());
      checkSfrSam(dir, io, device);
    }
  }
}
