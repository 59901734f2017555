// Times one slice-view redraw with two overlays at 512²: what SliceView::rerender() and the
// PreviewLayer do when the user scrolls (renderSlice for the grey picture, blendLabelOverlay with
// the label table, renderPreviewSlice for the live preview or the confidence overlay) plus the
// paint (both pictures drawn, nearest neighbour, into a widget-sized ARGB32 target with QPainter).
// The volume is 512 x 512 x 300 (CT-like), the label and the preview are irregular blobs that
// cover a third of each slice. Each repeat shows the next axial slice, as scrolling does.
// Usage: bench_slice_redraw [nx ny nz] [repeats] [view side px]
// GUI thread only: the renderer is single-threaded. Prints one line per measurement and a JSON
// summary on the last line. Target (issue 5): median <= 16 ms.
#include <QCoreApplication>
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_machine.h"
#include "sfr/ui/editing/label_editing_model.h"
#include "sfr/ui/editing/label_overlay.h"
#include "sfr/ui/editing/label_table.h"
#include "sfr/ui/model/slice_renderer.h"
#include "sfr/ui/model/training_run_model.h"
#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/model/worker_client.h"
#include "sfr/ui/training/live_preview_model.h"
#include "sfr/ui/training/views/preview_layer.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace sfr;
using namespace sfr::ui;

double msSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

struct Stats {
  double median = 0, p95 = 0, max = 0;
};

Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  Stats s;
  const auto rank = [&](double q) {
    // nearest rank
    const std::size_t r = static_cast<std::size_t>(std::ceil(q * v.size()));
    return v[std::min(v.size() - 1, r == 0 ? 0 : r - 1)];
  };
  s.median = rank(0.5);
  s.p95 = rank(0.95);
  s.max = v.back();
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  Size3 size{512, 512, 300};
  int repeats = 300, side = 800;
  if (argc >= 4)
    for (int a = 0; a < 3; ++a) size[a] = std::strtoul(argv[1 + a], nullptr, 10);
  if (argc >= 5) repeats = std::atoi(argv[4]);
  if (argc >= 6) side = std::atoi(argv[5]);
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QGuiApplication app(argc, argv);

  Geometry g;
  g.size = size;
  g.spacing = {0.7, 0.7, 1.0};
  ImageVolume image(g);
  LabelVolume label(g, std::uint8_t{0}), prediction(g, std::uint8_t{0});
  ImageVolume confidence(g, 1.0f);
  unsigned noise = 12345;
  for (std::size_t k = 0; k < size[2]; ++k)
    for (std::size_t j = 0; j < size[1]; ++j)
      for (std::size_t i = 0; i < size[0]; ++i) {
        const double u = (i / double(size[0]) - 0.5) / 0.3;
        const double v = (j / double(size[1]) - 0.5) / 0.3;
        const double w = (k / double(size[2]) - 0.5) / 0.45;
        noise = noise * 1664525u + 1013904223u;
        image.at(i, j, k) =
            static_cast<float>(-1000.0 + 1040.0 * (u * u + v * v < 4.0) +
                               60.0 * std::sin(0.05 * i + 0.07 * j) + double(noise >> 24) * 0.2);
        if (inRippledBlob(u, v, w, 0.3, 0.0)) label.at(i, j, k) = 1 + (i > size[0] / 2);
        if (inRippledBlob(u * 1.05 + 0.05, v * 0.95, w, 0.35, 1.0)) {
          prediction.at(i, j, k) = 1 + (i > size[0] / 2 + 8);
          confidence.at(i, j, k) = static_cast<float>(0.5 + 0.5 * std::abs(std::sin(0.1 * i)));
        }
      }

  ViewerModel viewer;
  viewer.setImage(std::move(image), QStringLiteral("bench"));
  viewer.setLabel(std::move(label), QStringLiteral("bench"));
  LabelEditingModel editing(&viewer);
  LabelTable& table = *editing.labelTable();
  WorkerClient worker;
  TrainingRunModel run(&worker);
  LivePreviewModel preview(&worker, &run, &viewer, &editing);
  preview.showPrediction(std::move(prediction), std::move(confidence), 0.9);

  const ImageVolume& img = viewer.image();
  const LabelVolume& lab = *viewer.label();
  const int slices = static_cast<int>(size[2]);
  QImage frame(side, side, QImage::Format_ARGB32_Premultiplied);
  const auto settings = SliceRenderSettings{}
                            .setWindowLevel(viewer.windowLevel())
                            .setLabelOpacity(viewer.labelOpacity());

  nlohmann::json summary{{"bench", "slice_redraw"},
                         {"volume", {size[0], size[1], size[2]}},
                         {"view_px", side},
                         {"repeats", repeats},
                         {"threads", 1},
                         {"hardware_threads", std::thread::hardware_concurrency()},
                         {"cpu", cpuModel()},
                         {"target_ms", 16}};
  std::printf(
      "slice redraw, axial %zux%zu of %zux%zux%zu, %d repeats, view %dx%d, 1 thread "
      "(GUI thread), machine: %u hardware threads, %s\n",
      size[0], size[1], size[0], size[1], size[2], repeats, side, side,
      std::thread::hardware_concurrency(), cpuModel().c_str());
  for (const bool showConfidence : {false, true}) {
    preview.setShowConfidence(showConfidence);
    std::vector<double> render, overlay, previewMs, paint, total;
    for (int r = -10; r < repeats; ++r) {  // 10 warm-up redraws
      const int slice = (r + 10) % slices;
      const auto t0 = Clock::now();
      QImage picture = renderSlice(img, nullptr, SliceAxis::Axial, slice, settings);
      const double tRender = msSince(t0);
      auto t1 = Clock::now();
      blendLabelOverlay(picture, lab, SliceAxis::Axial, slice, viewer.labelOpacity(), table);
      const double tOverlay = msSince(t1);
      t1 = Clock::now();
      const QImage layer = renderPreviewSlice(preview, table, SliceAxis::Axial, slice);
      const double tPreview = msSince(t1);
      t1 = Clock::now();
      {
        QPainter painter(&frame);
        painter.fillRect(frame.rect(), Qt::black);
        painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
        const QRectF target(0, 0, side, side);
        painter.drawImage(target, picture);
        painter.drawImage(target, layer);
      }
      const double tPaint = msSince(t1);
      const double tTotal = msSince(t0);
      if (r < 0) continue;
      render.push_back(tRender), overlay.push_back(tOverlay), previewMs.push_back(tPreview);
      paint.push_back(tPaint), total.push_back(tTotal);
    }
    const char* mode = showConfidence ? "label+confidence" : "label+preview";
    nlohmann::json m;
    for (const auto& [name, v] : {std::pair<const char*, std::vector<double>*>{"grey", &render},
                                  {"label_overlay", &overlay},
                                  {"preview_layer", &previewMs},
                                  {"paint", &paint},
                                  {"total", &total}}) {
      const Stats s = stats(*v);
      std::printf("%-17s %-14s median %7.2f ms  p95 %7.2f ms  max %7.2f ms\n", mode, name, s.median,
                  s.p95, s.max);
      m[name] = {{"median_ms", s.median}, {"p95_ms", s.p95}, {"max_ms", s.max}};
    }
    summary[mode] = m;
  }
  std::printf("%s\n", summary.dump().c_str());
  return 0;
}
