#include "sfr/ui/training/stored_predictions.h"

#include <QDir>
#include <QFileInfo>
#include <QHash>

#include "sfr/ui/project/case_state.h"
#include "sfr/ui/project/project_model.h"
#include "sfr/ui/training/live_preview_model.h"

namespace fs = std::filesystem;

namespace sfr::ui {

PredictionFiles predictionFilesFor(const QString& projectFile, const QString& caseId) {
  const QDir folder(projectFile + QStringLiteral(".predictions"));
  return {folder.filePath(caseId + QStringLiteral(".nii.gz")),
          folder.filePath(caseId + QStringLiteral("_confidence.nii.gz"))};
}

fs::path confidenceMapFor(const fs::path& prediction) {
  std::string name = prediction.filename().string();
  // The extension is everything from the first dot after the start ("x.nii.gz" -> ".nii.gz").
  const std::size_t dot = name.find('.', 1);
  const std::string stem = dot == std::string::npos ? name : name.substr(0, dot);
  const std::string extension = dot == std::string::npos ? std::string() : name.substr(dot);
  return prediction.parent_path() / (stem + "_confidence" + extension);
}

namespace {

bool takesPredictions(CaseState state) {
  return state == CaseState::Unlabelled || state == CaseState::Predicted ||
         state == CaseState::Flagged;
}

}  // namespace

StoredRanking storeRanking(ProjectModel& project, const QList<RankedVolume>& ranking) {
  StoredRanking stored;
  // One lookup table, built once: matching every ranked image against every case would stat the
  // files cases x images times.
  QHash<QString, int> caseOfImage;
  for (int i = 0; i < project.caseCount(); ++i)
    caseOfImage.insert(
        QDir::cleanPath(QFileInfo(QString::fromStdU16String(project.caseAt(i).image.u16string()))
                            .absoluteFilePath()),
        i);
  for (const RankedVolume& v : ranking) {
    const int index = caseOfImage.value(QDir::cleanPath(QFileInfo(v.image).absoluteFilePath()), -1);
    if (index < 0) {
      ++stored.unmatched;
      continue;
    }
    const ProjectCase& c = project.caseAt(index);
    if (!v.labels.isEmpty() && takesPredictions(c.state)) {
      project.setCasePrediction(index, fs::path(v.labels.toStdU16String()), v.confidence);
      ++stored.predicted;
    } else {
      project.setCaseConfidence(index, v.confidence);
      ++stored.confidenceOnly;
    }
  }
  return stored;
}

}  // namespace sfr::ui
