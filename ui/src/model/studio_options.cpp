#include "sfr/ui/model/studio_options.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <cmath>

#include "sfr/base/error.h"
#include "sfr/ui/model/language.h"

namespace sfr::ui {

namespace {
// Translation context for the free functions below (lupdate understands the macro).
struct Text {
  Q_DECLARE_TR_FUNCTIONS(StudioOptions)
};
}  // namespace

std::optional<Vec3> parseSpacing(const QString& text) {
  const QStringList parts = text.split(QLatin1Char(','));
  if (parts.size() != 1 && parts.size() != 3) return std::nullopt;
  Vec3 spacing{};
  for (int d = 0; d < 3; ++d) {
    bool ok = false;
    const double v = parts[parts.size() == 1 ? 0 : d].trimmed().toDouble(&ok);
    if (!ok || !std::isfinite(v) || v <= 0.0) return std::nullopt;
    spacing[d] = v;
  }
  return spacing;
}

std::optional<VoxelIndex> parseVoxelIndex(const QString& text) {
  const QStringList parts = text.split(QLatin1Char(','));
  if (parts.size() != 3) return std::nullopt;
  VoxelIndex voxel{};
  for (int d = 0; d < 3; ++d) {
    bool ok = false;
    voxel[d] = parts[d].trimmed().toInt(&ok);
    if (!ok || voxel[d] < 0) return std::nullopt;
  }
  return voxel;
}

StudioOptions parseStudioArguments(const QStringList& arguments) {
  QCommandLineParser parser;
  parser.setApplicationDescription(
      Text::tr("SFR Studio: view 3D medical images and their segmentations."));
  const QCommandLineOption help = parser.addHelpOption();
  const QCommandLineOption version = parser.addVersionOption();
  const QCommandLineOption label(QStringLiteral("label"),
                                 Text::tr("Label map to show on the image."), Text::tr("file"));
  const QCommandLineOption spacing(
      QStringLiteral("spacing"),
      Text::tr(
          "Voxel spacing in mm, \"s\" or \"sx,sy,sz\" (for files that store none, such as the LA "
          "h5 files)."),
      Text::tr("spacing"));
  const QCommandLineOption demo(QStringLiteral("demo"),
                                Text::tr("Open the built-in phantom case."));
  const QCommandLineOption screenshot(
      QStringLiteral("screenshot"), Text::tr("Save a picture of the window to this file and quit."),
      Text::tr("file"));
  const QCommandLineOption project(QStringLiteral("project"),
                                   Text::tr("Project file (.sfrproj) to open."), Text::tr("file"));
  const QCommandLineOption lang(
      QStringLiteral("lang"),
      Text::tr("User-interface language: system, en, zh_CN or de (default: the choice made in "
               "View > Language, else the system's)."),
      Text::tr("code"));
  // Hidden: the crash-recovery test drives the studio through these.
  QCommandLineOption autosaveMs(QStringLiteral("autosave-ms"), QString(), QStringLiteral("ms"));
  QCommandLineOption acceptRecovery(QStringLiteral("accept-recovery"), QString());
  QCommandLineOption testEdit(QStringLiteral("test-edit"), QString(), QStringLiteral("i,j,k"));
  QCommandLineOption testDumpLabel(QStringLiteral("test-dump-label"), QString(),
                                   QStringLiteral("file"));
  for (QCommandLineOption* hidden : {&autosaveMs, &acceptRecovery, &testEdit, &testDumpLabel})
    hidden->setFlags(QCommandLineOption::HiddenFromHelp);
  parser.addOptions({label, spacing, demo, screenshot, project, lang, autosaveMs, acceptRecovery,
                     testEdit, testDumpLabel});
  parser.addPositionalArgument(QStringLiteral("image"), Text::tr("Image file to open."),
                               QStringLiteral("[image]"));

  StudioOptions options;
  options.helpText = parser.helpText();
  if (!parser.parse(arguments)) throw Error("command line", parser.errorText().toStdString());
  options.showHelp = parser.isSet(help);
  options.showVersion = parser.isSet(version);
  const QStringList positional = parser.positionalArguments();
  if (positional.size() > 1)
    throw Error(
        "command line",
        Text::tr("expected at most one image file, got %1").arg(positional.size()).toStdString());
  if (!positional.isEmpty()) options.image = positional.front();
  options.label = parser.value(label);
  options.demo = parser.isSet(demo);
  options.screenshot = parser.value(screenshot);
  options.project = parser.value(project);
  options.language = parser.value(lang);
  if (parser.isSet(lang) && (options.language.isEmpty() || !isLanguageChoice(options.language)))
    throw Error("command line", Text::tr("--lang expects system, en, zh_CN or de, got \"%1\"")
                                    .arg(options.language)
                                    .toStdString());
  options.acceptRecovery = parser.isSet(acceptRecovery);
  options.testDumpLabel = parser.value(testDumpLabel);
  if (parser.isSet(autosaveMs)) {
    bool ok = false;
    options.autosaveMs = parser.value(autosaveMs).toInt(&ok);
    if (!ok || options.autosaveMs <= 0)
      throw Error("command line", Text::tr("--autosave-ms expects a positive number of "
                                           "milliseconds, got \"%1\"")
                                      .arg(parser.value(autosaveMs))
                                      .toStdString());
  }
  if (parser.isSet(testEdit)) {
    options.testEdit = parseVoxelIndex(parser.value(testEdit));
    if (!options.testEdit)
      throw Error("command line", Text::tr("--test-edit expects i,j,k, got \"%1\"")
                                      .arg(parser.value(testEdit))
                                      .toStdString());
  }
  if (parser.isSet(spacing)) {
    options.spacing = parseSpacing(parser.value(spacing));
    if (!options.spacing)
      throw Error("command line", Text::tr("--spacing expects one or three positive numbers "
                                           "separated by commas, got \"%1\"")
                                      .arg(parser.value(spacing))
                                      .toStdString());
  }
  if (!options.label.isEmpty() && options.image.isEmpty() && !options.demo)
    throw Error("command line", Text::tr("--label needs an image to draw on").toStdString());
  if (options.demo && !options.image.isEmpty())
    throw Error("command line",
                Text::tr("--demo and an image file exclude each other").toStdString());
  if (!options.project.isEmpty() && (!options.image.isEmpty() || options.demo))
    throw Error("command line",
                Text::tr("--project excludes an image file and --demo").toStdString());
  return options;
}

}  // namespace sfr::ui
