#pragma once
// The engine worker behind `sfr serve`: a JSON-lines protocol (docs/protocol.md, version 1) read
// from one stream and answered on another. serve() is the reader thread; a run trains on its own
// thread, predict/rank requests on job threads and sam_embed/sam_prompt on one SAM thread, so
// status, pause and stop are answered while they work. Every output line is one JSON object written
// whole under a lock; logs go elsewhere (stderr). Malformed requests get error replies; nothing a
// client sends ends the process except "shutdown" and the end of the input.
//
//   WorkerServer server(std::cout);
//   return server.serve(std::cin);
//
// Free of <torch/torch.h>.
#include <iosfwd>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "sfr/engine/worker/run_driver.h"
#include "sfr/engine/worker/sam_assist.h"

namespace sfr::engine {

/// The protocol version every message carries as "v".
inline constexpr int kWorkerProtocolVersion = 1;

struct WorkerOptions {
  /// Builds the driver of a "start" request (default: makeSfrPipelineRun).
  RunDriverFactory runFactory;
  /// Reported by hello (the `sfr` version).
  std::string version = "unknown";
  /// Minimum seconds between two progress events of one stage (the first and last always go).
  double progressInterval = 0.1;
  /// Weights folder and embedding cache of sam_embed / sam_prompt (SAM-assisted labelling).
  SamAssistOptions samAssist;
};

class WorkerServer {
 public:
  explicit WorkerServer(std::ostream& out, WorkerOptions options = {});
  /// Stops a running run (saving its checkpoint) and joins every thread.
  ~WorkerServer();
  WorkerServer(const WorkerServer&) = delete;
  WorkerServer& operator=(const WorkerServer&) = delete;

  /// Reads one request per line until "shutdown" or the end of `in`, then stops any run (it
  /// checkpoints and can be resumed) and waits for every job. Returns the process exit code (0).
  int serve(std::istream& in);

  /// Handles one request line (what serve() does per line). Returns false after "shutdown".
  bool handleLine(const std::string& line);

  /// "idle", "running", "paused", "stopped", "finished" or "failed".
  std::string state() const;
  /// Blocks until the current run thread (if any) has ended; for tests and the "wait" request.
  void waitForRun();
  /// Stops any run and joins all threads (what the destructor and the end of serve() do).
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfr::engine
