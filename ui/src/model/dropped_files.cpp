#include "sfr/ui/model/dropped_files.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>

namespace sfr::ui {

bool looksLikeLabelFile(const QString& path) {
  static const QRegularExpression kLabelWords(QStringLiteral("label|seg|mask"),
                                              QRegularExpression::CaseInsensitiveOption);
  const QFileInfo info(path);
  return info.fileName().contains(kLabelWords) || info.dir().dirName().contains(kLabelWords);
}

DroppedFiles classifyDroppedFiles(const QStringList& paths) {
  DroppedFiles files;
  for (const QString& path : paths) {
    if (looksLikeLabelFile(path)) {
      if (files.label.isEmpty()) files.label = path;
    } else if (files.image.isEmpty()) {
      files.image = path;
    }
  }
  return files;
}

}  // namespace sfr::ui
