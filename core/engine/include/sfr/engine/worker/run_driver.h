#pragma once
// What `sfr serve` runs when the studio says "start": a RunDriver. The worker owns the threads,
// the protocol and the pause/stop bookkeeping; a driver only trains. The SFR / SFR+ pipeline
// (sfr/engine/pipeline) is the default; tests plug others in through a RunDriverFactory.
// Free of <torch/torch.h> so the worker and the CLI compile without LibTorch headers.
#include <filesystem>
#include <functional>
#include <memory>

#include <nlohmann/json.hpp>

#include "sfr/base/progress.h"

namespace sfr::engine {

/// Receives the run's events other than progress. `event` is one protocol event without "v" and
/// "id" (the worker adds them): {"type": "loss", "iteration": 12, "values": {...}} or
/// {"type": "metric", "name": "learning_rate", "value": 0.01, "iteration": 12}. Thread-safe
/// implementations only: drivers may emit from any thread.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void emit(const nlohmann::json& event) = 0;
};

class RunDriver {
 public:
  virtual ~RunDriver() = default;
  /// Runs to the end. Reports progress through `progress` (stage, done, total, message) and
  /// losses and metrics through `events`. Polls `cancel` between iterations: on a request it saves
  /// a checkpoint that a later driver built with resume = true continues from exactly, then throws
  /// sfr::Cancelled (pause and stop both arrive this way). Throws sfr::Error on failure.
  virtual void run(ProgressSink& progress, const CancelToken& cancel, EventSink& events) = 0;
};

/// The "start" request's content.
struct RunRequest {
  nlohmann::json config = nlohmann::json::object();  ///< the driver's own configuration
  std::filesystem::path runDir;                      ///< checkpoints, resolved config, results
  bool resume = false;  ///< continue from the latest checkpoint in runDir when there is one
};

/// Builds a driver for a request. Called on the worker's reader thread: validate the
/// configuration here (throw sfr::Error, which becomes the error reply) and leave the slow work
/// (reading data, building networks) to run().
using RunDriverFactory = std::function<std::unique_ptr<RunDriver>(const RunRequest&)>;

}  // namespace sfr::engine
