#include "atomic_write.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "file_checks.h"
#include "sfr/base/error.h"

namespace sfr::io::detail {
namespace fs = std::filesystem;

namespace {

std::string uniqueToken() {
  static std::atomic<unsigned> counter{0};
  std::random_device device;
  const unsigned long long value = (static_cast<unsigned long long>(device()) << 20) ^
                                   (static_cast<unsigned long long>(::getpid()) << 8) ^
                                   counter.fetch_add(1);
  char text[24];
  std::snprintf(text, sizeof text, "%llx", value);
  return text;
}

void syncPath(const fs::path& path, const fs::path& target, bool directory) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
  if (fd < 0)
    throw Error(target.string(),
                "cannot open " + path.string() + " to flush it (" + std::strerror(errno) + ")");
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  // Some file systems refuse fsync on folders (EINVAL); the data files are already durable then.
  if (result != 0 && !(directory && (error == EINVAL || error == EBADF)))
    throw Error(target.string(),
                "fsync of " + path.string() + " failed (" + std::strerror(error) + ")");
}

void moveIntoPlace(const fs::path& from, const fs::path& to, const fs::path& target) {
  syncPath(from, target, false);
  std::error_code ec;
  fs::rename(from, to, ec);
  if (ec)
    throw Error(target.string(), "cannot move the written file into place as " + to.string() +
                                     " (" + ec.message() + ")");
}

bool hasDetachedData(const fs::path& target) {
  const std::string extension = toLower(target.extension().string());
  return extension == ".mhd" || extension == ".nhdr";
}

}  // namespace

void writeAtomically(const fs::path& target, const std::function<void(const fs::path&)>& produce) {
  const fs::path folder = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    throw Error(target.string(), "cannot write: folder " + folder.string() + " does not exist");
  if (fs::is_directory(target, ec))
    throw Error(target.string(), "cannot write: a folder of that name exists");

  const std::string token = uniqueToken();
  const std::string name = target.filename().string();
  const bool detached = hasDetachedData(target);
  const fs::path scratch =
      detached ? folder / (".sfr-tmp-" + token) : folder / (".sfr-tmp-" + token + "-" + name);
  try {
    if (detached) {
      fs::create_directory(scratch);
      produce(scratch / name);
      std::vector<fs::path> written;
      for (const auto& entry : fs::directory_iterator(scratch)) written.push_back(entry.path());
      for (const fs::path& file : written)
        if (file.filename() != name) moveIntoPlace(file, folder / file.filename(), target);
      moveIntoPlace(scratch / name, target, target);  // the header last: it completes the image
      fs::remove(scratch);
    } else {
      produce(scratch);
      moveIntoPlace(scratch, target, target);
    }
    syncPath(folder, target, true);
  } catch (const Error& e) {
    fs::remove_all(scratch, ec);
    throw Error(target.string(), e.problem());
  } catch (const std::exception& e) {
    fs::remove_all(scratch, ec);
    throw Error(target.string(), std::string("cannot write: ") + e.what());
  }
}

}  // namespace sfr::io::detail
