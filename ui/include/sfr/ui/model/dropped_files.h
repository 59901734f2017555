#pragma once
// Which of the files dropped onto the window is the image and which the label map.
#include <QString>
#include <QStringList>

namespace sfr::ui {

struct DroppedFiles {
  QString image;  ///< empty when none
  QString label;  ///< empty when none
};

/// True when the file name or the folder holding it says it is a segmentation: either contains
/// "label", "seg" or "mask" (case-insensitive). So "case1_label.nii.gz", "x_seg.nrrd" and MSD's
/// "labelsTr/hippocampus_001.nii.gz" are label maps, "imagesTr/hippocampus_001.nii.gz" is not.
bool looksLikeLabelFile(const QString& path);

/// The first file that looks like a label map becomes the label, the first other file the image;
/// further files are ignored.
DroppedFiles classifyDroppedFiles(const QStringList& paths);

}  // namespace sfr::ui
