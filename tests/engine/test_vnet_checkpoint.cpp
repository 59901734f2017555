// V-Net checkpoint files: options inferred from bare state dicts, our own format round trip,
// SFR auxiliary heads dropped for testing, pre-0.4.1 files without num_batches_tracked.
#include <cstdlib>
#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/torch_file.h"
#include "sfr/engine/vnet_checkpoint.h"

using namespace sfr::engine;
namespace fs = std::filesystem;

namespace {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("sfr_vnet_ckpt_" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Every tensor of `a` equals the same-named tensor of `b`.
void expectSameTensors(const VNetImpl& a, const VNetImpl& b) {
  NamedTensors ta = vnetStateDict(a), tb = vnetStateDict(b);
  ASSERT_EQ(ta.size(), tb.size());
  for (std::size_t i = 0; i < ta.size(); ++i) {
    EXPECT_EQ(ta[i].first, tb[i].first);
    EXPECT_TRUE(torch::equal(ta[i].second, tb[i].second)) << ta[i].first;
  }
}

// Gives BatchNorm non-default buffers so that loading them is observable.
void perturb(VNetImpl& net) {
  torch::NoGradGuard noGrad;
  for (auto& b : net.named_buffers()) {
    if (b.key().find("running_mean") != std::string::npos) b.value().uniform_(-1, 1);
    if (b.key().find("num_batches_tracked") != std::string::npos) b.value().fill_(17);
  }
}

}  // namespace

TEST(VNetCheckpoint, InfersOptionsFromStateDicts) {
  for (const VNetOptions& o :
       {VNetOptions(), VNetOptions().classes(3).auxiliary_heads(true),
        VNetOptions().filters(4).normalization(Normalization::None).in_channels(2),
        VNetOptions().filters(2).classes(3).normalization(Normalization::InstanceNorm),
        VNetOptions().filters(16).classes(14).normalization(Normalization::GroupNorm)}) {
    VNet net(o);
    EXPECT_EQ(inferVNetOptions(vnetStateDict(*net), "test"), o) << nlohmann::json(o).dump();
  }
  NamedTensors notAVNet = {{"weight", torch::zeros({3, 3})}};
  EXPECT_THROW(inferVNetOptions(notAVNet, "x.pth"), sfr::Error);
}

TEST(VNetCheckpoint, StateDictOrderIsPyTorchs) {
  VNet net(VNetOptions().filters(2));
  NamedTensors t = vnetStateDict(*net);
  ASSERT_GE(t.size(), 8u);
  // PyTorch's state_dict(): per module, parameters then buffers, modules in registration order.
  EXPECT_EQ(t[0].first, "block_one.conv.0.weight");
  EXPECT_EQ(t[1].first, "block_one.conv.0.bias");
  EXPECT_EQ(t[2].first, "block_one.conv.1.weight");
  EXPECT_EQ(t[3].first, "block_one.conv.1.bias");
  EXPECT_EQ(t[4].first, "block_one.conv.1.running_mean");
  EXPECT_EQ(t[5].first, "block_one.conv.1.running_var");
  EXPECT_EQ(t[6].first, "block_one.conv.1.num_batches_tracked");
  EXPECT_EQ(t[7].first, "block_one_dw.conv.0.weight");
  EXPECT_EQ(t.back().first, "out_conv.bias");
}

TEST(VNetCheckpoint, OwnFormatRoundTripsOptionsWeightsAndMetadata) {
  TempDir dir;
  VNet net(VNetOptions().filters(4).classes(3).auxiliary_heads(true));
  perturb(*net);
  const fs::path file = dir.path() / "model.pth";
  writeVNetCheckpoint(file, *net, {{"iteration", 300}, {"dataset", "la"}});
  VNetCheckpoint ckpt = readVNetCheckpoint(file);
  EXPECT_TRUE(ckpt.native);
  EXPECT_EQ(ckpt.options, net->options());
  EXPECT_EQ(ckpt.metadata.at("iteration"), 300);
  EXPECT_EQ(ckpt.stateDict.size(), vnetStateDict(*net).size());

  LoadedVNet kept = loadVNet(file, VNetLoadOptions().keep_auxiliary_heads(true));
  EXPECT_TRUE(kept.net->options().auxiliary_heads());
  EXPECT_FALSE(kept.net->is_training());
  expectSameTensors(*kept.net, *net);
}

TEST(VNetCheckpoint, SfrStateDictLoadsIntoAPlainVNetForTesting) {
  TempDir dir;
  VNet sfr(VNetOptions().filters(4).auxiliary_heads(true));
  perturb(*sfr);
  const fs::path file = dir.path() / "iter_6000.pth";
  writeStateDict(file, vnetStateDict(*sfr));  // what SFR's torch.save(model.state_dict()) holds

  LoadedVNet loaded = loadVNet(file);
  EXPECT_FALSE(loaded.checkpoint.native);
  EXPECT_TRUE(loaded.checkpoint.options.auxiliary_heads());
  EXPECT_FALSE(loaded.net->options().auxiliary_heads());
  torch::Tensor input = torch::randn({1, 1, 16, 16, 16});
  sfr->eval();
  torch::NoGradGuard noGrad;
  EXPECT_TRUE(torch::allclose(loaded.net->forward(input).logits, sfr->forward(input).logits));

  EXPECT_NO_THROW(loadVNet(file, VNetLoadOptions().classes(2)));
  EXPECT_THROW(loadVNet(file, VNetLoadOptions().classes(3)), sfr::Error);
}

TEST(VNetCheckpoint, AcceptsFilesWithoutNumBatchesTrackedButNotMissingWeights) {
  TempDir dir;
  VNet net(VNetOptions().filters(2));
  perturb(*net);
  NamedTensors old, broken;
  for (const auto& [k, v] : vnetStateDict(*net)) {
    if (k.find("num_batches_tracked") == std::string::npos) old.emplace_back(k, v);
    if (k != "block_three.conv.3.weight") broken.emplace_back(k, v);
  }
  writeStateDict(dir.path() / "old.pth", old);
  LoadedVNet loaded = loadVNet(dir.path() / "old.pth");
  EXPECT_TRUE(torch::equal(loaded.net->named_buffers()["block_two.conv.1.running_mean"],
                           net->named_buffers()["block_two.conv.1.running_mean"]));

  writeStateDict(dir.path() / "broken.pth", broken);
  EXPECT_THROW(loadVNet(dir.path() / "broken.pth"), sfr::Error);
  EXPECT_THROW(loadVNet(dir.path() / "missing.pth"), sfr::Error);
}

TEST(VNetCheckpoint, ReadsTheReferenceCheckpoint) {
  const char* ref = std::getenv("SFR_REFERENCE_DIR");
  if (!ref || !*ref) ref = std::getenv("SFR_REFERENCE_DIR_DEFAULT");
  ASSERT_TRUE(ref && *ref) << "set SFR_REFERENCE_DIR or SFR_REFERENCE_DIR_DEFAULT";
  LoadedVNet loaded = loadVNet(fs::path(ref) / "vnet" / "vnet_c2_checkpoint.pth");
  // The reference config: n_filters 4, n_classes 2, batchnorm (reference/README.md).
  EXPECT_EQ(loaded.net->options(), VNetOptions().filters(4).classes(2));
}
