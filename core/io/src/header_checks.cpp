// Checks shared by the NIfTI, NRRD and MetaImage pre-flight checks.
#include "header_checks.h"

#include "sfr/base/error.h"

namespace sfr::io::detail {

std::string joinSizes(const std::vector<std::uint64_t>& sizes) {
  std::string text;
  for (std::size_t a = 0; a < sizes.size(); ++a) text += (a ? "x" : "") + std::to_string(sizes[a]);
  return text;
}

void requireVolumeDimensions(const std::filesystem::path& path,
                             const std::vector<std::uint64_t>& sizes, const ReadOptions& options) {
  const std::size_t axes = sizes.size();
  const std::string shape = std::to_string(axes) + "D (" + joinSizes(sizes) + ")";
  if (axes < 3) throw Error(path.string(), "image is " + shape + "; a 3D volume is expected");
  if (axes == 3) return;
  std::uint64_t volumes = 1;
  for (std::size_t a = 3; a < axes; ++a) volumes *= sizes[a];
  if (volumes > 1)
    throw Error(path.string(), "image is " + shape + " with " + std::to_string(volumes) +
                                   " volumes; only a 3D volume can be read");
  if (!options.allow4DSingleVolume)
    throw Error(path.string(), "image is " + shape +
                                   " with a single volume; set ReadOptions::allow4DSingleVolume "
                                   "to read it as 3D");
}

void requireDataSize(const std::filesystem::path& path, const std::vector<std::uint64_t>& sizes,
                     const std::string& typeName, std::uint64_t needed, std::uint64_t available,
                     const std::string& where) {
  if (needed == available) return;
  const std::string header = "the header (" + joinSizes(sizes) + " " + typeName + ") needs " +
                             std::to_string(needed) + " bytes of voxel data";
  if (available < needed)
    throw Error(path.string(), "voxel data is truncated: " + header + " but " + where +
                                   " holds only " + std::to_string(available));
  throw Error(path.string(), "header/data size mismatch: " + header + " but " + where + " holds " +
                                 std::to_string(available) + " (wrong sizes in the header?)");
}

}  // namespace sfr::io::detail
