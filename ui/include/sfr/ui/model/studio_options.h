#pragma once
// The command line of sfr-studio:  sfr-studio [image] [--label L] [--spacing sx,sy,sz] [--demo]
//                                              [--screenshot FILE]
#include <QString>
#include <QStringList>
#include <optional>

#include "sfr/base/geometry.h"
#include "sfr/ui/model/slice_plane.h"

namespace sfr::ui {

struct StudioOptions {
  QString image;                ///< image file to open (empty: none)
  QString label;                ///< label file to open on top of it (empty: none)
  std::optional<Vec3> spacing;  ///< overrides the spacing of files (the LA h5 files store none)
  bool demo = false;            ///< open the built-in phantom case
  QString screenshot;           ///< save a picture of the window to this file and quit
  QString project;              ///< project file to open (--project)
  QString language;  ///< --lang: "system", "en", "zh_CN" or "de" (empty: the stored choice)
  // Hidden options for tests and scripted checks (not in --help):
  int autosaveMs = 0;                  ///< --autosave-ms: autosave interval (0: the default)
  bool acceptRecovery = false;         ///< --accept-recovery: recover without asking
  std::optional<VoxelIndex> testEdit;  ///< --test-edit i,j,k: one brush stamp after opening
  QString testDumpLabel;  ///< --test-dump-label FILE: write the open label map there and quit
  bool showHelp = false;
  bool showVersion = false;
  QString helpText;  ///< filled by parseStudioArguments for --help and errors
};

/// "0.625" or "0.625,0.625,2.5": one value (isotropic) or three, all finite and > 0; nullopt
/// otherwise.
std::optional<Vec3> parseSpacing(const QString& text);

/// "i,j,k": three non-negative integers; nullopt otherwise.
std::optional<VoxelIndex> parseVoxelIndex(const QString& text);

/// Parses `arguments` (argv, program name first). Throws sfr::Error("command line", problem) on
/// unknown options, bad spacing, two image arguments, --label without an image, --project with an
/// image or --demo, an unknown --lang, or bad hidden test options.
StudioOptions parseStudioArguments(const QStringList& arguments);

}  // namespace sfr::ui
