#include <gtest/gtest.h>
#include <torch/torch.h>

#include "sfr/base/error.h"
#include "sfr/engine/frozen_vnet.h"
#include "sfr/engine/vnet.h"

using namespace sfr::engine;

namespace {

// A V-Net whose batch norms carry non-trivial running statistics and affine parameters, so that
// folding them is actually exercised.
VNet trainedLookingNet(const VNetOptions& options) {
  torch::manual_seed(3);
  VNet net(options);
  torch::NoGradGuard noGrad;
  for (auto& buffer : net->named_buffers()) {
    if (buffer.key().find("running_mean") != std::string::npos) buffer.value().uniform_(-0.5, 0.5);
    if (buffer.key().find("running_var") != std::string::npos) buffer.value().uniform_(0.5, 2.0);
  }
  for (auto& p : net->named_parameters())
    if (p.value().dim() == 1)
      p.value().uniform_(-0.3, 0.3).add_(p.key().find("weight") != std::string::npos ? 1.0 : 0.0);
  net->eval();
  return net;
}

void expectSameLogits(const VNetOptions& options, const std::vector<int64_t>& shape) {
  VNet net = trainedLookingNet(options);
  torch::manual_seed(11);
  torch::Tensor input = torch::randn(shape);
  torch::Tensor expected;
  {
    torch::NoGradGuard noGrad;
    expected = net->forward(input).logits;
  }
  FrozenVNet frozen(net);
  torch::Tensor actual = frozen.forward(input);
  ASSERT_EQ(actual.sizes(), expected.sizes());
  const double scale = expected.abs().max().item<double>();
  const double diff = (actual - expected).abs().max().item<double>();
  std::printf("frozen vs module: max |diff| %.3g (max |logit| %.3g)\n", diff, scale);
  EXPECT_LT(diff, 1e-5 * std::max(1.0, scale));
}

}  // namespace

TEST(FrozenVNet, BatchNormNetGivesTheModulesLogits) {
  expectSameLogits(VNetOptions().filters(4).classes(2), {2, 1, 32, 48, 16});
}

TEST(FrozenVNet, NormFreeMultiChannelNetGivesTheModulesLogits) {
  expectSameLogits(
      VNetOptions().filters(4).classes(3).in_channels(2).normalization(Normalization::None),
      {1, 2, 16, 32, 32});
}

TEST(FrozenVNet, IsACopyThatLaterTrainingDoesNotReach) {
  VNet net = trainedLookingNet(VNetOptions().filters(4));
  torch::Tensor input = torch::randn({1, 1, 16, 16, 16});
  FrozenVNet frozen(net);
  torch::Tensor before = frozen.forward(input);
  {
    torch::NoGradGuard noGrad;
    for (auto& p : net->parameters()) p.add_(1.0);
  }
  EXPECT_TRUE(torch::equal(before, frozen.forward(input)));
}

TEST(FrozenVNet, RefusesNormsItCannotFoldAndBadInputs) {
  EXPECT_FALSE(FrozenVNet::supports(VNetOptions().normalization(Normalization::GroupNorm)));
  EXPECT_FALSE(FrozenVNet::supports(VNetOptions().normalization(Normalization::InstanceNorm)));
  EXPECT_TRUE(FrozenVNet::supports(VNetOptions()));
  EXPECT_THROW(FrozenVNet(VNet(VNetOptions().filters(16).normalization(Normalization::GroupNorm))),
               sfr::Error);
  FrozenVNet frozen(VNet(VNetOptions().filters(4)));
  EXPECT_THROW(frozen.forward(torch::zeros({1, 1, 16, 16, 20})), sfr::Error);
  EXPECT_THROW(frozen.forward(torch::zeros({1, 2, 16, 16, 16})), sfr::Error);
}
