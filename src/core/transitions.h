// Every decision about the state of an order, a PO or a document, in one
// place: pure functions of what is known, with no I/O. jobs/ asks them and
// stores the answer; store/ writes what it is given and never chooses a
// state. The order status itself follows from the POs and lines
// (core/status.h). docs/statuses.md is these tables; transitions_test.cc
// holds each as a case table.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/order.h"

namespace orderd {

// --- An order from a channel export ---

enum class ImportAction {
  kAdd,        // new: verify and store
  kUpdate,     // known, changed, not yet processed: verify again and replace
  kUnchanged,  // the same as stored: nothing to do
  kReport,     // changed after it was processed (or canceled here): not applied, reported
};
// `stored` is what the store has for the order's channel and id, if anything.
ImportAction import_action(const StoredOrderKey* stored, std::string_view fingerprint,
                           bool canceled_in_channel);

// The state of an order not yet split into POs, after verification (or after
// the channel canceled it).
OrderState verified_state(bool canceled_in_channel, std::span<const std::string> messages);

// Only orders not yet processed can be changed by `resolve`.
bool can_resolve(OrderStatus s);

// --- Processing ---

// Only a ready order is split into POs.
bool can_process(OrderStatus s);
// A PO just made is being sent; its order is processed.
inline constexpr PoState kNewPoState = PoState::kSending;
inline constexpr OrderStatus kProcessedStatus = OrderStatus::kProcessed;
// A document just written waits for delivery.
inline constexpr DocState kNewDocumentState = DocState::kPending;

// --- A delivery attempt ---

// What is written for a document when one attempt begins or ends.
struct DocumentUpdate {
  DocState state = DocState::kPending;
  int attempts = 0;                  // attempts spent, this one included
  std::int64_t next_attempt_at = 0;  // for kPending: when to try again
  std::string error;
  bool delivered_now = false;  // stamp delivered_at
  bool settled() const { return state == DocState::kDelivered || state == DocState::kFailed; }
};

// A document found in `sending` was interrupted (a crash, a kill) after it
// was recorded and perhaps after the destination had it: the destination
// (or orderd's outbound archive) decides before anything is sent again.
bool interrupted(DocState s);
// An attempt starts: `sending` (on disk before any byte leaves), one more
// of the document's attempts spent (`spent` is the count so far).
DocumentUpdate attempt_started(int spent);
// The destination has it (sent now, or found after an interrupted run).
DocumentUpdate attempt_delivered(int spent);
// How long to wait after failed attempt number `attempt` (1-based): `base`
// seconds doubled per attempt (at most 2^16 times), scaled by `jitter`
// (the caller draws it from 0.8..1.2 so that many documents failing
// together do not come back together).
std::int64_t retry_delay(std::int64_t base, int attempt, double jitter);
// Attempt number `attempt` failed (`spent` attempts are on record). A
// permanent failure, or attempt `max_attempts`, gives up (kFailed);
// otherwise the document waits `backoff` seconds (jittered by the caller)
// and is tried again.
DocumentUpdate attempt_failed(int attempt, int spent, std::string error, bool transient,
                              int max_attempts, std::int64_t now, std::int64_t backoff);

// The state of the POs a settled document carried (kind "po" or "cancel").
// A delivered PO is sent; a delivered cancellation is canceled; a given-up
// document of either kind leaves its POs failed.
PoState po_state_after(std::string_view doc_kind, bool delivered);

// --- What the supplier answers ---

// An 855/997/999 verdict on one PO: the PO's new state, or nothing to change.
// A rejection fails a PO that was sent (or being sent); an acknowledgment
// changes nothing.
std::optional<PoState> po_state_after_notice(PoState current, bool rejected);

// A shipment can be recorded against a PO unless it was canceled.
bool accepts_shipment(PoState s);
// A shipment of `reported` (negative: "the rest") against a line with
// `open` still unshipped: how much is recorded and how much is excess (kept
// as unmatched, never pushed).
struct ShipmentSplit {
  std::int64_t recorded = 0, excess = 0;
};
ShipmentSplit split_shipment(std::int64_t open, std::int64_t reported);
// Which of a PO's lines (in seq order) a shipment of `sku` goes on: the
// first with some still open, else the first with the SKU; kNoLine when
// none has it.
inline constexpr std::size_t kNoLine = static_cast<std::size_t>(-1);
std::size_t shipment_line(std::span<const Line> lines, std::string_view sku);

// --- Cancel ---

enum class PoCancel {
  kKeep,              // already canceled, or shipped (the goods are on their way)
  kCancelNow,         // never delivered (failed): nothing to tell the supplier
  kSendCancellation,  // delivered: a cancellation document goes to the supplier
};
struct CancelPlan {
  enum class Verdict {
    kCancelOrder,         // no PO yet: the order itself is canceled
    kCancelPos,           // per `pos`
    kAlreadyCanceled,     // refused
    kAllShipped,          // refused: nothing is left to cancel
    kDeliveryInProgress,  // refused: PO `busy` is being delivered
  } verdict = Verdict::kCancelOrder;
  std::vector<PoCancel> pos;  // one per PO given, in order
  std::string busy;           // the PO number for kDeliveryInProgress
};
CancelPlan plan_cancel(OrderStatus status, std::span<const Po> pos, std::span<const Line> lines);
// The state a PO takes when the plan cancels it (kCancelNow: canceled;
// kSendCancellation: its cancellation is being sent).
PoState po_state_when_canceling(PoCancel c);
inline constexpr OrderState kCanceledOrderState = OrderState::kCanceled;

// --- Retry ---

// Only a document that was given up can be retried.
bool can_retry(DocState s);
// A retried document starts again with all its attempts.
DocumentUpdate retry_document();
// The POs of a retried document are being sent again (or their
// cancellation is).
PoState po_state_on_retry(std::string_view doc_kind);

// --- The order's status, from its POs and lines ---

// The status and the messages an order shows: derive_status() plus a message
// per failed PO; the verification messages stay while nothing was sent.
struct StatusView {
  OrderStatus status = OrderStatus::kNeedsResolve;
  std::vector<std::string> messages;
};
StatusView order_status_view(OrderState state, std::span<const std::string> verify_messages,
                             std::span<const Po> pos, std::span<const Line> lines);

}  // namespace orderd
