// sfr-studio [image] [--label L] [--spacing sx,sy,sz] [--demo] [--screenshot FILE]
#include <QApplication>
#include <cstdio>

#include "sfr/base/error.h"
#include "sfr/ui/main_window.h"
#include "sfr/ui/model/studio_options.h"
#include "sfr/ui/views/vtk_opengl_widget.h"

int main(int argc, char** argv) {
  // VTK needs a core-profile context; the default format must be set before QApplication.
  sfr::ui::setDefaultSurfaceFormat();
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("SFR Studio"));
  QApplication::setOrganizationName(QStringLiteral("SFR"));
  QApplication::setApplicationVersion(QStringLiteral(SFR_VERSION));

  sfr::ui::StudioOptions options;
  try {
    options = sfr::ui::parseStudioArguments(QApplication::arguments());
  } catch (const sfr::Error& e) {
    std::fprintf(stderr, "sfr-studio: %s\n", e.what());
    std::fprintf(stderr, "%s",
                 qPrintable(QCoreApplication::translate(
                     "main", "Run 'sfr-studio --help' for the options.\n")));
    return 2;
  }
  if (options.showHelp) {
    std::printf("%s", qPrintable(options.helpText));
    return 0;
  }
  if (options.showVersion) {
    std::printf("sfr-studio %s\n", SFR_VERSION);
    return 0;
  }

  sfr::ui::MainWindow window;
  window.setSpacingOverride(options.spacing);
  if (!options.screenshot.isEmpty()) {
    // Batch run: no modal dialog may block it, so errors go to stderr instead.
    window.setErrorDialogsEnabled(false);
    QObject::connect(
        &window, &sfr::ui::MainWindow::openFailed, [](const QString& path, const QString& problem) {
          std::fprintf(stderr, "sfr-studio: %s: %s\n", qPrintable(path), qPrintable(problem));
        });
  }
  window.show();
  // Open after the window is up, so that a reading error shows its dialog over the window.
  bool opened = true;
  if (options.demo) window.openDemo();
  if (!options.image.isEmpty()) opened = window.openImageFile(options.image);
  if (opened && !options.label.isEmpty()) opened = window.openLabelFile(options.label);

  if (!options.screenshot.isEmpty()) {
    if (!window.saveScreenshot(options.screenshot)) {
      std::fprintf(stderr, "sfr-studio: %s: %s\n", qPrintable(options.screenshot),
                   qPrintable(QCoreApplication::translate("main", "cannot write the screenshot")));
      return 1;
    }
    return opened ? 0 : 1;
  }
  return app.exec();
}
