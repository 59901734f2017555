// Parity with the original Python code: for every vnet/vnet_*_io.pt under the reference folder
// ($SFR_REFERENCE_DIR, else $SFR_REFERENCE_DIR_DEFAULT), rebuild the UA-MT V-Net from the file's
// `config`, load its checkpoint strictly with our torch.save reader, and compare the logits and
// UA-MT test_single_case's outputs (spec §7.1). Nothing here is specific to the current files'
// sizes, so larger siblings are compared the same way.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sfr/engine/checkpoint/load_state_dict.h"
#include "sfr/engine/checkpoint/torch_file.h"
#include "sfr/engine/sliding_window.h"
#include "sfr/engine/vnet.h"
#include "sfr/engine/vnet_checkpoint.h"

using namespace sfr::engine;
namespace fs = std::filesystem;

namespace {

fs::path referenceDir() {
  for (const char* name : {"SFR_REFERENCE_DIR", "SFR_REFERENCE_DIR_DEFAULT"})
    if (const char* v = std::getenv(name); v && *v) return fs::path(v);
  return {};
}

std::vector<fs::path> ioFiles() {
  std::vector<fs::path> files;
  const fs::path dir = referenceDir() / "vnet";
  if (!fs::is_directory(dir)) return files;
  const std::regex pattern("vnet_.*_io\\.pt");
  for (const auto& entry : fs::directory_iterator(dir))
    if (std::regex_match(entry.path().filename().string(), pattern)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

struct Case {
  fs::path ioPath;
  fs::path checkpointPath;
  nlohmann::json config;
  c10::impl::GenericDict io{c10::StringType::get(), c10::AnyType::get()};
  VNet net{nullptr};

  torch::Tensor tensor(const std::string& key) const {
    auto it = io.find(c10::IValue(key));
    return it == io.end() ? torch::Tensor() : it->value().toTensor();
  }
};

Case loadCase(const fs::path& ioPath) {
  Case c;
  c.ioPath = ioPath;
  c.io = readTorchFile(ioPath).toGenericDict();
  c.config = nlohmann::json::parse(c.io.at(c10::IValue(std::string("config"))).toStringRef());
  c.checkpointPath = referenceDir() / c.config.at("checkpoint").get<std::string>();
  const VNetOptions options = c.config.get<VNetOptions>();
  c.net = VNet(options);
  NamedTensors state = readStateDict(c.checkpointPath);
  // The options our checkpoint loader would infer agree with the config (dropout has no tensors).
  EXPECT_EQ(inferVNetOptions(state, c.checkpointPath.string()),
            VNetOptions(options).has_dropout(false));
  LoadReport report = loadStateDict(*c.net, state, LoadOptions().strict(true));
  EXPECT_TRUE(report.complete()) << report.problems();
  EXPECT_EQ(parameterCount(*c.net), c.config.at("num_params").get<int64_t>());
  EXPECT_EQ(c.config.at("mode"), "eval");
  c.net->eval();
  return c;
}

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

}  // namespace

TEST(VNetParity, vnetReferenceFilesExist) {
  ASSERT_FALSE(referenceDir().empty()) << "set SFR_REFERENCE_DIR or SFR_REFERENCE_DIR_DEFAULT";
  EXPECT_FALSE(ioFiles().empty()) << "no vnet/vnet_*_io.pt under " << referenceDir();
}

TEST(VNetParity, vnetLogitsMatchPython) {
  for (const fs::path& file : ioFiles()) {
    SCOPED_TRACE(file.string());
    Case c = loadCase(file);
    torch::Tensor input = c.tensor("input");
    torch::Tensor expected = c.tensor("logits");
    ASSERT_TRUE(input.defined() && expected.defined());
    torch::Tensor logits;
    {
      torch::NoGradGuard noGrad;
      logits = c.net->forward(input).logits;
    }
    ASSERT_EQ(logits.sizes(), expected.sizes());
    const double diff = maxAbsDiff(logits, expected);
    std::cout << "[vnet parity] " << file.filename().string() << " + "
              << c.checkpointPath.filename().string() << ": logits " << c10::str(logits.sizes())
              << " max |diff| " << diff << std::endl;
    EXPECT_LE(diff, 1e-4);
  }
}

TEST(VNetParity, vnetSlidingWindowMatchesTestSingleCase) {
  for (const fs::path& file : ioFiles()) {
    SCOPED_TRACE(file.string());
    Case c = loadCase(file);
    const nlohmann::json& sw = c.config.at("sliding_window");
    const auto patch = sw.at("patch_size").get<std::vector<int64_t>>();
    ASSERT_EQ(patch.size(), 3u);
    SlidingWindowOptions options = SlidingWindowOptions()
                                       .patch({patch[0], patch[1], patch[2]})
                                       .stride_xy(sw.at("stride_xy").get<int64_t>())
                                       .stride_z(sw.at("stride_z").get<int64_t>());
    SlidingWindowResult result =
        SlidingWindowPredictor(c.net, options).predict(c.tensor("sw_volume"));
    const int64_t classes = sw.at("num_classes").get<int64_t>();
    ASSERT_EQ(result.probabilities.size(0), classes);

    torch::Tensor label = c.tensor("sw_label");
    ASSERT_TRUE(label.defined());
    ASSERT_EQ(result.labels.sizes(), label.sizes());
    const int64_t differing = result.labels.ne(label.to(torch::kByte)).sum().item<int64_t>();
    EXPECT_EQ(differing, 0);

    double diff = 0.0;
    if (torch::Tensor all = c.tensor("sw_prob"); all.defined()) {
      ASSERT_EQ(result.probabilities.sizes(), all.sizes());
      diff = maxAbsDiff(result.probabilities, all);
    } else {
      torch::Tensor fg = c.tensor("sw_prob_fg");
      ASSERT_TRUE(fg.defined()) << "neither sw_prob nor sw_prob_fg";
      diff = maxAbsDiff(result.probabilities[1], fg);
    }
    std::cout << "[vnet parity] " << file.filename().string() << ": sliding window "
              << c10::str(label.sizes()) << " (" << result.windows << " windows) max |diff| "
              << diff << ", labels differing " << differing << std::endl;
    EXPECT_LE(diff, 1e-4);
  }
}
