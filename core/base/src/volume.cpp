#include "sfr/base/volume.h"

#include <cmath>
#include <cstdio>

namespace sfr {

void requireSameGrid(const Geometry& image, const Geometry& label, const std::string& subject) {
  if (image.size != label.size)
    throw Error(subject, "label grid " + label.describe() + " differs from the image grid " +
                             image.describe() + " (size)");
  if (!image.sameGrid(label))
    throw Error(subject,
                "label grid differs from the image grid in spacing, origin or direction (" +
                    label.describe() + " vs " + image.describe() + ")");
}

void requireFinite(const ImageVolume& image, const std::string& subject) {
  const float* v = image.data();
  for (std::size_t n = 0; n < image.voxelCount(); ++n) {
    if (!std::isfinite(v[n])) {
      const std::size_t i = n % image.nx();
      const std::size_t j = (n / image.nx()) % image.ny();
      const std::size_t k = n / (image.nx() * image.ny());
      char where[96];
      std::snprintf(where, sizeof where, " at voxel (%zu, %zu, %zu)", i, j, k);
      throw Error(subject, std::string("image contains ") +
                               (std::isnan(v[n]) ? "NaN" : "infinite") + " values (first" + where +
                               ")");
    }
  }
}

void zScoreInPlace(ImageVolume& image) {
  const std::size_t n = image.voxelCount();
  if (n == 0) return;
  // Two-pass in double: the released code uses numpy's float64 mean/std on float32 data.
  double sum = 0;
  for (float v : image.voxels()) sum += v;
  const double mean = sum / static_cast<double>(n);
  double squares = 0;
  for (float v : image.voxels()) squares += (v - mean) * (v - mean);
  const double stdev = std::sqrt(squares / static_cast<double>(n));
  for (float& v : image.voxels()) v = stdev > 0 ? static_cast<float>((v - mean) / stdev) : 0.0f;
}

}  // namespace sfr
