// Unit tests of the LibTorch SAM (options, building blocks, batching, checkpoints, LoRA). Expected
// values are computed independently here (by hand or from the formulas of spec §3); parity with
// the Python code is in test_sam_parity.cpp.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sfr/base/error.h"
#include "sfr/engine/checkpoint/torch_file.h"
#include "sfr/engine/sam/lora.h"
#include "sfr/engine/sam/sam.h"
#include "sfr/engine/sam/sam_checkpoint.h"
#include "sfr/engine/vnet.h"

namespace fs = std::filesystem;
using namespace sfr::engine;

namespace {

// A small but complete configuration: 64x64 input, 4x4 grid, window 3 (padded to 6), block 1
// global, prompt dim 16.
SamOptions tinyOptions(int64_t imageSize = 64) {
  SamOptions o;
  o.image_encoder()
      .embed_dim(24)
      .depth(3)
      .num_heads(2)
      .window_size(3)
      .global_attn_indexes({1})
      .out_chans(16);
  o.prompt_encoder().embed_dim(16).mask_in_chans(8);
  o.mask_decoder().transformer_dim(16).iou_head_hidden_dim(12);
  o.mask_decoder().transformer().embedding_dim(16).num_heads(2).mlp_dim(20);
  o.imageSize(imageSize);
  return o;
}

// Gives every parameter a non-trivial value (LayerNorm weights, zero-initialised tables too).
void randomise(torch::nn::Module& m, int seed) {
  torch::manual_seed(seed);
  torch::NoGradGuard noGrad;
  for (auto& p : m.parameters()) p.copy_(torch::randn_like(p) * 0.3);
}

class TempFile {
 public:
  explicit TempFile(const std::string& name)
      : path_(fs::temp_directory_path() /
              ("sfr_sam_test_" + std::to_string(::getpid()) + "_" + name)) {}
  ~TempFile() { fs::remove(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

bool hasKey(const NamedTensors& t, const std::string& key) {
  for (const auto& kv : t)
    if (kv.first == key) return true;
  return false;
}

torch::Tensor valueOf(const NamedTensors& t, const std::string& key) {
  for (const auto& kv : t)
    if (kv.first == key) return kv.second;
  throw std::runtime_error("no key " + key);
}

}  // namespace

// ---- Options
// -------------------------------------------------------------------------------------

TEST(sam_options, PresetsFollowTheOfficialBuilders) {
  const SamOptions b = SamOptions::vitB(), l = SamOptions::vitL(), h = SamOptions::vitH();
  EXPECT_EQ(b.image_encoder().embed_dim(), 768);
  EXPECT_EQ(b.image_encoder().depth(), 12);
  EXPECT_EQ(b.image_encoder().global_attn_indexes(), (std::vector<int64_t>{2, 5, 8, 11}));
  EXPECT_EQ(l.image_encoder().embed_dim(), 1024);
  EXPECT_EQ(l.image_encoder().global_attn_indexes(), (std::vector<int64_t>{5, 11, 17, 23}));
  EXPECT_EQ(h.image_encoder().depth(), 32);
  EXPECT_EQ(h.image_encoder().global_attn_indexes(), (std::vector<int64_t>{7, 15, 23, 31}));
  for (const SamOptions& o : {b, l, h}) {
    EXPECT_NO_THROW(o.validate());
    EXPECT_EQ(o.image_encoder().gridSize(), 64);
    EXPECT_EQ(o.mask_decoder().numMaskTokens(), 4);
  }
}

TEST(sam_options, JsonRoundTripAndSfrHead) {
  SamOptions o = SamOptions::vitL();
  o.imageSize(512).sfrHead(2);
  EXPECT_EQ(o.prompt_encoder().image_embedding_size(), (std::vector<int64_t>{32, 32}));
  EXPECT_EQ(o.prompt_encoder().input_image_size(), (std::vector<int64_t>{512, 512}));
  EXPECT_EQ(o.mask_decoder().numMaskTokens(), 3);
  EXPECT_TRUE(o.mask_decoder().return_all_masks());
  EXPECT_EQ(o.pixel_std(), (std::vector<double>{1, 1, 1}));
  const nlohmann::json j = o;
  EXPECT_EQ(j.at("image_encoder").at("img_size"), 512);
  EXPECT_EQ(j.get<SamOptions>(), o);
  EXPECT_NE(j.get<SamOptions>(), SamOptions::vitL());

  LoRAOptions lora;
  lora.rank(8).scale(0.5).layers({1, 3});
  EXPECT_EQ(nlohmann::json(lora).get<LoRAOptions>(), lora);
  EXPECT_THROW(nlohmann::json({{"rank", "four"}}).get<LoRAOptions>(), sfr::Error);
  EXPECT_THROW(LoRAOptions().layers({3, 1}).validate(), sfr::Error);
  EXPECT_THROW(LoRAOptions().rank(0).validate(), sfr::Error);
}

TEST(sam_options, ValidationNamesTheField) {
  SamOptions o = SamOptions::vitB();
  o.image_encoder().num_heads(7);
  try {
    o.validate();
    FAIL() << "expected an error";
  } catch (const sfr::Error& e) {
    EXPECT_EQ(e.subject(), "num_heads");
  }
  SamOptions wrongGrid = SamOptions::vitB();
  wrongGrid.image_encoder().img_size(512);  // prompt sizes not updated
  EXPECT_THROW(wrongGrid.validate(), sfr::Error);
  SamOptions dims = SamOptions::vitB();
  dims.image_encoder().out_chans(128);
  EXPECT_THROW(dims.validate(), sfr::Error);
  SamOptions global = SamOptions::vitB();
  global.image_encoder().global_attn_indexes({12});
  EXPECT_THROW(global.validate(), sfr::Error);
  EXPECT_THROW(SamOptions().sfrHead(0), sfr::Error);
  EXPECT_THROW(nlohmann::json({{"image_encoder", {{"depth", "x"}}}}).get<SamOptions>(), sfr::Error);
}

TEST(sam_options, FlatBuilderConfig) {
  const nlohmann::json flat = {{"img_size", 224},
                               {"embed_dim", 48},
                               {"depth", 3},
                               {"num_heads", 3},
                               {"window_size", 6},
                               {"global_attn_indexes", nlohmann::json::array({2})},
                               {"prompt_embed_dim", 24},
                               {"mask_in_chans", 16},
                               {"decoder_depth", 2},
                               {"decoder_mlp_dim", 48},
                               {"decoder_num_heads", 2},
                               {"iou_head_hidden_dim", 40},
                               {"num_multimask_outputs", 3},
                               {"pixel_mean", {1.0, 2.0, 3.0}}};
  const SamOptions o = samOptionsFromFlatConfig(flat);
  EXPECT_NO_THROW(o.validate());
  EXPECT_EQ(o.image_encoder().out_chans(), 24);
  EXPECT_EQ(o.image_encoder().gridSize(), 14);
  EXPECT_EQ(o.prompt_encoder().image_embedding_size(), (std::vector<int64_t>{14, 14}));
  EXPECT_EQ(o.mask_decoder().transformer().embedding_dim(), 24);
  EXPECT_EQ(o.mask_decoder().transformer().mlp_dim(), 48);
  EXPECT_EQ(o.mask_decoder().iou_head_hidden_dim(), 40);
  EXPECT_EQ(o.pixel_mean(), (std::vector<double>{1.0, 2.0, 3.0}));
  EXPECT_THROW(samOptionsFromFlatConfig({{"depth", "three"}}), sfr::Error);
}

// ---- Parameter counts (spec §3.5, §3.6)
// ----------------------------------------------------------

TEST(sam_model, VitBParameterCountsMatchTheOfficialModel) {
  Sam sam(SamOptions::vitB());
  EXPECT_EQ(parameterCount(*sam), 93735472);
  EXPECT_EQ(parameterCount(*sam->image_encoder), 89670912);
  EXPECT_EQ(parameterCount(*sam->prompt_encoder), 6220);
  EXPECT_EQ(parameterCount(*sam->mask_decoder), 4058340);
  // 313 parameters + the PE buffer = the 314 keys of sam_vit_b_01ec64.pth.
  const NamedTensors state = stateDictInPythonOrder(*sam);
  EXPECT_EQ(state.size(), 314u);
  EXPECT_EQ(state.front().first, "image_encoder.pos_embed");
  EXPECT_EQ(valueOf(state, "image_encoder.blocks.2.attn.rel_pos_h").sizes(),
            (std::vector<int64_t>{127, 64}));
  EXPECT_EQ(valueOf(state, "image_encoder.blocks.3.attn.rel_pos_w").sizes(),
            (std::vector<int64_t>{27, 64}));
  EXPECT_EQ(valueOf(state, "mask_decoder.output_upscaling.3.weight").sizes(),
            (std::vector<int64_t>{64, 32, 2, 2}));
  EXPECT_TRUE(hasKey(state, "prompt_encoder.mask_downscaling.6.bias"));
  EXPECT_TRUE(hasKey(state, "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"));
}

TEST(sam_lora, VitBSfrTrainableParameterCount) {
  Sam sam = makeSfrSam(SamOptions::vitB(), /*num_classes=*/1, /*image_size=*/1024);
  EXPECT_EQ(trainableParameterCount(*sam), 3931374);
  EXPECT_EQ(parameterCount(*sam), 93602286);
  int64_t adapters = 0;
  for (const auto& a : loraAdapters(*sam)) adapters += parameterCount(*a);
  EXPECT_EQ(adapters, 147456);
  EXPECT_EQ(loraAdapterTensors(*sam).size(), 48u);
}

// ---- Encoder building blocks
// ---------------------------------------------------------------------

TEST(sam_encoder, WindowPartitionPadsAndRoundTrips) {
  const torch::Tensor x = torch::arange(2 * 5 * 4 * 3, torch::kFloat).view({2, 5, 4, 3});
  auto [windows, padded] = windowPartition(x, 3);
  EXPECT_EQ(padded, (std::array<int64_t, 2>{6, 6}));
  ASSERT_EQ(windows.sizes(), (std::vector<int64_t>{8, 3, 3, 3}));
  // Window 1 of image 0 = rows 0..2, columns 3..5 (column 3 real, 4 and 5 zero padding).
  EXPECT_TRUE(torch::equal(windows[1].select(1, 0), x[0].slice(0, 0, 3).select(1, 3)));
  EXPECT_EQ(windows[1].slice(1, 1, 3).abs().sum().item<float>(), 0.0f);
  // Window 6 = image 1, first window.
  EXPECT_TRUE(torch::equal(windows[4], x[1].slice(0, 0, 3).slice(1, 0, 3)));
  EXPECT_TRUE(torch::equal(windowUnpartition(windows, 3, padded, {5, 4}), x));
}

TEST(sam_encoder, RelPosGathersByDistanceAndResizesLinearly) {
  const torch::Tensor table = torch::arange(5, torch::kFloat).unsqueeze(1).repeat({1, 2});
  const torch::Tensor r = getRelPos(3, 3, table);
  ASSERT_EQ(r.sizes(), (std::vector<int64_t>{3, 3, 2}));
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) EXPECT_EQ(r[i][j][0].item<float>(), float(i - j + 2));
  // 3 rows [0, 1, 2] -> 5 rows, linear with align_corners false: [0, 0.4, 1, 1.6, 2].
  const torch::Tensor small = torch::arange(3, torch::kFloat).unsqueeze(1);
  const torch::Tensor resized = getRelPos(3, 3, small);
  const std::vector<float> expected{0.0f, 0.4f, 1.0f, 1.6f, 2.0f};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      EXPECT_NEAR(resized[i][j][0].item<float>(), expected[i - j + 2], 1e-6);
  // q 2, k 4: q coordinates scaled by 2, offset (k-1).
  const torch::Tensor t7 = torch::arange(7, torch::kFloat).unsqueeze(1);
  const torch::Tensor uneven = getRelPos(2, 4, t7);
  ASSERT_EQ(uneven.sizes(), (std::vector<int64_t>{2, 4, 1}));
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_EQ(uneven[i][j][0].item<float>(), float(2 * i - j + 3));
}

TEST(sam_encoder, DecomposedRelPosMatchesTheSumFormula) {
  torch::manual_seed(1);
  const int64_t B = 2, H = 3, W = 4, C = 5;
  const torch::Tensor q = torch::randn({B, H * W, C});
  const torch::Tensor attn = torch::randn({B, H * W, H * W});
  const torch::Tensor th = torch::randn({2 * H - 1, C}), tw = torch::randn({2 * W - 1, C});
  const torch::Tensor out = addDecomposedRelPos(attn, q, th, tw, {H, W}, {H, W});
  auto a = out.accessor<float, 3>();
  auto qa = q.accessor<float, 3>();
  auto ha = th.accessor<float, 2>();
  auto wa = tw.accessor<float, 2>();
  auto base = attn.accessor<float, 3>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t y = 0; y < H; ++y)
      for (int64_t x = 0; x < W; ++x)
        for (int64_t ky = 0; ky < H; ++ky)
          for (int64_t kx = 0; kx < W; ++kx) {
            double rel = 0;
            for (int64_t c = 0; c < C; ++c)
              rel += qa[b][y * W + x][c] * (ha[y - ky + H - 1][c] + wa[x - kx + W - 1][c]);
            EXPECT_NEAR(a[b][y * W + x][ky * W + kx], base[b][y * W + x][ky * W + kx] + rel, 1e-4);
          }
}

TEST(sam_encoder, LayerNorm2dNormalisesOverChannels) {
  LayerNorm2d ln(3, 1e-6);
  {
    torch::NoGradGuard noGrad;
    ln->weight.copy_(torch::tensor({1.0f, 2.0f, 3.0f}));
    ln->bias.copy_(torch::tensor({0.5f, 0.0f, -0.5f}));
  }
  const torch::Tensor x = torch::tensor({1.0f, 2.0f, 6.0f}).view({1, 3, 1, 1});
  const torch::Tensor y = ln(x).flatten();
  const double mean = 3.0, var = (4.0 + 1.0 + 9.0) / 3.0, sd = std::sqrt(var + 1e-6);
  EXPECT_NEAR(y[0].item<double>(), (1 - mean) / sd * 1 + 0.5, 1e-5);
  EXPECT_NEAR(y[1].item<double>(), (2 - mean) / sd * 2, 1e-5);
  EXPECT_NEAR(y[2].item<double>(), (6 - mean) / sd * 3 - 0.5, 1e-5);
}

TEST(sam_encoder, OutputShapeAndInputCheck) {
  ImageEncoderViT enc(tinyOptions().image_encoder());
  EXPECT_EQ(enc->patchGrid(), (std::array<int64_t, 2>{4, 4}));
  EXPECT_EQ(enc->embeddingDim(), 16);
  EXPECT_EQ(enc->block(0)->windowSize(), 3);
  EXPECT_EQ(enc->block(1)->windowSize(), 0);
  EXPECT_EQ(enc->block(1)->attn->rel_pos_h.size(0), 7);  // global: 2 * 4 - 1
  EXPECT_EQ(enc->block(2)->attn->rel_pos_h.size(0), 5);  // window: 2 * 3 - 1
  torch::NoGradGuard noGrad;
  EXPECT_EQ(enc->forward(torch::randn({2, 3, 64, 64})).sizes(),
            (std::vector<int64_t>{2, 16, 4, 4}));
  EXPECT_THROW(enc->forward(torch::randn({1, 3, 32, 64})), sfr::Error);
}

// ---- Prompt encoder
// ------------------------------------------------------------------------------

TEST(sam_prompt, NoPromptsGiveBatchOneAndTheNoMaskEmbedding) {
  PromptEncoder pe(tinyOptions().prompt_encoder());
  auto [sparse, dense] = pe->forward(Prompts{});
  EXPECT_EQ(sparse.sizes(), (std::vector<int64_t>{1, 0, 16}));
  ASSERT_EQ(dense.sizes(), (std::vector<int64_t>{1, 16, 4, 4}));
  EXPECT_TRUE(torch::equal(dense[0].select(1, 2).select(1, 3), pe->no_mask_embed->weight[0]));
}

TEST(sam_prompt, PointsAndBoxesFollowTheFourierFormula) {
  PromptEncoder pe(tinyOptions().prompt_encoder());
  const torch::Tensor G = pe->pe_layer->positional_encoding_gaussian_matrix;  // [2, 8]
  auto encoding = [&](double x, double y) {  // pixel coordinates already shifted by 0.5
    std::vector<float> out(16);
    const double px = 2 * (x / 64) - 1, py = 2 * (y / 64) - 1;
    for (int f = 0; f < 8; ++f) {
      const double v = 2 * M_PI * (px * G[0][f].item<double>() + py * G[1][f].item<double>());
      out[f] = std::sin(v);
      out[8 + f] = std::cos(v);
    }
    return torch::tensor(out);
  };
  auto pointEmbed = [&](int i) {
    return pe->point_embeddings[i]->as<torch::nn::Embedding>()->weight[0];
  };
  Prompts p;
  p.point_coords = torch::tensor({10.0f, 20.0f, 30.0f, 5.0f}).view({1, 2, 2});
  p.point_labels = torch::tensor({1, 0}, torch::kLong).view({1, 2});
  auto [sparse, dense] = pe->forward(p);
  ASSERT_EQ(sparse.sizes(), (std::vector<int64_t>{1, 3, 16}));  // + padding point
  EXPECT_TRUE(torch::allclose(sparse[0][0], encoding(10.5, 20.5) + pointEmbed(1), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(sparse[0][1], encoding(30.5, 5.5) + pointEmbed(0), 1e-5, 1e-5));
  EXPECT_TRUE(torch::equal(sparse[0][2], pe->not_a_point_embed->weight[0]));

  p.boxes = torch::tensor({1.0f, 2.0f, 40.0f, 50.0f}).view({1, 4});
  std::tie(sparse, dense) = pe->forward(p);
  ASSERT_EQ(sparse.sizes(), (std::vector<int64_t>{1, 4, 16}));  // no padding with a box
  EXPECT_TRUE(torch::allclose(sparse[0][2], encoding(1.5, 2.5) + pointEmbed(2), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(sparse[0][3], encoding(40.5, 50.5) + pointEmbed(3), 1e-5, 1e-5));

  // Dense PE: cell (i, j) encodes ((j + 0.5) / 4, (i + 0.5) / 4) of the unit square.
  const torch::Tensor dpe = pe->getDensePe();
  ASSERT_EQ(dpe.sizes(), (std::vector<int64_t>{1, 16, 4, 4}));
  EXPECT_TRUE(
      torch::allclose(dpe[0].select(1, 1).select(1, 2), encoding(2.5 * 16, 1.5 * 16), 1e-5, 1e-5));
  p.mask_inputs = torch::randn({1, 1, 8, 8});
  EXPECT_THROW(pe->forward(p), sfr::Error);  // must be 4x the 4x4 grid
  p.mask_inputs = torch::randn({1, 1, 16, 16});
  EXPECT_EQ(pe->forward(p).second.sizes(), (std::vector<int64_t>{1, 16, 4, 4}));
}

// ---- Decoder batching and pre/post-processing
// ----------------------------------------------------

TEST(sam_decoder, BatchesOfImagesAndOfPromptSetsEqualSingleDecodes) {
  torch::manual_seed(5);
  Sam sam(tinyOptions());
  randomise(*sam, 6);
  sam->eval();
  torch::NoGradGuard noGrad;
  const torch::Tensor emb = torch::randn({3, 16, 4, 4});
  // Three images, one (empty) prompt set, like SFR training.
  const SamMaskPrediction batch = sam->predictMasks(emb, Prompts{}, true);
  ASSERT_EQ(batch.low_res_masks.sizes(), (std::vector<int64_t>{3, 3, 16, 16}));
  for (int b = 0; b < 3; ++b) {
    const SamMaskPrediction one = sam->predictMasks(emb.slice(0, b, b + 1), Prompts{}, true);
    EXPECT_TRUE(torch::allclose(batch.low_res_masks[b], one.low_res_masks[0], 1e-5, 1e-5));
    EXPECT_TRUE(torch::allclose(batch.iou_predictions[b], one.iou_predictions[0], 1e-5, 1e-5));
  }
  // One image, three prompt sets, like the official predictor.
  Prompts sets;
  sets.point_coords = torch::rand({3, 2, 2}) * 64;
  sets.point_labels = torch::tensor({1, 0, 1, 1, 0, 0}, torch::kLong).view({3, 2});
  const SamMaskPrediction many = sam->predictMasks(emb.slice(0, 0, 1), sets, false);
  ASSERT_EQ(many.low_res_masks.sizes(), (std::vector<int64_t>{3, 1, 16, 16}));
  for (int t = 0; t < 3; ++t) {
    Prompts one;
    one.point_coords = sets.point_coords.slice(0, t, t + 1);
    one.point_labels = sets.point_labels.slice(0, t, t + 1);
    const SamMaskPrediction single = sam->predictMasks(emb.slice(0, 0, 1), one, false);
    EXPECT_TRUE(torch::allclose(many.low_res_masks[t], single.low_res_masks[0], 1e-5, 1e-5));
  }
  Prompts two = sets;
  two.point_coords = sets.point_coords.slice(0, 0, 2);
  two.point_labels = sets.point_labels.slice(0, 0, 2);
  EXPECT_THROW(sam->predictMasks(emb, two, false), sfr::Error);  // 3 images x 2 sets
}

TEST(sam_decoder, MaskSelectionOfficialAndSfr) {
  torch::manual_seed(7);
  SamOptions o = tinyOptions();
  Sam official(o);
  randomise(*official, 8);
  torch::NoGradGuard noGrad;
  const torch::Tensor emb = torch::randn({1, 16, 4, 4});
  const MaskDecoderOutput all = official->mask_decoder->predictMasks(
      emb, official->prompt_encoder->getDensePe(), torch::zeros({1, 0, 16}),
      official->prompt_encoder->no_mask_embed->weight.view({1, 16, 1, 1}).expand({1, 16, 4, 4}));
  const SamMaskPrediction multi = official->predictMasks(emb, Prompts{}, true);
  const SamMaskPrediction single = official->predictMasks(emb, Prompts{}, false);
  EXPECT_TRUE(torch::allclose(multi.low_res_masks, all.masks.slice(1, 1, 4)));
  EXPECT_TRUE(torch::allclose(single.low_res_masks, all.masks.slice(1, 0, 1)));
  EXPECT_TRUE(torch::allclose(single.iou_predictions, all.iou_predictions.slice(1, 0, 1)));

  o.sfrHead(2);
  Sam sfr(o);
  EXPECT_EQ(sfr->predictMasks(emb, Prompts{}, false).low_res_masks.size(1), 3);
  EXPECT_EQ(sfr->predictMasks(emb, Prompts{}, true).low_res_masks.size(1), 3);
}

TEST(sam_model, PreprocessNormalisesAndPadsPostprocessCropsAndResizes) {
  SamOptions o = tinyOptions();
  o.pixel_mean({10, 20, 30}).pixel_std({2, 4, 5});
  Sam sam(o);
  const torch::Tensor x = torch::full({1, 3, 40, 50}, 50.0f);
  const torch::Tensor p = sam->preprocess(x);
  ASSERT_EQ(p.sizes(), (std::vector<int64_t>{1, 3, 64, 64}));
  EXPECT_FLOAT_EQ(p[0][0][0][0].item<float>(), 20.0f);
  EXPECT_FLOAT_EQ(p[0][1][39][49].item<float>(), 7.5f);
  EXPECT_FLOAT_EQ(p[0][2][39][49].item<float>(), 4.0f);
  EXPECT_EQ(p.slice(2, 40, 64).abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(p.slice(3, 50, 64).abs().sum().item<float>(), 0.0f);
  EXPECT_THROW(sam->preprocess(torch::zeros({1, 3, 65, 10})), sfr::Error);

  // A low-res mask that is 1 on the valid 10x12.5 region maps back to 1 on the original frame.
  const torch::Tensor low = torch::zeros({1, 1, 16, 16});
  low.slice(2, 0, 10).slice(3, 0, 12).fill_(1.0f);
  const torch::Tensor m = sam->postprocessMasks(low, {40, 48}, {20, 24});
  ASSERT_EQ(m.sizes(), (std::vector<int64_t>{1, 1, 20, 24}));
  EXPECT_FLOAT_EQ(m[0][0][5][5].item<float>(), 1.0f);
  // SFR: same input and output size -> plain x4 bilinear.
  const torch::Tensor same = sam->postprocessMasks(low, {64, 64}, {64, 64});
  EXPECT_TRUE(torch::allclose(
      same, torch::nn::functional::interpolate(low, torch::nn::functional::InterpolateFuncOptions()
                                                        .scale_factor(std::vector<double>{4, 4})
                                                        .mode(torch::kBilinear)
                                                        .align_corners(false))));
}

TEST(sam_model, AcceptsAnotherImageEncoderThroughTheInterface) {
  const SamOptions o = tinyOptions();
  ImageEncoderViT encoder(o.image_encoder());
  Sam sam(o, encoder.ptr());
  EXPECT_EQ(sam->image_encoder.get(), encoder.ptr().get());
  EXPECT_EQ(sam->vitEncoder().get(), encoder.ptr().get());
  torch::NoGradGuard noGrad;
  EXPECT_EQ(sam->forward(torch::randn({1, 3, 64, 64})).masks.sizes(),
            (std::vector<int64_t>{1, 1, 64, 64}));
  // The prompt encoder must describe the encoder's grid and input size.
  EXPECT_THROW(Sam(tinyOptions(32), ImageEncoderViT(o.image_encoder()).ptr()), sfr::Error);
}

TEST(sam_model, SfrForwardReturnsClassLogitsForABatch) {
  SamOptions o = tinyOptions();
  o.sfrHead(1);
  Sam sam(o);
  torch::NoGradGuard noGrad;
  const SamBatchOutput out = sam->forward(torch::randn({2, 3, 64, 64}));
  EXPECT_EQ(out.masks.sizes(), (std::vector<int64_t>{2, 2, 64, 64}));
  EXPECT_EQ(out.low_res_logits.sizes(), (std::vector<int64_t>{2, 2, 16, 16}));
  EXPECT_EQ(out.iou_predictions.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(out.image_embeddings.sizes(), (std::vector<int64_t>{2, 16, 4, 4}));
}

// ---- Transforms
// ----------------------------------------------------------------------------------

TEST(sam_transforms, PreprocessShapeAndPromptScaling) {
  EXPECT_EQ(ResizeLongestSide::getPreprocessShape(150, 200, 256),
            (std::array<int64_t, 2>{192, 256}));
  EXPECT_EQ(ResizeLongestSide::getPreprocessShape(250, 170, 224),
            (std::array<int64_t, 2>{224, 152}));
  EXPECT_EQ(ResizeLongestSide::getPreprocessShape(683, 1024, 1024),
            (std::array<int64_t, 2>{683, 1024}));
  const ResizeLongestSide t(256);
  const torch::Tensor c = t.applyCoords(torch::tensor({100.0, 50.0}).view({1, 2}), {150, 200});
  EXPECT_EQ(c.scalar_type(), torch::kFloat);
  EXPECT_FLOAT_EQ(c[0][0].item<float>(), 128.0f);
  EXPECT_FLOAT_EQ(c[0][1].item<float>(), 64.0f);
  const torch::Tensor b = t.applyBoxes(torch::tensor({0.0, 0.0, 200.0, 150.0}), {150, 200});
  EXPECT_TRUE(torch::equal(b, torch::tensor({0.0f, 0.0f, 256.0f, 192.0f}).view({1, 4})));
}

TEST(sam_transforms, TorchImagePathResizesTheLongestSide) {
  const ResizeLongestSide t(64);
  const torch::Tensor images = torch::full({2, 3, 50, 100}, 3.5f);
  const torch::Tensor r = t.applyImageTorch(images);
  ASSERT_EQ(r.sizes(), (std::vector<int64_t>{2, 3, 32, 64}));
  EXPECT_TRUE(torch::allclose(r, torch::full_like(r, 3.5f)));
  // Antialiased 2x reduction of alternating columns averages them.
  const torch::Tensor stripes = torch::tensor({0.0f, 1.0f}).repeat({1, 1, 100, 64});
  EXPECT_NEAR(t.applyImageTorch(stripes).mean().item<double>(), 0.5, 1e-5);
  EXPECT_LT(t.applyImageTorch(stripes).std().item<double>(), 0.1);

  Prompts p;
  p.boxes = torch::zeros({1, 4});
  EXPECT_EQ(p.to(torch::kCPU).boxes.sizes(), (std::vector<int64_t>{1, 4}));
  EXPECT_FALSE(p.to(torch::kCPU).point_coords.defined());
}

TEST(sam_transforms, PilBilinearFixedPointByHand) {
  // 4 -> 2 columns: support 2, taps (3/7, 3/7, 1/7) and (1/7, 3/7, 3/7) in 22-bit fixed point:
  // (2^21 + 100*1797559 + 200*599186) >> 22 = 71, (2^21 + 100*599186 + 455*1797559) >> 22 = 209.
  const torch::Tensor row = torch::tensor({0, 100, 200, 255}, torch::kUInt8).view({1, 4, 1});
  const torch::Tensor half = resizeBilinearPil(row, 1, 2);
  ASSERT_EQ(half.sizes(), (std::vector<int64_t>{1, 2, 1}));
  EXPECT_EQ(half[0][0][0].item<uint8_t>(), 71);
  EXPECT_EQ(half[0][1][0].item<uint8_t>(), 209);
  // 2 -> 4 rows (upscaling, support 1): weights (1, 0), (0.75, 0.25), (0.25, 0.75), (0, 1) with
  // clamped borders: 10, 10*0.75+90*0.25 = 30, 70, 90.
  const torch::Tensor col = torch::tensor({10, 90}, torch::kUInt8).view({2, 1, 1});
  const torch::Tensor up = resizeBilinearPil(col, 4, 1);
  EXPECT_EQ(up.flatten()[0].item<uint8_t>(), 10);
  EXPECT_EQ(up.flatten()[1].item<uint8_t>(), 30);
  EXPECT_EQ(up.flatten()[2].item<uint8_t>(), 70);
  EXPECT_EQ(up.flatten()[3].item<uint8_t>(), 90);
  // Constant images stay constant; channels are independent.
  const torch::Tensor flat = torch::full({7, 9, 3}, 77, torch::kUInt8);
  flat.select(2, 1).fill_(200);
  const torch::Tensor r = resizeBilinearPil(flat, 5, 13);
  EXPECT_TRUE(torch::all(r.select(2, 0) == 77).item<bool>());
  EXPECT_TRUE(torch::all(r.select(2, 1) == 200).item<bool>());
  EXPECT_THROW(resizeBilinearPil(torch::zeros({4, 4, 3}), 2, 2), sfr::Error);  // float input
}

// ---- Checkpoints
// ---------------------------------------------------------------------------------

TEST(sam_checkpoint, OfficialLayoutRoundTripAndStrictReport) {
  Sam a(tinyOptions());
  randomise(*a, 11);
  TempFile file("official.pth");
  writeStateDict(file.path(), stateDictInPythonOrder(*a));

  Sam b(tinyOptions());
  const LoadReport report = loadSamCheckpoint(*b, file.path());
  EXPECT_TRUE(report.complete());
  a->eval();
  b->eval();
  torch::NoGradGuard noGrad;
  const torch::Tensor x = torch::randn({1, 3, 64, 64});
  EXPECT_TRUE(torch::equal(a->forward(x).masks, b->forward(x).masks));

  // A missing key and a wrong shape are both reported, naming the keys; nothing is loaded.
  NamedTensors broken = stateDictInPythonOrder(*a);
  broken.erase(broken.begin() + 3);
  const std::string dropped = stateDictInPythonOrder(*a)[3].first;
  for (auto& kv : broken)
    if (kv.first == "mask_decoder.mask_tokens.weight") kv.second = torch::zeros({2, 16});
  Sam c(tinyOptions());
  const torch::Tensor before = c->mask_decoder->iou_token->weight.clone();
  try {
    loadSamCheckpoint(*c, broken, "broken.pth");
    FAIL() << "expected an error";
  } catch (const sfr::Error& e) {
    EXPECT_EQ(e.subject(), "broken.pth");
    EXPECT_NE(e.problem().find(dropped), std::string::npos) << e.what();
    EXPECT_NE(e.problem().find("mask_decoder.mask_tokens.weight"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(torch::equal(before, c->mask_decoder->iou_token->weight));
}

TEST(sam_checkpoint, SfrBaseLoadingSkipsTheHeadAndResizesPositionTables) {
  Sam base(tinyOptions(64));  // grid 4
  randomise(*base, 21);
  const NamedTensors file = stateDictInPythonOrder(*base);

  SamOptions target = tinyOptions(32);  // grid 2
  target.sfrHead(1);
  Sam sfr(target);
  const torch::Tensor headBefore = sfr->mask_decoder->mask_tokens->weight.clone();
  const SfrBaseLoadReport r = loadSamBaseForSfr(*sfr, file, "base.pth");
  EXPECT_FALSE(r.loaded_whole);
  EXPECT_TRUE(r.load.complete());
  EXPECT_EQ(r.resized, (std::vector<std::string>{"image_encoder.pos_embed",
                                                 "image_encoder.blocks.1.attn.rel_pos_h",
                                                 "image_encoder.blocks.1.attn.rel_pos_w"}));
  // 1 + 4*6 + 6 head keys skipped (mask tokens, 4 hypernetwork MLPs, IoU head).
  EXPECT_EQ(r.skipped_head.size(), 1u + 4 * 6 + 6);
  EXPECT_TRUE(torch::equal(headBefore, sfr->mask_decoder->mask_tokens->weight));

  // pos_embed 4x4 -> 2x2: bilinear halving = mean of each 2x2 block.
  const torch::Tensor pos = valueOf(file, "image_encoder.pos_embed")[0];
  const torch::Tensor expectedPos = pos.view({2, 2, 2, 2, 24}).mean(std::vector<int64_t>{1, 3});
  EXPECT_TRUE(torch::allclose(sfr->vitEncoder()->pos_embed[0], expectedPos, 1e-6, 1e-6));
  // Global table 7 rows -> 3 rows: source row (i + 0.5) * 7/3 - 0.5.
  const torch::Tensor rel = valueOf(file, "image_encoder.blocks.1.attn.rel_pos_h");
  const torch::Tensor got = sfr->vitEncoder()->block(1)->attn->rel_pos_h;
  ASSERT_EQ(got.sizes(), (std::vector<int64_t>{3, 12}));
  for (int i = 0; i < 3; ++i) {
    const double s = (i + 0.5) * 7.0 / 3.0 - 0.5;
    const int i0 = static_cast<int>(std::floor(s));
    const double f = s - i0;
    EXPECT_TRUE(
        torch::allclose(got[i], rel[i0] * (1 - f) + rel[std::min(i0 + 1, 6)] * f, 1e-5, 1e-5));
  }
  // Windowed tables are unchanged.
  EXPECT_TRUE(torch::equal(sfr->vitEncoder()->block(0)->attn->rel_pos_w,
                           valueOf(file, "image_encoder.blocks.0.attn.rel_pos_w")));

  // A file that fits exactly is loaded whole, head included (SAMed's strict first attempt).
  Sam same(tinyOptions(64));
  EXPECT_TRUE(loadSamBaseForSfr(*same, file, "base.pth").loaded_whole);
  EXPECT_TRUE(torch::equal(same->mask_decoder->mask_tokens->weight,
                           valueOf(file, "mask_decoder.mask_tokens.weight")));
  // The official loader resizes the same tables for another input size and keeps the head.
  Sam official(tinyOptions(32));
  EXPECT_TRUE(loadSamCheckpoint(*official, file, "base.pth").complete());
  EXPECT_TRUE(torch::allclose(official->vitEncoder()->pos_embed[0], expectedPos, 1e-6, 1e-6));
  EXPECT_TRUE(torch::equal(official->mask_decoder->mask_tokens->weight,
                           valueOf(file, "mask_decoder.mask_tokens.weight")));
  // Anything else that does not fit is an error.
  SamOptions wider = tinyOptions(32);
  wider.image_encoder().mlp_ratio(2.0);
  Sam mismatch(wider);
  EXPECT_THROW(loadSamBaseForSfr(*mismatch, file, "base.pth"), sfr::Error);
}

// ---- LoRA
// ----------------------------------------------------------------------------------------

TEST(sam_lora, AdaptersStartNeutralAndFreezeTheEncoder) {
  torch::manual_seed(31);
  Sam plain(tinyOptions());
  randomise(*plain, 32);
  TempFile file("plain.pth");
  writeStateDict(file.path(), stateDictInPythonOrder(*plain));
  Sam lora(tinyOptions());
  loadSamCheckpoint(*lora, file.path());
  applyLoRA(*lora, LoRAOptions().rank(3));
  EXPECT_TRUE(hasLoRA(*lora));
  EXPECT_THROW(applyLoRA(*lora), sfr::Error);
  EXPECT_NO_THROW(loadSamCheckpoint(*lora, file.path()));  // adapters are not base keys

  const auto adapters = loraAdapters(*lora);
  ASSERT_EQ(adapters.size(), 3u);
  const double bound = 1.0 / std::sqrt(24.0);  // kaiming_uniform(a = sqrt 5) on fan_in 24
  for (const auto& a : adapters) {
    EXPECT_EQ(a->linear_a_q->weight.sizes(), (std::vector<int64_t>{3, 24}));
    EXPECT_LE(a->linear_a_v->weight.abs().max().item<double>(), bound);
    EXPECT_GT(a->linear_a_v->weight.abs().max().item<double>(), 0.0);
    EXPECT_EQ(a->linear_b_q->weight.abs().sum().item<double>(), 0.0);
  }
  for (const auto& kv : lora->image_encoder->named_parameters())
    EXPECT_EQ(kv.value().requires_grad(), kv.key().find(".lora.") != std::string::npos) << kv.key();
  int64_t expected = parameterCount(*lora->prompt_encoder) + parameterCount(*lora->mask_decoder);
  for (const auto& a : adapters) expected += parameterCount(*a);
  EXPECT_EQ(trainableParameterCount(*lora), expected);

  torch::NoGradGuard noGrad;
  const torch::Tensor x = torch::randn({1, 3, 64, 64});
  plain->eval();
  lora->eval();
  EXPECT_TRUE(torch::allclose(plain->forward(x).masks, lora->forward(x).masks, 1e-6, 1e-6));
}

TEST(sam_lora, QkvGetsLowRankUpdatesOnQAndVOnly) {
  torch::manual_seed(41);
  ViTAttention attn(8, 2, true, false, std::array<int64_t, 2>{3, 3});
  LoRAQkv adapter = attn->enableLoRA(2, 0.5);
  {
    torch::NoGradGuard noGrad;
    adapter->linear_b_q->weight.normal_();
    adapter->linear_b_v->weight.normal_();
  }
  const torch::Tensor x = torch::randn({1, 3, 3, 8});
  const torch::Tensor base = attn->qkv(x);
  const torch::Tensor out = adapter->addTo(attn->qkv(x), x);
  const torch::Tensor dq = torch::matmul(torch::matmul(x, adapter->linear_a_q->weight.t()),
                                         adapter->linear_b_q->weight.t()) *
                           0.5;
  const torch::Tensor dv = torch::matmul(torch::matmul(x, adapter->linear_a_v->weight.t()),
                                         adapter->linear_b_v->weight.t()) *
                           0.5;
  EXPECT_TRUE(torch::allclose(out.slice(3, 0, 8), base.slice(3, 0, 8) + dq, 1e-5, 1e-5));
  EXPECT_TRUE(torch::equal(out.slice(3, 8, 16), base.slice(3, 8, 16)));
  EXPECT_TRUE(torch::allclose(out.slice(3, 16, 24), base.slice(3, 16, 24) + dv, 1e-5, 1e-5));
}

TEST(sam_lora, SaveAndLoadBothLayouts) {
  SamOptions o = tinyOptions();
  o.sfrHead(2);
  Sam a(o);
  applyLoRA(*a, LoRAOptions().layers({0, 2}));
  randomise(*a, 51);
  TempFile sfrFile("sam_iter_1.pth");
  TempFile adaptersFile("adapters.pth");
  saveLoRA(sfrFile.path(), *a);
  saveLoRA(adaptersFile.path(), *a, LoRAFileLayout::Adapters);

  const NamedTensors sfr = readStateDict(sfrFile.path());
  const std::vector<std::string> head{"w_a_000", "w_a_001", "w_a_002", "w_a_003",
                                      "w_b_000", "w_b_001", "w_b_002", "w_b_003"};
  ASSERT_GT(sfr.size(), head.size());
  for (size_t i = 0; i < head.size(); ++i) EXPECT_EQ(sfr[i].first, head[i]);
  // w_a_002 is the q adapter of the second adapted block (block 2).
  EXPECT_TRUE(torch::equal(valueOf(sfr, "w_a_002"),
                           a->vitEncoder()->block(2)->attn->lora->linear_a_q->weight));
  EXPECT_EQ(sfr[8].first, "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix");
  EXPECT_EQ(sfr.back().first, "mask_decoder.iou_prediction_head.layers.2.bias");
  // 17 prompt-encoder keys and 96 + 6 M mask-decoder keys (M = 3).
  EXPECT_EQ(sfr.size(), 8u + 17 + 96 + 6 * 3);
  EXPECT_EQ(readStateDict(adaptersFile.path()).size(), 8u);

  Sam b(o);
  applyLoRA(*b, LoRAOptions().layers({0, 2}));
  EXPECT_EQ(loadLoRA(adaptersFile.path(), *b), LoRAFileLayout::Adapters);
  EXPECT_TRUE(torch::equal(b->vitEncoder()->block(2)->attn->lora->linear_b_v->weight,
                           a->vitEncoder()->block(2)->attn->lora->linear_b_v->weight));
  EXPECT_FALSE(
      torch::equal(b->mask_decoder->mask_tokens->weight, a->mask_decoder->mask_tokens->weight));
  EXPECT_EQ(loadLoRA(sfrFile.path(), *b), LoRAFileLayout::Sfr);
  EXPECT_TRUE(
      torch::equal(b->mask_decoder->mask_tokens->weight, a->mask_decoder->mask_tokens->weight));

  // Same encoder base weights + the file = the same model.
  {
    torch::NoGradGuard noGrad;
    for (const auto& kv : a->image_encoder->named_parameters())
      if (kv.key().find(".lora.") == std::string::npos)
        b->image_encoder->named_parameters()[kv.key()].copy_(kv.value());
  }
  torch::NoGradGuard noGrad;
  const torch::Tensor x = torch::randn({2, 3, 64, 64});
  EXPECT_TRUE(torch::equal(a->forward(x).masks, b->forward(x).masks));

  // A file missing a decoder key, or with adapters for another layout, is refused.
  NamedTensors missing = sfr;
  missing.pop_back();
  Sam c(o);
  applyLoRA(*c, LoRAOptions().layers({0, 2}));
  try {
    loadLoRA(missing, *c, "missing.pth");
    FAIL() << "expected an error";
  } catch (const sfr::Error& e) {
    EXPECT_NE(e.problem().find("mask_decoder.iou_prediction_head.layers.2.bias"), std::string::npos)
        << e.what();
  }
  Sam d(o);
  applyLoRA(*d, LoRAOptions().layers({1}));  // one block: w_a_002 and w_a_003 have no target
  EXPECT_THROW(loadLoRA(sfr, *d, "sam_iter_1.pth"), sfr::Error);
  Sam none(o);
  EXPECT_THROW(saveLoRA(adaptersFile.path(), *none), sfr::Error);
}
