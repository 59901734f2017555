#pragma once
// Atomic file replacement: bytes go to a temporary file in the destination's folder, which is
// fsync'ed and renamed over the destination on commit(). A reader never sees a half-written
// checkpoint, and a failed or abandoned write leaves the old file untouched.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace sfr::engine {

class AtomicFileWriter {
 public:
  /// Creates the temporary file next to `destination`; throws sfr::Error(destination, ...).
  explicit AtomicFileWriter(std::filesystem::path destination);
  /// Removes the temporary file unless commit() succeeded.
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, std::size_t size);
  /// Flushes to disk and renames the temporary file over the destination.
  void commit();

  const std::filesystem::path& destination() const { return destination_; }
  const std::filesystem::path& temporaryPath() const { return temporary_; }
  std::uint64_t bytesWritten() const { return written_; }

 private:
  [[noreturn]] void fail(const std::string& problem) const;

  std::filesystem::path destination_;
  std::filesystem::path temporary_;
  int fd_ = -1;
  std::uint64_t written_ = 0;
  bool committed_ = false;
};

}  // namespace sfr::engine
