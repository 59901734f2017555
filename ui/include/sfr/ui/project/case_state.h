#pragma once
// Where a case of a project stands on the way from scan to exported mask, and the confidence rule
// of SFR+ (a volume is confident when its mean max-probability is at least tau = 0.985).
#include <QColor>
#include <QString>
#include <optional>
#include <string>

namespace sfr::ui {

enum class CaseState {
  Unlabelled,  ///< a scan without a label map
  Labelled,    ///< labelled by the clinician (a training case)
  Predicted,   ///< the model predicted a mask, confidence >= tau
  Flagged,     ///< the model predicted a mask, confidence < tau: to be checked
  Reviewed,    ///< the clinician looked at (and maybe corrected) the prediction
  Accepted,    ///< the mask is final and goes into the export
};

/// SFR+'s tau (spec §6, docs/run-config.md `sfr_plus.tau`).
inline constexpr double kConfidenceThreshold = 0.985;

/// The project file's name of a state: "unlabelled", "labelled", "predicted", "flagged",
/// "reviewed", "accepted".
std::string caseStateKey(CaseState state);
/// The state for a key of caseStateKey(); nullopt for anything else.
std::optional<CaseState> caseStateFromKey(const std::string& key);
/// The state's name for the user (translated).
QString caseStateLabel(CaseState state);
/// The colour of the state's marker in the case list (flagged stands out in orange).
QColor caseStateColor(CaseState state);
/// True when a confidence is known and under kConfidenceThreshold.
bool isBelowThreshold(const std::optional<double>& confidence);
/// Predicted or Flagged, by the confidence of a new prediction.
CaseState stateAfterPrediction(double confidence);
/// States whose prediction (or accepted mask) "export all predicted" writes: predicted, flagged,
/// reviewed, accepted.
bool hasPrediction(CaseState state);

}  // namespace sfr::ui
