#pragma once
// Reading the volumes the studio shows, through sfr_io. Every failure is one sfr::Error naming the
// file (the main window turns it into a dialog); nothing else escapes.
#include <QString>
#include <optional>

#include "sfr/base/geometry.h"
#include "sfr/base/volume.h"

namespace sfr::ui {

struct OpenedImage {
  QString name;  ///< shown in the title bar (file name, or the phantom case id)
  ImageVolume image;
  /// The label map stored in the same file (HDF5 research layout, the demo phantom).
  std::optional<LabelVolume> label;
  /// Why an HDF5 file's label could not be read (empty when it was, or when none was expected).
  QString labelProblem;
};

/// Reads the image at `path`; an HDF5 file's `label` dataset is read as well when present.
/// `spacing` overrides the spacing of files that store none. Throws sfr::Error(path, problem).
OpenedImage openImageFile(const QString& path, const std::optional<Vec3>& spacing = {});

/// Reads a label map (values 0..254). Throws sfr::Error(path, problem).
LabelVolume openLabelFile(const QString& path, const std::optional<Vec3>& spacing = {});

/// The built-in demo: case 0 of the default phantom dataset (image and label).
OpenedImage openDemoCase();

}  // namespace sfr::ui
