#pragma once
// Turns the model's volumes into VTK scene objects for the 3D view: smoothed label surfaces (one
// actor per label, in the label's overlay colour), a direct volume rendering of the image and
// the outline of the volume. VTK data live in "scaled index" space (index * spacing, origin 0);
// every prop carries the user matrix [direction | origin], so the scene is in patient (LPS)
// coordinates exactly as ITK defines them and agrees with the anatomical slice views.
#include <vector>

#include <vtkSmartPointer.h>

#include "sfr/base/volume.h"
#include "sfr/ui/model/window_level.h"

class vtkActor;
class vtkImageData;
class vtkMatrix4x4;
class vtkVolume;

namespace sfr::ui {

struct LabelSurfaceSettings {
  int smoothingIterations = 20;  ///< windowed-sinc iterations (0: raw voxel staircase)
  double passBand = 0.05;        ///< windowed-sinc pass band; smaller is smoother

  LabelSurfaceSettings& setSmoothingIterations(int v) {
    smoothingIterations = v;
    return *this;
  }
  LabelSurfaceSettings& setPassBand(double v) {
    passBand = v;
    return *this;
  }
};

/// The matrix taking scaled-index space to patient space: rotation = direction, translation =
/// origin.
vtkSmartPointer<vtkMatrix4x4> scaledIndexToPhysical(const Geometry& geometry);

/// A vtkImageData copy of `volume` (float or unsigned char scalars) with its spacing, origin 0.
vtkSmartPointer<vtkImageData> toVtkImage(const ImageVolume& volume);
vtkSmartPointer<vtkImageData> toVtkImage(const LabelVolume& volume);

/// One surface actor per label value 1..254 present in `label` (discrete flying edges, windowed
/// sinc smoothing, normals), in ascending label order, coloured with labelColor().
std::vector<vtkSmartPointer<vtkActor>> buildLabelSurfaces(
    const LabelVolume& label, const LabelSurfaceSettings& settings = {});

/// Direct volume rendering of `image` (vtkSmartVolumeMapper): grey ramp and opacity ramp over the
/// window/level interval.
vtkSmartPointer<vtkVolume> buildVolumeRendering(const ImageVolume& image, const WindowLevel& wl);
/// Re-targets the transfer functions of a volume made by buildVolumeRendering.
void setVolumeWindowLevel(vtkVolume* volume, const WindowLevel& wl);

/// The 12 edges of the volume's bounding box as a thin grey line actor.
vtkSmartPointer<vtkActor> buildOutline(const Geometry& geometry);

}  // namespace sfr::ui
