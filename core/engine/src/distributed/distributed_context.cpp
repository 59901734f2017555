#include "sfr/engine/distributed/distributed_context.h"

#include <chrono>
#include <cstdlib>
#include <functional>
#include <vector>

#include "sfr/base/error.h"
#include "sfr/engine/training/training_method.h"

// SFR_HAVE_C10D comes from CMake when the c10d headers and Gloo's headers (libgloo-dev) were found;
// USE_C10D_GLOO / USE_C10D_NCCL come from LibTorch's own compile definitions.
#if defined(SFR_HAVE_C10D) && defined(USE_C10D_GLOO)
#define SFR_C10D_GLOO 1
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if defined(USE_C10D_NCCL) && __has_include(<torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>)
#define SFR_C10D_NCCL 1
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#endif

namespace sfr::engine {

namespace {

int envInt(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  if (!value || !*value) {
    if (!fallback)
      throw Error(name,
                  "environment variable is not set (needed for distributed "
                  "training with MASTER_ADDR/MASTER_PORT/RANK/WORLD_SIZE)");
    value = fallback;
  }
  char* end = nullptr;
  const long v = std::strtol(value, &end, 10);
  if (end == value || *end != '\0')
    throw Error(name, std::string("'") + value + "' is not an integer");
  return static_cast<int>(v);
}

}  // namespace

DistributedSettings DistributedSettings::fromEnvironment() {
  DistributedSettings s;
  if (const char* addr = std::getenv("MASTER_ADDR"); addr && *addr) s.master_addr(addr);
  s.master_port(envInt("MASTER_PORT", "29500"));
  s.rank(envInt("RANK", nullptr));
  s.world_size(envInt("WORLD_SIZE", nullptr));
  if (const char* b = std::getenv("SFR_DIST_BACKEND"); b && *b) s.backend(b);
  s.validate();
  return s;
}

bool DistributedSettings::requestedByEnvironment() {
  const char* size = std::getenv("WORLD_SIZE");
  return size && *size && std::strtol(size, nullptr, 10) > 1;
}

void DistributedSettings::validate() const {
  if (world_size() < 1) throw Error("distributed.world_size", "must be at least 1");
  if (rank() < 0 || rank() >= world_size())
    throw Error("distributed.rank",
                std::to_string(rank()) + " is outside [0, " + std::to_string(world_size()) + ")");
  if (master_port() < 1 || master_port() > 65535)
    throw Error("distributed.master_port", std::to_string(master_port()) + " is not a TCP port");
  if (master_addr().empty()) throw Error("distributed.master_addr", "is empty");
  if (backend() != "auto" && backend() != "gloo" && backend() != "nccl")
    throw Error("distributed.backend", "'" + backend() + "' is not auto, gloo or nccl");
  if (timeout_seconds() < 1) throw Error("distributed.timeout_seconds", "must be positive");
}

struct DistributedContext::Impl {
  int rank = 0;
  int worldSize = 1;
  std::string backend;
  torch::Device device{torch::kCPU};
  bool stageOnCpu = false;  ///< Gloo with CUDA tensors: collectives run on CPU copies
  // The collectives of the chosen process group (Gloo and NCCL have no common C++ base in every
  // LibTorch version: a ProcessGroup in 1.13, a Backend in 2.x).
  std::function<void(std::vector<at::Tensor>&)> allreduce;
  std::function<void(std::vector<at::Tensor>&, int)> broadcast;
  std::function<void()> barrier;
#ifdef SFR_C10D_GLOO
  c10::intrusive_ptr<c10d::Store> store;
#endif
};

bool DistributedContext::available() {
#ifdef SFR_C10D_GLOO
  return true;
#else
  return false;
#endif
}

std::string DistributedContext::unavailableReason() {
#if defined(SFR_C10D_GLOO)
  return "";
#elif defined(SFR_HAVE_C10D)
  return "this LibTorch was built without Gloo (USE_C10D_GLOO is not defined)";
#else
  return "this build has no c10d process groups: the LibTorch headers "
         "torch/csrc/distributed/c10d/ProcessGroupGloo.hpp or Gloo's headers (gloo/context.h, "
         "Debian package libgloo-dev) were not found at configure time";
#endif
}

DistributedContext::DistributedContext(const DistributedSettings& settings, torch::Device device)
    : impl_(std::make_unique<Impl>()) {
  settings.validate();
  impl_->rank = settings.rank();
  impl_->worldSize = settings.world_size();
  impl_->device = device;
#ifndef SFR_C10D_GLOO
  throw Error("distributed training", unavailableReason());
#else
  std::string backend = settings.backend();
  if (backend == "auto") {
#ifdef SFR_C10D_NCCL
    backend = device.is_cuda() ? "nccl" : "gloo";
#else
    backend = "gloo";
#endif
  }
#ifndef SFR_C10D_NCCL
  if (backend == "nccl")
    throw Error("distributed.backend", "nccl: this LibTorch was built without NCCL");
#endif
  if (backend == "nccl" && !device.is_cuda())
    throw Error("distributed.backend", "nccl needs a CUDA device, got " + device.str());
  impl_->backend = backend;
  impl_->stageOnCpu = backend == "gloo" && device.is_cuda();

  const auto timeout = std::chrono::milliseconds(1000LL * settings.timeout_seconds());
  try {
    c10d::TCPStoreOptions storeOptions;
    storeOptions.port = static_cast<std::uint16_t>(settings.master_port());
    storeOptions.isServer = settings.rank() == 0;
    storeOptions.numWorkers = static_cast<std::size_t>(settings.world_size());
    storeOptions.waitWorkers = true;
    storeOptions.timeout = timeout;
    impl_->store = c10::make_intrusive<c10d::TCPStore>(settings.master_addr(), storeOptions);

    auto bind = [this](auto group) {
      impl_->allreduce = [group](std::vector<at::Tensor>& tensors) {
        c10d::AllreduceOptions o;
        o.reduceOp = c10d::ReduceOp::SUM;
        group->allreduce(tensors, o)->wait();
      };
      impl_->broadcast = [group](std::vector<at::Tensor>& tensors, int root) {
        c10d::BroadcastOptions o;
        o.rootRank = root;
        group->broadcast(tensors, o)->wait();
      };
      impl_->barrier = [group] { group->barrier()->wait(); };
    };
#ifdef SFR_C10D_NCCL
    if (backend == "nccl") {
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      bind(c10::make_intrusive<c10d::ProcessGroupNCCL>(impl_->store, settings.rank(),
                                                       settings.world_size(), options));
    } else
#endif
    {
      auto options = c10d::ProcessGroupGloo::Options::create(timeout);
      options->devices.push_back(
          c10d::ProcessGroupGloo::createDeviceForHostname(settings.master_addr()));
      bind(c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, settings.rank(),
                                                       settings.world_size(), options));
    }
  } catch (const c10::Error& e) {
    const std::string what = e.what();
    throw Error("distributed rendezvous at " + settings.master_addr() + ":" +
                    std::to_string(settings.master_port()),
                what.substr(0, what.find('\n')));
  } catch (const std::exception& e) {  // gloo::Exception and socket errors
    throw Error("distributed rendezvous at " + settings.master_addr() + ":" +
                    std::to_string(settings.master_port()),
                e.what());
  }
#endif
}

DistributedContext::~DistributedContext() = default;

int DistributedContext::rank() const {
  return impl_->rank;
}
int DistributedContext::worldSize() const {
  return impl_->worldSize;
}
const std::string& DistributedContext::backend() const {
  return impl_->backend;
}

namespace {

// One flat buffer per collective: fewer, larger messages than one call per tensor.
torch::Tensor flatten(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> flat;
  flat.reserve(tensors.size());
  for (const auto& t : tensors) flat.push_back(t.detach().reshape({-1}).to(torch::kFloat64));
  return torch::cat(flat);
}

void unflattenInto(const torch::Tensor& flat, const std::vector<torch::Tensor>& tensors) {
  torch::NoGradGuard noGrad;
  int64_t offset = 0;
  for (const auto& t : tensors) {
    const int64_t n = t.numel();
    t.copy_(flat.slice(0, offset, offset + n).view_as(t).to(t.device(), t.scalar_type()));
    offset += n;
  }
}

}  // namespace

void DistributedContext::broadcastBuffers(torch::nn::Module& module, int root) {
  std::vector<torch::Tensor> buffers;
  for (const auto& b : module.buffers())
    if (b.defined() && b.numel() > 0) buffers.push_back(b);
  if (impl_->worldSize == 1 || buffers.empty()) return;
  // Float64 carries int64 counters (num_batches_tracked) exactly up to 2^53.
  std::vector<at::Tensor> flat{flatten(buffers)};
  if (!impl_->stageOnCpu) flat[0] = flat[0].to(impl_->device);
  impl_->broadcast(flat, root);
  unflattenInto(flat[0], buffers);
}

void DistributedContext::broadcast(torch::nn::Module& module, int root) {
  if (impl_->worldSize == 1) return;
  std::vector<torch::Tensor> params = module.parameters();
  if (!params.empty()) {
    // Float32 parameters in a float64 buffer: the round trip is exact.
    std::vector<at::Tensor> flat{flatten(params)};
    if (!impl_->stageOnCpu) flat[0] = flat[0].to(impl_->device);
    impl_->broadcast(flat, root);
    unflattenInto(flat[0], params);
  }
  broadcastBuffers(module, root);
}

void DistributedContext::averageGradients(torch::nn::Module& module) {
  if (impl_->worldSize == 1) return;
  std::vector<torch::Tensor> grads;
  for (auto& p : module.parameters())
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return;
  std::vector<torch::Tensor> flat;
  flat.reserve(grads.size());
  for (const auto& g : grads) flat.push_back(g.detach().reshape({-1}));
  std::vector<at::Tensor> buffer{torch::cat(flat)};
  if (impl_->stageOnCpu) buffer[0] = buffer[0].to(torch::kCPU);
  impl_->allreduce(buffer);
  buffer[0].div_(static_cast<double>(impl_->worldSize));
  unflattenInto(buffer[0], grads);
}

void DistributedContext::barrier() {
  if (impl_->worldSize > 1) impl_->barrier();
}

void DistributedContext::attach(TrainingMethod& method) {
  broadcast(*method.studentModule());
  if (method.teacherModule()) broadcast(*method.teacherModule());
  method.setGradientHook([this](TrainingMethod& m) {
    averageGradients(*m.studentModule());
    // Each replica's forward passes updated its BatchNorm statistics from its own crops; rank 0's
    // become everyone's (DistributedDataParallel's broadcast_buffers).
    broadcastBuffers(*m.studentModule());
    if (m.teacherModule()) broadcastBuffers(*m.teacherModule());
  });
}

}  // namespace sfr::engine
