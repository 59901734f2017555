#pragma once
// SAM-assisted labelling without widgets: the prompt on one slice (a box and/or positive and
// negative points, in picture pixels of slice_plane.h), the mask proposals the engine worker
// answered with (per slice, not yet in the label map) and the request in flight. The slice is
// sent as the grey picture the view shows (window/level applied) inside a `sam_prompt` request
// (docs/protocol.md); the worker embeds each distinct slice once and caches it, so every later
// prompt on that slice costs only SAM's decoder.
//
// Everything is asynchronous: requests go through WorkerClient and the answers arrive as
// signals. At most one request is in flight; a prompt changed meanwhile is sent when the answer
// comes (the stale answer is dropped), so dragging box after box never queues encoder work.
//
// Propagation (propagate(n)): starting from the proposal on the prompt slice, each neighbouring
// slice is prompted from the previous slice's mask, first upwards then downwards, up to n slices
// each way; a direction stops when the mask vanishes (empty, or under 2 % of the previous
// slice's area). The proposals of all slices are accepted together (SamEffect: one undo step).
// The prompt of a slice: (1) the previous mask's bounding box grown by propagationMargin()
// pixels but never more than that margin beyond the previous box (SAM spills a little past a
// box, and unguarded every spill widens the next box); (2) one positive point at the previous
// mask's deepest pixel (deepestPoint(): the maximum of its distance transform); (3) the previous
// slice's low-resolution logits as SAM's mask input (mask_input_key). The answer is clipped to
// the box grown by the margin. The point matters most: a box alone is an ambiguous prompt, and
// sam.onnx then returns whichever of its three multimask candidates has the highest predicted
// IoU, with no regard for the previous slice; on LA slices that was often the candidate holding
// the atrium and its neighbours, or another structure in the box, and the chain left the atrium
// within a few slices (first LA test case: Dice 0.25 five slices away). With the point the prompt
// has three points, sam.onnx decodes its single unambiguous mask, and the point ties it to the
// structure of the previous slice. ui/README.md has the measurements.
#include <QObject>
#include <QPoint>
#include <QRect>
#include <QString>
#include <map>
#include <optional>
#include <vector>

#include "sfr/ui/editing/sam_mask.h"
#include "sfr/ui/model/slice_plane.h"

class QJsonObject;

namespace sfr::ui {

class ViewerModel;
class WorkerClient;

struct SamPoint {
  QPoint pixel;
  bool positive = true;
};

/// The prompt of one slice.
struct SamPrompt {
  SliceAxis axis = SliceAxis::Axial;
  int slice = -1;  ///< -1: no prompt
  std::optional<QRect> box;
  std::vector<SamPoint> points;
  bool empty() const { return !box && points.empty(); }
};

class SamAssistModel : public QObject {
  Q_OBJECT

 public:
  explicit SamAssistModel(ViewerModel* viewer, QObject* parent = nullptr);
  ~SamAssistModel() override;

  /// Uses `client` (not owned; e.g. the project's worker) instead of a worker of our own.
  void setWorkerClient(WorkerClient* client);
  /// The worker client; without setWorkerClient() one of our own (`sfr serve` next to the
  /// executable), started with the first request.
  WorkerClient* workerClient();

  // ---- Prompts (picture pixels of slice `slice` along `axis`) ----
  /// The rubber band while a box is dragged (drawn only; nullopt hides it).
  void setDragBox(const std::optional<QRect>& box);
  const std::optional<QRect>& dragBox() const { return dragBox_; }
  /// Sets the box of the prompt and asks for a proposal. A prompt on another slice or axis
  /// starts over (points and proposals of the old one are dropped).
  void setBox(SliceAxis axis, int slice, const QRect& box);
  /// Adds a positive or negative point and asks for a proposal (same rule for other slices).
  void addPoint(SliceAxis axis, int slice, const QPoint& pixel, bool positive);
  /// Prompts the neighbours of the prompt slice, `slices` each way (see above). Returns false
  /// (and does nothing) without a non-empty proposal on the prompt slice or while busy.
  bool propagate(int slices);
  /// Forgets the prompt, the proposals and any answer still to come.
  void clear();

  const SamPrompt& prompt() const { return prompt_; }
  /// Proposals along prompt().axis by slice index.
  const std::map<int, SamMask>& proposals() const { return proposals_; }
  const SamMask* proposal(SliceAxis axis, int slice) const;
  bool hasProposals() const { return !proposals_.empty(); }

  /// A request is in flight.
  bool busy() const { return pending_ >= 0; }
  bool propagating() const { return propagation_.has_value(); }
  /// One line for the panel: what is happening or what came back.
  const QString& status() const { return status_; }
  /// The last error (worker message or a lost worker); empty after a success.
  const QString& lastError() const { return lastError_; }
  /// Seconds the worker spent on the last answer: embedding (0 when the slice was cached) and
  /// decoder; milliseconds from sending to receiving it.
  double lastEmbedSeconds() const { return embedSeconds_; }
  double lastDecodeSeconds() const { return decodeSeconds_; }
  double lastRoundTripMs() const { return roundTripMs_; }
  double lastIou() const { return iou_; }

  int propagationMargin() const { return margin_; }
  void setPropagationMargin(int pixels) { margin_ = std::max(pixels, 0); }

 Q_SIGNALS:
  /// Prompt, drag box, proposals or status changed (views repaint).
  void changed();
  /// A proposal for `slice` (along prompt().axis) arrived.
  void proposalReady(int slice);
  /// Propagation ended; `slices` proposals were added.
  void propagationFinished(int slices);
  /// A request failed (worker error or lost worker).
  void failed(const QString& message);

 private:
  struct Propagation {
    int limit = 0;      ///< slices each way
    int direction = 1;  ///< +1 first, then -1
    int previous = 0;   ///< slice whose mask gives the next box
    QRect previousBox;  ///< the box that prompted `previous`
    QRect seedBox;      ///< the prompt slice's box (the start of both directions)
    QRect box;          ///< the box of the request in flight
    int added = 0;
  };

  void startPrompt(SliceAxis axis, int slice);
  void requestPrompt();
  void send(int slice, const std::optional<QRect>& box, const std::vector<SamPoint>& points,
            const QString& maskInputKey = {});
  void propagateNext();
  void finishPropagation();
  void onReply(qint64 id, const QString& request, const QJsonObject& result);
  void onError(qint64 id, const QString& request, const QString& message);
  void onWorkerLost(const QString& reason);
  void fail(const QString& message);
  void setStatus(const QString& status);

  ViewerModel* viewer_;
  WorkerClient* client_ = nullptr;
  bool ownClient_ = false;
  SamPrompt prompt_;
  std::optional<QRect> dragBox_;
  std::map<int, SamMask> proposals_;
  std::map<int, QString> keys_;  ///< the worker's cache key of each proposal's slice
  std::optional<Propagation> propagation_;
  qint64 pending_ = -1;  ///< id of the request in flight
  int pendingSlice_ = -1;
  bool promptDirty_ = false;  ///< the prompt changed while a request was in flight
  qint64 sentAtMs_ = 0;
  QString status_;
  QString lastError_;
  double embedSeconds_ = 0, decodeSeconds_ = 0, roundTripMs_ = 0, iou_ = 0;
  int margin_ = 1;
};

}  // namespace sfr::ui
