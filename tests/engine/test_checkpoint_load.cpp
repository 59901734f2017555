// loadStateDict(): a state dict Python saved from a Conv3d/BatchNorm3d model reproduces Python's
// output in a LibTorch module of the same layout; strict/non-strict reports, filtering, renaming
// and the options' JSON form.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/load_state_dict.h"
#include "test_checkpoint_python.h"

namespace sfr::engine {
namespace {

using sfr::test::TempDir;

/// The helper script's model(): Conv3d(1,2,3,pad 1) -> BatchNorm3d(2) -> ReLU -> Conv3d(2,1,1).
torch::nn::Sequential smallModel() {
  return torch::nn::Sequential(torch::nn::Conv3d(torch::nn::Conv3dOptions(1, 2, 3).padding(1)),
                               torch::nn::BatchNorm3d(2), torch::nn::ReLU(),
                               torch::nn::Conv3d(torch::nn::Conv3dOptions(2, 1, 1)));
}

NamedTensors stateOf(torch::nn::Module& module) {
  NamedTensors out;
  for (const auto& p : module.named_parameters())
    out.emplace_back(p.key(), p.value().detach().clone());
  for (const auto& b : module.named_buffers())
    out.emplace_back(b.key(), b.value().detach().clone());
  return out;
}

bool sameState(const NamedTensors& a, const NamedTensors& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].first != b[i].first || !torch::equal(a[i].second, b[i].second)) return false;
  return true;
}

TEST(CheckpointLoad, PythonStateDictReproducesPythonOutput) {
  SFR_REQUIRE_PYTHON_TORCH();
  TempDir dir;
  const std::vector<std::string> variants{"zip_state_dict", "legacy_state_dict"};
  std::vector<std::string> args{"make"};
  for (const std::string& variant : variants) {
    args.push_back(variant);
    args.push_back((dir / (variant + ".pth")).string());
  }
  const nlohmann::json made = sfr::test::runCheckpointScript(args);
  for (const std::string& variant : variants) {
    SCOPED_TRACE(variant);
    const auto file = dir / (variant + ".pth");
    const nlohmann::json& python = made.at(variant);
    auto model = smallModel();
    const LoadReport report = loadStateDict(*model, file);
    EXPECT_TRUE(report.complete()) << report.problems();
    EXPECT_EQ(report.loaded.size(), 9u);  // 2 conv + 5 BN (incl. num_batches_tracked) + 2 conv
    EXPECT_TRUE(report.skipped.empty());

    // num_batches_tracked (int64 scalar) arrived in the BatchNorm buffer.
    const auto keys = python.at("object").at("keys");
    const auto values = python.at("object").at("values");
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i].at("value") != "1.num_batches_tracked") continue;
      const torch::Tensor tracked = model->named_buffers()["1.num_batches_tracked"];
      EXPECT_EQ(tracked.scalar_type(), torch::kLong);
      EXPECT_EQ(tracked.item<std::int64_t>(), values[i].at("sum").get<double>());
      EXPECT_GT(tracked.item<std::int64_t>(), 0);
    }

    model->eval();
    const auto input = python.at("input").get<std::vector<float>>();
    const auto expected = python.at("output").get<std::vector<float>>();
    torch::NoGradGuard noGrad;
    const torch::Tensor output =
        model->forward(torch::tensor(input).reshape({1, 1, 4, 4, 4})).reshape({-1}).contiguous();
    ASSERT_EQ(output.numel(), static_cast<std::int64_t>(expected.size()));
    EXPECT_TRUE(torch::allclose(output, torch::tensor(expected), 1e-5, 1e-5))
        << "max difference " << (output - torch::tensor(expected)).abs().max().item<float>();
  }
}

TEST(CheckpointLoad, StrictModeListsEveryProblemAndChangesNothing) {
  auto model = smallModel();
  const NamedTensors before = stateOf(*model);
  NamedTensors file = stateOf(*model);
  for (auto& [name, tensor] : file) tensor = tensor + 1;  // recognisably different values
  file.erase(file.begin() + 1);                           // 0.bias missing
  file[0].second = torch::zeros({2, 1, 3, 3, 2});         // 0.weight mis-shaped
  file.emplace_back("extra.weight", torch::ones({1}));    // unexpected
  try {
    loadStateDict(*model, file, LoadOptions().source("model.pth"));
    ADD_FAILURE() << "strict load did not throw";
  } catch (const sfr::Error& e) {
    EXPECT_EQ(e.subject(), "model.pth");
    EXPECT_NE(e.problem().find("1 missing key: 0.bias"), std::string::npos) << e.what();
    EXPECT_NE(e.problem().find("1 unexpected key: extra.weight"), std::string::npos) << e.what();
    EXPECT_NE(e.problem().find(
                  "1 shape mismatch: 0.weight (module [2, 1, 3, 3, 3], file [2, 1, 3, 3, 2])"),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(sameState(stateOf(*model), before)) << "a failed strict load modified the module";

  // Non-strict: the report lists the same problems and the rest is loaded.
  const LoadReport report = loadStateDict(*model, file, LoadOptions().strict(false));
  EXPECT_FALSE(report.complete());
  EXPECT_EQ(report.missing, std::vector<std::string>{"0.bias"});
  EXPECT_EQ(report.unexpected, std::vector<std::string>{"extra.weight"});
  ASSERT_EQ(report.mismatched.size(), 1u);
  EXPECT_EQ(report.mismatched[0].key, "0.weight");
  EXPECT_EQ(report.loaded.size(), 7u);
  const auto params = model->named_parameters();
  EXPECT_TRUE(torch::equal(params["3.weight"], before[4].second + 1));
  EXPECT_TRUE(torch::equal(params["0.weight"], before[0].second));  // mis-shaped: untouched
}

TEST(CheckpointLoad, LongListsAreCutAtTenPerCategory) {
  auto model = smallModel();
  NamedTensors file = stateOf(*model);
  for (int i = 0; i < 25; ++i) file.emplace_back("junk." + std::to_string(i), torch::ones({1}));
  const LoadReport report = loadStateDict(*model, file, LoadOptions().strict(false));
  EXPECT_EQ(report.unexpected.size(), 25u);
  const std::string problems = report.problems();
  EXPECT_NE(problems.find("25 unexpected keys: junk.0, junk.1"), std::string::npos) << problems;
  EXPECT_NE(problems.find("junk.9, ... and 15 more"), std::string::npos) << problems;
  EXPECT_EQ(problems.find("junk.10"), std::string::npos) << problems;
  EXPECT_THROW(loadStateDict(*model, file), sfr::Error);
}

TEST(CheckpointLoad, SkipsRenamesAndAllowedMissingKeys) {
  auto model = smallModel();
  const NamedTensors before = stateOf(*model);
  NamedTensors file;
  for (const auto& [name, tensor] : before) {
    if (name.rfind("3.", 0) == 0) continue;  // the last conv is absent, allowed below
    // "1.weight" arrives as "norm.weight" (renamed by the callback), the rest with a "sam." prefix.
    file.emplace_back(name == "1.weight" ? "norm.weight" : "sam." + name, tensor * 2);
  }
  file.emplace_back("out_conv_dp1.weight", torch::ones({3}));  // skipped by prefix
  file.emplace_back("lora_b", torch::ones({3}));               // skipped by predicate
  file.emplace_back("drop_me", torch::ones({1}));  // the callback maps it to "": skipped
  const auto options =
      LoadOptions()
          .skip_prefixes({"out_conv_dp"})
          .skip_if([](const std::string& key) { return key.rfind("lora_", 0) == 0; })
          .prefix_renames({{"sam.", ""}})
          .rename([](const std::string& key) {
            return key == "norm.weight" ? std::string("1.weight")
                   : key == "drop_me"   ? std::string()
                                        : key;
          })
          .allow_missing_prefixes({"3."});
  EXPECT_EQ(options.mapKey("sam.1.bias"), "1.bias");
  EXPECT_EQ(options.mapKey("norm.weight"), "1.weight");
  EXPECT_EQ(options.mapKey("out_conv_dp1.weight"), "");
  const LoadReport report = loadStateDict(*model, file, options);
  EXPECT_TRUE(report.complete()) << report.problems();
  EXPECT_EQ(report.skipped, (std::vector<std::string>{"out_conv_dp1.weight", "lora_b", "drop_me"}));
  EXPECT_EQ(report.loaded.size(), 7u);
  const auto params = model->named_parameters();
  EXPECT_TRUE(torch::equal(params["1.weight"], before[2].second * 2));
  EXPECT_TRUE(torch::equal(params["0.bias"], before[1].second * 2));
  EXPECT_TRUE(torch::equal(params["3.weight"], before[4].second));  // allowed missing: untouched

  // Two file keys mapping onto one module key is a configuration error, strict or not.
  NamedTensors clash{{"a.1.weight", torch::ones({2})}, {"b.1.weight", torch::ones({2})}};
  EXPECT_THROW(loadStateDict(*model, clash,
                             LoadOptions().strict(false).prefix_renames({{"a.", ""}, {"b.", ""}})),
               sfr::Error);
}

TEST(CheckpointLoad, BatchNormCounterLoadsAsInt64) {
  torch::nn::BatchNorm3d bn(4);
  NamedTensors file;
  for (const auto& [name, tensor] : stateOf(*bn)) file.emplace_back(name, tensor);
  for (auto& [name, tensor] : file)
    if (name == "num_batches_tracked") tensor = torch::scalar_tensor(1234, torch::kLong);
  loadStateDict(*bn, file);
  EXPECT_EQ(bn->num_batches_tracked.item<std::int64_t>(), 1234);
}

TEST(CheckpointLoad, OptionsJsonRoundTrip) {
  const auto options = LoadOptions()
                           .strict(false)
                           .skip_prefixes({"out_conv_dp", "aux."})
                           .allow_missing_prefixes({"lora."})
                           .prefix_renames({{"sam.", ""}, {"module.", "net."}})
                           .source("sam_iter_6000.pth");
  const nlohmann::json j = options;
  EXPECT_EQ(j.at("prefix_renames").dump(), R"([["sam.",""],["module.","net."]])");
  const LoadOptions back = j.get<LoadOptions>();
  EXPECT_EQ(back.strict(), options.strict());
  EXPECT_EQ(back.skip_prefixes(), options.skip_prefixes());
  EXPECT_EQ(back.allow_missing_prefixes(), options.allow_missing_prefixes());
  EXPECT_EQ(back.prefix_renames(), options.prefix_renames());
  EXPECT_EQ(back.source(), options.source());
  EXPECT_EQ(nlohmann::json::object().get<LoadOptions>().strict(), true);  // defaults
  EXPECT_THROW(nlohmann::json({{"strict", "yes"}}).get<LoadOptions>(), sfr::Error);
  EXPECT_THROW(nlohmann::json({{"stritc", true}}).get<LoadOptions>(), sfr::Error);
  EXPECT_THROW(nlohmann::json::array().get<LoadOptions>(), sfr::Error);
}

}  // namespace
}  // namespace sfr::engine
