#include "sfr/ui/model/volume_files.h"

#include <QFileInfo>
#include <exception>
#include <new>

#include "sfr/base/error.h"
#include "sfr/base/phantom.h"
#include "sfr/io/format.h"
#include "sfr/io/image_io.h"

namespace sfr::ui {

namespace {

std::filesystem::path toPath(const QString& path) {
  return std::filesystem::path(path.toStdU16String());
}

io::ReadOptions readOptions(const std::optional<Vec3>& spacing) {
  io::ReadOptions options;
  if (spacing) options.setSpacing(*spacing);
  return options;
}

// sfr_io promises sfr::Error only; anything else (out of memory on a huge file) still becomes
// one message about the file rather than a crash.
template <typename Fn>
auto guarded(const QString& path, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Error(path.toStdString(), "not enough memory to read this volume");
  } catch (const std::exception& e) {
    throw Error(path.toStdString(), e.what());
  }
}

}  // namespace

OpenedImage openImageFile(const QString& path, const std::optional<Vec3>& spacing) {
  return guarded(path, [&] {
    OpenedImage opened;
    opened.name = QFileInfo(path).fileName();
    opened.image = io::readImage(toPath(path), readOptions(spacing));
    if (io::formatFromExtension(toPath(path)) == io::FileFormat::Hdf5) {
      // The research layout keeps image and label in one file; an unlabelled file is still a
      // valid image, so a missing label is reported, not fatal.
      try {
        opened.label = io::readLabel(toPath(path), readOptions(spacing));
      } catch (const Error& e) {
        opened.labelProblem = QString::fromStdString(e.problem());
      }
    }
    return opened;
  });
}

LabelVolume openLabelFile(const QString& path, const std::optional<Vec3>& spacing) {
  return guarded(path, [&] { return io::readLabel(toPath(path), readOptions(spacing)); });
}

OpenedImage openDemoCase() {
  PhantomCase phantom = generatePhantomCase(PhantomSettings{}, 0);
  OpenedImage opened;
  opened.name = QString::fromStdString(phantom.id);
  opened.image = std::move(phantom.image);
  opened.label = std::move(phantom.label);
  return opened;
}

}  // namespace sfr::ui
