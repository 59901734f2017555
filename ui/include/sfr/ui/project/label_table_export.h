#pragma once
// The label table as it goes out with exported masks: value, name and colour of every label,
// background (0) first, as JSON and as CSV.
#include <nlohmann/json.hpp>
#include <string>

namespace sfr::ui {

/// {"labels": [{"value": 0, "name": "background"}, {"value": 1, "name": ..., "color": "#rrggbb"},
/// ...]} from a LabelTable::toJson() (null: the default table). Throws sfr::Error("label table")
/// for a malformed table.
nlohmann::json exportedLabelTable(const nlohmann::json& labelTable);

/// "value,name,color" then one line per label (RFC 4180 quoting for names with commas, quotes or
/// line breaks).
std::string labelTableCsv(const nlohmann::json& labelTable);

}  // namespace sfr::ui
