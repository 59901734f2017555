#include "sfr/engine/training/magicnet.h"

#include <cmath>

#include "sfr/base/error.h"
#include "sfr/engine/losses.h"

namespace sfr::engine {

// ---- Cubes ----

CubeGrid cubeGrid(const std::vector<int64_t>& spatial, int64_t cubeSize) {
  if (spatial.size() != 3 || cubeSize < 1)
    throw Error("MagicNet cubes", "expected three spatial sizes and a positive cube size");
  for (int64_t s : spatial)
    if (s < cubeSize || s % cubeSize != 0)
      throw Error("MagicNet cubes", "every spatial size must be a multiple of the cube size " +
                                        std::to_string(cubeSize) + ", got " +
                                        c10::str(c10::IntArrayRef(spatial)));
  return CubeGrid{spatial[0] / cubeSize, spatial[1] / cubeSize, spatial[2] / cubeSize, cubeSize};
}

namespace {

void requireGrid(const torch::Tensor& volumes, const CubeGrid& g) {
  if (volumes.dim() != 5 || volumes.size(2) != g.nx * g.size || volumes.size(3) != g.ny * g.size ||
      volumes.size(4) != g.nz * g.size)
    throw Error("MagicNet cubes",
                "volumes " + c10::str(volumes.sizes()) + " do not match the cube grid");
}

}  // namespace

torch::Tensor splitCubes(const torch::Tensor& volumes, const CubeGrid& g) {
  requireGrid(volumes, g);
  const int64_t b = volumes.size(0), c = volumes.size(1), s = g.size;
  return volumes.reshape({b, c, g.nx, s, g.ny, s, g.nz, s})
      .permute({0, 2, 4, 6, 1, 3, 5, 7})
      .reshape({b, g.count(), c, s, s, s});
}

torch::Tensor mergeCubes(const torch::Tensor& cubes, const CubeGrid& g) {
  const int64_t s = g.size;
  if (cubes.dim() != 6 || cubes.size(1) != g.count() || cubes.size(3) != s || cubes.size(4) != s ||
      cubes.size(5) != s)
    throw Error("MagicNet cubes",
                "cubes " + c10::str(cubes.sizes()) + " do not match the cube grid");
  const int64_t b = cubes.size(0), c = cubes.size(2);
  return cubes.reshape({b, g.nx, g.ny, g.nz, c, s, s, s})
      .permute({0, 4, 1, 5, 2, 6, 3, 7})
      .reshape({b, c, g.nx * s, g.ny * s, g.nz * s});
}

torch::Tensor cubeLocationLabels(const CubeGrid& g) {
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < g.nx; ++i)
    for (int64_t j = 0; j < g.ny; ++j)
      for (int64_t l = 0; l < g.nz; ++l) labels.push_back(i + g.nx * j + g.nx * g.ny * l);
  return torch::tensor(labels, torch::kLong);
}

torch::Tensor randomCubePermutation(int64_t batch, const CubeGrid& g) {
  return torch::argsort(torch::rand({batch, g.nx, g.ny, g.nz}), int64_t{0}, false)
      .reshape({batch, g.count()});
}

torch::Tensor mixCubes(const torch::Tensor& volumes, const torch::Tensor& permutation,
                       const CubeGrid& g) {
  const torch::Tensor cubes = splitCubes(volumes, g);
  const int64_t b = cubes.size(0);
  if (permutation.sizes() != c10::IntArrayRef({b, g.count()}))
    throw Error("MagicNet cubes", "permutation " + c10::str(permutation.sizes()) +
                                      " does not match the batch and cube grid");
  const torch::Tensor rows = permutation.to(volumes.device(), torch::kLong);
  const torch::Tensor cols =
      torch::arange(g.count(), rows.options()).unsqueeze(0).expand({b, g.count()});
  return mergeCubes(cubes.index({rows, cols}), g);
}

torch::Tensor inverseCubePermutation(const torch::Tensor& permutation) {
  return torch::argsort(permutation, int64_t{0}, false);
}

// ---- VNet_Magic ----

VNetMagicImpl::VNetMagicImpl(const VNetOptions& options, const Extent3& crop, int64_t cubeSize,
                             int64_t fcHidden) {
  if (options.auxiliary_heads())
    throw Error("training.network.auxiliary_heads", "MagicNet's V-Net has no auxiliary heads");
  if (cubeSize < 16 || cubeSize % 16 != 0)
    throw Error("training.magicnet.cube_size", "must be a positive multiple of 16");
  grid_ = cubeGrid({crop[0], crop[1], crop[2]}, cubeSize);
  vnet = register_module("vnet", VNet(options));
  const int64_t edge = cubeSize / 16;  // the deepest features of one cube: (s/16)^3 voxels
  const int64_t features = 16 * options.filters() * edge * edge * edge;
  namespace nn = torch::nn;
  fc_layer = register_module(
      "fc_layer",
      nn::Sequential(nn::Linear(features, fcHidden), nn::BatchNorm1d(fcHidden),
                     nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2).inplace(true)),
                     nn::Linear(fcHidden, grid_.count())));
}

std::vector<torch::Tensor> VNetMagicImpl::encode(const torch::Tensor& input) {
  VNetImpl& v = *vnet;
  torch::Tensor x1 = v.block_one(input);
  torch::Tensor x2 = v.block_two(v.block_one_dw(x1));
  torch::Tensor x3 = v.block_three(v.block_two_dw(x2));
  torch::Tensor x4 = v.block_four(v.block_three_dw(x3));
  torch::Tensor x5 = v.block_five(v.block_four_dw(x4));
  if (v.options().has_dropout()) x5 = v.dropout(x5);
  return {x1, x2, x3, x4, x5};
}

std::pair<torch::Tensor, torch::Tensor> VNetMagicImpl::decode(const std::vector<torch::Tensor>& f) {
  VNetImpl& v = *vnet;
  torch::Tensor x6 = v.block_six(v.block_five_up(f[4]) + f[3]);
  torch::Tensor x7 = v.block_seven(v.block_six_up(x6) + f[2]);
  torch::Tensor x8 = v.block_eight(v.block_seven_up(x7) + f[1]);
  torch::Tensor x9 = v.block_nine(v.block_eight_up(x8) + f[0]);
  if (v.options().has_dropout()) x9 = v.dropout(x9);
  return {v.out_conv(x9), x9};
}

std::pair<torch::Tensor, torch::Tensor> VNetMagicImpl::forward(const torch::Tensor& input) {
  return decode(encode(input));
}

torch::Tensor VNetMagicImpl::predictionHead(const torch::Tensor& embedding) {
  return vnet->out_conv(embedding);
}

// ---- The method ----

MagicNetMethod::MagicNetMethod(const TrainingSettings& settings) : TeacherStudentMethod(settings) {
  const TrainingSettings& s = this->settings();
  const auto& m = s.magicnet();
  student_ = VNetMagic(s.network(), s.batch().crop(), m.cube_size(), m.fc_hidden());
  teacher_ = VNetMagic(s.network(), s.batch().crop(), m.cube_size(), m.fc_hidden());
  initialise(student_.ptr(), student_->vnet, teacher_.ptr(), teacher_->vnet);
  histogram_.assign(static_cast<std::size_t>(s.network().classes()), 0);
  pending_ = histogram_;
}

torch::Tensor MagicNetMethod::computeLoss(const TrainingBatch& batch, StepResult& result) {
  const TrainingSettings& s = this->settings();
  const auto& m = s.magicnet();
  const int64_t bl = batch.labelledCount();
  const int64_t b = batch.images.size(0);
  const int64_t classes = s.network().classes();
  const torch::Tensor& x = batch.images;
  const torch::Tensor& y = batch.labels;
  const CubeGrid grid = cubeGrid({x.size(2), x.size(3), x.size(4)}, m.cube_size());
  if (grid.count() != student_->grid().count())
    throw Error("training batch", "crop " + c10::str(x.sizes().slice(2)) +
                                      " does not give the location head's " +
                                      std::to_string(student_->grid().count()) + " cubes");

  // SAM pseudo-labels first: a failing labeler then leaves the networks untouched.
  const torch::Tensor unlabelled = batch.unlabelledImages();
  const torch::Tensor pseudo = pseudoLabelsFor(batch);

  // 1. The plain prediction.
  const torch::Tensor outputs = student_->forward(x).first;

  // 2. Cross-image partition and recovery: mix cubes across the batch, embed, un-mix, predict.
  const torch::Tensor permutation = randomCubePermutation(b, grid).to(x.device());
  const torch::Tensor mixedEmbedding = student_->forward(mixCubes(x, permutation, grid)).second;
  const torch::Tensor outputsUnmix =
      student_->predictionHead(mixCubes(mixedEmbedding, inverseCubePermutation(permutation), grid));

  // 3. Teacher on the noisy unlabelled crops.
  torch::Tensor teacherLogits, teacherClass;
  {
    torch::NoGradGuard noGrad;
    teacherLogits = teacher_->forward(unlabelled + teacherNoise(unlabelled, s.teacher())).first;
    teacherClass = torch::softmax(teacherLogits, 1).argmax(1);
  }

  // 4. Supervised terms.
  const torch::Tensor outputsSoft = torch::softmax(outputs, 1);
  const torch::Tensor unmixSoft = torch::softmax(outputsUnmix, 1);
  torch::Tensor supervised = crossEntropyLoss(outputs.slice(0, 0, bl), y) +
                             softDiceLoss(outputsSoft.slice(0, 0, bl), y) +
                             softDiceLoss(unmixSoft.slice(0, 0, bl), y);

  // 5. Location reasoning on every sample's own cubes (one shared shuffle of the cube order).
  const torch::Tensor cubes = splitCubes(x, grid);  // [B, n, 1, s, s, s]
  const torch::Tensor order = torch::randperm(grid.count(), torch::kLong).to(x.device());
  const torch::Tensor locationLabels =
      cubeLocationLabels(grid).to(x.device()).index_select(0, order);
  torch::Tensor location = torch::zeros({}, x.options());
  std::vector<torch::Tensor> cubeEmbeddings;
  for (int64_t i = 0; i < b; ++i) {
    const std::vector<torch::Tensor> features = student_->encode(cubes[i]);
    const torch::Tensor flat = features[4].flatten(1).index_select(0, order);
    const torch::Tensor logp = torch::log_softmax(student_->fc_layer->forward(flat), 1);
    location = location + torch::nll_loss(logp, locationLabels);
    // 6. Within-image recovery: decode every cube on its own, put it back in place.
    cubeEmbeddings.push_back(student_->decode(features).second);
  }
  location = location / static_cast<double>(b);
  const torch::Tensor withinLogits =
      student_->predictionHead(mergeCubes(torch::stack(cubeEmbeddings), grid));
  supervised = supervised + softDiceLoss(torch::softmax(withinLogits, 1).slice(0, 0, bl), y);
  supervised = supervised / 4.0;

  // 7. Cube-wise pseudo-label blending and the class histogram (OrganClassLogger).
  torch::Tensor cubePseudo;
  {
    torch::NoGradGuard noGrad;
    int64_t seen = 0;
    for (int64_t count : histogram_) seen += count;
    if (iteration() > m.blend_start() && seen > 0) {
      torch::Tensor dist =
          torch::tensor(std::vector<double>(histogram_.begin(), histogram_.end()), torch::kFloat)
              .to(x.device());
      dist = torch::pow(dist, 1.0 / m.temperature());
      dist = dist / dist.sum();
      dist = dist / dist.max();
      const torch::Tensor weight = dist.index({teacherClass}).unsqueeze(1);
      // MagicNet recomputes the student's within-image prediction of the unlabelled crops under
      // no_grad; it is the same tensor, detached.
      const torch::Tensor mixLogits =
          (1.0 - weight) * teacherLogits + weight * withinLogits.slice(0, bl).detach();
      cubePseudo = torch::softmax(mixLogits, 1).argmax(1);
    } else {
      cubePseudo = teacherClass;
    }
    const torch::Tensor counts = torch::bincount(cubePseudo.flatten(), {}, classes).cpu();
    for (int64_t c = 0; c < classes; ++c) pending_[c] += counts[c].item<int64_t>();
    hasPending_ = true;
    if (iteration() % m.histogram_interval() == 0 && hasPending_) {
      histogram_ = pending_;
      std::fill(pending_.begin(), pending_.end(), 0);
      hasPending_ = false;
    }
  }

  // 8. Consistency of the cross-image recovered prediction with the blended pseudo-label.
  const torch::Tensor consistency = softDiceLoss(unmixSoft.slice(0, bl), cubePseudo);
  const double w = consistencyWeightAt(m.consistency(), iteration());

  result.losses.push_back({"supervised", supervised.item<double>()});
  result.losses.push_back({"location", location.item<double>()});
  result.losses.push_back({"consistency", consistency.item<double>()});
  result.scalars.push_back({"consistency_weight", w});
  torch::Tensor total = supervised + m.location_weight() * location + w * consistency;

  // SFR-MagicNet: the SAM pseudo-label term on the plain prediction of the unlabelled crops.
  if (pseudo.defined()) {
    const torch::Tensor lp = halfCeHalfDice(outputs.slice(0, bl), pseudo);
    result.losses.push_back({"pseudo", lp.item<double>()});
    total = total + s.pseudo_labels().lambda_pseudo() * lp;
  }
  return total;
}

nlohmann::json MagicNetMethod::methodState() const {
  return {{"histogram", histogram_}, {"pending", pending_}, {"has_pending", hasPending_}};
}

void MagicNetMethod::restoreMethodState(const nlohmann::json& state) {
  std::vector<int64_t> histogram, pending;
  bool hasPending = false;
  try {
    histogram = state.at("histogram").get<std::vector<int64_t>>();
    pending = state.at("pending").get<std::vector<int64_t>>();
    hasPending = state.at("has_pending").get<bool>();
  } catch (const nlohmann::json::exception& e) {
    throw Error("MagicNet state", e.what());
  }
  if (histogram.size() != histogram_.size() || pending.size() != pending_.size())
    throw Error("MagicNet state", "the class histogram has the wrong number of classes");
  histogram_ = histogram;
  pending_ = pending;
  hasPending_ = hasPending;
}

}  // namespace sfr::engine
