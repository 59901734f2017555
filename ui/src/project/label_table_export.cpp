#include "sfr/ui/project/label_table_export.h"

#include "sfr/ui/editing/label_table.h"

namespace sfr::ui {

namespace {

std::string csvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace

nlohmann::json exportedLabelTable(const nlohmann::json& labelTable) {
  LabelTable table;
  if (!labelTable.is_null()) table.fromJson(labelTable);
  nlohmann::json labels = nlohmann::json::array();
  nlohmann::json background = nlohmann::json::object();
  background["value"] = 0;
  background["name"] = "background";
  labels.push_back(background);
  const nlohmann::json entries = table.toJson();  // kept alive for the loop
  for (const nlohmann::json& entry : entries.at("labels")) {
    nlohmann::json item = nlohmann::json::object();
    item["value"] = entry.at("value");
    item["name"] = entry.at("name");
    item["color"] = entry.at("color");
    labels.push_back(item);
  }
  nlohmann::json out = nlohmann::json::object();
  out["labels"] = labels;
  return out;
}

std::string labelTableCsv(const nlohmann::json& labelTable) {
  std::string csv = "value,name,color\n";
  const nlohmann::json table = exportedLabelTable(labelTable);  // kept alive for the loop
  for (const nlohmann::json& entry : table.at("labels")) {
    csv += std::to_string(entry.at("value").get<int>()) + ',' +
           csvField(entry.at("name").get<std::string>()) + ',' +
           (entry.contains("color") ? entry.at("color").get<std::string>() : std::string()) + '\n';
  }
  return csv;
}

}  // namespace sfr::ui
