#include "sfr/ui/project/case_state.h"

#include <QCoreApplication>
#include <array>
#include <utility>

namespace sfr::ui {

namespace {
struct Text {
  Q_DECLARE_TR_FUNCTIONS(CaseState)
};

constexpr std::array<std::pair<CaseState, const char*>, 6> kKeys{{
    {CaseState::Unlabelled, "unlabelled"},
    {CaseState::Labelled, "labelled"},
    {CaseState::Predicted, "predicted"},
    {CaseState::Flagged, "flagged"},
    {CaseState::Reviewed, "reviewed"},
    {CaseState::Accepted, "accepted"},
}};
}  // namespace

std::string caseStateKey(CaseState state) {
  for (const auto& [s, key] : kKeys)
    if (s == state) return key;
  return "unlabelled";
}

std::optional<CaseState> caseStateFromKey(const std::string& key) {
  for (const auto& [s, k] : kKeys)
    if (key == k) return s;
  return std::nullopt;
}

QString caseStateLabel(CaseState state) {
  switch (state) {
    case CaseState::Unlabelled:
      return Text::tr("Unlabelled");
    case CaseState::Labelled:
      return Text::tr("Labelled");
    case CaseState::Predicted:
      return Text::tr("Predicted");
    case CaseState::Flagged:
      return Text::tr("Flagged");
    case CaseState::Reviewed:
      return Text::tr("Reviewed");
    case CaseState::Accepted:
      return Text::tr("Accepted");
  }
  return {};
}

QColor caseStateColor(CaseState state) {
  switch (state) {
    case CaseState::Unlabelled:
      return QColor(0x9e, 0x9e, 0x9e);  // grey
    case CaseState::Labelled:
      return QColor(0x1e, 0x88, 0xe5);  // blue
    case CaseState::Predicted:
      return QColor(0x8e, 0x24, 0xaa);  // purple
    case CaseState::Flagged:
      return QColor(0xfb, 0x8c, 0x00);  // orange
    case CaseState::Reviewed:
      return QColor(0x00, 0x89, 0x7b);  // teal
    case CaseState::Accepted:
      return QColor(0x43, 0xa0, 0x47);  // green
  }
  return {};
}

bool isBelowThreshold(const std::optional<double>& confidence) {
  return confidence && *confidence < kConfidenceThreshold;
}

CaseState stateAfterPrediction(double confidence) {
  return confidence < kConfidenceThreshold ? CaseState::Flagged : CaseState::Predicted;
}

bool hasPrediction(CaseState state) {
  return state == CaseState::Predicted || state == CaseState::Flagged ||
         state == CaseState::Reviewed || state == CaseState::Accepted;
}

}  // namespace sfr::ui
