// The `sfr serve` worker driven in-process through its protocol: requests go in as lines, replies
// and events come back as lines on a captured stream (docs/protocol.md).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <numeric>
#include <ostream>
#include <sstream>
#include <streambuf>
#include <thread>

#include <nlohmann/json.hpp>

#include "sfr/base/error.h"
#include "sfr/base/phantom.h"
#include "sfr/engine/pipeline/sfr_pipeline.h"
#include "sfr/engine/vnet_checkpoint.h"
#include "sfr/engine/worker/worker_server.h"
#include "test_checkpoint_python.h"
#ifdef SFR_HAVE_ITK
#include "sfr/io/image_io.h"
#endif

using namespace sfr::engine;
using nlohmann::json;
using sfr::test::TempDir;

namespace {

// A thread-safe sink for the worker's output: the test reads while the run thread writes.
class Capture : public std::streambuf {
 public:
  std::vector<json> messages() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<json> out;
    std::istringstream in(text_);
    std::string line;
    while (std::getline(in, line)) {
      // Every line must be one JSON object; a parse failure fails the test here.
      out.push_back(json::parse(line));
    }
    return out;
  }
  std::string text() {
    std::lock_guard<std::mutex> lock(mutex_);
    return text_;
  }

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) {
      std::lock_guard<std::mutex> lock(mutex_);
      text_.push_back(static_cast<char>(c));
    }
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::lock_guard<std::mutex> lock(mutex_);
    text_.append(s, static_cast<std::size_t>(n));
    return n;
  }

 private:
  std::mutex mutex_;
  std::string text_;
};

class WorkerTest : public ::testing::Test {
 protected:
  explicit WorkerTest(WorkerOptions options = {}) : stream_(&capture_) {
    options.progressInterval = 0;
    server_ = std::make_unique<WorkerServer>(stream_, options);
  }

  // Sends one request; returns the reply (or error) carrying `id`, waiting up to a minute for
  // replies that come from a job thread.
  json request(json message) {
    message["v"] = 1;
    const json id = message.at("id");
    EXPECT_TRUE(server_->handleLine(message.dump()) || message.at("type") == "shutdown");
    return waitFor([&](const json& m) {
      return m.at("id") == id && (m.at("type") == "reply" || m.at("type") == "error");
    });
  }

  json waitFor(const std::function<bool(const json&)>& match, double seconds = 120) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      for (const json& m : capture_.messages())
        if (match(m)) return m;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "no matching message; output so far:\n" << capture_.text();
    return json::object();
  }

  json waitForState(const json& runId, const std::string& state, std::size_t nth = 1) {
    return waitFor([&, count = std::size_t{0}](const json& m) mutable {
      return m.at("type") == "state" && m.at("id") == runId && m.at("state") == state &&
             ++count == nth;
    });
  }

  std::vector<json> events(const json& runId, const std::string& type) {
    std::vector<json> out;
    for (const json& m : capture_.messages())
      if (m.at("id") == runId && m.at("type") == type) out.push_back(m);
    return out;
  }

  Capture capture_;
  std::ostream stream_;
  std::unique_ptr<WorkerServer> server_;
};

// A run config small enough for a unit test: 32^3 phantoms, 4-filter V-Net, 32 x 32 x 16 crops.
json tinyRun(int iterations, int checkpointEvery) {
  return {{"preset", "cpu"},
          {"method", "mean-teacher"},
          {"training",
           {{"iterations", iterations},
            {"network", {{"filters", 4}}},
            {"batch", {{"crop", {32, 32, 16}}}}}},
          {"data",
           {{"source", "phantom"},
            {"phantom", {{"size", {32, 32, 32}}, {"cases", 3}}},
            {"labelled", 1}}},
          {"checkpoint_every", checkpointEvery}};
}

void expectWellFormed(const json& m) {
  ASSERT_TRUE(m.is_object());
  EXPECT_EQ(m.at("v"), 1) << m;
  EXPECT_TRUE(m.contains("id")) << m;
  const std::string type = m.at("type");
  if (type == "progress") {
    for (const char* k : {"stage", "done", "total", "message", "it_per_s", "eta_s"})
      EXPECT_TRUE(m.contains(k)) << k << " missing in " << m;
  } else if (type == "loss") {
    EXPECT_TRUE(m.at("iteration").is_number_integer()) << m;
    EXPECT_TRUE(m.at("values").is_object()) << m;
    EXPECT_TRUE(m.at("values").contains("loss")) << m;
  } else if (type == "metric") {
    EXPECT_TRUE(m.at("name").is_string()) << m;
    EXPECT_TRUE(m.at("value").is_number()) << m;
  } else if (type == "state") {
    const std::string s = m.at("state");
    EXPECT_TRUE(s == "running" || s == "paused" || s == "stopped" || s == "finished" ||
                s == "failed")
        << m;
  } else if (type == "error") {
    EXPECT_TRUE(m.at("message").is_string()) << m;
  } else {
    EXPECT_EQ(type, "reply") << m;
    EXPECT_TRUE(m.contains("result")) << m;
  }
}

}  // namespace

TEST_F(WorkerTest, HelloAndDevices) {
  const json hello = request({{"id", 1}, {"type", "hello"}});
  ASSERT_EQ(hello.at("type"), "reply") << hello;
  EXPECT_EQ(hello.at("request"), "hello");
  EXPECT_EQ(hello.at("result").at("protocol"), 1);
  EXPECT_NE(hello.at("result").at("engine").get<std::string>().find("LibTorch"), std::string::npos);
  EXPECT_GE(hello.at("result").at("threads").at("intra_op").get<int>(), 1);
  const auto methods = hello.at("result").at("methods").get<std::vector<std::string>>();
  EXPECT_NE(std::find(methods.begin(), methods.end(), "mean-teacher"), methods.end());

  const json devices = request({{"id", "d"}, {"type", "devices"}});
  ASSERT_EQ(devices.at("type"), "reply") << devices;
  const json& list = devices.at("result").at("devices");
  ASSERT_GE(list.size(), 1u);
  EXPECT_EQ(list[0].at("device"), "cpu");
  for (std::size_t i = 1; i < list.size(); ++i) {
    EXPECT_GT(list[i].at("total_bytes").get<uint64_t>(), 0u) << list[i];
    EXPECT_LE(list[i].at("free_bytes").get<uint64_t>(), list[i].at("total_bytes").get<uint64_t>());
  }
  for (const json& m : capture_.messages()) expectWellFormed(m);
}

TEST_F(WorkerTest, BadRequestsGetErrorRepliesWithTheirId) {
  EXPECT_TRUE(server_->handleLine("{not json"));
  EXPECT_TRUE(server_->handleLine("[1, 2]"));
  auto messages = capture_.messages();
  ASSERT_EQ(messages.size(), 2u);
  for (const json& m : messages) {
    EXPECT_EQ(m.at("type"), "error");
    EXPECT_TRUE(m.at("id").is_null());
  }
  EXPECT_NE(messages[0].at("message").get<std::string>().find("not valid JSON"), std::string::npos);

  json e = request({{"id", 7}, {"type", "fly"}});
  EXPECT_EQ(e.at("type"), "error");
  EXPECT_NE(e.at("message").get<std::string>().find("unknown request type 'fly'"),
            std::string::npos);

  e = request({{"id", 8}, {"type", "start"}, {"config", tinyRun(2, 1)}});  // no run_dir
  EXPECT_EQ(e.at("type"), "error");
  EXPECT_EQ(e.at("request"), "start");
  EXPECT_NE(e.at("message").get<std::string>().find("run_dir"), std::string::npos);

  json config = tinyRun(2, 1);
  config["data"]["labeled"] = 1;  // a typo must not silently train with a default
  e = request({{"id", 9}, {"type", "start"}, {"config", config}, {"run_dir", "/tmp/unused"}});
  EXPECT_EQ(e.at("type"), "error");
  EXPECT_NE(e.at("message").get<std::string>().find("run.data.labeled"), std::string::npos) << e;

  config = tinyRun(2, 1);
  config["training"]["optimizer"] = {{"momentum", 2}};
  e = request({{"id", 10}, {"type", "start"}, {"config", config}, {"run_dir", "/tmp/unused"}});
  EXPECT_NE(e.at("message").get<std::string>().find("optimizer.momentum"), std::string::npos) << e;

  e = request({{"id", 11}, {"type", "pause"}});
  EXPECT_EQ(e.at("type"), "error");
  e = request({{"id", 12}, {"type", "resume"}});
  EXPECT_EQ(e.at("type"), "error");

  // Missing "v" and "id" fields.
  EXPECT_TRUE(server_->handleLine(R"({"id": 13, "type": "hello"})"));
  EXPECT_TRUE(server_->handleLine(R"({"v": 1, "type": "hello"})"));
  EXPECT_TRUE(server_->handleLine(R"({"v": 2, "id": 14, "type": "hello"})"));
  messages = capture_.messages();
  ASSERT_GE(messages.size(), 3u);
  const json& missingV = messages[messages.size() - 3];
  EXPECT_EQ(missingV.at("id"), 13);
  EXPECT_NE(missingV.at("message").get<std::string>().find("v: missing field"), std::string::npos);
  EXPECT_NE(messages[messages.size() - 2].at("message").get<std::string>().find("id: missing"),
            std::string::npos);
  EXPECT_NE(messages.back().at("message").get<std::string>().find("version 2"), std::string::npos);

  const json status = request({{"id", 15}, {"type", "status"}});
  EXPECT_EQ(status.at("result").at("state"), "idle");
  for (const json& m : capture_.messages()) expectWellFormed(m);
}

// Pause and resume continue exactly: every iteration is reported once, in order, and the final
// weights equal those of a run that was never paused.
TEST_F(WorkerTest, TrainsPausesResumesAndMatchesAnUninterruptedRun) {
  TempDir dir;
  const json start = request(
      {{"id", "run1"}, {"type", "start"}, {"config", tinyRun(16, 5)}, {"run_dir", dir / "a"}});
  ASSERT_EQ(start.at("type"), "reply") << start;
  const json running = request({{"id", "s1"}, {"type", "status"}});
  EXPECT_EQ(running.at("result").at("state"), "running") << running;

  waitFor([](const json& m) { return m.at("type") == "loss" && m.at("iteration") == 1; });
  EXPECT_EQ(request({{"id", "p"}, {"type", "pause"}}).at("type"), "reply");
  waitForState("run1", "paused");
  const json paused = request({{"id", "s2"}, {"type", "status"}});
  EXPECT_EQ(paused.at("result").at("state"), "paused");
  const int64_t pausedAt = paused.at("result").at("done");
  EXPECT_GE(pausedAt, 1);
  EXPECT_LT(pausedAt, 16) << "the pause came too late to test resuming";
  EXPECT_TRUE(std::filesystem::exists(dir / "a" / "checkpoints" / "vnet_state_round0.pt"));
  EXPECT_TRUE(std::filesystem::exists(dir / "a" / "config.json"));

  EXPECT_EQ(request({{"id", "r"}, {"type", "resume"}}).at("type"), "reply");
  waitForState("run1", "finished");
  EXPECT_EQ(server_->state(), "finished");
  ASSERT_TRUE(std::filesystem::exists(dir / "a" / "vnet_final.pt"));

  std::vector<int64_t> iterations;
  for (const json& m : events("run1", "loss")) iterations.push_back(m.at("iteration"));
  std::vector<int64_t> expected(16);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(iterations, expected);
  std::vector<json> progress;
  for (const json& m : events("run1", "progress"))
    if (m.at("stage") == "train") progress.push_back(m);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back().at("done"), 16);
  EXPECT_EQ(progress.back().at("total"), 16);
  // After training the pipeline scores the two unlabelled phantoms for review.
  EXPECT_TRUE(std::filesystem::exists(dir / "a" / "confidence.csv"));
  std::vector<std::string> states;
  for (const json& m : events("run1", "state")) states.push_back(m.at("state"));
  EXPECT_EQ(states, (std::vector<std::string>{"running", "paused", "running", "finished"}));
  bool learningRate = false;
  for (const json& m : events("run1", "metric")) learningRate |= m.at("name") == "learning_rate";
  EXPECT_TRUE(learningRate);
  for (const json& m : capture_.messages()) expectWellFormed(m);

  // The same run without a pause, in another folder.
  ASSERT_EQ(
      request(
          {{"id", "run2"}, {"type", "start"}, {"config", tinyRun(16, 5)}, {"run_dir", dir / "b"}})
          .at("type"),
      "reply");
  waitForState("run2", "finished");
  const VNetCheckpoint a = readVNetCheckpoint(dir / "a" / "vnet_final.pt");
  const VNetCheckpoint b = readVNetCheckpoint(dir / "b" / "vnet_final.pt");
  ASSERT_EQ(a.stateDict.size(), b.stateDict.size());
  for (std::size_t i = 0; i < a.stateDict.size(); ++i) {
    EXPECT_EQ(a.stateDict[i].first, b.stateDict[i].first);
    EXPECT_TRUE(torch::equal(a.stateDict[i].second, b.stateDict[i].second))
        << a.stateDict[i].first << " differs after pause/resume";
  }

#ifdef SFR_HAVE_ITK
  // Predict a phantom written as NIfTI: label map and confidence map on the input's grid.
  const sfr::PhantomCase phantom =
      sfr::generatePhantomCase(sfr::PhantomSettings{}.setSize({32, 32, 32}).setCases(3), 2);
  sfr::io::writeImage(phantom.image, dir / "case.nii.gz");
  const json window = {{"patch", {32, 32, 16}}, {"stride", {16, 8}}};
  json predict = {{"id", "pr"},
                  {"type", "predict"},
                  {"vnet", dir / "a" / "vnet_final.pt"},
                  {"image", dir / "case.nii.gz"},
                  {"out", dir / "out" / "label.nii.gz"},
                  {"confidence_out", dir / "out" / "confidence.nii.gz"}};
  predict.update(window);
  const json predicted = request(predict);
  ASSERT_EQ(predicted.at("type"), "reply") << predicted;
  const sfr::LabelVolume label = sfr::io::readLabel(dir / "out" / "label.nii.gz");
  const sfr::ImageVolume confidence = sfr::io::readImage(dir / "out" / "confidence.nii.gz");
  const sfr::ImageVolume input = sfr::io::readImage(dir / "case.nii.gz");
  EXPECT_EQ(label.size(), input.size());
  EXPECT_EQ(confidence.size(), input.size());
  EXPECT_EQ(label.geometry().spacing, input.geometry().spacing);
  for (float v : confidence.voxels()) {
    ASSERT_GE(v, 0.5f - 1e-6f);  // two classes: the winner has at least half
    ASSERT_LE(v, 1.0f + 1e-6f);
  }
  const double mean = predicted.at("result").at("mean_confidence");
  EXPECT_GT(mean, 0.5);
  EXPECT_LE(mean, 1.0);

  const sfr::PhantomCase other =
      sfr::generatePhantomCase(sfr::PhantomSettings{}.setSize({32, 32, 32}).setCases(3), 0);
  sfr::io::writeImage(other.image, dir / "other.nii.gz");
  json rank = {{"id", "rk"},
               {"type", "rank"},
               {"vnet", dir / "a" / "vnet_final.pt"},
               {"images", json::array({dir / "case.nii.gz", dir / "other.nii.gz"})}};
  rank.update(window);
  const json ranked = request(rank);
  ASSERT_EQ(ranked.at("type"), "reply") << ranked;
  const json& volumes = ranked.at("result").at("volumes");
  ASSERT_EQ(volumes.size(), 2u);
  EXPECT_LE(volumes[0].at("confidence").get<double>(), volumes[1].at("confidence").get<double>());
  for (const json& v : volumes) {
    if (v.at("image") == (dir / "case.nii.gz").string()) {
      EXPECT_NEAR(v.at("confidence").get<double>(), mean, 1e-9);
    }
    EXPECT_FALSE(v.contains("labels"));  // no files unless asked for
  }

  // Ranking that keeps the predictions: one label map and one confidence map per image, named
  // by the request in the order of "images", each entry naming its own files.
  json keep = rank;
  keep["id"] = "rk2";
  keep["labels_out"] = {dir / "keep" / "case.nii.gz", dir / "keep" / "other.nii.gz"};
  keep["confidence_out"] = {dir / "keep" / "case_confidence.nii.gz",
                            dir / "keep" / "other_confidence.nii.gz"};
  const json kept = request(keep);
  ASSERT_EQ(kept.at("type"), "reply") << kept;
  ASSERT_EQ(kept.at("result").at("volumes").size(), 2u);
  for (const json& v : kept.at("result").at("volumes")) {
    const std::string stem =
        std::filesystem::path(v.at("image").get<std::string>()).filename() == "case.nii.gz"
            ? "case"
            : "other";
    EXPECT_EQ(v.at("labels"), (dir / "keep" / (stem + ".nii.gz")).string());
    EXPECT_EQ(v.at("confidence_map"), (dir / "keep" / (stem + "_confidence.nii.gz")).string());
    const sfr::LabelVolume keptLabels = sfr::io::readLabel(v.at("labels").get<std::string>());
    const sfr::ImageVolume keptConfidence =
        sfr::io::readImage(v.at("confidence_map").get<std::string>());
    EXPECT_EQ(keptLabels.size(), input.size());
    EXPECT_EQ(keptConfidence.size(), input.size());
    double sum = 0;
    for (float c : keptConfidence.voxels()) sum += c;
    EXPECT_NEAR(sum / static_cast<double>(keptConfidence.voxelCount()),
                v.at("confidence").get<double>(), 1e-5);
    if (stem == "case") {
      EXPECT_EQ(keptLabels.voxels(), label.voxels());  // what predict wrote for the same image
    }
  }
  json badSpacing = rank;
  badSpacing["id"] = "rk4";
  badSpacing["spacing"] = {1.0, 1.0};
  const json spacingRefused = request(badSpacing);
  EXPECT_EQ(spacingRefused.at("type"), "error");
  EXPECT_NE(spacingRefused.at("message").get<std::string>().find("spacing"), std::string::npos)
      << spacingRefused;
  json wrongCount = rank;
  wrongCount["id"] = "rk3";
  wrongCount["labels_out"] = {dir / "keep" / "only_one.nii.gz"};
  const json refused = request(wrongCount);
  EXPECT_EQ(refused.at("type"), "error");
  EXPECT_NE(refused.at("message").get<std::string>().find("labels_out"), std::string::npos)
      << refused;

  const json missing = request({{"id", "pm"},
                                {"type", "predict"},
                                {"vnet", dir / "nope.pt"},
                                {"image", dir / "case.nii.gz"},
                                {"out", dir / "x.nii.gz"},
                                {"confidence_out", dir / "y.nii.gz"}});
  EXPECT_EQ(missing.at("type"), "error");
  EXPECT_NE(missing.at("message").get<std::string>().find("nope.pt"), std::string::npos);
#else
  const json predicted = request({{"id", "pr"},
                                  {"type", "predict"},
                                  {"vnet", dir / "a" / "vnet_final.pt"},
                                  {"image", "x.nii.gz"},
                                  {"out", "y.nii.gz"},
                                  {"confidence_out", "z.nii.gz"}});
  EXPECT_EQ(predicted.at("type"), "error");
  EXPECT_NE(predicted.at("message").get<std::string>().find("lacks image IO"), std::string::npos);
#endif
  for (const json& m : capture_.messages()) expectWellFormed(m);
}

TEST_F(WorkerTest, StopKeepsACheckpointThatAStartWithResumeContinues) {
  TempDir dir;
  ASSERT_EQ(
      request({{"id", 1}, {"type", "start"}, {"config", tinyRun(40, 100)}, {"run_dir", dir / "r"}})
          .at("type"),
      "reply");
  waitFor([](const json& m) { return m.at("type") == "loss" && m.at("iteration") == 1; });
  EXPECT_EQ(request({{"id", 2}, {"type", "stop"}}).at("type"), "reply");
  waitForState(1, "stopped");
  // The checkpoint interval (100) was never reached: the stop itself saved the state.
  ASSERT_TRUE(std::filesystem::exists(dir / "r" / "checkpoints" / "vnet_state_round0.pt"));
  EXPECT_EQ(request({{"id", 3}, {"type", "resume"}}).at("type"), "error");
  const int64_t stoppedAt = events(1, "loss").back().at("iteration");

  const json again = request({{"id", 4},
                              {"type", "start"},
                              {"config", tinyRun(40, 100)},
                              {"run_dir", dir / "r"},
                              {"resume", true}});
  ASSERT_EQ(again.at("type"), "reply") << again;
  const json first =
      waitFor([](const json& m) { return m.at("type") == "loss" && m.at("id") == 4; });
  EXPECT_EQ(first.at("iteration"), stoppedAt + 1);
  const json resumed = waitFor(
      [](const json& m) { return m.at("type") == "metric" && m.at("name") == "resumed_at"; });
  EXPECT_EQ(resumed.at("value"), stoppedAt);

  // Another configuration in the same folder is refused instead of mixing two runs.
  request({{"id", 5}, {"type", "stop"}});
  waitForState(4, "stopped");
  const json mismatch = request({{"id", 6},
                                 {"type", "start"},
                                 {"config", tinyRun(41, 100)},
                                 {"run_dir", dir / "r"},
                                 {"resume", true}});
  ASSERT_EQ(mismatch.at("type"), "reply");  // validated config; the folder is checked by the run
  waitForState(6, "failed");
  const json status = request({{"id", 7}, {"type", "status"}});
  EXPECT_EQ(status.at("result").at("state"), "failed");
  EXPECT_NE(status.at("result").at("error").get<std::string>().find("config.json"),
            std::string::npos);
  EXPECT_EQ(request({{"id", 8}, {"type", "shutdown"}}).at("type"), "reply");
  for (const json& m : capture_.messages()) expectWellFormed(m);
}

// ---- A stand-in driver: the protocol's run handling without LibTorch work ----

namespace {

class CountingDriver final : public RunDriver {
 public:
  explicit CountingDriver(bool fail) : fail_(fail) {}
  void run(sfr::ProgressSink& progress, const sfr::CancelToken& cancel,
           EventSink& events) override {
    for (int i = 1;; ++i) {
      if (fail_ && i == 3) throw sfr::Error("driver", "broke at 3");
      cancel.throwIfCancelled();
      progress.report({"train", i, 0, ""});
      events.emit({{"type", "loss"}, {"iteration", i}, {"values", {{"loss", 1.0 / i}}}});
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

 private:
  bool fail_;
};

WorkerOptions countingOptions() {
  WorkerOptions o;
  o.runFactory = [](const RunRequest& r) -> std::unique_ptr<RunDriver> {
    if (!r.config.contains("mode")) throw sfr::Error("config.mode", "missing");
    return std::make_unique<CountingDriver>(r.config.at("mode") == "fail");
  };
  return o;
}

class PluggedWorkerTest : public WorkerTest {
 protected:
  PluggedWorkerTest() : WorkerTest(countingOptions()) {}
};

}  // namespace

TEST_F(PluggedWorkerTest, ARunDriverPlugsInAndFailuresBecomeEvents) {
  EXPECT_EQ(request({{"id", 1}, {"type", "start"}, {"config", json::object()}, {"run_dir", "x"}})
                .at("message"),
            "config.mode: missing");
  ASSERT_EQ(request({{"id", 2}, {"type", "start"}, {"config", {{"mode", "ok"}}}, {"run_dir", "x"}})
                .at("type"),
            "reply");
  // A second start while one runs is refused.
  EXPECT_EQ(request({{"id", 3}, {"type", "start"}, {"config", {{"mode", "ok"}}}, {"run_dir", "x"}})
                .at("type"),
            "error");
  waitFor([](const json& m) { return m.at("type") == "loss" && m.at("iteration") == 5; });
  const json status = request({{"id", 4}, {"type", "status"}});
  EXPECT_EQ(status.at("result").at("state"), "running");
  EXPECT_GE(status.at("result").at("done").get<int>(), 5);
  request({{"id", 5}, {"type", "stop"}});
  waitForState(2, "stopped");

  ASSERT_EQ(
      request({{"id", 6}, {"type", "start"}, {"config", {{"mode", "fail"}}}, {"run_dir", "x"}})
          .at("type"),
      "reply");
  waitForState(6, "failed");
  const auto errors = events(6, "error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].at("message"), "driver: broke at 3");
  for (const json& m : capture_.messages()) expectWellFormed(m);
}

TEST(WorkerServe, EndOfInputStopsTheRunAndReturns) {
  std::ostringstream out;
  std::istringstream in(R"({"v":1,"id":1,"type":"start","config":{"mode":"ok"},"run_dir":"x"})"
                        "\n\n"
                        R"({"v":1,"id":2,"type":"status"})"
                        "\n");
  WorkerServer server(out, countingOptions());
  EXPECT_EQ(server.serve(in), 0);
  EXPECT_EQ(server.state(), "stopped");
  EXPECT_NE(out.str().find(R"("state":"stopped")"), std::string::npos) << out.str();
}
