#pragma once
// Progress and cancellation shared by every long operation (reading a dataset, training,
// inference). The CLI renders a terminal bar, the worker turns it into JSON events.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace sfr {

/// A cancellation flag shared between the requester (GUI, signal handler, protocol) and the worker.
class CancelToken {
 public:
  void requestCancel() { flag_->store(true); }
  bool isCancelled() const { return flag_->load(); }
  /// Throws sfr::Cancelled when cancellation was requested.
  void throwIfCancelled() const;

 private:
  std::shared_ptr<std::atomic<bool>> flag_ = std::make_shared<std::atomic<bool>>(false);
};

struct ProgressEvent {
  std::string stage;       ///< "generate", "train", "predict", ...
  std::int64_t done = 0;   ///< units completed in this stage
  std::int64_t total = 0;  ///< units in this stage (0 = unknown)
  std::string message;     ///< free text, e.g. "loss 0.412"
};

/// Receives progress; implementations must be cheap (they are called from hot loops).
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void report(const ProgressEvent& event) = 0;
};

/// Discards everything; the default when the caller does not care.
class NullProgress final : public ProgressSink {
 public:
  void report(const ProgressEvent&) override {}
};

/// Forwards to a std::function (handy in tests and in the worker).
class CallbackProgress final : public ProgressSink {
 public:
  explicit CallbackProgress(std::function<void(const ProgressEvent&)> fn) : fn_(std::move(fn)) {}
  void report(const ProgressEvent& event) override { fn_(event); }

 private:
  std::function<void(const ProgressEvent&)> fn_;
};

/// Formats one line of a terminal progress bar: "train  [#####.....]  50/100  12.3 it/s  ETA 4s".
/// `elapsedSeconds` is the time spent in this stage so far.
std::string formatProgressBar(const ProgressEvent& event, double elapsedSeconds, int width = 30);

}  // namespace sfr
