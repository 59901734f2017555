#include "sfr/ui/editing/label_editing_model.h"

#include "sfr/ui/editing/brush_effects.h"
#include "sfr/ui/editing/fill_between_slices_effect.h"
#include "sfr/ui/editing/flood_fill_effect.h"
#include "sfr/ui/editing/polygon_effect.h"
#include "sfr/ui/editing/sam_assist_model.h"
#include "sfr/ui/editing/sam_effect.h"
#include "sfr/ui/model/viewer_model.h"

namespace sfr::ui {

LabelEditingModel::LabelEditingModel(ViewerModel* viewer, QObject* parent)
    : QObject(parent),
      viewer_(viewer),
      table_(new LabelTable(this)),
      samAssist_(new SamAssistModel(viewer, this)) {
  // The order matches EffectId.
  effects_.push_back(std::make_unique<BrushEffect>());
  effects_.push_back(std::make_unique<EraserEffect>());
  effects_.push_back(std::make_unique<PolygonEffect>());
  effects_.push_back(std::make_unique<FloodFillEffect>());
  effects_.push_back(std::make_unique<ThresholdBrushEffect>());
  effects_.push_back(std::make_unique<FillBetweenSlicesEffect>());
  effects_.push_back(std::make_unique<SamEffect>(samAssist_));

  surfaceTimer_.setSingleShot(true);
  surfaceTimer_.setInterval(400);
  connect(&surfaceTimer_, &QTimer::timeout, this, &LabelEditingModel::flushSurfaceUpdate);
  connect(viewer_, &ViewerModel::labelChanged, this, &LabelEditingModel::onViewerLabelChanged);
  connect(viewer_, &ViewerModel::imageChanged, this, &LabelEditingModel::onViewerImageChanged);
  onViewerImageChanged();
  onViewerLabelChanged();
}

LabelEditingModel::~LabelEditingModel() = default;

LabelEditEffect* LabelEditingModel::effect(int index) const {
  return (index >= 0 && index < effectCount()) ? effects_[static_cast<std::size_t>(index)].get()
                                               : nullptr;
}

void LabelEditingModel::setActiveEffect(int index) {
  if (index < 0 || index >= effectCount()) index = kNavigate;
  if (index == active_) return;
  cancel();
  active_ = index;
  Q_EMIT activeEffectChanged();
}

void LabelEditingModel::setOptions(const EditOptions& options) {
  options.validate();
  if (options == options_) return;
  options_ = options;
  Q_EMIT optionsChanged();
}

void LabelEditingModel::setBrushRadiusMm(double mm) {
  setOptions(EditOptions(options_).setBrushRadiusMm(mm));
}

void LabelEditingModel::setThreeD(bool threeD) {
  setOptions(EditOptions(options_).setThreeD(threeD));
}

void LabelEditingModel::setThresholdRange(double lower, double upper) {
  setOptions(EditOptions(options_).setThresholdRange(lower, upper));
}

void LabelEditingModel::setFloodMode(FloodFillMode mode) {
  setOptions(EditOptions(options_).setFloodMode(mode));
}

void LabelEditingModel::setFloodTolerance(double tolerance) {
  setOptions(EditOptions(options_).setFloodTolerance(tolerance));
}

StrokePoint LabelEditingModel::strokePoint(SliceAxis axis, const VoxelIndex& voxel,
                                           Qt::KeyboardModifiers modifiers) const {
  StrokePoint p;
  p.axis = axis;
  p.voxel = voxel;
  p.modifiers = modifiers;
  p.position = viewer_->image().geometry().indexToPhysical({static_cast<double>(voxel[0]),
                                                            static_cast<double>(voxel[1]),
                                                            static_cast<double>(voxel[2])});
  return p;
}

LabelVolume& LabelEditingModel::editableLabel() {
  // The editing model is the label map's one writer and announces every write (labelEdited now,
  // labelChanged throttled); views only ever get the read-only label().
  return *viewer_->mutableLabel();
}

void LabelEditingModel::ensureLabel() {
  if (viewer_->hasLabel()) return;
  viewer_->setLabel(LabelVolume(viewer_->image().geometry(), 0), tr("new label"));
}

bool LabelEditingModel::press(SliceAxis axis, const VoxelIndex& voxel,
                              Qt::KeyboardModifiers modifiers) {
  LabelEditEffect* effect = activeEffect();
  if (!effect || !viewer_->hasImage()) return false;
  ensureLabel();
  if (!session_) {
    session_ = std::make_unique<LabelEditSession>(editableLabel(), *table_);
    writesSeen_ = 0;
  }
  stroking_ = true;
  EditContext context{viewer_->image(), *session_, options_};
  effect->beginStroke(context, strokePoint(axis, voxel, modifiers));
  afterWrites();
  Q_EMIT pendingChanged();
  return true;
}

void LabelEditingModel::move(SliceAxis axis, const VoxelIndex& voxel,
                             Qt::KeyboardModifiers modifiers) {
  LabelEditEffect* effect = activeEffect();
  if (!stroking_ || !effect || !session_) return;
  EditContext context{viewer_->image(), *session_, options_};
  effect->continueStroke(context, strokePoint(axis, voxel, modifiers));
  afterWrites();
}

void LabelEditingModel::release(SliceAxis axis, const VoxelIndex& voxel,
                                Qt::KeyboardModifiers modifiers) {
  LabelEditEffect* effect = activeEffect();
  if (!stroking_ || !effect || !session_) return;
  stroking_ = false;
  EditContext context{viewer_->image(), *session_, options_};
  const bool complete = effect->endStroke(context, strokePoint(axis, voxel, modifiers));
  afterWrites();
  if (complete) commit(effect->undoName());
  Q_EMIT pendingChanged();
}

void LabelEditingModel::finish() {
  LabelEditEffect* effect = activeEffect();
  if (!effect || stroking_ || !viewer_->hasImage()) return;
  // Pending input need not come from a stroke in this session (SAM's propagated proposals, an
  // Accept button after undo cancelled the session).
  if (!session_) {
    ensureLabel();
    session_ = std::make_unique<LabelEditSession>(editableLabel(), *table_);
    writesSeen_ = 0;
  }
  EditContext context{viewer_->image(), *session_, options_};
  if (effect->finish(context)) {
    afterWrites();
    commit(effect->undoName());
  }
  Q_EMIT pendingChanged();
}

void LabelEditingModel::cancel() {
  if (LabelEditEffect* effect = activeEffect()) effect->cancel();
  stroking_ = false;
  if (session_) {
    const bool wrote = session_->touchedCount() > 0;
    session_->revert();
    session_.reset();
    if (wrote) Q_EMIT labelEdited();
  }
  Q_EMIT pendingChanged();
}

void LabelEditingModel::afterWrites() {
  if (session_ && session_->writeCount() != writesSeen_) {
    writesSeen_ = session_->writeCount();
    Q_EMIT labelEdited();
  }
}

void LabelEditingModel::commit(const QString& name) {
  LabelDelta delta = session_->takeDelta();
  session_.reset();
  if (delta.empty()) return;
  undo_.push(name, std::move(delta));
  Q_EMIT undoStateChanged();
  scheduleSurfaceUpdate();
}

void LabelEditingModel::undo() {
  cancel();
  if (!viewer_->hasLabel() || !undo_.undo(editableLabel())) return;
  Q_EMIT labelEdited();
  Q_EMIT undoStateChanged();
  scheduleSurfaceUpdate();
}

void LabelEditingModel::redo() {
  cancel();
  if (!viewer_->hasLabel() || !undo_.redo(editableLabel())) return;
  Q_EMIT labelEdited();
  Q_EMIT undoStateChanged();
  scheduleSurfaceUpdate();
}

bool LabelEditingModel::applyDelta(const QString& name, LabelDelta delta) {
  if (delta.empty() || !viewer_->hasImage()) return false;
  cancel();
  ensureLabel();
  delta.applyAfter(editableLabel());
  undo_.push(name, std::move(delta));
  Q_EMIT labelEdited();
  Q_EMIT undoStateChanged();
  scheduleSurfaceUpdate();
  return true;
}

void LabelEditingModel::setUndoMemoryLimit(std::size_t bytes) {
  undo_.setMemoryLimit(bytes);
  Q_EMIT undoStateChanged();
}

void LabelEditingModel::scheduleSurfaceUpdate() {
  // Not restarted by later edits: during continuous editing the 3D view still follows every
  // interval instead of waiting for a pause.
  if (!surfaceTimer_.isActive()) surfaceTimer_.start();
}

void LabelEditingModel::flushSurfaceUpdate() {
  surfaceTimer_.stop();
  if (!viewer_->hasLabel()) return;
  notifyingViewer_ = true;
  Q_EMIT viewer_->labelChanged();
  notifyingViewer_ = false;
}

void LabelEditingModel::dropSession() {
  // The label map the session wrote to is gone or was replaced: nothing to revert into.
  if (LabelEditEffect* effect = activeEffect()) effect->cancel();
  stroking_ = false;
  session_.reset();
  Q_EMIT pendingChanged();
}

void LabelEditingModel::onViewerLabelChanged() {
  if (notifyingViewer_) return;
  // A label map was opened or closed: earlier steps refer to another volume.
  dropSession();
  surfaceTimer_.stop();
  undo_.clear();
  if (const LabelVolume* label = viewer_->label()) table_->addMissingEntries(*label);
  Q_EMIT undoStateChanged();
}

void LabelEditingModel::onViewerImageChanged() {
  dropSession();
  if (!viewer_->hasImage()) return;
  // The threshold brush starts on the displayed intensity window.
  const WindowLevel& wl = viewer_->windowLevel();
  setThresholdRange(wl.lower(), wl.upper());
}

}  // namespace sfr::ui
