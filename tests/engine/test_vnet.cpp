// V-Net structure: parameter counts (spec §5.1 table), state-dict names and shapes (§11), forward
// shapes, auxiliary heads, dropout behaviour, default initialisation and options JSON.
#include <cmath>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sfr/base/error.h"
#include "sfr/engine/vnet.h"

using namespace sfr::engine;

namespace {

std::map<std::string, std::vector<int64_t>> stateShapes(const VNetImpl& net) {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& p : net.named_parameters()) shapes[p.key()] = p.value().sizes().vec();
  for (const auto& b : net.named_buffers()) shapes[b.key()] = b.value().sizes().vec();
  return shapes;
}

}  // namespace

// Counts from instantiating the Python classes (spec §5.1), not from this code.
TEST(VNetModel, ParameterCountsMatchTheSpecTable) {
  struct Row {
    int64_t classes;
    bool heads;
    int64_t expected;
  };
  for (const Row& row : {Row{2, false, 9448866}, Row{2, true, 9449320}, Row{3, false, 9448883},
                         Row{3, true, 9449564}, Row{14, false, 9449070}, Row{14, true, 9452248}}) {
    VNet net(VNetOptions().classes(row.classes).auxiliary_heads(row.heads));
    EXPECT_EQ(parameterCount(*net), row.expected)
        << "classes " << row.classes << " heads " << row.heads;
  }
  VNet plain(VNetOptions().normalization(Normalization::None));
  EXPECT_EQ(parameterCount(*plain), 9443266);
}

TEST(VNetModel, StateDictKeysMatchPyTorchNames) {
  VNet uamt{VNetOptions()};
  auto shapes = stateShapes(*uamt);
  EXPECT_EQ(shapes.size(), 205u);  // UA-MT VNet, C = 2 (spec §11)
  EXPECT_EQ(shapes.at("block_one.conv.0.weight"), (std::vector<int64_t>{16, 1, 3, 3, 3}));
  EXPECT_EQ(shapes.at("block_one.conv.1.running_var"), (std::vector<int64_t>{16}));
  EXPECT_EQ(shapes.at("block_one.conv.1.num_batches_tracked"), (std::vector<int64_t>{}));
  EXPECT_EQ(shapes.at("block_three.conv.6.weight"), (std::vector<int64_t>{64, 64, 3, 3, 3}));
  EXPECT_EQ(shapes.at("block_three.conv.7.bias"), (std::vector<int64_t>{64}));
  EXPECT_EQ(shapes.at("block_four_dw.conv.0.weight"), (std::vector<int64_t>{256, 128, 2, 2, 2}));
  // ConvTranspose3d weights are (in, out, k, k, k).
  EXPECT_EQ(shapes.at("block_five_up.conv.0.weight"), (std::vector<int64_t>{256, 128, 2, 2, 2}));
  EXPECT_EQ(shapes.at("block_eight_up.conv.1.weight"), (std::vector<int64_t>{16}));
  EXPECT_EQ(shapes.at("out_conv.weight"), (std::vector<int64_t>{2, 16, 1, 1, 1}));
  EXPECT_EQ(shapes.count("block_one.conv.3.weight"), 0u);
  EXPECT_EQ(shapes.count("out_conv_dp1.weight"), 0u);
  EXPECT_EQ(uamt->named_buffers()["block_two.conv.4.num_batches_tracked"].scalar_type(),
            torch::kLong);

  VNet sfr(VNetOptions().auxiliary_heads(true));
  shapes = stateShapes(*sfr);
  EXPECT_EQ(shapes.size(), 211u);  // SFR hierarchical, C = 2 (spec §11)
  EXPECT_EQ(shapes.at("out_conv_dp3.weight"), (std::vector<int64_t>{2, 128, 1, 1, 1}));
  EXPECT_EQ(shapes.at("out_conv_dp2.weight"), (std::vector<int64_t>{2, 64, 1, 1, 1}));
  EXPECT_EQ(shapes.at("out_conv_dp1.weight"), (std::vector<int64_t>{2, 32, 1, 1, 1}));
}

TEST(VNetModel, NormalisationVariantsShiftSequentialIndices) {
  auto none = stateShapes(*VNet(VNetOptions().filters(4).normalization(Normalization::None)));
  EXPECT_TRUE(none.count("block_two.conv.2.weight"));  // conv, relu, conv, relu
  EXPECT_FALSE(none.count("block_two.conv.3.weight"));
  EXPECT_TRUE(none.count("block_one_dw.conv.0.weight"));
  EXPECT_FALSE(none.count("block_one_dw.conv.1.weight"));

  // InstanceNorm3d has no affine parameters and no running stats, but keeps its index.
  auto in = stateShapes(
      *VNet(VNetOptions().filters(2).classes(3).normalization(Normalization::InstanceNorm)));
  EXPECT_EQ(in.size(), 60u);  // = the reference vnet_c3_in checkpoint's 60 entries
  EXPECT_TRUE(in.count("block_two.conv.3.weight"));
  EXPECT_FALSE(in.count("block_two.conv.1.weight"));

  auto gn = stateShapes(*VNet(VNetOptions().normalization(Normalization::GroupNorm)));
  EXPECT_EQ(gn.at("block_one.conv.1.weight"), (std::vector<int64_t>{16}));
  EXPECT_FALSE(gn.count("block_one.conv.1.running_mean"));
}

TEST(VNetModel, ForwardShapesAndNearestUpsampledHeads) {
  torch::manual_seed(3);
  VNet net(VNetOptions().filters(4).classes(3).auxiliary_heads(true));
  net->eval();
  torch::NoGradGuard noGrad;
  torch::Tensor input = torch::randn({2, 1, 32, 16, 48});
  VNetOutput out = net->forward(input);
  EXPECT_EQ(out.logits.sizes(), (std::vector<int64_t>{2, 3, 32, 16, 48}));
  ASSERT_EQ(out.aux.size(), 3u);
  // dp1 comes from x8 (1/2 resolution), dp2 from x7 (1/4), dp3 from x6 (1/8): nearest
  // upsampling makes every factor^3 block constant, and the block means reproduce the head.
  const int64_t factors[3] = {2, 4, 8};
  for (int h = 0; h < 3; ++h) {
    const torch::Tensor& a = out.aux[static_cast<std::size_t>(h)];
    EXPECT_EQ(a.sizes(), out.logits.sizes());
    const int64_t f = factors[h];
    torch::Tensor coarse = a.index({torch::indexing::Slice(), torch::indexing::Slice(),
                                    torch::indexing::Slice(0, torch::indexing::None, f),
                                    torch::indexing::Slice(0, torch::indexing::None, f),
                                    torch::indexing::Slice(0, torch::indexing::None, f)});
    torch::Tensor expanded =
        coarse.repeat_interleave(f, 2).repeat_interleave(f, 3).repeat_interleave(f, 4);
    EXPECT_TRUE(torch::equal(expanded, a)) << "head " << h;
    EXPECT_GT(coarse.std().item<double>(), 0.0);  // not trivially constant
  }
  // Without heads the output carries no auxiliary tensors and the trunk is unchanged.
  VNet plain(VNetOptions().filters(4).classes(3));
  plain->eval();
  EXPECT_TRUE(plain->forward(torch::randn({1, 1, 16, 16, 16})).aux.empty());
}

TEST(VNetModel, RejectsInputsNotDivisibleBy16) {
  VNet net(VNetOptions().filters(2));
  EXPECT_THROW(net->forward(torch::zeros({1, 1, 16, 16, 24})), sfr::Error);
  EXPECT_THROW(net->forward(torch::zeros({1, 2, 16, 16, 16})), sfr::Error);
  EXPECT_THROW(net->forward(torch::zeros({1, 16, 16, 16})), sfr::Error);
}

TEST(VNetModel, DropoutOnlyActsInTrainModeWhenEnabled) {
  torch::manual_seed(5);
  torch::Tensor input = torch::randn({2, 1, 16, 16, 16});
  VNet noDrop(VNetOptions().filters(2));
  noDrop->train();
  torch::NoGradGuard noGrad;
  // BatchNorm uses batch statistics in train mode, which is deterministic.
  EXPECT_TRUE(torch::equal(noDrop->forward(input).logits, noDrop->forward(input).logits));

  VNet drop(VNetOptions().filters(2).has_dropout(true));
  drop->train();
  EXPECT_FALSE(torch::equal(drop->forward(input).logits, drop->forward(input).logits));
  drop->eval();
  EXPECT_TRUE(torch::equal(drop->forward(input).logits, drop->forward(input).logits));
}

TEST(VNetModel, PyramidDropoutOnlyChangesTheHeads) {
  torch::Tensor input = torch::randn({2, 1, 16, 16, 16});
  VNet net(VNetOptions().filters(2).auxiliary_heads(true).pyramid_has_dropout(true));
  net->train();
  torch::NoGradGuard noGrad;
  torch::manual_seed(1);
  VNetOutput a = net->forward(input);
  torch::manual_seed(2);
  VNetOutput b = net->forward(input);
  EXPECT_TRUE(torch::equal(a.logits, b.logits));  // has_dropout is off: the trunk is untouched
  EXPECT_FALSE(torch::equal(a.aux[0], b.aux[0]));
}

TEST(VNetModel, DefaultInitialisationIsPyTorchs) {
  torch::manual_seed(11);
  VNet net{VNetOptions()};
  auto params = net->named_parameters();
  // kaiming_uniform(a = sqrt(5)) = U(+-1/sqrt(fan_in)); its std is bound / sqrt(3).
  struct Case {
    const char* key;
    int64_t fanIn;
  };
  for (const Case& c :
       {Case{"block_five.conv.0.weight", 256 * 27}, Case{"block_four_dw.conv.0.weight", 128 * 8},
        Case{"block_five_up.conv.0.weight", 128 * 8},  // ConvTranspose: dim 1
        Case{"block_nine.conv.0.bias", 16 * 27}}) {
    const torch::Tensor& w = params[c.key];
    const double bound = 1.0 / std::sqrt(static_cast<double>(c.fanIn));
    EXPECT_LE(w.abs().max().item<double>(), bound) << c.key;
    if (w.numel() > 10000)
      EXPECT_NEAR(w.std().item<double>(), bound / std::sqrt(3.0), 0.02 * bound) << c.key;
  }
  EXPECT_TRUE(torch::equal(params["block_one.conv.1.weight"], torch::ones({16})));
  EXPECT_TRUE(torch::equal(params["block_one.conv.1.bias"], torch::zeros({16})));
  EXPECT_TRUE(
      torch::equal(net->named_buffers()["block_one.conv.1.running_var"], torch::ones({16})));
}

TEST(VNetModel, GradientsReachTheTrunkButNotUnusedHeads) {
  VNet net(VNetOptions().filters(2).auxiliary_heads(true));
  net->train();
  torch::Tensor loss = net->forward(torch::randn({2, 1, 16, 16, 16})).logits.square().mean();
  loss.backward();
  auto params = net->named_parameters();
  EXPECT_TRUE(params["block_one.conv.0.weight"].grad().defined());
  EXPECT_GT(params["out_conv.weight"].grad().abs().sum().item<double>(), 0.0);
  EXPECT_FALSE(params["out_conv_dp3.weight"].grad().defined());
}

TEST(VNetOptionsTest, JsonRoundTripAndUamtSpellings) {
  VNetOptions o = VNetOptions()
                      .in_channels(2)
                      .classes(14)
                      .filters(32)
                      .normalization(Normalization::GroupNorm)
                      .has_dropout(true)
                      .auxiliary_heads(true)
                      .pyramid_has_dropout(true);
  nlohmann::json j = o;
  EXPECT_EQ(j.at("normalization"), "groupnorm");
  EXPECT_EQ(j.get<VNetOptions>(), o);

  // The reference files' config uses UA-MT's argument names.
  auto ref = nlohmann::json::parse(
                 R"({"n_channels": 1, "n_classes": 3, "n_filters": 2, "normalization":
                     "instancenorm", "has_dropout": false})")
                 .get<VNetOptions>();
  EXPECT_EQ(ref, VNetOptions().classes(3).filters(2).normalization(Normalization::InstanceNorm));
  EXPECT_EQ(nlohmann::json::object().get<VNetOptions>(), VNetOptions());
}

TEST(VNetOptionsTest, InvalidValuesNameTheField) {
  EXPECT_THROW(normalizationFromString("layernorm"), sfr::Error);
  EXPECT_THROW(nlohmann::json::parse(R"({"classes": "two"})").get<VNetOptions>(), sfr::Error);
  try {
    VNet(VNetOptions().filters(8).normalization(Normalization::GroupNorm));
    FAIL() << "groupnorm with 8 filters must be rejected";
  } catch (const sfr::Error& e) {
    EXPECT_EQ(e.subject(), "filters");
  }
  EXPECT_THROW(VNet(VNetOptions().classes(0)), sfr::Error);
  EXPECT_THROW(VNet(VNetOptions().pyramid_has_dropout(true)), sfr::Error);
  for (Normalization n : {Normalization::BatchNorm, Normalization::GroupNorm,
                          Normalization::InstanceNorm, Normalization::None})
    EXPECT_EQ(normalizationFromString(toString(n)), n);
}
