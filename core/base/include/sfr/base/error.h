#pragma once
// One exception type for every user-facing failure: it always names the thing (file, setting,
// tensor) and the problem, so the CLI prints one line and the GUI shows one dialog.
#include <stdexcept>
#include <string>

namespace sfr {

class Error : public std::runtime_error {
 public:
  Error(std::string subject, std::string problem)
      : std::runtime_error(subject.empty() ? problem : subject + ": " + problem),
        subject_(std::move(subject)),
        problem_(std::move(problem)) {}

  /// The file, folder or setting the problem is about (may be empty).
  const std::string& subject() const { return subject_; }
  /// What is wrong, without the subject.
  const std::string& problem() const { return problem_; }

 private:
  std::string subject_;
  std::string problem_;
};

/// Raised when an operation observes a cancellation request; never an error to show the user.
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("cancelled") {}
};

}  // namespace sfr
