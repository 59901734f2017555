#include "sfr/engine/worker/worker_server.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

#include "sfr/base/error.h"
#include "sfr/engine/pipeline/sfr_pipeline.h"
#include "sfr/engine/runtime.h"
#include "sfr/engine/vnet_volume_predictor.h"
#include "sfr/engine/worker/cuda_devices.h"
#include "sfr/engine/worker/sam_assist.h"
#ifdef SFR_HAVE_ITK
#include "sfr/io/image_io.h"
#endif

namespace sfr::engine {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

// LibTorch's messages append a C++ stack trace after the first line; a protocol message is one
// line.
std::string oneLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  return line;
}

const json& requireField(const json& request, const char* key) {
  if (!request.contains(key)) throw Error(key, "missing field");
  return request.at(key);
}

std::string requireString(const json& request, const char* key) {
  const json& v = requireField(request, key);
  if (!v.is_string() || v.get<std::string>().empty())
    throw Error(key, "must be a non-empty string");
  return v.get<std::string>();
}

#ifdef SFR_HAVE_ITK  // only predict/rank read these, and they need image IO
// Sliding-window options of predict/rank: the request's optional "device", "patch" [x, y, z],
// "stride" [xy, z] and "window_batch" over SlidingWindowOptions' defaults.
SlidingWindowOptions windowOptions(const json& request) {
  SlidingWindowOptions o;
  try {
    if (request.contains("device")) o.device(request.at("device").get<std::string>());
    if (request.contains("patch")) o.patch(request.at("patch").get<Extent3>());
    if (request.contains("stride")) {
      const auto s = request.at("stride").get<std::vector<int64_t>>();
      if (s.size() != 2) throw Error("stride", "must be [xy, z]");
      o.stride_xy(s[0]).stride_z(s[1]);
    }
    if (request.contains("window_batch")) o.window_batch(request.at("window_batch").get<int64_t>());
  } catch (const json::exception& e) {
    throw Error("window options", e.what());
  }
  o.validate();
  return o;
}

// An optional array of `count` non-empty path strings; empty when the request has none.
std::vector<std::string> pathList(const json& request, const char* key, std::size_t count) {
  if (!request.contains(key)) return {};
  const json& list = request.at(key);
  if (!list.is_array() || list.size() != count)
    throw Error(key, "must be an array of " + std::to_string(count) +
                         " paths, one per image in \"images\"");
  std::vector<std::string> paths;
  for (const json& p : list) {
    if (!p.is_string() || p.get<std::string>().empty())
      throw Error(key, "must hold non-empty path strings");
    paths.push_back(p.get<std::string>());
  }
  return paths;
}

void createParentFolder(const std::string& path) {
  if (fs::path(path).has_parent_path()) fs::create_directories(fs::path(path).parent_path());
}

void writeLabelCreatingFolder(const LabelVolume& labels, const std::string& path) {
  createParentFolder(path);
  io::writeLabel(labels, path);
}

void writeImageCreatingFolder(const ImageVolume& image, const std::string& path) {
  createParentFolder(path);
  io::writeImage(image, path);
}

// The request's optional "spacing" [x, y, z] (mm) for image files that store none (HDF5).
io::ReadOptions readOptions(const json& request) {
  io::ReadOptions options;
  if (!request.contains("spacing")) return options;
  const json& v = request.at("spacing");
  if (!v.is_array() || v.size() != 3) throw Error("spacing", "must be [x, y, z] in mm");
  Vec3 spacing{};
  for (std::size_t i = 0; i < 3; ++i) {
    if (!v[i].is_number() || !(v[i].get<double>() > 0) || !std::isfinite(v[i].get<double>()))
      throw Error("spacing", "must hold three finite positive numbers (mm)");
    spacing[i] = v[i].get<double>();
  }
  return options.setSpacing(spacing);
}

bool zscore(const json& request) {
  const std::string n = request.value("normalize", std::string("zscore"));
  if (n != "zscore" && n != "none") throw Error("normalize", "'" + n + "' is not zscore or none");
  return n == "zscore";
}
#endif

}  // namespace

struct WorkerServer::Impl : EventSink {
  std::ostream& out;
  WorkerOptions options;
  std::mutex outMutex;

  // Run bookkeeping, guarded by runMutex.
  mutable std::mutex runMutex;
  std::condition_variable runEnded;
  std::string runState = "idle";
  json runId;  ///< id of the start request: every event of the run carries it
  RunRequest runRequest;
  std::thread runThread;
  bool runActive = false;  ///< the run thread is working
  std::string pendingEnd;  ///< "paused" or "stopped" once requested, "" otherwise
  std::optional<CancelToken> cancel;
  json lastProgress = json::object();
  json lastLoss;
  std::string lastError;

  // Predict/rank job threads.
  std::mutex jobMutex;
  std::list<std::thread> jobs;
  CancelToken jobsCancel;

  // SAM-assisted labelling: one thread that answers sam_embed / sam_prompt in arrival order (a
  // slice is embedded before the prompts that follow it), so the model and its embedding cache
  // are never shared between threads and status/pause/stop are still answered at once.
  SamAssist samAssist;
  std::mutex samMutex;
  std::condition_variable samWake, samIdle;
  struct SamJob {
    json id;
    std::string type;
    json request;
  };
  std::deque<SamJob> samQueue;
  std::thread samThread;
  bool samBusy = false;
  bool samStop = false;

  Impl(std::ostream& o, WorkerOptions opt)
      : out(o), options(std::move(opt)), samAssist(options.samAssist) {
    if (!options.runFactory) options.runFactory = makeSfrPipelineRun;
  }

  void write(json message) {
    const std::string line = message.dump() + "\n";
    std::lock_guard<std::mutex> lock(outMutex);
    out << line;
    out.flush();
  }

  void reply(const json& id, const std::string& request, json result) {
    write({{"v", kWorkerProtocolVersion},
           {"id", id},
           {"type", "reply"},
           {"request", request},
           {"result", std::move(result)}});
  }

  void error(const json& id, const std::string& request, const std::string& message) {
    json m{{"v", kWorkerProtocolVersion}, {"id", id}, {"type", "error"}, {"message", message}};
    if (!request.empty()) m["request"] = request;
    write(std::move(m));
  }

  // EventSink: events of the current run.
  void emit(const json& event) override {
    json m{{"v", kWorkerProtocolVersion}};
    {
      std::lock_guard<std::mutex> lock(runMutex);
      m["id"] = runId;
      if (event.value("type", "") == "loss") lastLoss = event;
    }
    for (const auto& item : event.items()) m[item.key()] = item.value();
    write(std::move(m));
  }

  void emitState(const json& id, const std::string& state, const std::string& message = "") {
    json m{{"v", kWorkerProtocolVersion}, {"id", id}, {"type", "state"}, {"state", state}};
    if (!message.empty()) m["message"] = message;
    write(std::move(m));
  }

  // Turns ProgressEvents into protocol events with a rate and an ETA per stage.
  class ProgressEvents final : public ProgressSink {
   public:
    ProgressEvents(Impl& impl, json id, bool trackRun)
        : impl_(impl), id_(std::move(id)), trackRun_(trackRun) {}
    void report(const ProgressEvent& e) override {
      const auto now = Clock::now();
      if (e.stage != stage_) {
        stage_ = e.stage;
        start_ = now;
        startDone_ = e.done > 0 ? e.done - 1 : 0;  // the first report already completed a unit
        lastSent_ = {};
      }
      const double elapsed = std::chrono::duration<double>(now - start_).count();
      const double rate = elapsed > 0 ? static_cast<double>(e.done - startDone_) / elapsed : 0.0;
      json m{{"v", kWorkerProtocolVersion},
             {"id", id_},
             {"type", "progress"},
             {"stage", e.stage},
             {"done", e.done},
             {"total", e.total},
             {"message", e.message},
             {"it_per_s", rate},
             {"eta_s", nullptr}};
      if (rate > 0 && e.total > 0) m["eta_s"] = static_cast<double>(e.total - e.done) / rate;
      if (trackRun_) {
        std::lock_guard<std::mutex> lock(impl_.runMutex);
        impl_.lastProgress = m;
      }
      const bool edge = e.done <= 1 || (e.total > 0 && e.done >= e.total);
      if (!edge && lastSent_ != Clock::time_point{} &&
          std::chrono::duration<double>(now - lastSent_).count() < impl_.options.progressInterval)
        return;
      lastSent_ = now;
      impl_.write(std::move(m));
    }

   private:
    Impl& impl_;
    json id_;
    bool trackRun_;
    std::string stage_;
    Clock::time_point start_, lastSent_;
    int64_t startDone_ = 0;
  };

  // ---- Runs ----

  // Starts the run thread for runRequest (runMutex held by the caller).
  void launchRun(std::unique_ptr<RunDriver> driver) {
    if (runThread.joinable()) runThread.join();  // a finished thread from before
    cancel.emplace();
    pendingEnd.clear();
    lastError.clear();
    lastProgress = json::object();
    runActive = true;
    runState = "running";
    const json id = runId;
    const CancelToken token = *cancel;
    emitState(id, "running");
    runThread = std::thread([this, id, token, d = std::move(driver)]() mutable {
      std::string end = "finished", message;
      try {
        ProgressEvents progress(*this, id, true);
        d->run(progress, token, *this);
      } catch (const Cancelled&) {
        std::lock_guard<std::mutex> lock(runMutex);
        end = pendingEnd.empty() ? "stopped" : pendingEnd;
      } catch (const std::exception& e) {
        end = "failed";
        message = oneLine(e.what());
      }
      d.reset();  // free the networks before anyone sees the end state
      if (end == "failed")
        write({{"v", kWorkerProtocolVersion}, {"id", id}, {"type", "error"}, {"message", message}});
      {
        // The state event goes out under the same lock as the state change, so a client that
        // reacts to "paused" or "finished" (resume, start, status) always finds that state.
        std::lock_guard<std::mutex> lock(runMutex);
        runState = end;
        lastError = message;
        runActive = false;
        emitState(id, end, message);
      }
      runEnded.notify_all();
    });
  }

  void start(const json& id, const json& request) {
    RunRequest r;
    r.config = requireField(request, "config");
    if (!r.config.is_object()) throw Error("config", "must be a JSON object");
    r.runDir = requireString(request, "run_dir");
    if (request.contains("resume")) {
      if (!request.at("resume").is_boolean()) throw Error("resume", "must be true or false");
      r.resume = request.at("resume").get<bool>();
    }
    std::lock_guard<std::mutex> lock(runMutex);
    if (runActive || runState == "paused")
      throw Error("start", "a run is " + runState + "; stop it first");
    std::unique_ptr<RunDriver> driver = options.runFactory(r);  // validates the configuration
    runId = id;
    runRequest = r;
    lastLoss = nullptr;  // a resumed run keeps showing its last loss, a new one starts clean
    reply(id, "start", {{"state", "running"}, {"run_dir", r.runDir.string()}});
    launchRun(std::move(driver));
  }

  void pause(const json& id) {
    std::lock_guard<std::mutex> lock(runMutex);
    if (!runActive || !pendingEnd.empty())
      throw Error("pause", "no running run (state " + runState + ")");
    pendingEnd = "paused";
    cancel->requestCancel();
    reply(id, "pause", {{"state", "pausing"}});
  }

  void resume(const json& id) {
    std::lock_guard<std::mutex> lock(runMutex);
    if (runState != "paused") throw Error("resume", "no paused run (state " + runState + ")");
    RunRequest r = runRequest;
    r.resume = true;
    std::unique_ptr<RunDriver> driver = options.runFactory(r);
    reply(id, "resume", {{"state", "running"}});
    launchRun(std::move(driver));
  }

  void stop(const json& id) {
    std::unique_lock<std::mutex> lock(runMutex);
    if (runState == "paused") {
      runState = "stopped";
      const json run = runId;
      lock.unlock();
      reply(id, "stop", {{"state", "stopped"}});
      emitState(run, "stopped");
      return;
    }
    if (!runActive) throw Error("stop", "no active run (state " + runState + ")");
    pendingEnd = "stopped";
    cancel->requestCancel();
    reply(id, "stop", {{"state", "stopping"}});
  }

  json status() const {
    std::lock_guard<std::mutex> lock(runMutex);
    json s{{"state", runState}, {"run", runId}};
    if (runState != "idle") s["run_dir"] = runRequest.runDir.string();
    if (!pendingEnd.empty()) s["pending"] = pendingEnd;
    if (!lastProgress.empty())
      for (const char* k : {"stage", "done", "total", "it_per_s", "eta_s", "message"})
        s[k] = lastProgress.at(k);
    if (!lastLoss.is_null()) s["loss"] = lastLoss.at("values");
    if (!lastError.empty()) s["error"] = lastError;
    return s;
  }

  void waitForRun() {
    std::unique_lock<std::mutex> lock(runMutex);
    runEnded.wait(lock, [this] { return !runActive; });
  }

  // Joins the predict/rank jobs started so far (they finish their work first).
  void waitForJobs() {
    std::list<std::thread> running;
    {
      std::lock_guard<std::mutex> lock(jobMutex);
      running.swap(jobs);
    }
    for (std::thread& t : running)
      if (t.joinable()) t.join();
    std::unique_lock<std::mutex> lock(samMutex);
    samIdle.wait(lock, [this] { return samQueue.empty() && !samBusy; });
  }

  void stopRunAndJoin() {
    {
      std::lock_guard<std::mutex> lock(runMutex);
      if (runActive && pendingEnd.empty()) {
        pendingEnd = "stopped";
        cancel->requestCancel();
      }
    }
    if (runThread.joinable()) runThread.join();
    jobsCancel.requestCancel();
    std::list<std::thread> finished;
    {
      std::lock_guard<std::mutex> lock(jobMutex);
      finished.swap(jobs);
    }
    for (std::thread& t : finished)
      if (t.joinable()) t.join();
    stopSam();
  }

  // ---- SAM-assisted labelling (one thread) ----

  void samRequest(const json& id, const std::string& type, const json& request) {
    std::lock_guard<std::mutex> lock(samMutex);
    if (samStop) throw Error(type, "the worker is shutting down");
    if (!samThread.joinable()) samThread = std::thread([this] { samLoop(); });
    samQueue.push_back({id, type, request});
    samWake.notify_one();
  }

  void samLoop() {
    for (;;) {
      SamJob job;
      {
        std::unique_lock<std::mutex> lock(samMutex);
        samWake.wait(lock, [this] { return samStop || !samQueue.empty(); });
        if (samQueue.empty()) return;  // stopping, nothing left
        job = std::move(samQueue.front());
        samQueue.pop_front();
        samBusy = true;
      }
      try {
        reply(
            job.id, job.type,
            job.type == "sam_embed" ? samAssist.embed(job.request) : samAssist.prompt(job.request));
      } catch (const std::exception& e) {
        error(job.id, job.type, oneLine(e.what()));
      }
      {
        std::lock_guard<std::mutex> lock(samMutex);
        samBusy = false;
      }
      samIdle.notify_all();
    }
  }

  // Requests still queued are answered "cancelled"; the one being computed finishes first.
  void stopSam() {
    std::deque<SamJob> dropped;
    {
      std::lock_guard<std::mutex> lock(samMutex);
      samStop = true;
      dropped.swap(samQueue);
    }
    samWake.notify_all();
    for (const SamJob& job : dropped) error(job.id, job.type, "cancelled");
    if (samThread.joinable()) samThread.join();
    samIdle.notify_all();
  }

  // ---- Predict / rank (job threads) ----

  template <class Work>
  void launchJob(const json& id, const std::string& request, Work work) {
    std::lock_guard<std::mutex> lock(jobMutex);
    jobs.emplace_back([this, id, request, work]() {
      try {
        ProgressEvents progress(*this, id, false);
        reply(id, request, work(progress));
      } catch (const Cancelled&) {
        error(id, request, "cancelled");
      } catch (const std::exception& e) {
        error(id, request, oneLine(e.what()));
      }
    });
  }

  void predict(const json& id, const json& request) {
#ifndef SFR_HAVE_ITK
    (void)id;
    (void)request;
    throw Error("predict",
                "this build lacks image IO (built without ITK): it cannot read or "
                "write image files");
#else
    const std::string vnet = requireString(request, "vnet");
    const std::string image = requireString(request, "image");
    const std::string outPath = requireString(request, "out");
    const std::string confidencePath = requireString(request, "confidence_out");
    const SlidingWindowOptions window = windowOptions(request);
    const bool normalize = zscore(request);
    const io::ReadOptions reading = readOptions(request);
    const CancelToken token = jobsCancel;
    launchJob(id, "predict", [=](ProgressSink& progress) {
      const VNetVolumePredictor predictor(vnet, window);
      ImageVolume volume = io::readImage(image, reading);
      if (normalize) zScoreInPlace(volume);
      const VolumePrediction p = predictor.predict(volume, true, &progress, &token);
      // Per-voxel confidence: the winning class's probability (what SFR+ averages per volume).
      ImageVolume confidence(volume.geometry(), 0.0f);
      for (const ImageVolume& c : p.probabilities)
        for (std::size_t i = 0; i < confidence.voxelCount(); ++i)
          confidence.voxels()[i] = std::max(confidence.voxels()[i], c.voxels()[i]);
      double sum = 0;
      for (float v : confidence.voxels()) sum += v;
      writeLabelCreatingFolder(p.labels, outPath);
      writeImageCreatingFolder(confidence, confidencePath);
      return json{{"labels", outPath},
                  {"confidence", confidencePath},
                  {"mean_confidence", sum / static_cast<double>(confidence.voxelCount())},
                  {"windows", p.windows}};
    });
#endif
  }

  void rank(const json& id, const json& request) {
#ifndef SFR_HAVE_ITK
    (void)id;
    (void)request;
    throw Error("rank",
                "this build lacks image IO (built without ITK): it cannot read image "
                "files");
#else
    const std::string vnet = requireString(request, "vnet");
    const json& list = requireField(request, "images");
    if (!list.is_array() || list.empty()) throw Error("images", "must be a non-empty array");
    std::vector<std::string> images;
    for (const json& i : list) {
      if (!i.is_string()) throw Error("images", "must hold path strings");
      images.push_back(i.get<std::string>());
    }
    // Optional: where each image's label map and confidence map go (the studio keeps them as
    // the cases' predictions), one path per image, in the order of "images".
    const std::vector<std::string> labelsOut = pathList(request, "labels_out", images.size());
    const std::vector<std::string> confidenceOut =
        pathList(request, "confidence_out", images.size());
    const SlidingWindowOptions window = windowOptions(request);
    const bool normalize = zscore(request);
    const io::ReadOptions reading = readOptions(request);
    const CancelToken token = jobsCancel;
    launchJob(id, "rank", [=](ProgressSink& progress) {
      const VNetVolumePredictor predictor(vnet, window);
      struct Scored {
        double confidence;
        std::size_t index;
      };
      std::vector<Scored> scores;
      for (std::size_t n = 0; n < images.size(); ++n) {
        token.throwIfCancelled();
        ImageVolume volume = io::readImage(images[n], reading);
        if (normalize) zScoreInPlace(volume);
        const VolumePrediction p = predictor.predict(volume, true, nullptr, &token);
        ImageVolume confidence(volume.geometry(), 0.0f);
        for (const ImageVolume& c : p.probabilities)
          for (std::size_t i = 0; i < confidence.voxelCount(); ++i)
            confidence.voxels()[i] = std::max(confidence.voxels()[i], c.voxels()[i]);
        double sum = 0;
        for (float v : confidence.voxels()) sum += v;
        if (!labelsOut.empty()) writeLabelCreatingFolder(p.labels, labelsOut[n]);
        if (!confidenceOut.empty()) writeImageCreatingFolder(confidence, confidenceOut[n]);
        scores.push_back({sum / static_cast<double>(volume.voxelCount()), n});
        progress.report(
            {"rank", static_cast<int64_t>(n + 1), static_cast<int64_t>(images.size()), images[n]});
      }
      // Least confident first: those are the cases a person should review.
      std::stable_sort(scores.begin(), scores.end(), [](const Scored& a, const Scored& b) {
        return a.confidence < b.confidence;
      });
      json volumes = json::array();
      for (const Scored& s : scores) {
        json v = {{"image", images[s.index]}, {"confidence", s.confidence}};
        if (!labelsOut.empty()) v["labels"] = labelsOut[s.index];
        if (!confidenceOut.empty()) v["confidence_map"] = confidenceOut[s.index];
        volumes.push_back(std::move(v));
      }
      return json{{"volumes", volumes}};
    });
#endif
  }

  // ---- Dispatch ----

  json hello() const {
    const ThreadSettings t = torchThreads();
    return {{"protocol", kWorkerProtocolVersion},
            {"version", options.version},
            {"engine", torchDescription()},
            {"threads", {{"intra_op", t.intraOp}, {"inter_op", t.interOp}}},
            {"image_io",
#ifdef SFR_HAVE_ITK
             true
#else
             false
#endif
            },
            {"methods", pipelineMethodNames()}};
  }

  json devices() const {
    json list = json::array();
    list.push_back({{"device", "cpu"},
                    {"name", "CPU"},
                    {"cores", std::thread::hardware_concurrency()},
                    {"threads", torchThreads().intraOp}});
    json result;
    if (cudaAvailable()) {
      std::string problem;
      for (const CudaDeviceInfo& d : cudaDevices(&problem))
        list.push_back({{"device", "cuda:" + std::to_string(d.index)},
                        {"name", d.name},
                        {"free_bytes", d.freeBytes},
                        {"total_bytes", d.totalBytes}});
      if (!problem.empty()) result["cuda_problem"] = problem;
    } else {
      result["cuda_problem"] = "this LibTorch build or machine has no CUDA";
    }
    result["devices"] = list;
    return result;
  }

  bool handle(const std::string& line) {
    json id = nullptr;
    std::string type;
    try {
      json request;
      try {
        request = json::parse(line);
      } catch (const json::parse_error& e) {
        throw Error("request", std::string("not valid JSON: ") + e.what());
      }
      if (!request.is_object()) throw Error("request", "must be a JSON object");
      if (request.contains("id")) id = request.at("id");
      if (!request.contains("type") || !request.at("type").is_string())
        throw Error("type", "missing field (a string)");
      type = request.at("type").get<std::string>();
      if (!request.contains("v")) throw Error("v", "missing field (protocol version)");
      if (request.at("v") != kWorkerProtocolVersion)
        throw Error("v", "protocol version " + request.at("v").dump() +
                             " is not supported (this "
                             "worker speaks " +
                             std::to_string(kWorkerProtocolVersion) + ")");
      if (!request.contains("id")) throw Error("id", "missing field");

      if (type == "hello") {
        reply(id, type, hello());
      } else if (type == "devices") {
        reply(id, type, devices());
      } else if (type == "status") {
        reply(id, type, status());
      } else if (type == "start") {
        start(id, request);
      } else if (type == "pause") {
        pause(id);
      } else if (type == "resume") {
        resume(id);
      } else if (type == "stop") {
        stop(id);
      } else if (type == "wait") {
        waitForRun();
        waitForJobs();
        reply(id, type, status());
      } else if (type == "predict") {
        predict(id, request);
      } else if (type == "rank") {
        rank(id, request);
      } else if (type == "sam_embed" || type == "sam_prompt") {
        samRequest(id, type, request);
      } else if (type == "shutdown") {
        stopRunAndJoin();
        reply(id, type, status());
        return false;
      } else {
        throw Error("type", "unknown request type '" + type + "'");
      }
    } catch (const std::exception& e) {
      error(id, type, oneLine(e.what()));
    }
    return true;
  }
};

WorkerServer::WorkerServer(std::ostream& out, WorkerOptions options)
    : impl_(std::make_unique<Impl>(out, std::move(options))) {}

WorkerServer::~WorkerServer() {
  close();
}

void WorkerServer::close() {
  impl_->stopRunAndJoin();
}

int WorkerServer::serve(std::istream& in) {
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank lines
    if (!handleLine(line)) return 0;
  }
  close();  // end of input: the client is gone; the run checkpoints and can be resumed
  return 0;
}

bool WorkerServer::handleLine(const std::string& line) {
  return impl_->handle(line);
}

std::string WorkerServer::state() const {
  std::lock_guard<std::mutex> lock(impl_->runMutex);
  return impl_->runState;
}

void WorkerServer::waitForRun() {
  impl_->waitForRun();
}

}  // namespace sfr::engine
