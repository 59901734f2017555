#include "sfr/ui/project/views/mask_export_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace sfr::ui {

MaskExportDialog::MaskExportDialog(const QString& folder, QWidget* parent)
    : QDialog(parent),
      folder_(new QLineEdit(folder)),
      accepted_(new QRadioButton(tr("&Accepted masks"))),
      allPredicted_(new QRadioButton(tr("All &predicted masks"))),
      format_(new QComboBox),
      buttons_(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel)) {
  setObjectName(QStringLiteral("maskExportDialog"));
  setWindowTitle(tr("Export Masks"));
  auto* browse = new QPushButton(tr("&Browse..."));
  connect(browse, &QPushButton::clicked, this, &MaskExportDialog::browse);
  auto* folderRow = new QHBoxLayout;
  folderRow->addWidget(folder_, 1);
  folderRow->addWidget(browse);
  accepted_->setChecked(true);
  auto* which = new QVBoxLayout;
  which->addWidget(accepted_);
  which->addWidget(allPredicted_);
  format_->addItem(tr("NIfTI (.nii.gz)"), static_cast<int>(MaskFormat::NiftiGz));
  format_->addItem(tr("NRRD (.nrrd)"), static_cast<int>(MaskFormat::Nrrd));

  auto* form = new QFormLayout;
  form->addRow(tr("&Folder:"), folderRow);
  form->addRow(tr("Masks:"), which);
  form->addRow(tr("F&ormat:"), format_);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(buttons_);
  buttons_->button(QDialogButtonBox::Ok)->setText(tr("&Export"));
  connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(folder_, &QLineEdit::textChanged, this, &MaskExportDialog::updateOk);
  updateOk();
}

MaskExportOptions MaskExportDialog::options() const {
  MaskExportOptions options;
  options.folder = std::filesystem::path(folder_->text().trimmed().toStdU16String());
  options.selection =
      allPredicted_->isChecked() ? ExportSelection::AllPredicted : ExportSelection::Accepted;
  options.format = static_cast<MaskFormat>(format_->currentData().toInt());
  return options;
}

void MaskExportDialog::browse() {
  const QString folder =
      QFileDialog::getExistingDirectory(this, tr("Export Masks To"), folder_->text());
  if (!folder.isEmpty()) folder_->setText(folder);
}

void MaskExportDialog::updateOk() {
  buttons_->button(QDialogButtonBox::Ok)->setEnabled(!folder_->text().trimmed().isEmpty());
}

}  // namespace sfr::ui
