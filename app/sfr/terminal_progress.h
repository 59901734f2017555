#pragma once
// Renders ProgressEvents as a terminal progress bar (sfr::formatProgressBar) on stderr: redrawn in
// place on a terminal, a few plain lines per stage when stderr is a file or pipe.
#include <chrono>
#include <cstdio>
#include <string>

#include "sfr/base/progress.h"

namespace sfr::cli {

class TerminalProgress final : public ProgressSink {
 public:
  explicit TerminalProgress(std::FILE* out = stderr);
  ~TerminalProgress() override;
  TerminalProgress(const TerminalProgress&) = delete;
  TerminalProgress& operator=(const TerminalProgress&) = delete;

  void report(const ProgressEvent& event) override;
  /// Ends the current line (called automatically on a stage change and on destruction).
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  std::FILE* out_;
  bool tty_;
  bool lineOpen_ = false;
  std::string stage_;
  Clock::time_point stageStart_{};
  Clock::time_point lastDraw_{};
  int lastDecile_ = -1;
};

}  // namespace sfr::cli
