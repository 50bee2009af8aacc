#include "core/alerts.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "util/json_out.h"
#include "util/text.h"

namespace orderd {
namespace {

constexpr AlertKind kKinds[] = {
    {"delivery_failed", "deliveries given up",
     "a PO, cancellation, tracking push or alert given up after its attempts (open until "
     "`orderctl retry`)",
     true},
    {"rejected", "rejections by suppliers", "a supplier rejected a PO (855, 997/999 or TA1)",
     false},
    {"outage", "transport outages",
     "a supplier's or channel's transport failed alerts.outage_after times in a row (open until a "
     "delivery there succeeds)",
     true},
    {"recovered", "transports recovered", "a transport in outage delivered again", false},
    {"quarantined", "files quarantined", "an inbound orders or tracking file could not be read",
     false},
    {"unmatched_tracking", "tracking matching no PO",
     "a tracking line names a PO or SKU orderd did not send", false},
    {"channel_change", "channel changes after processing",
     "the channel changed an order after its POs went out; not applied", false},
    {"needs_resolve", "orders waiting to be resolved",
     "an order in needs_resolve longer than alerts.resolve_after (open until it leaves "
     "needs_resolve)",
     true},
    {"late", "late POs",
     "a PO not acknowledged or not shipped by its supplier's deadlines (open until it is)", true},
    {"pull_failed", "pulls failing",
     "a channel's source or a supplier's tracking.pull failed (open until a pull succeeds)", true},
    {"reload_refused", "configuration reloads refused",
     "the service refused a new configuration and runs the previous one (open until a reload "
     "succeeds)",
     true},
    {"start_refused", "starts refused",
     "the service cannot start (its state is refused, or another service runs on it); sent "
     "directly, once for the same refusal",
     false},
    {"test", "test messages", "`orderctl alerts test`", false},
};

// The first line of `s`, at most 200 bytes.
std::string first_line(std::string_view s) {
  return std::string(utf8_prefix(s.substr(0, s.find('\n')), 200));
}

std::string list(const std::vector<std::string>& items, std::size_t most = 5) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < most; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > most) out += fmt::format(" and {} more", items.size() - most);
  return out;
}

Alert make(std::string_view kind, std::string ref, std::string party, std::string message,
           std::string action, std::int64_t now, std::int64_t subject_id = 0) {
  Alert a;
  a.kind = kind;
  a.ref = std::move(ref);
  a.party = std::move(party);
  a.message = std::move(message);
  a.action = std::move(action);
  a.subject_id = subject_id;
  const AlertKind* k = find_alert_kind(kind);
  a.condition = k && k->condition;
  a.raised_at = now;
  a.cleared_at = a.condition ? 0 : now;  // a notice is complete when raised
  return a;
}

}  // namespace

std::span<const AlertKind> alert_kinds() {
  return kKinds;
}

const AlertKind* find_alert_kind(std::string_view name) {
  for (const auto& k : kKinds)
    if (k.name == name) return &k;
  return nullptr;
}

std::string known_alert_kinds() {
  std::string out;
  for (const auto& k : kKinds)
    if (k.name != "test") out += (out.empty() ? "" : ", ") + std::string(k.name);
  return out;
}

Alert given_up_alert(const GivenUp& g, std::int64_t now) {
  std::string what, action;
  if (g.doc_kind == "po" || g.doc_kind == "cancel") {
    what = fmt::format("{} {} for supplier {} (in {}{})",
                       g.doc_kind == "cancel" ? "the cancellation of" : "PO", list(g.pos), g.party,
                       g.name, g.orders.empty() ? "" : ", order " + list(g.orders));
    action = g.orders.empty() ? "orderctl sync status"
                              : fmt::format("orderctl retry {}", g.orders.front());
  } else if (g.doc_kind == "tracking_push") {
    what = fmt::format("tracking for channel {} ({})", g.party, g.name);
    action = g.orders.empty() ? "orderctl sync status"
                              : fmt::format("orderctl retry {}", g.orders.front());
  } else {
    what = fmt::format("{} {} for {} {}", g.doc_kind, g.name, g.party_type, g.party);
    action = "orderctl sync status";  // it shows the document and its last error
  }
  Alert a =
      make("delivery_failed", g.name, g.party, fmt::format("{} was given up: {}", what, g.error),
           fmt::format("mend what the error names, then `{}`", action), now, g.document_id);
  if (g.doc_kind != "po" && g.doc_kind != "cancel" && g.doc_kind != "tracking_push") {
    // Nothing the operator can retry (a 997 to a supplier): said once.
    a.condition = false;
    a.cleared_at = now;
  }
  return a;
}

std::optional<Alert> event_alert(const AlertingEvent& e, std::int64_t now) {
  if (e.kind == "rejected")
    return make("rejected", e.po.empty() ? e.order : e.po, e.supplier,
                fmt::format("supplier {} rejected PO {} of order {}: {}", e.supplier, e.po, e.order,
                            e.message),
                fmt::format("ask {} why (`orderctl show {}` has its answer); if it cannot be "
                            "filled, `orderctl cancel {}`",
                            e.supplier, e.order, e.order),
                now);
  if (e.kind == "channel_change_ignored")
    return make("channel_change", e.order, e.supplier,
                fmt::format("order {}: {}", e.order, e.message),
                fmt::format("tell the supplier if it matters, or `orderctl cancel {}`; "
                            "`orderctl orders --changed-after-processing` lists them all",
                            e.order),
                now);
  return std::nullopt;
}

Alert quarantined_alert(const QuarantinedFile& f, std::int64_t now) {
  return make(
      "quarantined", fmt::format("{}/{}/{}", f.kind, f.source, f.name), f.source,
      fmt::format("{} file {} from {} was quarantined: {}", f.kind, f.name, f.source, f.error),
      fmt::format("correct the file and drop it into inbound/{}/{}/ again; the reason "
                  "lies beside it in quarantine/{}/{}/ (`orderctl sync status`)",
                  f.kind, f.source, f.kind, f.source),
      now);
}

Alert unmatched_alert(const UnmatchedLine& u, std::int64_t now) {
  if (u.sku.empty() && u.tracking_number.empty())  // an 855 or 997/999 answering no PO
    return make(
        "unmatched_tracking", fmt::format("{}/{}/ack/{}", u.supplier, u.po_number, u.file),
        u.supplier,
        fmt::format("an acknowledgment from supplier {} (in {}) answers no PO orderd sent: {}",
                    u.supplier, u.file, u.reason),
        fmt::format("ask {} which PO it meant (`orderctl sync status` lists it)", u.supplier), now);
  return make("unmatched_tracking",
              fmt::format("{}/{}/{}/{}", u.supplier, u.po_number, u.sku, u.tracking_number),
              u.supplier,
              fmt::format("tracking {} from supplier {} (PO {}, SKU {}, in {}) matches no PO: {}",
                          u.tracking_number, u.supplier, u.po_number, u.sku, u.file, u.reason),
              fmt::format("ask {} to correct the PO number or SKU and send the line again "
                          "(`orderctl sync status` lists unmatched tracking)",
                          u.supplier),
              now);
}

Alert waiting_alert(const WaitingOrder& o, std::int64_t now) {
  const std::int64_t hours = (now - o.since) / 3600;
  return make("needs_resolve", o.order, "",
              fmt::format("order {} has waited in needs_resolve for {}: {}", o.order,
                          hours >= 48  ? count_of(hours / 24, "day")
                          : hours >= 1 ? count_of(hours, "hour")
                                       : count_of((now - o.since) / 60, "minute"),
                          o.messages.empty() ? "see `orderctl show`" : list(o.messages, 3)),
              fmt::format("orderctl resolve {} --set FIELD=VALUE (or `orderctl cancel {}`)",
                          o.order, o.order),
              now, o.id);
}

Alert pull_failed_alert(std::string_view kind, std::string_view source, std::string_view error,
                        std::int64_t now) {
  const bool orders = kind == "orders";
  return make("pull_failed", fmt::format("{}/{}", kind, source), std::string(source),
              fmt::format("pulling {} for {} {} failed: {}", orders ? "orders" : "tracking",
                          orders ? "channel" : "supplier", source, error),
              fmt::format("mend the remote or its {} block; the next sync tries again "
                          "(`orderctl sync {}`)",
                          orders ? "channels.<id>.source" : "suppliers.<id>.tracking.pull",
                          orders ? "orders" : "tracking"),
              now);
}

Alert reload_refused_alert(std::string_view file, std::string_view why, std::int64_t now) {
  return make(
      "reload_refused", std::string(file), "",
      fmt::format("the service refused the configuration in {} and runs the previous "
                  "one:\n{}",
                  file, why),
      fmt::format("correct it (`orderd --check-config {}`), then `systemctl reload orderd`", file),
      now);
}

Alert start_refused_alert(std::string_view file, std::string_view why, std::int64_t now) {
  return make("start_refused", std::string(file), "",
              fmt::format("the orderd service for {} cannot start:\n{}", file, why),
              "do what the message says (docs/operations.md), then `systemctl start orderd`", now);
}

Alert test_alert(std::string_view who, std::int64_t now) {
  return make("test", fmt::format("test-{}", now), "",
              fmt::format("a test message sent by {}: this sink works", who),
              "nothing; `orderctl alerts` lists what was sent", now);
}

OutageStep outage_step(int streak, bool delivered, int threshold) {
  // At or past the threshold, not only at it: a threshold lowered during a
  // streak still opens the outage (an open one is not raised twice), and
  // any delivery after failures ends one (only an open one is cleared).
  if (delivered) return {0, false, streak > 0};
  const int next = streak + 1;
  return {next, next >= threshold, false};
}

Alert outage_alert(std::string_view party_type, std::string_view party, int failures,
                   std::string_view last_error, std::int64_t now) {
  return make("outage", fmt::format("{}/{}", party_type, party), std::string(party),
              fmt::format("{} {}: {} deliveries in a row failed; the last: {}", party_type, party,
                          failures, last_error),
              fmt::format("check {}'s server and {}; documents still waiting are retried on "
                          "their own, those given up need `orderctl retry ORDER` (`orderctl sync "
                          "status` lists both)",
                          party,
                          party_type == "channel"
                              ? fmt::format("channels.{}.tracking_push.transport", party)
                              : fmt::format("{}s.{}.transport", party_type, party)),
              now);
}

Alert recovered_alert(std::string_view party_type, std::string_view party, std::int64_t now) {
  return make("recovered", fmt::format("{}/{}@{}", party_type, party, now), std::string(party),
              fmt::format("{} {}: deliveries succeed again", party_type, party), "nothing", now);
}

bool batch_due(std::int64_t oldest_raised_at, std::int64_t window, std::int64_t now) {
  return now >= oldest_raised_at + window;
}

AlertMessage alert_message(std::span<const Alert> alerts, std::string_view instance) {
  AlertMessage m;
  if (alerts.empty()) return m;
  const Alert& first = alerts.front();
  const AlertKind* k = find_alert_kind(first.kind);
  const std::string heading = k ? std::string(k->heading) : first.kind;
  m.title = alerts.size() == 1 ? fmt::format("orderd: {}", first_line(first.message))
                               : fmt::format("orderd: {} {}", alerts.size(), heading);
  m.text = m.title + "\n\n";
  nlohmann::json list = nlohmann::json::array();
  for (const auto& a : alerts) {
    m.text +=
        fmt::format("- {} {}\n  What to do: {}\n", iso_time(a.raised_at), a.message, a.action);
    list.push_back({{"id", a.id},
                    {"kind", a.kind},
                    {"ref", a.ref},
                    {"party", a.party},
                    {"message", a.message},
                    {"action", a.action},
                    {"raised_at", iso_time(a.raised_at)},
                    {"condition", a.condition}});
  }
  m.text += fmt::format("\n{}: `orderctl alerts` lists every alert.\n", instance);
  m.json = json_text({{"text", m.text},
                      {"title", m.title},
                      {"kind", first.kind},
                      {"instance", std::string(instance)},
                      {"alerts", list}},
                     2);
  m.json += "\n";
  return m;
}

}  // namespace orderd
