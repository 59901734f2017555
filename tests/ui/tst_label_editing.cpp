// Label editing: every effect on small synthetic volumes against voxel sets worked out here from
// geometry alone (physical distances through Geometry::indexToPhysical, half-plane tests, box
// interiors), the lock/overwrite rules, sparse undo deltas and their memory bound, shape-based
// fill between slices, the label table and options JSON; then the real window driven with QTest
// (shortcuts, mouse strokes, Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y, fill between slices).
#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QFile>
#include <QLabel>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QTest>
#include <QToolButton>
#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <set>

#include "sfr/base/error.h"
#include "sfr/ui/editing/brush_effects.h"
#include "sfr/ui/editing/edit_options.h"
#include "sfr/ui/editing/fill_between_slices_effect.h"
#include "sfr/ui/editing/flood_fill_effect.h"
#include "sfr/ui/editing/label_delta.h"
#include "sfr/ui/editing/label_edit_session.h"
#include "sfr/ui/editing/label_editing_model.h"
#include "sfr/ui/editing/label_overlay.h"
#include "sfr/ui/editing/label_table.h"
#include "sfr/ui/editing/polygon_effect.h"
#include "sfr/ui/editing/undo_stack.h"
#include "sfr/ui/editing/views/edit_actions.h"
#include "sfr/ui/editing/views/edit_tools_panel.h"
#include "sfr/ui/editing/views/label_table_widget.h"
#include "sfr/ui/main_window.h"
#include "sfr/ui/model/label_colors.h"
#include "sfr/ui/model/slice_renderer.h"
#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/views/slice_view.h"
#include "sfr/ui/views/vtk_view3d.h"

using namespace sfr;
using namespace sfr::ui;

namespace {

using VoxelSet = std::set<std::size_t>;

Geometry grid(Size3 size, Vec3 spacing, Mat3 direction = kIdentity3) {
  Geometry g;
  g.size = size;
  g.spacing = spacing;
  g.direction = direction;
  g.origin = {-12.5, 30.0, 4.25};
  return g;
}

Vec3 physical(const Geometry& g, std::size_t i, std::size_t j, std::size_t k) {
  return g.indexToPhysical({double(i), double(j), double(k)});
}

double distance(const Vec3& a, const Vec3& b) {
  return std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                   (a[2] - b[2]) * (a[2] - b[2]));
}

std::size_t linear(const Geometry& g, std::size_t i, std::size_t j, std::size_t k) {
  return i + g.size[0] * (j + g.size[1] * k);
}

// The patient axis (LPS x, y, z) a view's slices are perpendicular to.
int patientNormal(SliceAxis axis) {
  return axis == SliceAxis::Axial ? 2 : (axis == SliceAxis::Coronal ? 1 : 0);
}

// Every voxel for which `keep(i, j, k)` holds.
VoxelSet voxelsWhere(const Geometry& g,
                     const std::function<bool(std::size_t, std::size_t, std::size_t)>& keep) {
  VoxelSet out;
  for (std::size_t k = 0; k < g.size[2]; ++k)
    for (std::size_t j = 0; j < g.size[1]; ++j)
      for (std::size_t i = 0; i < g.size[0]; ++i)
        if (keep(i, j, k)) out.insert(linear(g, i, j, k));
  return out;
}

VoxelSet voxelsWithLabel(const LabelVolume& label, std::uint8_t value) {
  VoxelSet out;
  for (std::size_t n = 0; n < label.voxelCount(); ++n)
    if (label.voxels()[n] == value) out.insert(n);
  return out;
}

// Voxels whose centre is within r mm of the centre of voxel c; for a disc, only those in the
// same physical plane as c perpendicular to the view's patient axis. `ambiguous` counts voxels
// within 1e-6 mm of the rim (the tests pick radii where it is 0, so rounding cannot matter).
VoxelSet expectedBall(const Geometry& g, const VoxelIndex& c, double r, bool sphere, SliceAxis axis,
                      int* ambiguous = nullptr) {
  const Vec3 centre = physical(g, c[0], c[1], c[2]);
  const int normal = patientNormal(axis);
  int close = 0;
  VoxelSet out = voxelsWhere(g, [&](std::size_t i, std::size_t j, std::size_t k) {
    const Vec3 p = physical(g, i, j, k);
    if (!sphere && std::abs(p[normal] - centre[normal]) > 1e-6) return false;
    const double d = distance(p, centre);
    if (std::abs(d - r) < 1e-6) ++close;
    return d <= r;
  });
  if (ambiguous) *ambiguous = close;
  return out;
}

VoxelSet unite(const VoxelSet& a, const VoxelSet& b) {
  VoxelSet out = a;
  out.insert(b.begin(), b.end());
  return out;
}

// Label voxels in slice `s` along index axis `dim`.
int sliceArea(const LabelVolume& label, int dim, int s, std::uint8_t value) {
  int n = 0;
  for (std::size_t k = 0; k < label.nz(); ++k)
    for (std::size_t j = 0; j < label.ny(); ++j)
      for (std::size_t i = 0; i < label.nx(); ++i) {
        const std::size_t idx[3] = {i, j, k};
        if (int(idx[dim]) == s && label.at(i, j, k) == value) ++n;
      }
  return n;
}

std::vector<std::uint8_t> sliceValues(const LabelVolume& label, int dim, int s) {
  std::vector<std::uint8_t> out;
  for (std::size_t k = 0; k < label.nz(); ++k)
    for (std::size_t j = 0; j < label.ny(); ++j)
      for (std::size_t i = 0; i < label.nx(); ++i) {
        const std::size_t idx[3] = {i, j, k};
        if (int(idx[dim]) == s) out.push_back(label.at(i, j, k));
      }
  return out;
}

// Image, label map, table and options for driving effects directly.
struct Scene {
  ImageVolume image;
  LabelVolume label;
  LabelTable table;
  EditOptions options;

  explicit Scene(const Geometry& g) : image(g, 0.0f), label(g, 0) {}

  StrokePoint point(SliceAxis axis, const VoxelIndex& v) const {
    StrokePoint p;
    p.axis = axis;
    p.voxel = v;
    p.position = physical(image.geometry(), v[0], v[1], v[2]);
    return p;
  }

  // One stroke: press at the first point, drag through the others, release at the last.
  // Returns the undo delta and whether the effect reported the edit complete.
  LabelDelta stroke(LabelEditEffect& effect, SliceAxis axis, const std::vector<VoxelIndex>& points,
                    bool* complete = nullptr) {
    LabelEditSession session(label, table);
    EditContext context{image, session, options};
    effect.beginStroke(context, point(axis, points.front()));
    for (std::size_t n = 1; n < points.size(); ++n)
      effect.continueStroke(context, point(axis, points[n]));
    const bool done = effect.endStroke(context, point(axis, points.back()));
    if (complete) *complete = done;
    return session.takeDelta();
  }
};

// Widget point at the centre of the picture pixel showing `voxel` in `view`.
QPoint widgetPointOfVoxel(const SliceView* view, const Geometry& g, const VoxelIndex& voxel) {
  const auto [x, y] = pixelOfVoxel(g, view->axis(), voxel);
  const QRectF r = view->imageRect();
  const QImage& picture = view->slicePicture();
  return QPointF(r.left() + (x + 0.5) * r.width() / picture.width(),
                 r.top() + (y + 0.5) * r.height() / picture.height())
      .toPoint();
}

void dragLeft(QWidget* widget, const std::vector<QPoint>& points) {
  QTest::mousePress(widget, Qt::LeftButton, Qt::NoModifier, points.front());
  for (std::size_t n = 1; n < points.size(); ++n) {
    QMouseEvent move(QEvent::MouseMove, points[n], widget->mapToGlobal(points[n]), Qt::NoButton,
                     Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(widget, &move);
  }
  QTest::mouseRelease(widget, Qt::LeftButton, Qt::NoModifier, points.back());
}

// Slice pixels with the label-1 overlay (red at opacity 0.5) on a grey picture: r - g is 127 or
// 128 and green equals blue (see tst_studio_window).
int countRedOverlay(const QImage& image) {
  int n = 0;
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x) {
      const QRgb p = image.pixel(x, y);
      const int d = qRed(p) - qGreen(p);
      if ((d == 127 || d == 128) && qGreen(p) == qBlue(p)) ++n;
    }
  return n;
}

QString dataDir() {
  return qEnvironmentVariable("SFR_DATA_DIR");
}

}  // namespace

class LabelEditingTest : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // ---- Brushes -------------------------------------------------------------------------------

  void brushDiscRespectsAnisotropicSpacing() {
    // Identity, flipped (LA-like) and permuted directions: the disc lies in the view's physical
    // plane whatever the storage order.
    const Mat3 flipped = {-1, 0, 0, 0, -1, 0, 0, 0, 1};
    const Mat3 permuted = {0, 1, 0, 0, 0, 1, 1, 0, 0};  // x <- j, y <- k, z <- i
    for (const Mat3& direction : {kIdentity3, flipped, permuted})
      for (SliceAxis axis : {SliceAxis::Axial, SliceAxis::Coronal, SliceAxis::Sagittal}) {
        Scene scene(grid({26, 22, 14}, {0.5, 0.8, 2.0}, direction));
        scene.options.setBrushRadiusMm(3.1);
        BrushEffect brush;
        const VoxelIndex c{13, 11, 7};
        const LabelDelta delta = scene.stroke(brush, axis, {c});
        int ambiguous = -1;
        const VoxelSet expected =
            expectedBall(scene.image.geometry(), c, 3.1, false, axis, &ambiguous);
        QCOMPARE(ambiguous, 0);
        QVERIFY(expected.size() > 5);
        QCOMPARE(voxelsWithLabel(scene.label, 1), expected);
        QCOMPARE(delta.voxelCount(), expected.size());
      }
  }

  void brushSphereIn3D() {
    Scene scene(grid({24, 20, 12}, {0.6, 0.9, 1.7}));
    scene.options.setBrushRadiusMm(4.05).setThreeD(true);
    BrushEffect brush;
    const VoxelIndex c{12, 10, 6};
    scene.stroke(brush, SliceAxis::Coronal, {c});
    int ambiguous = -1;
    const VoxelSet expected =
        expectedBall(scene.image.geometry(), c, 4.05, true, SliceAxis::Coronal, &ambiguous);
    QCOMPARE(ambiguous, 0);
    QCOMPARE(voxelsWithLabel(scene.label, 1), expected);
    // More than one slice along every index axis: a real sphere, not a disc.
    std::set<std::size_t> ks;
    for (std::size_t n : expected) ks.insert(n / (24 * 20));
    QCOMPARE(ks.size(), std::size_t(5));  // |dk| * 1.7 <= 4.05  ->  dk in -2..2
  }

  void brushFootprintClipsAtTheBorder() {
    Scene scene(grid({10, 10, 3}, {1.0, 1.0, 1.0}));
    scene.options.setBrushRadiusMm(2.5);
    BrushEffect brush;
    scene.stroke(brush, SliceAxis::Axial, {{0, 0, 1}});
    QCOMPARE(voxelsWithLabel(scene.label, 1),
             expectedBall(scene.image.geometry(), {0, 0, 1}, 2.5, false, SliceAxis::Axial));
  }

  void brushStrokeLeavesNoGaps() {
    const Geometry g = grid({60, 40, 6}, {0.5, 0.8, 2.0});
    Scene scene(g);
    scene.options.setBrushRadiusMm(1.3);
    BrushEffect brush;
    // A horizontal drag in one jump: the discs of every voxel along the row.
    scene.stroke(brush, SliceAxis::Axial, {{5, 10, 3}, {40, 10, 3}});
    VoxelSet expected;
    for (int i = 5; i <= 40; ++i)
      expected = unite(expected, expectedBall(g, {i, 10, 3}, 1.3, false, SliceAxis::Axial));
    QCOMPARE(voxelsWithLabel(scene.label, 1), expected);

    // A diagonal drag in one jump: a gapless digital line. With one voxel per stamp, every column
    // i = 3..50 holds exactly one painted voxel, within half a voxel of the true segment, and
    // neighbouring columns differ by at most one row (8-connected, no holes).
    Scene diagonal(g);
    diagonal.options.setBrushRadiusMm(0.3);  // below the spacing: one voxel per stamp
    diagonal.stroke(brush, SliceAxis::Axial, {{3, 2, 1}, {50, 31, 1}});
    const VoxelSet painted = voxelsWithLabel(diagonal.label, 1);
    QCOMPARE(painted.size(), std::size_t(48));
    int previousRow = -1;
    for (std::size_t i = 3; i <= 50; ++i) {
      int rows = 0, row = -1;
      for (std::size_t j = 0; j < g.size[1]; ++j)
        if (painted.count(linear(g, i, j, 1))) ++rows, row = int(j);
      QCOMPARE(rows, 1);
      const double exact = 2.0 + 29.0 * (double(i) - 3.0) / 47.0;
      QVERIFY2(std::abs(row - exact) <= 0.5 + 1e-9, qPrintable(QString::number(i)));
      if (previousRow >= 0) QVERIFY(std::abs(row - previousRow) <= 1);
      previousRow = row;
    }
    QVERIFY(painted.count(linear(g, 3, 2, 1)) && painted.count(linear(g, 50, 31, 1)));
  }

  void eraserRemovesActiveLabelUnlessOverwriting() {
    const Geometry g = grid({20, 20, 3}, {1.0, 1.0, 1.0});
    Scene scene(g);
    // Left half label 1, right half label 2 on slice 1.
    for (std::size_t j = 0; j < 20; ++j)
      for (std::size_t i = 0; i < 20; ++i) scene.label.at(i, j, 1) = i < 10 ? 1 : 2;
    const LabelVolume before = scene.label;
    scene.options.setBrushRadiusMm(4.5);
    EraserEffect eraser;
    const VoxelSet disc = expectedBall(g, {10, 10, 1}, 4.5, false, SliceAxis::Axial);
    scene.stroke(eraser, SliceAxis::Axial, {{10, 10, 1}});
    for (std::size_t n = 0; n < before.voxelCount(); ++n) {
      const std::uint8_t want = (disc.count(n) && before.voxels()[n] == 1) ? 0 : before.voxels()[n];
      QCOMPARE(scene.label.voxels()[n], want);
    }
    scene.table.setOverwriteOtherLabels(true);
    scene.stroke(eraser, SliceAxis::Axial, {{10, 10, 1}});
    for (std::size_t n = 0; n < before.voxelCount(); ++n)
      QCOMPARE(scene.label.voxels()[n], disc.count(n) ? std::uint8_t(0) : before.voxels()[n]);
  }

  void thresholdBrushPaintsOnlyTheRange() {
    const Geometry g = grid({40, 30, 5}, {0.7, 0.7, 1.5});
    Scene scene(g);
    for (std::size_t k = 0; k < 5; ++k)
      for (std::size_t j = 0; j < 30; ++j)
        for (std::size_t i = 0; i < 40; ++i)
          scene.image.at(i, j, k) = float(i) + 0.25f * float(j % 3);  // 0.25 steps off the ramp
    scene.options.setBrushRadiusMm(5.2).setThresholdRange(17.5, 23.0);
    ThresholdBrushEffect brush;
    const VoxelIndex c{20, 15, 2};
    scene.stroke(brush, SliceAxis::Axial, {c});
    VoxelSet expected;
    for (std::size_t n : expectedBall(g, c, 5.2, false, SliceAxis::Axial)) {
      const float v = scene.image.voxels()[n];
      if (v >= 17.5f && v <= 23.0f) expected.insert(n);
    }
    QVERIFY(expected.size() > 10);
    QCOMPARE(voxelsWithLabel(scene.label, 1), expected);
  }

  // ---- Polygon -------------------------------------------------------------------------------

  void polygonFillsTriangleAndOutline() {
    const Geometry g = grid({40, 36, 4}, {0.9, 0.9, 3.0});
    Scene scene(g);
    PolygonEffect polygon;
    const std::vector<VoxelIndex> corners{{5, 5, 2}, {33, 9, 2}, {12, 30, 2}};
    bool complete = true;
    for (const VoxelIndex& v : corners) {
      scene.stroke(polygon, SliceAxis::Axial, {v}, &complete);
      QVERIFY(!complete);  // still collecting vertices
    }
    QCOMPARE(polygon.pendingVertices().size(), std::size_t(3));
    QVERIFY(voxelsWithLabel(scene.label, 1).empty());
    // Clicking next to the first vertex closes the polygon.
    const LabelDelta delta = scene.stroke(polygon, SliceAxis::Axial, {{6, 4, 2}}, &complete);
    QVERIFY(complete);
    QVERIFY(polygon.pendingVertices().empty());
    // Inside or on the triangle: the three edge cross products never have opposite signs.
    const VoxelSet expected = voxelsWhere(g, [&](std::size_t i, std::size_t j, std::size_t k) {
      if (k != 2) return false;
      int positive = 0, negative = 0;
      for (int e = 0; e < 3; ++e) {
        const VoxelIndex& a = corners[e];
        const VoxelIndex& b = corners[(e + 1) % 3];
        const long cross =
            long(b[0] - a[0]) * (long(j) - a[1]) - long(b[1] - a[1]) * (long(i) - a[0]);
        positive += cross > 0;
        negative += cross < 0;
      }
      return positive == 0 || negative == 0;
    });
    QVERIFY(expected.size() > 100);
    QCOMPARE(voxelsWithLabel(scene.label, 1), expected);
    QCOMPARE(delta.voxelCount(), expected.size());
  }

  void polygonFillsNonConvexShapeOnFinish() {
    const Geometry g = grid({24, 24, 3}, {1.0, 1.0, 1.0});
    Scene scene(g);
    PolygonEffect polygon;
    // An L on axial slice k = 1: [2, 20] x [2, 8] plus [2, 8] x [2, 20], completed by finish()
    // (Enter / double click) instead of a click on the first vertex.
    for (const VoxelIndex& v : std::vector<VoxelIndex>{
             {2, 2, 1}, {20, 2, 1}, {20, 8, 1}, {8, 8, 1}, {8, 20, 1}, {2, 20, 1}})
      scene.stroke(polygon, SliceAxis::Axial, {v});
    LabelEditSession session(scene.label, scene.table);
    EditContext context{scene.image, session, scene.options};
    QVERIFY(polygon.finish(context));
    const VoxelSet expected = voxelsWhere(g, [](std::size_t i, std::size_t j, std::size_t k) {
      return k == 1 &&
             ((i >= 2 && i <= 20 && j >= 2 && j <= 8) || (i >= 2 && i <= 8 && j >= 2 && j <= 20));
    });
    QCOMPARE(voxelsWithLabel(scene.label, 1), expected);
    // rasterizePolygon on its own: a 2 x 2 square of vertices covers exactly 9 points.
    QCOMPARE(rasterizePolygon({{1, 1}, {3, 1}, {3, 3}, {1, 3}}, 10, 10).size(), std::size_t(9));
    QVERIFY(rasterizePolygon({}, 10, 10).empty());
  }

  void polygonRestartsOnAnotherSlice() {
    Scene scene(grid({20, 20, 4}, {1.0, 1.0, 1.0}));
    PolygonEffect polygon;
    scene.stroke(polygon, SliceAxis::Axial, {{2, 2, 1}});
    scene.stroke(polygon, SliceAxis::Axial, {{9, 2, 1}});
    scene.stroke(polygon, SliceAxis::Axial, {{5, 5, 2}});  // another slice: a new polygon
    QCOMPARE(polygon.pendingVertices().size(), std::size_t(1));
    polygon.cancel();
    QVERIFY(polygon.pendingVertices().empty());
  }

  // ---- Flood fill ----------------------------------------------------------------------------

  void floodFillSameLabel2DStaysInsideTheFrame() {
    const Geometry g = grid({30, 26, 5}, {0.8, 1.1, 2.0});
    Scene scene(g);
    // A closed frame of label 2 on slice 2: rows/columns 5 and 25 / 5 and 20.
    for (std::size_t j = 5; j <= 20; ++j)
      for (std::size_t i = 5; i <= 25; ++i)
        if (i == 5 || i == 25 || j == 5 || j == 20) scene.label.at(i, j, 2) = 2;
    FloodFillEffect fill;
    scene.stroke(fill, SliceAxis::Axial, {{10, 10, 2}});
    QCOMPARE(voxelsWithLabel(scene.label, 1),
             voxelsWhere(g, [](std::size_t i, std::size_t j, std::size_t k) {
               return k == 2 && i > 5 && i < 25 && j > 5 && j < 20;
             }));
    QCOMPARE(voxelsWithLabel(scene.label, 2).size(), std::size_t(2 * 21 + 2 * 14));
  }

  void floodFill3DFillsTheInsideOfABox() {
    const Geometry g = grid({16, 14, 12}, {1.0, 0.7, 1.3});
    Scene scene(g);
    const auto onWall = [](std::size_t i, std::size_t j, std::size_t k) {
      const bool inBox = i >= 3 && i <= 12 && j >= 2 && j <= 11 && k >= 2 && k <= 9;
      return inBox && (i == 3 || i == 12 || j == 2 || j == 11 || k == 2 || k == 9);
    };
    for (std::size_t n : voxelsWhere(g, onWall)) scene.label.voxels()[n] = 2;
    scene.options.setThreeD(true);
    FloodFillEffect fill;
    scene.stroke(fill, SliceAxis::Sagittal, {{7, 6, 5}});
    QCOMPARE(voxelsWithLabel(scene.label, 1),
             voxelsWhere(g, [](std::size_t i, std::size_t j, std::size_t k) {
               return i > 3 && i < 12 && j > 2 && j < 11 && k > 2 && k < 9;
             }));
  }

  void floodFillByIntensityTolerance() {
    const Geometry g = grid({24, 18, 6}, {1.0, 1.0, 1.0});
    Scene scene(g);
    // Two plateaus, 100 +- 3 for i < 12 and 200 +- 3 beyond, with a deterministic ripple.
    for (std::size_t k = 0; k < 6; ++k)
      for (std::size_t j = 0; j < 18; ++j)
        for (std::size_t i = 0; i < 24; ++i)
          scene.image.at(i, j, k) =
              (i < 12 ? 100.0f : 200.0f) + float((i + 2 * j + 3 * k) % 7) - 3.0f;
    scene.options.setFloodMode(FloodFillMode::Intensity).setFloodTolerance(10.0);
    const VoxelIndex seed{4, 9, 3};
    const float seedValue = scene.image.at(4, 9, 3);
    FloodFillEffect fill;
    scene.stroke(fill, SliceAxis::Axial, {seed});
    const auto near = [&](std::size_t i, std::size_t j, std::size_t k) {
      return i < 12 && std::abs(scene.image.at(i, j, k) - seedValue) <= 10.0f;
    };
    QCOMPARE(voxelsWithLabel(scene.label, 1),
             voxelsWhere(g, [&](std::size_t i, std::size_t j, std::size_t k) {
               return k == 3 && near(i, j, k);
             }));
    scene.options.setThreeD(true);
    scene.stroke(fill, SliceAxis::Axial, {seed});
    QCOMPARE(voxelsWithLabel(scene.label, 1), voxelsWhere(g, near));
  }

  // ---- Lock and overwrite --------------------------------------------------------------------

  void lockedLabelsAreNeverChanged() {
    const Geometry g = grid({24, 24, 4}, {1.0, 1.0, 1.0});
    Scene scene(g);
    scene.table.addEntry(LabelTable::defaultEntry(2));
    // A vertical band of label 2 through the middle of slice 1.
    for (std::size_t j = 0; j < 24; ++j)
      for (std::size_t i = 10; i < 14; ++i) scene.label.at(i, j, 1) = 2;
    const VoxelSet band = voxelsWithLabel(scene.label, 2);
    scene.table.setLocked(2, true);
    scene.table.setOverwriteOtherLabels(true);
    scene.options.setBrushRadiusMm(6.0);

    BrushEffect brush;
    scene.stroke(brush, SliceAxis::Axial, {{12, 12, 1}});
    QCOMPARE(voxelsWithLabel(scene.label, 2), band);
    VoxelSet painted;
    for (std::size_t n : expectedBall(g, {12, 12, 1}, 6.0, false, SliceAxis::Axial))
      if (!band.count(n)) painted.insert(n);
    QCOMPARE(voxelsWithLabel(scene.label, 1), painted);

    EraserEffect eraser;
    scene.stroke(eraser, SliceAxis::Axial, {{12, 12, 1}});
    QCOMPARE(voxelsWithLabel(scene.label, 2), band);
    QVERIFY(voxelsWithLabel(scene.label, 1).empty());

    FloodFillEffect fill;  // same label: the band itself
    scene.stroke(fill, SliceAxis::Axial, {{11, 3, 1}});
    QCOMPARE(voxelsWithLabel(scene.label, 2), band);

    PolygonEffect polygon;
    for (const VoxelIndex& v :
         std::vector<VoxelIndex>{{0, 0, 1}, {23, 0, 1}, {23, 23, 1}, {0, 23, 1}})
      scene.stroke(polygon, SliceAxis::Axial, {v});
    scene.stroke(polygon, SliceAxis::Axial, {{0, 0, 1}});
    QCOMPARE(voxelsWithLabel(scene.label, 2), band);
    QCOMPARE(voxelsWithLabel(scene.label, 1).size(), std::size_t(24 * 24) - band.size());

    // A locked active label is frozen too: nothing is painted with it.
    LabelVolume snapshot = scene.label;
    scene.table.setActiveLabel(2);
    BrushEffect brush2;
    scene.table.setOverwriteOtherLabels(true);
    scene.stroke(brush2, SliceAxis::Axial, {{3, 3, 2}});
    QCOMPARE(scene.label.voxels(), snapshot.voxels());
  }

  void overwriteOffPaintsOnlyBackground() {
    const Geometry g = grid({20, 20, 3}, {1.0, 1.0, 1.0});
    Scene scene(g);
    for (std::size_t i = 0; i < 20; ++i) scene.label.at(i, 10, 1) = 3;  // a row of label 3
    const VoxelSet row = voxelsWithLabel(scene.label, 3);
    scene.options.setBrushRadiusMm(3.5);
    BrushEffect brush;
    const VoxelSet disc = expectedBall(g, {10, 10, 1}, 3.5, false, SliceAxis::Axial);
    scene.stroke(brush, SliceAxis::Axial, {{10, 10, 1}});
    QCOMPARE(voxelsWithLabel(scene.label, 3), row);
    VoxelSet expected;
    for (std::size_t n : disc)
      if (!row.count(n)) expected.insert(n);
    QCOMPARE(voxelsWithLabel(scene.label, 1), expected);
    scene.table.setOverwriteOtherLabels(true);
    scene.stroke(brush, SliceAxis::Axial, {{10, 10, 1}});
    QCOMPARE(voxelsWithLabel(scene.label, 1), disc);
  }

  // ---- Deltas, undo, memory ------------------------------------------------------------------

  void deltaIsSparseWithExactMemoryAccounting() {
    const Geometry g = grid({100, 90, 50}, {0.5, 0.5, 1.0});
    Scene scene(g);
    scene.options.setBrushRadiusMm(4.0);
    BrushEffect brush;
    const LabelDelta delta = scene.stroke(brush, SliceAxis::Axial, {{50, 45, 25}});
    const VoxelSet disc = expectedBall(g, {50, 45, 25}, 4.0, false, SliceAxis::Axial);
    QCOMPARE(delta.voxelCount(), disc.size());
    // Runs = maximal sequences of consecutive linear indices, counted from the expected set.
    std::size_t runs = 0, previous = 0;
    bool first = true;
    for (std::size_t n : disc) {
      if (first || n != previous + 1) ++runs;
      previous = n, first = false;
    }
    QCOMPARE(delta.runCount(), runs);
    QCOMPARE(delta.memoryBytes(),
             sizeof(LabelDelta) + runs * sizeof(LabelDelta::Run) + 2 * disc.size());
    QVERIFY(delta.memoryBytes() < g.voxelCount() / 100);  // far below a copy of the volume
    // Every change is old 0 -> new 1, in ascending order.
    std::vector<std::size_t> visited;
    delta.forEach([&](const VoxelChange& c) {
      QCOMPARE(c.before, std::uint8_t(0));
      QCOMPARE(c.after, std::uint8_t(1));
      visited.push_back(c.index);
    });
    QCOMPARE(VoxelSet(visited.begin(), visited.end()), disc);
    QVERIFY(std::is_sorted(visited.begin(), visited.end()));

    QVERIFY_THROWS_EXCEPTION(Error, LabelDelta::fromChanges({{4, 0, 1}, {4, 0, 2}}));
    LabelVolume tiny(grid({2, 2, 2}, {1, 1, 1}), 0);
    QVERIFY_THROWS_EXCEPTION(Error, LabelDelta::fromChanges({{8, 0, 1}}).applyAfter(tiny));
    QVERIFY(LabelDelta::fromChanges({{3, 5, 5}}).empty());  // unchanged voxels are not stored
  }

  void undoRedoRestoresExactly() {
    const Geometry g = grid({30, 26, 10}, {0.7, 0.9, 1.5});
    Scene scene(g);
    for (std::size_t n = 0; n < scene.label.voxelCount(); ++n)
      scene.label.voxels()[n] = (n % 97 == 0) ? 2 : 0;  // scattered label-2 voxels
    scene.table.addEntry(LabelTable::defaultEntry(2));
    scene.table.setOverwriteOtherLabels(true);
    UndoStack stack;
    std::vector<LabelVolume> states{scene.label};
    BrushEffect brush;
    EraserEffect eraser;
    FloodFillEffect fill;
    const auto record = [&](const QString& name, LabelDelta delta) {
      stack.push(name, std::move(delta));
      states.push_back(scene.label);
    };
    scene.options.setBrushRadiusMm(3.0);
    record(QStringLiteral("a"), scene.stroke(brush, SliceAxis::Axial, {{5, 5, 3}, {20, 18, 3}}));
    scene.options.setThreeD(true);
    record(QStringLiteral("b"), scene.stroke(brush, SliceAxis::Coronal, {{15, 13, 5}}));
    scene.table.setActiveLabel(2);
    record(QStringLiteral("c"),
           scene.stroke(eraser, SliceAxis::Sagittal, {{15, 10, 5}, {15, 20, 8}}));
    scene.table.setActiveLabel(1);
    scene.options.setThreeD(false);
    record(QStringLiteral("d"), scene.stroke(fill, SliceAxis::Axial, {{1, 25, 0}}));
    QCOMPARE(stack.undoCount(), 4);
    QCOMPARE(stack.undoName(), QStringLiteral("d"));
    for (int s = 4; s > 0; --s) {
      QVERIFY(stack.undo(scene.label));
      QCOMPARE(scene.label.voxels(), states[s - 1].voxels());
    }
    QVERIFY(!stack.undo(scene.label));
    QCOMPARE(stack.redoName(), QStringLiteral("a"));
    for (int s = 1; s <= 4; ++s) {
      QVERIFY(stack.redo(scene.label));
      QCOMPARE(scene.label.voxels(), states[s].voxels());
    }
    QVERIFY(!stack.redo(scene.label));
    // A new edit after undo drops the redo steps.
    QVERIFY(stack.undo(scene.label));
    scene.stroke(brush, SliceAxis::Axial, {{2, 2, 1}});
    stack.push(QStringLiteral("e"), LabelDelta::fromChanges({{0, 0, 1}}));
    QVERIFY(!stack.canRedo());
    QCOMPARE(stack.undoCount(), 4);
  }

  void undoStackKeepsWithinItsMemoryBound() {
    const auto deltaOf = [](std::size_t start, std::size_t count) {
      std::vector<VoxelChange> changes;
      for (std::size_t n = 0; n < count; ++n) changes.push_back({start + 2 * n, 0, 1});
      return LabelDelta::fromChanges(changes);  // every other voxel: `count` runs
    };
    const LabelDelta probe = deltaOf(0, 100);
    const std::size_t stepBytes = UndoStep{QStringLiteral("s1"), probe}.memoryBytes();
    QCOMPARE(stepBytes, probe.memoryBytes() + 2 * sizeof(QChar));
    QCOMPARE(UndoStack().memoryLimit(), std::size_t(256) << 20);

    UndoStack stack(2 * stepBytes + stepBytes / 2);  // room for two steps
    stack.push(QStringLiteral("s1"), deltaOf(0, 100));
    stack.push(QStringLiteral("s2"), deltaOf(1000, 100));
    QCOMPARE(stack.memoryBytes(), 2 * stepBytes);
    stack.push(QStringLiteral("s3"), deltaOf(2000, 100));
    QCOMPARE(stack.undoCount(), 2);
    QCOMPARE(stack.droppedCount(), 1);
    QCOMPARE(stack.memoryBytes(), 2 * stepBytes);
    QVERIFY(stack.memoryBytes() <= stack.memoryLimit());
    LabelVolume label(grid({3000, 1, 1}, {1, 1, 1}), 1);
    QVERIFY(stack.undo(label));
    QCOMPARE(stack.undoName(), QStringLiteral("s2"));  // s1, the oldest, was dropped
    QVERIFY(stack.undo(label));
    QVERIFY(!stack.canUndo());
    QCOMPARE(stack.redoCount(), 2);
    QCOMPARE(stack.memoryBytes(), 2 * stepBytes);  // redo steps count too

    // A step bigger than the whole bound is still kept (the last edit can always be undone),
    // everything older goes.
    stack.clear();
    QCOMPARE(stack.memoryBytes(), std::size_t(0));
    stack.push(QStringLiteral("s1"), deltaOf(0, 100));
    stack.push(QStringLiteral("s4"), deltaOf(0, 1000));
    QCOMPARE(stack.undoCount(), 1);
    QCOMPARE(stack.undoName(), QStringLiteral("s4"));
    stack.setMemoryLimit(stepBytes / 2);
    QCOMPARE(stack.undoCount(), 1);
    stack.push(QStringLiteral("empty"), LabelDelta());
    QCOMPARE(stack.undoName(), QStringLiteral("s4"));
  }

  // ---- Fill between slices -------------------------------------------------------------------

  void signedDistanceMatchesBruteForce() {
    const Geometry g = grid({14, 5, 11}, {0.6, 1.0, 1.4});
    LabelVolume label(g, 0);
    // An irregular blob on coronal slice j = 2 (the i-k plane).
    for (std::size_t k = 0; k < 11; ++k)
      for (std::size_t i = 0; i < 14; ++i)
        if ((i - 6.0) * (i - 6.0) / 9.0 + (k - 4.0) * (k - 4.0) / 6.0 <= 1.0 || (i == 12 && k == 9))
          label.at(i, 2, k) = 3;
    const std::vector<double> sd = sliceSignedDistance(label, 1, 2, 3);
    QCOMPARE(sd.size(), std::size_t(14 * 11));
    for (std::size_t k = 0; k < 11; ++k)
      for (std::size_t i = 0; i < 14; ++i) {
        const bool inside = label.at(i, 2, k) == 3;
        double nearest = 1e300;
        for (std::size_t kk = 0; kk < 11; ++kk)
          for (std::size_t ii = 0; ii < 14; ++ii)
            if ((label.at(ii, 2, kk) == 3) != inside)
              nearest = std::min(nearest, distance(physical(g, i, 2, k), physical(g, ii, 2, kk)));
        const double want = inside ? -nearest : nearest;
        QVERIFY2(
            std::abs(sd[i + 14 * k] - want) < 1e-9,
            qPrintable(
                QStringLiteral("%1 %2: %3 vs %4").arg(i).arg(k).arg(sd[i + 14 * k]).arg(want)));
      }
  }

  void fillBetweenSlicesInterpolatesTwoDiscs() {
    // Along the view axis of the axial (k) and coronal (j) views, with anisotropic spacing.
    for (SliceAxis axis : {SliceAxis::Axial, SliceAxis::Coronal}) {
      const Geometry g = grid({48, 44, 40}, {0.8, 0.9, 1.2});
      Scene scene(g);
      const int dim = axis == SliceAxis::Axial ? 2 : 1;
      const int a = 6, b = 30;
      VoxelIndex small{24, 22, 20}, big{24, 22, 20};
      small[dim] = a, big[dim] = b;
      for (std::size_t n : expectedBall(g, small, 2.5, false, axis)) scene.label.voxels()[n] = 1;
      for (std::size_t n : expectedBall(g, big, 12.0, false, axis)) scene.label.voxels()[n] = 1;
      const LabelVolume before = scene.label;
      FillBetweenSlicesEffect fill;
      const LabelDelta delta = scene.stroke(fill, axis, {{3, 3, 3}});
      QCOMPARE(fill.lastResult().keySlices, (std::vector<int>{a, b}));
      QCOMPARE(fill.lastResult().filledSlices, b - a - 1);
      QVERIFY(!delta.empty());
      // Key slices and everything outside [a, b] unchanged.
      for (int s = 0; s < int(g.size[dim]); ++s)
        if (s <= a || s >= b)
          QCOMPARE(sliceValues(scene.label, dim, s), sliceValues(before, dim, s));
      // In between: never empty, areas grow monotonically from the small to the big disc, each
      // slice contains the small disc's footprint and lies inside the big one's.
      const std::vector<std::uint8_t> smallSlice = sliceValues(before, dim, a);
      const std::vector<std::uint8_t> bigSlice = sliceValues(before, dim, b);
      int previous = sliceArea(scene.label, dim, a, 1);
      for (int s = a + 1; s < b; ++s) {
        const int area = sliceArea(scene.label, dim, s, 1);
        QVERIFY2(area >= previous,
                 qPrintable(QStringLiteral("slice %1: %2 < %3").arg(s).arg(area).arg(previous)));
        const std::vector<std::uint8_t> values = sliceValues(scene.label, dim, s);
        for (std::size_t p = 0; p < values.size(); ++p) {
          if (smallSlice[p] == 1) QCOMPARE(values[p], std::uint8_t(1));
          if (bigSlice[p] == 0) QCOMPARE(values[p], std::uint8_t(0));
        }
        previous = area;
      }
      QVERIFY(previous <= sliceArea(scene.label, dim, b, 1));
      QVERIFY(sliceArea(scene.label, dim, a + 1, 1) > sliceArea(scene.label, dim, a, 1) / 2);
      // Strictly between the two extremes half way.
      const int middle = sliceArea(scene.label, dim, (a + b) / 2, 1);
      QVERIFY(middle > sliceArea(scene.label, dim, a, 1));
      QVERIFY(middle < sliceArea(scene.label, dim, b, 1));
    }
  }

  void fillBetweenSlicesHandlesSeveralKeysAndOtherLabels() {
    const Geometry g = grid({30, 30, 20}, {1.0, 1.0, 2.0});
    Scene scene(g);
    for (int key : {2, 8, 9, 16})
      for (std::size_t n : expectedBall(g, {15, 15, key}, 4.0 + key / 4.0, false, SliceAxis::Axial))
        scene.label.voxels()[n] = 1;
    // Label 2 elsewhere must neither count as a key slice nor be interpolated.
    scene.label.at(1, 1, 12) = 2;
    FillBetweenSlicesEffect fill;
    scene.stroke(fill, SliceAxis::Axial, {{0, 0, 0}});
    QCOMPARE(fill.lastResult().keySlices, (std::vector<int>{2, 8, 9, 16}));
    QCOMPARE(fill.lastResult().filledSlices, 5 + 6);  // 3..7 and 10..15
    for (int s = 0; s < 20; ++s) QCOMPARE(sliceArea(scene.label, 2, s, 1) > 0, s >= 2 && s <= 16);
    QCOMPARE(scene.label.at(1, 1, 12), std::uint8_t(2));
    // A single key slice: nothing to do.
    Scene one(g);
    for (std::size_t n : expectedBall(g, {15, 15, 5}, 4.0, false, SliceAxis::Axial))
      one.label.voxels()[n] = 1;
    const LabelVolume before = one.label;
    QVERIFY(one.stroke(fill, SliceAxis::Axial, {{0, 0, 0}}).empty());
    QCOMPARE(one.label.voxels(), before.voxels());
  }

  // ---- Label table, options, overlay ---------------------------------------------------------

  void labelTableRulesAndJsonRoundTrip() {
    LabelTable table;
    QCOMPARE(table.entries().size(), std::size_t(1));
    QCOMPARE(table.activeLabel(), std::uint8_t(1));
    QCOMPARE(table.color(1), labelColor(1));
    QSignalSpy entries(&table, &LabelTable::entriesChanged);
    QSignalSpy active(&table, &LabelTable::activeLabelChanged);
    QCOMPARE(table.addNewEntry(), std::uint8_t(2));
    table.addEntry({7, QStringLiteral("Scar"), qRgb(10, 20, 30), false, true});
    QCOMPARE(entries.count(), 2);
    QVERIFY_THROWS_EXCEPTION(Error, table.addEntry(LabelTable::defaultEntry(7)));
    QVERIFY_THROWS_EXCEPTION(Error, table.addEntry(LabelTable::defaultEntry(0)));
    QVERIFY_THROWS_EXCEPTION(Error, table.addEntry(LabelTable::defaultEntry(255)));
    QVERIFY(table.isLocked(7) && !table.isLocked(1) && !table.isLocked(0) && !table.isLocked(99));
    QVERIFY(!table.isDrawn(7) && table.isDrawn(1) && table.isDrawn(99));
    QVERIFY(!table.isDrawn(0) && !table.isDrawn(255));
    QCOMPARE(table.color(99), labelColor(99));
    table.setActiveLabel(7);
    table.setActiveLabel(50);  // no entry: ignored
    QCOMPARE(table.activeLabel(), std::uint8_t(7));
    QCOMPARE(active.count(), 1);
    table.setOverwriteOtherLabels(true);
    table.setName(2, QStringLiteral("Wall"));
    table.setColor(2, qRgb(1, 2, 3));

    const nlohmann::json json = table.toJson();
    QCOMPARE(json["labels"][2]["color"].get<std::string>(), std::string("#0a141e"));
    LabelTable copy;
    copy.fromJson(json);
    QCOMPARE(copy.entries(), table.entries());
    QCOMPARE(copy.activeLabel(), std::uint8_t(7));
    QVERIFY(copy.overwriteOtherLabels());
    QVERIFY(copy.toJson() == json);

    for (const char* bad : {R"({"labels": []})", R"({"labels": [{"value": 0}]})",
                            R"({"labels": [{"value": 3}, {"value": 3}]})",
                            R"({"labels": [{"value": 3, "color": "red"}]})",
                            R"({"labels": [{"value": 3}], "active": 4})",
                            R"({"labels": [{"value": "x"}]})", R"([1, 2])"}) {
      QVERIFY_THROWS_EXCEPTION(Error, copy.fromJson(nlohmann::json::parse(bad)));
      QCOMPARE(copy.entries(), table.entries());  // unchanged after a refused input
    }

    // Removing: the active label moves to the first entry; the last entry stays.
    QVERIFY(table.removeEntry(7));
    QCOMPARE(table.activeLabel(), std::uint8_t(1));
    QVERIFY(table.removeEntry(1));
    QVERIFY(!table.removeEntry(2));
    QCOMPARE(table.entries().size(), std::size_t(1));
    // Labels found in a volume get default entries.
    LabelVolume label(grid({4, 1, 1}, {1, 1, 1}), std::vector<std::uint8_t>{0, 5, 255, 9});
    table.addMissingEntries(label);
    QVERIFY(table.contains(5) && table.contains(9) && !table.contains(255));
    table.reset();
    QCOMPARE(table.entries().size(), std::size_t(1));
    QVERIFY(!table.overwriteOtherLabels());
  }

  void editOptionsJsonRoundTrip() {
    const EditOptions o = EditOptions{}
                              .setBrushRadiusMm(2.25)
                              .setThreeD(true)
                              .setThresholdRange(-3.5, 40.0)
                              .setFloodMode(FloodFillMode::Intensity)
                              .setFloodTolerance(0.75);
    QCOMPARE(EditOptions::fromJson(o.toJson()), o);
    QCOMPARE(EditOptions::fromJson(nlohmann::json::object()), EditOptions{});
    QCOMPARE(o.toJson()["flood_mode"].get<std::string>(), std::string("intensity"));
    for (const char* bad : {R"({"brush_radius_mm": 0})", R"({"brush_radius_mm": "big"})",
                            R"({"threshold_lower": 5, "threshold_upper": 1})",
                            R"({"flood_tolerance": -1})", R"({"flood_mode": "magic"})", "3"})
      QVERIFY_THROWS_EXCEPTION(Error, EditOptions::fromJson(nlohmann::json::parse(bad)));
  }

  void overlayFollowsTheTable() {
    const Geometry g = grid({6, 5, 2}, {1.0, 1.5, 2.0}, {-1, 0, 0, 0, -1, 0, 0, 0, 1});
    ImageVolume image(g, 0.0f);
    LabelVolume label(g, 0);
    for (std::size_t n = 0; n < image.voxelCount(); ++n) {
      image.voxels()[n] = float(n * 7 % 50);
      label.voxels()[n] = std::uint8_t(n % 4);  // 0, 1, 2, 3
    }
    const SliceRenderSettings settings =
        SliceRenderSettings{}.setWindowLevel(WindowLevel::fromRange(0, 49)).setLabelOpacity(0.5);
    LabelTable table;
    table.addMissingEntries(label);
    // The default table gives renderSlice()'s pixels exactly.
    for (SliceAxis axis : {SliceAxis::Axial, SliceAxis::Coronal, SliceAxis::Sagittal}) {
      QImage picture = renderSlice(image, nullptr, axis, 1, settings);
      blendLabelOverlay(picture, label, axis, 1, 0.5, table);
      QCOMPARE(picture, renderSlice(image, &label, axis, 1, settings));
    }
    // Hidden label 2 shows grey; label 3 recoloured blends with its new colour.
    table.setVisible(2, false);
    table.setColor(3, qRgb(10, 200, 31));
    const QImage grey = renderSlice(image, nullptr, SliceAxis::Axial, 1, settings);
    QImage picture = grey;
    blendLabelOverlay(picture, label, SliceAxis::Axial, 1, 0.5, table);
    int checked3 = 0;
    for (int y = 0; y < picture.height(); ++y)
      for (int x = 0; x < picture.width(); ++x) {
        const VoxelIndex v = *voxelAtPixel(g, SliceAxis::Axial, 1, x, y);
        const std::uint8_t l = label.at(v[0], v[1], v[2]);
        const int gv = qRed(grey.pixel(x, y));
        if (l == 0 || l == 2) QCOMPARE(picture.pixel(x, y), grey.pixel(x, y));
        if (l == 3) {
          const QRgb want =
              qRgb(int(std::lround(0.5 * gv + 5.0)), int(std::lround(0.5 * gv + 100.0)),
                   int(std::lround(0.5 * gv + 15.5)));
          QCOMPARE(picture.pixel(x, y), want);
          ++checked3;
        }
      }
    QVERIFY(checked3 > 0);
    QImage wrongSize(3, 3, QImage::Format_RGB32);
    QVERIFY_THROWS_EXCEPTION(Error,
                             blendLabelOverlay(wrongSize, label, SliceAxis::Axial, 1, 0.5, table));
  }

  // ---- The editing model ---------------------------------------------------------------------

  void editingModelRecordsStepsAndThrottlesSurfaces() {
    ViewerModel viewer;
    const Geometry g = grid({30, 30, 10}, {1.0, 1.0, 2.0});
    viewer.setImage(ImageVolume(g, 1.0f), QStringLiteral("synthetic"));
    LabelEditingModel editing(&viewer);
    editing.setSurfaceUpdateDelay(150);
    QVERIFY(!editing.press(SliceAxis::Axial, {5, 5, 5}));  // navigating: not consumed
    editing.setActiveEffect(LabelEditingModel::Brush);
    QCOMPARE(editing.activeEffect()->name(), QStringLiteral("Brush"));
    editing.setBrushRadiusMm(2.0);
    QVERIFY_THROWS_EXCEPTION(Error, editing.setBrushRadiusMm(-1.0));
    QCOMPARE(editing.options().brushRadiusMm, 2.0);

    QSignalSpy edited(&editing, &LabelEditingModel::labelEdited);
    QSignalSpy undoState(&editing, &LabelEditingModel::undoStateChanged);
    QVERIFY(!viewer.hasLabel());
    QVERIFY(editing.press(SliceAxis::Axial, {10, 10, 4}));  // creates an empty label map
    QVERIFY(viewer.hasLabel());
    QSignalSpy labelChanged(&viewer, &ViewerModel::labelChanged);
    editing.move(SliceAxis::Axial, {20, 10, 4});
    QVERIFY(edited.count() >= 2);  // the slice views hear about every write at once
    QCOMPARE(labelChanged.count(), 0);
    editing.release(SliceAxis::Axial, {20, 10, 4});
    QCOMPARE(editing.undoName(), QStringLiteral("Brush stroke"));
    // A second stroke before the delay runs out: still one 3D rebuild.
    QVERIFY(editing.press(SliceAxis::Axial, {10, 20, 4}));
    editing.release(SliceAxis::Axial, {10, 20, 4});
    QCOMPARE(editing.undoStack().undoCount(), 2);
    QVERIFY(editing.surfaceUpdatePending());
    QCOMPARE(labelChanged.count(), 0);
    QTRY_COMPARE_WITH_TIMEOUT(labelChanged.count(), 1, 5000);
    QTest::qWait(300);
    QCOMPARE(labelChanged.count(), 1);
    QCOMPARE(editing.undoStack().undoCount(), 2);  // our own labelChanged keeps the steps

    VoxelSet expected;
    for (int i = 10; i <= 20; ++i)
      expected = unite(expected, expectedBall(g, {i, 10, 4}, 2.0, false, SliceAxis::Axial));
    expected = unite(expected, expectedBall(g, {10, 20, 4}, 2.0, false, SliceAxis::Axial));
    QCOMPARE(voxelsWithLabel(*viewer.label(), 1), expected);
    editing.undo();
    editing.undo();
    QVERIFY(voxelsWithLabel(*viewer.label(), 1).empty());
    QCOMPARE(editing.redoName(), QStringLiteral("Brush stroke"));
    editing.redo();
    editing.redo();
    QCOMPARE(voxelsWithLabel(*viewer.label(), 1), expected);
    QVERIFY(undoState.count() >= 6);

    // Esc in the middle of a stroke reverts it; a new label map clears the steps.
    QVERIFY(editing.press(SliceAxis::Axial, {3, 3, 1}));
    QVERIFY(viewer.label()->at(3, 3, 1) == 1);
    editing.cancel();
    QVERIFY(viewer.label()->at(3, 3, 1) == 0);
    QCOMPARE(editing.undoStack().undoCount(), 2);
    LabelVolume other(g, 0);
    other.at(0, 0, 0) = 4;
    viewer.setLabel(other, QStringLiteral("other"));
    QVERIFY(!editing.canUndo());
    QVERIFY(editing.labelTable()->contains(4));
    // The threshold range starts on the displayed window.
    QCOMPARE(editing.options().thresholdLower, viewer.windowLevel().lower());
  }

  // ---- The real window -----------------------------------------------------------------------

  void windowPaintsUndoesAndInterpolatesWithTheMouse() {
    MainWindow window;
    window.resize(1300, 860);
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QVERIFY(window.toolsDock()->isVisible());
    ViewerModel* model = window.model();
    LabelEditingModel* editing = window.editingModel();
    const Geometry g = grid({64, 60, 24}, {0.75, 0.75, 2.0});
    ImageVolume image(g, 0.0f);
    for (std::size_t n = 0; n < image.voxelCount(); ++n) image.voxels()[n] = float(n % 13);
    model->setImage(std::move(image), QStringLiteral("synthetic"));
    SliceView* axial = window.sliceView(SliceAxis::Axial);
    QTRY_VERIFY(!axial->slicePicture().isNull());

    // B selects the brush (action checked, hint shown); the panel's spin box sets the radius.
    QTest::keyClick(axial, Qt::Key_B);
    QCOMPARE(editing->activeEffectIndex(), int(LabelEditingModel::Brush));
    QVERIFY(window.editActions()->toolAction(LabelEditingModel::Brush)->isChecked());
    QCOMPARE(window.toolsPanel()->hintLabel()->text(), editing->activeEffect()->hint());
    // Buttons teach the keys, also after their action was checked.
    QCOMPARE(window.toolsPanel()->toolButton(1 + LabelEditingModel::Brush)->text(),
             QStringLiteral("Brush (B)"));
    QCOMPARE(window.toolsPanel()->toolButton(0)->text(), QStringLiteral("Navigate (Esc)"));
    window.toolsPanel()->brushSizeSpinBox()->setValue(2.0);
    QCOMPARE(editing->options().brushRadiusMm, 2.0);
    QVERIFY(!window.toolsPanel()->thresholdLowerSpinBox()->isEnabled());

    // A stroke along row j = 30 of slice 10, from i = 20 to i = 40.
    model->setSliceIndex(SliceAxis::Axial, 10);
    dragLeft(axial, {widgetPointOfVoxel(axial, g, {20, 30, 10}),
                     widgetPointOfVoxel(axial, g, {30, 30, 10}),
                     widgetPointOfVoxel(axial, g, {40, 30, 10})});
    QVERIFY(model->hasLabel());
    VoxelSet stroke;
    for (int i = 20; i <= 40; ++i)
      stroke = unite(stroke, expectedBall(g, {i, 30, 10}, 2.0, false, SliceAxis::Axial));
    QCOMPARE(voxelsWithLabel(*model->label(), 1), stroke);
    QCOMPARE(model->cursor()[2], 10);  // painting does not move the cursor
    QCOMPARE(countRedOverlay(axial->slicePicture()), int(stroke.size()));
    QCOMPARE(window.editActions()->undoAction()->text(), QStringLiteral("&Undo Brush stroke"));

    // Ctrl+Z undoes, Ctrl+Shift+Z redoes, Ctrl+Y redoes too.
    QTest::keyClick(axial, Qt::Key_Z, Qt::ControlModifier);
    QVERIFY(voxelsWithLabel(*model->label(), 1).empty());
    QCOMPARE(countRedOverlay(axial->slicePicture()), 0);
    QTest::keyClick(axial, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(voxelsWithLabel(*model->label(), 1), stroke);
    QTest::keyClick(axial, Qt::Key_Z, Qt::ControlModifier);
    QTest::keyClick(axial, Qt::Key_Y, Qt::ControlModifier);
    QCOMPARE(voxelsWithLabel(*model->label(), 1), stroke);
    QTest::keyClick(axial, Qt::Key_Z, Qt::ControlModifier);
    QVERIFY(voxelsWithLabel(*model->label(), 1).empty());

    // Discs of radius 3 mm on slice 4 and 9 mm on slice 16, then I and a click: interpolated.
    const VoxelIndex small{32, 30, 4}, big{32, 30, 16};
    window.toolsPanel()->brushSizeSpinBox()->setValue(3.0);
    model->setSliceIndex(SliceAxis::Axial, 4);
    QTest::mouseClick(axial, Qt::LeftButton, Qt::NoModifier, widgetPointOfVoxel(axial, g, small));
    window.toolsPanel()->brushSizeSpinBox()->setValue(9.0);
    model->setSliceIndex(SliceAxis::Axial, 16);
    QTest::mouseClick(axial, Qt::LeftButton, Qt::NoModifier, widgetPointOfVoxel(axial, g, big));
    const VoxelSet keys = unite(expectedBall(g, small, 3.0, false, SliceAxis::Axial),
                                expectedBall(g, big, 9.0, false, SliceAxis::Axial));
    QCOMPARE(voxelsWithLabel(*model->label(), 1), keys);
    QTest::keyClick(axial, Qt::Key_I);
    QCOMPARE(editing->activeEffectIndex(), int(LabelEditingModel::FillBetweenSlices));
    QTest::mouseClick(axial, Qt::LeftButton, Qt::NoModifier, axial->rect().center());
    QCOMPARE(editing->undoName(), QStringLiteral("Fill between slices"));
    int previous = sliceArea(*model->label(), 2, 4, 1);
    for (int s = 5; s < 16; ++s) {
      const int area = sliceArea(*model->label(), 2, s, 1);
      QVERIFY2(area > 0 && area >= previous, qPrintable(QString::number(s)));
      previous = area;
    }
    for (int s : {0, 3, 17, 23}) QCOMPARE(sliceArea(*model->label(), 2, s, 1), 0);
    // The key slices keep exactly their discs.
    for (int s : {4, 16}) {
      VoxelSet inSlice;
      for (std::size_t n : voxelsWithLabel(*model->label(), 1))
        if (int(n / (g.size[0] * g.size[1])) == s) inSlice.insert(n);
      VoxelSet keyInSlice;
      for (std::size_t n : keys)
        if (int(n / (g.size[0] * g.size[1])) == s) keyInSlice.insert(n);
      QCOMPARE(inSlice, keyInSlice);
    }
    // Undo takes back the interpolation only.
    QTest::keyClick(axial, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(voxelsWithLabel(*model->label(), 1), keys);
    QTest::keyClick(axial, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);

    // The 3D view follows once the throttle delay has passed.
    QTRY_COMPARE_WITH_TIMEOUT(window.view3D()->surfaceCount(), 1, 10000);

    // Polygon with P: three clicks and Enter fill a triangle on slice 20.
    QTest::keyClick(axial, Qt::Key_P);
    model->setSliceIndex(SliceAxis::Axial, 20);
    for (const VoxelIndex& v : std::vector<VoxelIndex>{{10, 10, 20}, {30, 10, 20}, {10, 30, 20}})
      QTest::mouseClick(axial, Qt::LeftButton, Qt::NoModifier, widgetPointOfVoxel(axial, g, v));
    QCOMPARE(sliceArea(*model->label(), 2, 20, 1), 0);
    QTest::keyClick(axial, Qt::Key_Return);
    // Right triangle with legs of 20 voxels, outline included: 21 + 20 + ... + 1 voxels.
    QCOMPARE(sliceArea(*model->label(), 2, 20, 1), 21 * 22 / 2);
    QCOMPARE(editing->undoName(), QStringLiteral("Polygon fill"));

    // Hiding label 1 in the table widget removes it from the slice picture.
    LabelTableItemModel* items = window.toolsPanel()->labelTableWidget()->itemModel();
    QVERIFY(countRedOverlay(axial->slicePicture()) > 0);
    QVERIFY(items->setData(items->index(0, LabelTableItemModel::VisibleColumn), Qt::Unchecked,
                           Qt::CheckStateRole));
    QCOMPARE(countRedOverlay(axial->slicePicture()), 0);
    items->setData(items->index(0, LabelTableItemModel::VisibleColumn), Qt::Checked,
                   Qt::CheckStateRole);

    // Esc goes back to navigation: a left click moves the cursor again and paints nothing.
    const std::vector<std::uint8_t> labelBefore = model->label()->voxels();
    QTest::keyClick(axial, Qt::Key_Escape);
    QCOMPARE(editing->activeEffectIndex(), LabelEditingModel::kNavigate);
    QTest::mouseClick(axial, Qt::LeftButton, Qt::NoModifier,
                      widgetPointOfVoxel(axial, g, {50, 50, 20}));
    QCOMPARE(model->cursor(), (VoxelIndex{50, 50, 20}));
    QCOMPARE(model->label()->voxels(), labelBefore);
    // Every tool has a distinct single-key shortcut, all reachable from the keyboard.
    std::set<QString> keysSeen;
    for (int i = 0; i < editing->effectCount(); ++i) {
      const QKeySequence key = editing->effect(i)->shortcut();
      QVERIFY(keysSeen.insert(key.toString()).second);
      QTest::keyClick(axial, key[0].key());
      QCOMPARE(editing->activeEffectIndex(), i);
    }
  }

  // Makes docs/screenshots/studio-editing.png when SFR_EDITING_SCREENSHOT names the file: the
  // first LA test case with a second label painted with the brush and a polygon.
  void screenshotOfAnEditedCase() {
    const QString target = qEnvironmentVariable("SFR_EDITING_SCREENSHOT");
    if (target.isEmpty()) QSKIP("set SFR_EDITING_SCREENSHOT to write the screenshot");
    QFile list(dataDir() + QStringLiteral("/la/test.list"));
    QVERIFY(list.open(QIODevice::ReadOnly));
    const QString id = QString::fromUtf8(list.readLine()).trimmed();
    MainWindow window;
    window.setSpacingOverride(Vec3{0.625, 0.625, 0.625});
    window.resize(1400, 900);
    window.show();
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    QVERIFY(window.openImageFile(dataDir() + QStringLiteral("/la/") + id +
                                 QStringLiteral("/mri_norm2.h5")));
    LabelTable* table = window.editingModel()->labelTable();
    table->addEntry({2, QStringLiteral("Pulmonary vein (edit)"), qRgb(40, 200, 255), true, false});
    table->setName(1, QStringLiteral("Left atrium"));
    table->setLocked(1, true);
    table->setActiveLabel(2);
    ViewerModel* model = window.model();
    const Geometry& g = model->image().geometry();
    const VoxelIndex centre{int(g.size[0] / 2), int(g.size[1] / 2), int(g.size[2] / 2)};
    model->setCursor(centre);
    SliceView* axial = window.sliceView(SliceAxis::Axial);
    QTest::keyClick(axial, Qt::Key_B);
    window.toolsPanel()->brushSizeSpinBox()->setValue(3.0);
    dragLeft(axial, {widgetPointOfVoxel(axial, g, {centre[0] - 40, centre[1] - 30, centre[2]}),
                     widgetPointOfVoxel(axial, g, {centre[0] - 20, centre[1] - 35, centre[2]}),
                     widgetPointOfVoxel(axial, g, {centre[0] + 5, centre[1] - 40, centre[2]})});
    QCOMPARE(window.editingModel()->undoName(), QStringLiteral("Brush stroke"));
    const QPoint hover = widgetPointOfVoxel(axial, g, {centre[0] + 20, centre[1] + 25, centre[2]});
    QMouseEvent move(QEvent::MouseMove, hover, axial->mapToGlobal(hover), Qt::NoButton,
                     Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(axial, &move);
    QVERIFY(window.saveScreenshot(target));
    QCOMPARE(window.view3D()->surfaceCount(), 2);  // saving flushed the throttled 3D rebuild
  }
};

QTEST_MAIN(LabelEditingTest)
#include "tst_label_editing.moc"
