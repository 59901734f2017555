#pragma once
// A finished run's predictions, kept in the project (issue 5: folder of scans -> exported
// masks). After a run the worker's `rank` writes every case's label map and confidence map into
// the project's prediction folder (`<project file>.predictions/<case id>.nii.gz` and
// `<case id>_confidence.nii.gz`); storeRanking() records them as the cases' predictions, so the
// case list shows predicted / flagged cases, opening one shows its prediction for review, and
// "export all predicted" writes them. The clinician's labels are never touched.
#include <QList>
#include <QString>
#include <filesystem>

namespace sfr::ui {

class ProjectModel;
struct RankedVolume;

/// The files a case's prediction is kept in.
struct PredictionFiles {
  QString labels;
  QString confidence;
};

/// Where the project `projectFile` keeps case `caseId`'s prediction.
PredictionFiles predictionFilesFor(const QString& projectFile, const QString& caseId);

/// The confidence map that belongs to a prediction label map (`x.nii.gz` -> `x_confidence.nii.gz`,
/// likewise for any other extension: `x.nrrd` -> `x_confidence.nrrd`).
std::filesystem::path confidenceMapFor(const std::filesystem::path& prediction);

/// What storeRanking() did.
struct StoredRanking {
  int predicted = 0;       ///< cases that got the new prediction (state predicted or flagged)
  int confidenceOnly = 0;  ///< cases the clinician labelled, reviewed or accepted: score only
  int unmatched = 0;       ///< ranked images that are no case of the project
};

/// Records a `rank` reply in the project. Each ranked image is matched to the case with that
/// image file. A case that is unlabelled, predicted or flagged gets the prediction (its label
/// map, when the ranking names one) and the state that the confidence gives against tau; a case
/// with the clinician's label (labelled, reviewed, accepted) or a volume without a label map only
/// gets its confidence.
StoredRanking storeRanking(ProjectModel& project, const QList<RankedVolume>& ranking);

}  // namespace sfr::ui
