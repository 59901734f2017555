#pragma once
// The label table of the editor: which label values exist, their names and colours, whether they
// are drawn and whether they are locked, which one the tools paint with, and whether painting may
// overwrite other labels. A model without widgets: the table widget binds to it and the effects
// read it through LabelEditSession, which enforces locking and overwriting in one place.
#include <QObject>
#include <QRgb>
#include <QString>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "sfr/base/volume.h"

namespace sfr::ui {

struct LabelEntry {
  std::uint8_t value = 1;  ///< 1..254 (0 is background, 255 "ignore")
  QString name;
  QRgb color = 0xffff0000;
  bool visible = true;  ///< invisible labels are not drawn in the slice views
  bool locked = false;  ///< no effect changes a voxel of a locked label or paints one into it

  bool operator==(const LabelEntry& o) const {
    return value == o.value && name == o.name && color == o.color && visible == o.visible &&
           locked == o.locked;
  }
};

class LabelTable : public QObject {
  Q_OBJECT

 public:
  /// Starts with one entry: label 1, "Label 1", labelColor(1), active.
  explicit LabelTable(QObject* parent = nullptr);

  /// The default entry for `value`: name "Label <value>", colour labelColor(value), visible,
  /// unlocked.
  static LabelEntry defaultEntry(std::uint8_t value);

  /// Entries in ascending value order; never empty.
  const std::vector<LabelEntry>& entries() const { return entries_; }
  /// Null when `value` has no entry.
  const LabelEntry* find(std::uint8_t value) const;
  bool contains(std::uint8_t value) const { return find(value) != nullptr; }

  /// Adds an entry; throws sfr::Error("label table", ...) when the value is outside 1..254 or
  /// already present.
  void addEntry(const LabelEntry& entry);
  /// Adds defaultEntry() of the smallest unused value and returns it; throws sfr::Error when all
  /// 254 values are used.
  std::uint8_t addNewEntry();
  /// Removes the entry (voxels keep their value). The last entry cannot be removed: returns false.
  /// Removing the active label makes the first remaining entry active.
  bool removeEntry(std::uint8_t value);
  /// Adds default entries for the label values 1..254 present in `label` that have none.
  void addMissingEntries(const LabelVolume& label);
  /// Back to the single default entry, overwrite off.
  void reset();

  // Setters for one entry's fields; ignored when `value` has no entry.
  void setName(std::uint8_t value, const QString& name);
  void setColor(std::uint8_t value, QRgb color);
  void setVisible(std::uint8_t value, bool visible);
  void setLocked(std::uint8_t value, bool locked);

  /// The label the effects paint with (always an entry of the table).
  std::uint8_t activeLabel() const { return active_; }
  /// Ignored when `value` has no entry.
  void setActiveLabel(std::uint8_t value);

  /// When false (default) painting only changes background voxels and erasing only removes the
  /// active label; when true both act on every unlocked label.
  bool overwriteOtherLabels() const { return overwrite_; }
  void setOverwriteOtherLabels(bool overwrite);

  // What the renderer and the effects ask about any voxel value.
  /// Only entries can be locked; 0 and 255 never are.
  bool isLocked(std::uint8_t value) const;
  /// Labels 1..254 are drawn unless their entry is hidden; 0 and 255 never are.
  bool isDrawn(std::uint8_t value) const;
  /// The entry's colour, labelColor(value) for values without an entry.
  QRgb color(std::uint8_t value) const;

  /// {"labels": [{"value", "name", "color" ("#rrggbb"), "visible", "locked"}...], "active",
  /// "overwrite"}.
  nlohmann::json toJson() const;
  /// Replaces the whole table; throws sfr::Error("label table", ...) on malformed input (no
  /// labels, value outside 1..254 or repeated, bad colour, active label without an entry), in
  /// which case the table is unchanged.
  void fromJson(const nlohmann::json& json);

 Q_SIGNALS:
  /// Entries were added or removed, or a name, colour, visibility or lock changed.
  void entriesChanged();
  void activeLabelChanged();
  void overwriteChanged();

 private:
  LabelEntry* findMutable(std::uint8_t value);

  std::vector<LabelEntry> entries_;
  std::uint8_t active_ = 1;
  bool overwrite_ = false;
};

}  // namespace sfr::ui
