#include "sfr/engine/demo_pipeline.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>

#include "sfr/base/error.h"
#include "sfr/base/metrics.h"
#include "sfr/engine/augment.h"
#include "sfr/engine/checkpoint/atomic_file.h"
#include "sfr/engine/losses.h"
#include "sfr/engine/sliding_window.h"
#include "sfr/engine/vnet_checkpoint.h"
#include "sfr/engine/volume_tensor.h"
#ifdef SFR_HAVE_ITK
#include "sfr/io/image_io.h"
#endif

namespace sfr::engine {

void DemoSettings::validate() const {
  phantom.validate();
  if (labelled < 1) throw Error("demo.labelled", "at least one labelled case is needed");
  if (testCases < 1) throw Error("demo.test_cases", "at least one held-out case is needed");
  if (labelled + testCases > phantom.cases)
    throw Error("demo", "labelled + test cases exceed the " + std::to_string(phantom.cases) +
                            " generated cases");
  if (iterations < 1) throw Error("demo.iterations", "must be at least 1");
  if (batch < 1) throw Error("demo.batch", "must be at least 1");
  for (int a = 0; a < 3; ++a)
    if (crop[a] < 16 || crop[a] % 16 != 0)
      throw Error("demo.crop", "every axis must be a positive multiple of 16 (V-Net)");
  if (filters < 1) throw Error("demo.filters", "must be positive");
}

void to_json(nlohmann::json& j, const DemoSettings& s) {
  j = nlohmann::json{{"phantom", s.phantom},
                     {"labelled", s.labelled},
                     {"test_cases", s.testCases},
                     {"iterations", s.iterations},
                     {"crop", s.crop},
                     {"filters", s.filters},
                     {"batch", s.batch},
                     {"learning_rate", s.learningRate},
                     {"momentum", s.momentum},
                     {"weight_decay", s.weightDecay},
                     {"seed", s.seed},
                     {"device", s.device},
                     {"output_dir", s.outputDir}};
}

void from_json(const nlohmann::json& j, DemoSettings& s) {
  const DemoSettings d;
  s.phantom = j.value("phantom", d.phantom);
  s.labelled = j.value("labelled", d.labelled);
  s.testCases = j.value("test_cases", d.testCases);
  s.iterations = j.value("iterations", d.iterations);
  s.crop = j.value("crop", d.crop);
  s.filters = j.value("filters", d.filters);
  s.batch = j.value("batch", d.batch);
  s.learningRate = j.value("learning_rate", d.learningRate);
  s.momentum = j.value("momentum", d.momentum);
  s.weightDecay = j.value("weight_decay", d.weightDecay);
  s.seed = j.value("seed", d.seed);
  s.device = j.value("device", d.device);
  s.outputDir = j.value("output_dir", d.outputDir);
}

namespace {
double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

DemoResult runDemo(const DemoSettings& settings, ProgressSink& progress,
                   const CancelToken& cancel) {
  settings.validate();
  const torch::Device device = parseDevice(settings.device);
  torch::manual_seed(settings.seed);
  std::mt19937_64 rng(settings.seed);

  // 1. Data: labelled cases first, held-out cases last (the middle ones are the "unlabelled" pool
  //    the SFR stages use; the supervised demo leaves them aside).
  const int total = settings.phantom.cases;
  std::vector<PhantomCase> labelled, test;
  for (int c = 0; c < settings.labelled; ++c) {
    cancel.throwIfCancelled();
    labelled.push_back(generatePhantomCase(settings.phantom, c));
    progress.report(
        {"generate", c + 1, settings.labelled + settings.testCases, labelled.back().id});
  }
  for (int c = total - settings.testCases; c < total; ++c) {
    cancel.throwIfCancelled();
    test.push_back(generatePhantomCase(settings.phantom, c));
    progress.report({"generate", settings.labelled + static_cast<int>(test.size()),
                     settings.labelled + settings.testCases, test.back().id});
  }
  std::vector<CropPair> train;
  for (const PhantomCase& p : labelled) train.push_back({toTensor(p.image), toTensor(p.label)});

  // 2. Supervised training (released loss: 0.5 CE + 0.5 soft Dice over the batch; SGD).
  DemoResult result;
  VNet net(VNetOptions().classes(2).filters(settings.filters).has_dropout(true));
  net->to(device);
  net->train();
  torch::optim::SGD optimizer(net->parameters(), torch::optim::SGDOptions(settings.learningRate)
                                                     .momentum(settings.momentum)
                                                     .weight_decay(settings.weightDecay));
  const auto trainStart = std::chrono::steady_clock::now();
  std::vector<int> order;
  for (int it = 0; it < settings.iterations; ++it) {
    cancel.throwIfCancelled();
    std::vector<torch::Tensor> images, labels;
    for (int b = 0; b < settings.batch; ++b) {
      if (order.empty()) {  // a fresh permutation each pass over the labelled cases
        order.resize(train.size());
        std::iota(order.begin(), order.end(), 0);
        for (int i = static_cast<int>(order.size()) - 1; i > 0; --i)
          std::swap(order[i], order[randInt(rng, 0, i + 1)]);
      }
      const CropPair crop = randomCrop(randomRotFlip(train[order.back()], rng), settings.crop, rng);
      order.pop_back();
      images.push_back(crop.image);
      labels.push_back(crop.label);
    }
    auto x = torch::stack(images).unsqueeze(1).to(device);
    auto y = torch::stack(labels).to(device);
    auto logits = net->forward(x).logits;
    auto loss =
        0.5 * crossEntropyLoss(logits, y) + 0.5 * softDiceLoss(torch::softmax(logits, 1), y);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    // Released step schedule, scaled to the run length: x0.1 at 5/12 and 10/12 of the iterations.
    const int done = it + 1;
    const int step = done * 12 / (5 * settings.iterations);
    for (auto& group : optimizer.param_groups())
      static_cast<torch::optim::SGDOptions&>(group.options())
          .lr(settings.learningRate * std::pow(0.1, std::min(step, 2)));
    result.finalLoss = loss.item<double>();
    char message[48];
    std::snprintf(message, sizeof message, "loss %.4f", result.finalLoss);
    progress.report({"train", done, settings.iterations, message});
  }
  result.trainSeconds = secondsSince(trainStart);

  // 3. Sliding-window prediction of the held-out cases and medpy-exact Dice.
  net->eval();
  SlidingWindowOptions window;
  window.patch(settings.crop).stride_xy(settings.crop[0] / 4).stride_z(settings.crop[2] / 4);
  window.device(settings.device).window_batch(2);
  const SlidingWindowPredictor predictor(net, window);
  const std::filesystem::path out = settings.outputDir;
  if (!out.empty()) std::filesystem::create_directories(out);
  const auto predictStart = std::chrono::steady_clock::now();
  double sum = 0;
  for (std::size_t c = 0; c < test.size(); ++c) {
    cancel.throwIfCancelled();
    const auto prediction = predictor.predict(toTensor(test[c].image));
    const LabelVolume mask = toLabelVolume(prediction.labels, test[c].label.geometry());
    const CaseMetrics m = computeMetrics(mask, test[c].label, MetricsSettings().setClasses({1}));
    result.cases.push_back({test[c].id, m.at(1).dice});
#ifdef SFR_HAVE_ITK
    if (!out.empty()) {
      io::writeLabel(mask, out / (test[c].id + "_pred.nii.gz"));
      result.writtenFiles.push_back((out / (test[c].id + "_pred.nii.gz")).string());
    }
#endif
    sum += m.at(1).dice;
    char message[64];
    std::snprintf(message, sizeof message, "%s Dice %.3f", test[c].id.c_str(), m.at(1).dice);
    progress.report(
        {"predict", static_cast<int64_t>(c + 1), static_cast<int64_t>(test.size()), message});
  }
  result.predictSeconds = secondsSince(predictStart);
  result.meanDice = sum / static_cast<double>(test.size());
  if (!out.empty()) {
    nlohmann::json summary{{"settings", settings},
                           {"mean_dice", result.meanDice},
                           {"final_loss", result.finalLoss},
                           {"train_seconds", result.trainSeconds},
                           {"predict_seconds", result.predictSeconds}};
    for (const auto& c : result.cases) summary["cases"].push_back({{"id", c.id}, {"dice", c.dice}});
    writeVNetCheckpoint(out / "vnet_demo.pt", *net, summary);
    result.writtenFiles.push_back((out / "vnet_demo.pt").string());
    const std::string text = summary.dump(2) + "\n";
    AtomicFileWriter file(out / "summary.json");
    file.write(text.data(), text.size());
    file.commit();
    result.writtenFiles.push_back((out / "summary.json").string());
  }
  return result;
}

}  // namespace sfr::engine
