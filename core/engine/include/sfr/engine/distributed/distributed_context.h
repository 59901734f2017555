#pragma once
// Data-parallel re-training through LibTorch's c10d process groups (issue 4 item 6). Every replica
// runs the same TrainingMethod on its own batches; DistributedContext makes them one model:
//
//   DistributedContext dist(DistributedSettings::fromEnvironment(), method->device());
//   dist.attach(*method);   // rank 0's weights to everyone, gradient averaging in every step()
//   runTraining(*method, loader, ...);
//
// Rendezvous is the usual MASTER_ADDR / MASTER_PORT / RANK / WORLD_SIZE through a c10d TCPStore
// (rank 0 hosts it). Backends: Gloo for CPU tensors; NCCL for CUDA tensors where this LibTorch was
// built with it (USE_C10D_NCCL), otherwise Gloo through a CPU staging copy. Each rank should seed
// its data differently (settings.seed + rank) so the replicas see different crops.
//
// Builds without c10d (LibTorch without the distributed headers, or Debian's libtorch-dev without
// libgloo-dev's headers) still compile: available() is false and the constructor throws sfr::Error.
#include <memory>
#include <string>

#include <torch/torch.h>

namespace sfr::engine {

class TrainingMethod;

struct DistributedSettings {
  TORCH_ARG(std::string, master_addr) = "127.0.0.1";
  TORCH_ARG(int, master_port) = 29500;
  TORCH_ARG(int, rank) = 0;
  TORCH_ARG(int, world_size) = 1;
  /// "auto" (NCCL for CUDA devices when built in, else Gloo), "gloo" or "nccl".
  TORCH_ARG(std::string, backend) = "auto";
  /// How long rendezvous and each collective may wait for the other ranks.
  TORCH_ARG(int, timeout_seconds) = 300;

 public:
  /// MASTER_ADDR (default 127.0.0.1), MASTER_PORT (default 29500), RANK and WORLD_SIZE (required),
  /// SFR_DIST_BACKEND (optional). Throws sfr::Error naming the variable that is missing or bad.
  static DistributedSettings fromEnvironment();
  /// True when WORLD_SIZE is set to more than 1: the process was started as one of several
  /// replicas (torchrun-style), so a training entry point should build a DistributedContext.
  static bool requestedByEnvironment();
  /// Throws sfr::Error naming the field (rank outside [0, world_size), port out of range, ...).
  void validate() const;
};

class DistributedContext {
 public:
  /// True when this build has c10d with Gloo (SFR_HAVE_C10D).
  static bool available();
  /// What is missing when !available(), or "" when available.
  static std::string unavailableReason();

  /// Joins the process group (blocks until every rank has connected or the timeout passes).
  /// `device` is where the trained tensors live. Throws sfr::Error on a bad setting, an
  /// unavailable backend or a failed rendezvous.
  DistributedContext(const DistributedSettings& settings, torch::Device device);
  ~DistributedContext();
  DistributedContext(const DistributedContext&) = delete;
  DistributedContext& operator=(const DistributedContext&) = delete;

  int rank() const;
  int worldSize() const;
  /// "gloo" or "nccl".
  const std::string& backend() const;

  /// Copies `root`'s parameters and buffers into every replica's `module` (same structure).
  void broadcast(torch::nn::Module& module, int root = 0);
  /// Copies `root`'s buffers only (BatchNorm running statistics, which every replica updates
  /// from its own batches).
  void broadcastBuffers(torch::nn::Module& module, int root = 0);
  /// Replaces every defined gradient of `module` by its mean over the ranks (one flat all-reduce).
  /// Every rank must have the same set of defined gradients.
  void averageGradients(torch::nn::Module& module);
  /// Blocks until every rank arrives.
  void barrier();

  /// Makes `method` data-parallel: broadcasts rank 0's student and teacher now, then in every
  /// step() averages the student's gradients before the optimiser step and re-broadcasts rank 0's
  /// buffers (student and teacher), so the replicas stay identical. The context must outlive the
  /// method's training.
  void attach(TrainingMethod& method);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfr::engine
