#include "sfr/ui/editing/label_table.h"

#include <QColor>
#include <algorithm>
#include <array>
#include <string>

#include "sfr/base/error.h"
#include "sfr/ui/model/label_colors.h"

namespace sfr::ui {

namespace {

const char* const kSubject = "label table";

bool isEntryValue(int value) {
  return value >= 1 && value <= 254;
}

std::string colorName(QRgb color) {
  return QColor(color).name(QColor::HexRgb).toStdString();
}

}  // namespace

LabelTable::LabelTable(QObject* parent) : QObject(parent) {
  entries_.push_back(defaultEntry(1));
}

LabelEntry LabelTable::defaultEntry(std::uint8_t value) {
  LabelEntry e;
  e.value = value;
  e.name = tr("Label %1").arg(value);
  e.color = labelColor(value);
  return e;
}

const LabelEntry* LabelTable::find(std::uint8_t value) const {
  const auto it = std::find_if(entries_.begin(), entries_.end(),
                               [value](const LabelEntry& e) { return e.value == value; });
  return it == entries_.end() ? nullptr : &*it;
}

LabelEntry* LabelTable::findMutable(std::uint8_t value) {
  return const_cast<LabelEntry*>(find(value));
}

void LabelTable::addEntry(const LabelEntry& entry) {
  if (!isEntryValue(entry.value))
    throw Error(kSubject, "label value " + std::to_string(entry.value) + " is outside 1..254");
  if (contains(entry.value))
    throw Error(kSubject,
                "label value " + std::to_string(entry.value) + " is already in the table");
  const auto at = std::lower_bound(entries_.begin(), entries_.end(), entry.value,
                                   [](const LabelEntry& e, std::uint8_t v) { return e.value < v; });
  entries_.insert(at, entry);
  Q_EMIT entriesChanged();
}

std::uint8_t LabelTable::addNewEntry() {
  for (int v = 1; v <= 254; ++v)
    if (!contains(static_cast<std::uint8_t>(v))) {
      addEntry(defaultEntry(static_cast<std::uint8_t>(v)));
      return static_cast<std::uint8_t>(v);
    }
  throw Error(kSubject, "all label values 1..254 are in use");
}

bool LabelTable::removeEntry(std::uint8_t value) {
  if (entries_.size() <= 1 || !contains(value)) return false;
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [value](const LabelEntry& e) { return e.value == value; }),
                 entries_.end());
  Q_EMIT entriesChanged();
  if (active_ == value) {
    active_ = entries_.front().value;
    Q_EMIT activeLabelChanged();
  }
  return true;
}

void LabelTable::addMissingEntries(const LabelVolume& label) {
  std::array<bool, 256> present{};
  for (const std::uint8_t v : label.voxels()) present[v] = true;
  bool added = false;
  for (int v = 1; v <= 254; ++v)
    if (present[v] && !contains(static_cast<std::uint8_t>(v))) {
      const LabelEntry e = defaultEntry(static_cast<std::uint8_t>(v));
      entries_.insert(
          std::lower_bound(entries_.begin(), entries_.end(), e.value,
                           [](const LabelEntry& a, std::uint8_t b) { return a.value < b; }),
          e);
      added = true;
    }
  if (added) Q_EMIT entriesChanged();
}

void LabelTable::reset() {
  entries_ = {defaultEntry(1)};
  active_ = 1;
  overwrite_ = false;
  Q_EMIT entriesChanged();
  Q_EMIT activeLabelChanged();
  Q_EMIT overwriteChanged();
}

void LabelTable::setName(std::uint8_t value, const QString& name) {
  LabelEntry* e = findMutable(value);
  if (!e || e->name == name) return;
  e->name = name;
  Q_EMIT entriesChanged();
}

void LabelTable::setColor(std::uint8_t value, QRgb color) {
  LabelEntry* e = findMutable(value);
  color |= 0xff000000u;  // colours are opaque; the overlay opacity is a view setting
  if (!e || e->color == color) return;
  e->color = color;
  Q_EMIT entriesChanged();
}

void LabelTable::setVisible(std::uint8_t value, bool visible) {
  LabelEntry* e = findMutable(value);
  if (!e || e->visible == visible) return;
  e->visible = visible;
  Q_EMIT entriesChanged();
}

void LabelTable::setLocked(std::uint8_t value, bool locked) {
  LabelEntry* e = findMutable(value);
  if (!e || e->locked == locked) return;
  e->locked = locked;
  Q_EMIT entriesChanged();
}

void LabelTable::setActiveLabel(std::uint8_t value) {
  if (!contains(value) || value == active_) return;
  active_ = value;
  Q_EMIT activeLabelChanged();
}

void LabelTable::setOverwriteOtherLabels(bool overwrite) {
  if (overwrite == overwrite_) return;
  overwrite_ = overwrite;
  Q_EMIT overwriteChanged();
}

bool LabelTable::isLocked(std::uint8_t value) const {
  const LabelEntry* e = find(value);
  return e && e->locked;
}

bool LabelTable::isDrawn(std::uint8_t value) const {
  if (!isDrawnLabel(value)) return false;
  const LabelEntry* e = find(value);
  return !e || e->visible;
}

QRgb LabelTable::color(std::uint8_t value) const {
  const LabelEntry* e = find(value);
  return e ? e->color : labelColor(value);
}

nlohmann::json LabelTable::toJson() const {
  nlohmann::json labels = nlohmann::json::array();
  for (const LabelEntry& e : entries_)
    labels.push_back({{"value", e.value},
                      {"name", e.name.toStdString()},
                      {"color", colorName(e.color)},
                      {"visible", e.visible},
                      {"locked", e.locked}});
  return {{"labels", labels}, {"active", active_}, {"overwrite", overwrite_}};
}

void LabelTable::fromJson(const nlohmann::json& json) {
  std::vector<LabelEntry> entries;
  int active = 0;
  bool overwrite = false;
  try {
    if (!json.is_object() || !json.contains("labels") || !json.at("labels").is_array())
      throw Error(kSubject, "expected an object with a \"labels\" array");
    for (const nlohmann::json& item : json.at("labels")) {
      const int value = item.at("value").get<int>();
      if (!isEntryValue(value))
        throw Error(kSubject, "label value " + std::to_string(value) + " is outside 1..254");
      LabelEntry e = defaultEntry(static_cast<std::uint8_t>(value));
      if (item.contains("name"))
        e.name = QString::fromStdString(item.at("name").get<std::string>());
      if (item.contains("color")) {
        const std::string text = item.at("color").get<std::string>();
        const QColor c(QString::fromStdString(text));
        if (!c.isValid() || text.size() != 7 || text[0] != '#')
          throw Error(kSubject, "colour \"" + text + "\" is not of the form #rrggbb");
        e.color = c.rgb();
      }
      if (item.contains("visible")) e.visible = item.at("visible").get<bool>();
      if (item.contains("locked")) e.locked = item.at("locked").get<bool>();
      const bool repeated = std::any_of(entries.begin(), entries.end(),
                                        [&](const LabelEntry& o) { return o.value == e.value; });
      if (repeated)
        throw Error(kSubject, "label value " + std::to_string(value) + " appears twice");
      entries.push_back(e);
    }
    if (entries.empty()) throw Error(kSubject, "the table has no labels");
    active = json.contains("active") ? json.at("active").get<int>() : entries.front().value;
    if (json.contains("overwrite")) overwrite = json.at("overwrite").get<bool>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(kSubject, std::string("malformed entry: ") + e.what());
  }
  std::sort(entries.begin(), entries.end(),
            [](const LabelEntry& a, const LabelEntry& b) { return a.value < b.value; });
  const bool activeKnown = std::any_of(entries.begin(), entries.end(),
                                       [&](const LabelEntry& e) { return e.value == active; });
  if (!activeKnown)
    throw Error(kSubject, "the active label " + std::to_string(active) + " has no entry");
  entries_ = std::move(entries);
  active_ = static_cast<std::uint8_t>(active);
  overwrite_ = overwrite;
  Q_EMIT entriesChanged();
  Q_EMIT activeLabelChanged();
  Q_EMIT overwriteChanged();
}

}  // namespace sfr::ui
