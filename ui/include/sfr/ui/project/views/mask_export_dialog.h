#pragma once
// File > Export Masks...: the folder, which masks (accepted, or every predicted one) and the
// format (NIfTI .nii.gz or NRRD). A form without logic: options() is what the user chose.
#include <QDialog>

#include "sfr/ui/project/mask_export.h"

class QComboBox;
class QDialogButtonBox;
class QLineEdit;
class QRadioButton;

namespace sfr::ui {

class MaskExportDialog : public QDialog {
  Q_OBJECT

 public:
  explicit MaskExportDialog(const QString& folder, QWidget* parent = nullptr);

  MaskExportOptions options() const;
  QLineEdit* folderEdit() const { return folder_; }
  QRadioButton* allPredictedButton() const { return allPredicted_; }
  QComboBox* formatBox() const { return format_; }

 private:
  void browse();
  void updateOk();

  QLineEdit* folder_;
  QRadioButton* accepted_;
  QRadioButton* allPredicted_;
  QComboBox* format_;
  QDialogButtonBox* buttons_;
};

}  // namespace sfr::ui
