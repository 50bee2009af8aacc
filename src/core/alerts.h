// What an alert is and says: the kinds, each alert's message and the
// orderctl command that deals with it, when a condition opens and clears,
// and a batch of alerts as one message (text for email and the journal,
// JSON for a webhook). Pure: no I/O. jobs/alerts.cc finds what happened
// in the state and stores and sends what these functions return.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace orderd {

// One row of the alert kinds table. A condition (an outage, an order left
// waiting) stays open until what caused it is over, and is not raised
// again while open; a notice (a quarantined file) is complete when raised.
struct AlertKind {
  std::string_view name;     // as in alerts.sinks.<name>.events
  std::string_view heading;  // "POs or documents given up": a batch's title
  std::string_view doc;      // for the configuration reference
  bool condition = false;
};
std::span<const AlertKind> alert_kinds();
const AlertKind* find_alert_kind(std::string_view name);
std::string known_alert_kinds();  // "delivery_failed, rejected, ..."

// One alert as stored. `ref` names what it is about (a PO number, an order
// as channel:id, a file, a party); with `kind` it identifies the condition.
// `subject_id` is the row the condition is watched through (a document,
// an order), 0 when none.
struct Alert {
  std::int64_t id = 0;
  std::string kind, ref, party, message, action;
  std::int64_t subject_id = 0;
  bool condition = false;
  std::int64_t raised_at = 0, cleared_at = 0;
  bool open() const { return condition && cleared_at == 0; }
};

// --- What each source of alerts says ---

// A document given up after its attempts: POs, a cancellation or a push of
// tracking to a channel.
struct GivenUp {
  std::int64_t document_id = 0;
  std::string doc_kind;    // po, cancel, tracking_push, alert
  std::string party_type;  // supplier, channel, sink
  std::string party, name, error;
  std::vector<std::string> pos;     // PO numbers it carries
  std::vector<std::string> orders;  // their orders, as channel:id
};
Alert given_up_alert(const GivenUp& g, std::int64_t now);

// An event in an order's history that alerts: a supplier's rejection
// (855, 997/999, TA1) or a change the channel made after processing.
struct AlertingEvent {
  std::string kind;  // rejected | channel_change_ignored
  std::string order, po, supplier, message;
};
std::optional<Alert> event_alert(const AlertingEvent& e, std::int64_t now);

struct QuarantinedFile {
  std::int64_t id = 0;
  std::string kind, source, name, error;  // kind: orders | tracking
};
Alert quarantined_alert(const QuarantinedFile& f, std::int64_t now);

struct UnmatchedLine {
  std::int64_t id = 0;
  std::string supplier, po_number, sku, tracking_number, reason, file;
};
Alert unmatched_alert(const UnmatchedLine& u, std::int64_t now);

// An order waiting in needs_resolve since `since`.
struct WaitingOrder {
  std::int64_t id = 0;
  std::string order;  // channel:id
  std::vector<std::string> messages;
  std::int64_t since = 0;
};
Alert waiting_alert(const WaitingOrder& o, std::int64_t now);

Alert pull_failed_alert(std::string_view kind, std::string_view source, std::string_view error,
                        std::int64_t now);
Alert reload_refused_alert(std::string_view file, std::string_view why, std::int64_t now);
// The service refusing to start: it has no state to queue this in, so it
// is sent directly (service.cc).
Alert start_refused_alert(std::string_view file, std::string_view why, std::int64_t now);
Alert test_alert(std::string_view who, std::int64_t now);

// --- Outages: failures in a row at one party's transport ---

// After one delivery attempt to a party that had `streak` failures in a
// row before it: the new streak, and whether this attempt opens an outage
// (the streak reaches `threshold`) or ends one (a delivery after it had).
struct OutageStep {
  int streak = 0;
  bool opens = false, ends = false;
};
OutageStep outage_step(int streak, bool delivered, int threshold);
Alert outage_alert(std::string_view party_type, std::string_view party, int failures,
                   std::string_view last_error, std::int64_t now);
Alert recovered_alert(std::string_view party_type, std::string_view party, std::int64_t now);

// --- Batches: alerts of one kind sent as one message ---

// Whether a kind's unsent alerts go out now: the oldest has waited
// `window` seconds (so the rest of a burst joins it).
bool batch_due(std::int64_t oldest_raised_at, std::int64_t window, std::int64_t now);

struct AlertMessage {
  std::string title;  // one line: the email subject
  std::string text;   // the title, then each alert with what to do
  std::string json;   // the webhook body (docs/alerts.md): {text, title, kind, alerts: [...]}
};
// `alerts` all of one kind, oldest first; `instance` names the orderd
// installation (its configuration file) in the text.
AlertMessage alert_message(std::span<const Alert> alerts, std::string_view instance);

}  // namespace orderd
