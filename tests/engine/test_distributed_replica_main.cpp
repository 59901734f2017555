// One replica of the data-parallel test (test_distributed.cpp starts two): trains a tiny Mean
// Teacher on phantoms with DistributedContext from MASTER_ADDR/MASTER_PORT/RANK/WORLD_SIZE and
// writes its final student V-Net and per-step losses. Each rank seeds with seed + rank, so without
// the gradient averaging the replicas would see different crops and end with different weights.
//   sfr_distributed_replica OUT_DIR
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "sfr/base/error.h"
#include "sfr/base/phantom.h"
#include "sfr/engine/distributed/distributed_context.h"
#include "sfr/engine/runtime.h"
#include "sfr/engine/training/batch_loader.h"
#include "sfr/engine/training/training_method.h"
#include "sfr/engine/vnet_checkpoint.h"
#include "sfr/engine/volume_tensor.h"

using namespace sfr::engine;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: sfr_distributed_replica OUT_DIR" << std::endl;
    return 2;
  }
  try {
    setTorchThreads(1);
    const DistributedSettings dist = DistributedSettings::fromEnvironment();
    TrainingSettings settings = TrainingSettings::cpu("mean-teacher");
    settings.iterations(4).seed(1337 + static_cast<uint64_t>(dist.rank()));
    settings.network().filters(4);
    settings.batch().crop({32, 32, 16});
    std::unique_ptr<TrainingMethod> method = createTrainingMethod(settings);
    const nlohmann::json before{
        {"first_weight", method->student()->parameters()[0].sum().item<double>()}};

    DistributedContext context(dist, method->device());
    context.attach(*method);
    const double broadcastWeight = method->student()->parameters()[0].sum().item<double>();

    const sfr::PhantomSettings phantom = sfr::PhantomSettings{}.setSize({32, 32, 32}).setCases(3);
    std::vector<CropPair> labelled;
    std::vector<torch::Tensor> unlabelled;
    for (int c = 0; c < 3; ++c) {
      const sfr::PhantomCase p = sfr::generatePhantomCase(phantom, c);
      if (c == 0)
        labelled.push_back({toTensor(p.image), toTensor(p.label)});
      else
        unlabelled.push_back(toTensor(p.image));
    }
    TwoStreamBatchLoader loader(labelled, unlabelled, settings.batch());
    nlohmann::json losses = nlohmann::json::array();
    sfr::NullProgress quiet;
    runTraining(*method, loader, settings.iterations(), quiet, {},
                [&](const StepResult& r) { losses.push_back(r.loss()); });
    context.barrier();

    const std::filesystem::path out = argv[1];
    writeVNetCheckpoint(out / ("rank" + std::to_string(dist.rank()) + ".pt"), *method->student());
    std::ofstream(out / ("rank" + std::to_string(dist.rank()) + ".json")) << nlohmann::json{
        {"rank", dist.rank()},
        {"backend", context.backend()},
        {"initial_first_weight", before.at("first_weight")},
        {"broadcast_first_weight", broadcastWeight},
        {"losses", losses}}.dump();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "replica: " << e.what() << std::endl;
    return 1;
  }
}
