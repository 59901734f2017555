#include "sfr/ui/views/vtk_scene.h"

#include <array>

#include <vtkActor.h>
#include <vtkCellArray.h>
#include <vtkColorTransferFunction.h>
#include <vtkDiscreteFlyingEdges3D.h>
#include <vtkFloatArray.h>
#include <vtkImageData.h>
#include <vtkMatrix4x4.h>
#include <vtkPiecewiseFunction.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkPolyDataNormals.h>
#include <vtkProperty.h>
#include <vtkSmartVolumeMapper.h>
#include <vtkUnsignedCharArray.h>
#include <vtkVolume.h>
#include <vtkVolumeProperty.h>
#include <vtkWindowedSincPolyDataFilter.h>

#include "sfr/ui/model/label_colors.h"

namespace sfr::ui {

namespace {

vtkSmartPointer<vtkImageData> emptyImageLike(const Geometry& g) {
  auto image = vtkSmartPointer<vtkImageData>::New();
  image->SetDimensions(static_cast<int>(g.size[0]), static_cast<int>(g.size[1]),
                       static_cast<int>(g.size[2]));
  image->SetSpacing(g.spacing[0], g.spacing[1], g.spacing[2]);
  image->SetOrigin(0.0, 0.0, 0.0);
  return image;
}

// Both layouts are i fastest, so the voxel buffer copies straight into VTK's scalars.
template <typename ArrayT, typename T>
vtkSmartPointer<vtkImageData> copyToVtk(const Volume<T>& volume) {
  auto image = emptyImageLike(volume.geometry());
  auto scalars = vtkSmartPointer<ArrayT>::New();
  scalars->SetNumberOfComponents(1);
  scalars->SetNumberOfTuples(static_cast<vtkIdType>(volume.voxelCount()));
  std::copy(volume.voxels().begin(), volume.voxels().end(), scalars->GetPointer(0));
  scalars->SetName("scalars");
  image->GetPointData()->SetScalars(scalars);
  return image;
}

}  // namespace

vtkSmartPointer<vtkMatrix4x4> scaledIndexToPhysical(const Geometry& g) {
  auto m = vtkSmartPointer<vtkMatrix4x4>::New();
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) m->SetElement(r, c, g.direction[r * 3 + c]);
    m->SetElement(r, 3, g.origin[r]);
  }
  return m;
}

vtkSmartPointer<vtkImageData> toVtkImage(const ImageVolume& volume) {
  return copyToVtk<vtkFloatArray>(volume);
}

vtkSmartPointer<vtkImageData> toVtkImage(const LabelVolume& volume) {
  return copyToVtk<vtkUnsignedCharArray>(volume);
}

std::vector<vtkSmartPointer<vtkActor>> buildLabelSurfaces(const LabelVolume& label,
                                                          const LabelSurfaceSettings& settings) {
  std::array<bool, 256> present{};
  for (std::uint8_t v : label.voxels()) present[v] = true;
  std::vector<vtkSmartPointer<vtkActor>> actors;
  if (label.empty()) return actors;
  const auto image = toVtkImage(label);
  for (int value = 1; value < 255; ++value) {
    if (!present[value]) continue;
    auto surface = vtkSmartPointer<vtkDiscreteFlyingEdges3D>::New();
    surface->SetInputData(image);
    surface->SetValue(0, value);
    surface->ComputeNormalsOff();
    surface->ComputeGradientsOff();
    surface->ComputeScalarsOff();

    vtkSmartPointer<vtkAlgorithm> last = surface;
    if (settings.smoothingIterations > 0) {
      // Windowed sinc removes the voxel staircase without shrinking the shape (Taubin).
      auto smooth = vtkSmartPointer<vtkWindowedSincPolyDataFilter>::New();
      smooth->SetInputConnection(surface->GetOutputPort());
      smooth->SetNumberOfIterations(settings.smoothingIterations);
      smooth->SetPassBand(settings.passBand);
      smooth->BoundarySmoothingOff();
      smooth->FeatureEdgeSmoothingOff();
      smooth->NonManifoldSmoothingOn();
      smooth->NormalizeCoordinatesOn();
      last = smooth;
    }
    auto normals = vtkSmartPointer<vtkPolyDataNormals>::New();
    normals->SetInputConnection(last->GetOutputPort());
    normals->SplittingOff();
    normals->ConsistencyOn();
    normals->Update();

    auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
    mapper->SetInputData(normals->GetOutput());
    mapper->ScalarVisibilityOff();
    auto actor = vtkSmartPointer<vtkActor>::New();
    actor->SetMapper(mapper);
    actor->SetUserMatrix(scaledIndexToPhysical(label.geometry()));
    const QRgb c = labelColor(static_cast<std::uint8_t>(value));
    actor->GetProperty()->SetColor(qRed(c) / 255.0, qGreen(c) / 255.0, qBlue(c) / 255.0);
    actor->GetProperty()->SetSpecular(0.25);
    actor->GetProperty()->SetSpecularPower(20.0);
    actors.push_back(actor);
  }
  return actors;
}

vtkSmartPointer<vtkVolume> buildVolumeRendering(const ImageVolume& image, const WindowLevel& wl) {
  auto mapper = vtkSmartPointer<vtkSmartVolumeMapper>::New();
  mapper->SetInputData(toVtkImage(image));
  auto property = vtkSmartPointer<vtkVolumeProperty>::New();
  property->SetInterpolationTypeToLinear();
  property->ShadeOff();
  auto volume = vtkSmartPointer<vtkVolume>::New();
  volume->SetMapper(mapper);
  volume->SetProperty(property);
  volume->SetUserMatrix(scaledIndexToPhysical(image.geometry()));
  setVolumeWindowLevel(volume, wl);
  return volume;
}

void setVolumeWindowLevel(vtkVolume* volume, const WindowLevel& wl) {
  auto colour = vtkSmartPointer<vtkColorTransferFunction>::New();
  colour->AddRGBPoint(wl.lower(), 0.0, 0.0, 0.0);
  colour->AddRGBPoint(wl.upper(), 1.0, 1.0, 1.0);
  // Dark voxels are transparent so that the bright structures (blood pool) show through.
  auto opacity = vtkSmartPointer<vtkPiecewiseFunction>::New();
  opacity->AddPoint(wl.lower() + 0.3 * wl.window, 0.0);
  opacity->AddPoint(wl.upper(), 0.25);
  volume->GetProperty()->SetColor(colour);
  volume->GetProperty()->SetScalarOpacity(opacity);
}

vtkSmartPointer<vtkActor> buildOutline(const Geometry& g) {
  auto points = vtkSmartPointer<vtkPoints>::New();
  for (int corner = 0; corner < 8; ++corner) {
    Vec3 index{};
    for (int d = 0; d < 3; ++d)
      index[d] = (corner >> d & 1) ? static_cast<double>(g.size[d]) - 1.0 : 0.0;
    points->InsertNextPoint(index[0] * g.spacing[0], index[1] * g.spacing[1],
                            index[2] * g.spacing[2]);
  }
  auto lines = vtkSmartPointer<vtkCellArray>::New();
  for (int a = 0; a < 8; ++a)
    for (int d = 0; d < 3; ++d) {
      const int b = a | (1 << d);
      if (b != a) {
        const vtkIdType edge[2] = {a, b};
        lines->InsertNextCell(2, edge);
      }
    }
  auto outline = vtkSmartPointer<vtkPolyData>::New();
  outline->SetPoints(points);
  outline->SetLines(lines);
  auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
  mapper->SetInputData(outline);
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  actor->SetUserMatrix(scaledIndexToPhysical(g));
  actor->GetProperty()->SetColor(0.6, 0.6, 0.6);
  actor->PickableOff();
  return actor;
}

}  // namespace sfr::ui
