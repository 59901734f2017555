// sfr-studio [image] [--label L] [--spacing sx,sy,sz] [--demo] [--screenshot FILE]
//            [--project FILE]
#include <QApplication>
#include <cstdio>

#include "sfr/base/error.h"
#include "sfr/io/image_io.h"
#include "sfr/ui/editing/label_editing_model.h"
#include "sfr/ui/main_window.h"
#include "sfr/ui/model/language.h"
#include "sfr/ui/model/studio_options.h"
#include "sfr/ui/model/viewer_model.h"
#include "sfr/ui/project/autosave_controller.h"
#include "sfr/ui/views/vtk_opengl_widget.h"

int main(int argc, char** argv) {
  // VTK needs a core-profile context; the default format must be set before QApplication.
  sfr::ui::setDefaultSurfaceFormat();
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("SFR Studio"));
  QApplication::setOrganizationName(QStringLiteral("SFR"));
  QApplication::setApplicationVersion(QStringLiteral(SFR_VERSION));
  QGuiApplication::setDesktopFileName(QStringLiteral("sfr-studio"));  // packaging/*.desktop

  // The language before anything is shown or parsed, so that --help is translated too:
  // --lang, else View > Language's stored choice, else the system's.
  QString language = sfr::ui::languageFromArguments(QApplication::arguments());
  if (!sfr::ui::isLanguageChoice(language) || language.isEmpty())
    language = sfr::ui::storedLanguageChoice();  // a bad --lang is reported by the parser below
  sfr::ui::installTranslators(language);

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
  if (options.autosaveMs > 0) window.autosave()->setInterval(options.autosaveMs);
  window.setRecoverWithoutAsking(options.acceptRecovery);
  // Open after the window is up, so that a reading error shows its dialog over the window.
  bool opened = true;
  if (options.demo) window.openDemo();
  if (!options.image.isEmpty()) opened = window.openImageFile(options.image);
  if (opened && !options.label.isEmpty()) opened = window.openLabelFile(options.label);
  if (!options.project.isEmpty()) {
    opened = window.openProjectFile(options.project);
  } else if (options.image.isEmpty() && !options.demo && options.screenshot.isEmpty()) {
    window.reopenCrashedProject();  // a start after a crash offers to recover its edits
  }
  if (window.recoveryOffered()) std::printf("sfr-studio: recovery offered\n");
  if (options.testEdit) {
    // Hidden test hook: one brush stamp on the axial view at voxel i,j,k (crash-recovery test).
    sfr::ui::LabelEditingModel* editing = window.editingModel();
    editing->setActiveEffect(sfr::ui::LabelEditingModel::Brush);
    editing->press(sfr::ui::SliceAxis::Axial, *options.testEdit);
    editing->release(sfr::ui::SliceAxis::Axial, *options.testEdit);
    std::printf("sfr-studio: test edit done\n");
  }
  std::fflush(stdout);
  if (!options.testDumpLabel.isEmpty()) {
    // Hidden test hook: write the label map on screen and quit (no clean exit: the autosave stays).
    const sfr::LabelVolume* label = window.model()->label();
    if (!label) {
      std::fprintf(stderr, "sfr-studio: no label map is open\n");
      return 1;
    }
    try {
      sfr::io::writeLabel(*label, options.testDumpLabel.toStdString());
    } catch (const sfr::Error& e) {
      std::fprintf(stderr, "sfr-studio: %s\n", e.what());
      return 1;
    }
    return opened ? 0 : 1;
  }

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
