// POSIX implementation: mkstemp in the destination folder, write loop, fsync, rename, then fsync
// the folder so the rename itself survives a crash.
#include "sfr/engine/checkpoint/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "sfr/base/error.h"

namespace sfr::engine {

AtomicFileWriter::AtomicFileWriter(std::filesystem::path destination)
    : destination_(std::move(destination)) {
  if (destination_.filename().empty()) fail("not a file path");
  std::filesystem::path folder = destination_.parent_path();
  if (folder.empty()) folder = ".";
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec))
    fail("folder '" + folder.string() + "' does not exist");
  const std::string pattern =
      (folder / ("." + destination_.filename().string() + ".tmp-XXXXXX")).string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  fd_ = ::mkstemp(name.data());
  if (fd_ < 0) fail(std::string("cannot create a temporary file: ") + std::strerror(errno));
  temporary_ = name.data();
  // mkstemp creates 0600; give the checkpoint the usual permissions (subject to the umask).
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd_, 0666 & ~mask);
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temporary_.empty()) ::unlink(temporary_.c_str());
}

void AtomicFileWriter::write(const void* data, std::size_t size) {
  if (fd_ < 0) fail("write after commit");
  const auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd_, bytes, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(std::string("write failed: ") + std::strerror(errno));
    }
    bytes += n;
    size -= static_cast<std::size_t>(n);
    written_ += static_cast<std::uint64_t>(n);
  }
}

void AtomicFileWriter::commit() {
  if (fd_ < 0) fail("commit called twice");
  if (::fsync(fd_) != 0) fail(std::string("fsync failed: ") + std::strerror(errno));
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail(std::string("close failed: ") + std::strerror(errno));
  if (::rename(temporary_.c_str(), destination_.c_str()) != 0)
    fail(std::string("cannot rename the temporary file into place: ") + std::strerror(errno));
  committed_ = true;
  std::filesystem::path folder = destination_.parent_path();
  if (folder.empty()) folder = ".";
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);  // best effort: some file systems refuse fsync on folders
    ::close(dir);
  }
}

void AtomicFileWriter::fail(const std::string& problem) const {
  throw sfr::Error(destination_.string(), problem);
}

}  // namespace sfr::engine
