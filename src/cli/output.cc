#include "cli/output.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "core/status.h"
#include "util/json_out.h"
#include "util/text.h"

namespace orderd {
namespace {

using nlohmann::json;

// "ack by 2026-12-03T15:00:00Z (acknowledged ...)", for `show`.
std::string deadline_text(const PoDeadline& d, std::int64_t now) {
  auto one = [&](const char* what, std::int64_t due, std::int64_t met, bool late,
                 const char* verb) {
    if (due == 0) return std::string();
    const std::string state =
        met         ? fmt::format("{} {}{}", verb, iso_time(met), met > due ? ", late" : "")
        : late      ? "LATE"
        : now > due ? "due"
                    : "open";
    return fmt::format("{} by {} ({})", what, iso_time(due), state);
  };
  const std::string ack = one("ack", d.ack_due, d.acked_at, d.late_ack(), "acknowledged");
  const std::string ship = one("ship", d.ship_due, d.shipped_at, d.late_ship(), "shipped");
  return ack.empty() ? ship : ship.empty() ? ack : ack + ", " + ship;
}

json deadline_json(const PoDeadline& d) {
  auto t = [](std::int64_t v) { return v ? iso_time(v) : std::string(); };
  return {{"ack_due", t(d.ack_due)},   {"acked_at", t(d.acked_at)},
          {"ship_due", t(d.ship_due)}, {"shipped_at", t(d.shipped_at)},
          {"late_ack", d.late_ack()},  {"late_ship", d.late_ship()}};
}

json order_to_json(Runtime& rt, const Order& o) {
  auto pos = rt.store->load_pos(o.id);
  auto shipments = rt.store->shipments_of_order(o.id);
  auto line_json = [&](const Line& l) {
    json tracking = json::array();
    for (const auto& s : shipments)
      if (s.line_id == l.id)
        tracking.push_back(
            {{"carrier", s.carrier}, {"number", s.tracking_number}, {"quantity", s.quantity}});
    std::string po_number;
    for (const auto& po : pos)
      if (po.id == l.po_id) po_number = po.number;
    return json{{"line", l.seq},
                {"sku", l.sku},
                {"po", po_number},
                {"price", l.price},
                {"channel_line_id", l.channel_line_id},
                {"name", l.name},
                {"quantity", l.quantity},
                {"supplier", l.supplier},
                {"shipped_quantity", l.shipped},
                {"pushed_quantity", l.pushed},
                {"tracking", tracking}};
  };
  json jpos = json::array();
  for (const auto& po : pos) {
    json lines = json::array();
    for (const auto& l : o.lines)
      if (l.po_id == po.id) lines.push_back(line_json(l));
    jpos.push_back({{"number", po.number},
                    {"supplier", po.supplier},
                    {"status", to_string(po_status(po, o.lines))},
                    {"delivery", to_string(po.state)},
                    {"error", po.error},
                    {"lines", lines}});
    if (auto d = rt.store->po_deadline(po.id)) jpos.back()["deadlines"] = deadline_json(*d);
  }
  json lines = json::array();
  for (const auto& l : o.lines) lines.push_back(line_json(l));
  json j{{"id", o.ext_id},
         {"channel", o.channel},
         {"status", to_string(o.status)},
         {"messages", o.messages},
         {"created_at", o.at(OrderField::kCreatedAt)},
         {"imported_at", iso_time(o.imported_at)},
         {"lines", lines},
         {"pos", jpos}};
  // Every order-level field, nested as it is named: ship_to.province is
  // j["ship_to"]["province"] (docs/formats.md, "JSON output").
  for (std::size_t i = 0; i < kOrderFieldCount; ++i) {
    const std::string_view name = all_fields()[i].name;
    const auto dot = name.find('.');
    j[std::string(name.substr(0, dot))][std::string(name.substr(dot + 1))] = o.f[i];
  }
  return j;
}

// 23119 -> "23,119"
std::string thousands(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string cut(std::string_view s, std::size_t n) {
  if (s.size() <= n) return std::string(s);
  return std::string(s.substr(0, n - 3)) + "...";
}

}  // namespace

std::string orders_json(Runtime& rt, const std::vector<Order>& orders) {
  json arr = json::array();
  for (const auto& o : orders) arr.push_back(order_to_json(rt, o));
  return json_text(arr, 2) + "\n";
}

std::string order_json(Runtime& rt, const Order& o) {
  json j = order_to_json(rt, o);
  json events = json::array();
  for (const auto& e : rt.store->events(o.id))
    events.push_back({{"at", iso_time(e.at)},
                      {"actor", e.actor},
                      {"kind", e.kind},
                      {"from", e.from},
                      {"to", e.to},
                      {"po", e.po_number},
                      {"message", e.message}});
  j["events"] = events;
  json changes = json::array();
  for (const auto& e : events)
    if (e["kind"] == "channel_change_ignored")
      changes.push_back({{"at", e["at"]}, {"message", e["message"]}});
  j["changed_after_processing"] = changes;
  json docs = json::array();
  for (const auto& d : rt.store->documents_of_order(o.id))
    docs.push_back({{"id", d.id},
                    {"name", d.name},
                    {"kind", d.kind},
                    {"party_type", d.party_type},
                    {"party", d.party},
                    {"created_at", iso_time(d.created_at)},
                    {"delivered_at", d.delivered_at ? iso_time(d.delivered_at) : ""},
                    {"state", to_string(d.state)},
                    {"attempts", d.attempts},
                    {"error", d.last_error},
                    {"sha256", d.sha256}});
  j["documents"] = docs;
  return json_text(j, 2) + "\n";
}

std::string orders_table(Runtime& rt, const std::vector<Order>& orders,
                         const Store::OrderCounts& counted) {
  const auto& counts = counted.by_status;
  std::string out = fmt::format("{:<22} {:<10} {:<10} {:<18} {:<22} {:<24} {}\n", "ORDER",
                                "CHANNEL", "DATE", "STATUS", "CUSTOMER", "POS", "MESSAGE");
  for (const auto& o : orders) {
    std::string pos;
    for (const auto& po : rt.store->load_pos(o.id)) pos += (pos.empty() ? "" : ",") + po.number;
    std::string customer = o.at(OrderField::kCustomerName);
    if (customer.empty()) customer = o.at(OrderField::kShipName);
    if (customer.empty()) customer = o.at(OrderField::kCustomerEmail);
    std::string msg = o.messages.empty() ? "" : o.messages.front();
    if (o.messages.size() > 1) msg += fmt::format(" (+{} more)", o.messages.size() - 1);
    // The channel's date when it gave one, else the day orderd took the order.
    std::string date = o.at(OrderField::kCreatedAt).substr(0, 10);
    if (date.empty()) date = iso_time(o.imported_at).substr(0, 10);
    out += fmt::format("{:<22} {:<10} {:<10} {:<18} {:<22} {:<24} {}\n", cut(o.ext_id, 22),
                       cut(o.channel, 10), cut(date, 10), to_string(o.status), cut(customer, 22),
                       cut(pos.empty() ? "-" : pos, 24), msg);
  }
  std::int64_t total = 0;
  std::string by_status;
  for (const auto& [status, n] : counts) {
    total += n;
    by_status += fmt::format("{}{} {}", by_status.empty() ? "" : ", ", thousands(n), status);
  }
  const auto noun = [](std::int64_t n) { return n == 1 ? "order" : "orders"; };
  if (counted.capped)
    out += fmt::format(
        "showing {} of more than {} orders (narrow the search, or use --limit for more)\n",
        thousands(static_cast<std::int64_t>(orders.size())), thousands(total - 1));
  else if (static_cast<std::int64_t>(orders.size()) < total)
    out += fmt::format("showing {} of {} {} (use --limit for more): {}\n",
                       thousands(static_cast<std::int64_t>(orders.size())), thousands(total),
                       noun(total), by_status);
  else
    out += fmt::format("{} {}{}{}\n", thousands(total), noun(total), total ? ": " : "", by_status);
  return out;
}

std::string order_details(Runtime& rt, const Order& o) {
  std::string out =
      fmt::format("Order {} (channel {}): {}\n", o.ext_id, o.channel, to_string(o.status));
  for (const auto& m : o.messages) out += fmt::format("  ! {}\n", m);
  out += fmt::format("Customer: {} <{}> {}\n", o.at(OrderField::kCustomerName),
                     o.at(OrderField::kCustomerEmail), o.at(OrderField::kCustomerPhone));
  out += fmt::format(
      "Ship to:  {}{}, {}{}, {} {} {}, {}  phone {}\n", o.at(OrderField::kShipName),
      o.at(OrderField::kShipCompany).empty() ? "" : " (" + o.at(OrderField::kShipCompany) + ")",
      o.at(OrderField::kShipAddress1),
      o.at(OrderField::kShipAddress2).empty() ? "" : " " + o.at(OrderField::kShipAddress2),
      o.at(OrderField::kShipCity), o.at(OrderField::kShipProvince), o.at(OrderField::kShipZip),
      o.at(OrderField::kShipCountry), o.at(OrderField::kShipPhone));
  out += fmt::format(
      "Placed:   {}  total {} {}  shipping {}{}\n",
      o.at(OrderField::kCreatedAt).empty() ? "-" : o.at(OrderField::kCreatedAt),
      o.at(OrderField::kTotal).empty() ? "-" : o.at(OrderField::kTotal),
      o.at(OrderField::kCurrency),
      o.at(OrderField::kShippingMethod).empty() ? "-" : o.at(OrderField::kShippingMethod),
      o.at(OrderField::kShippingPrice).empty() ? ""
                                               : " (" + o.at(OrderField::kShippingPrice) + ")");
  if (!o.at(OrderField::kNote).empty())
    out += fmt::format("Note:     {}\n", o.at(OrderField::kNote));
  auto pos = rt.store->load_pos(o.id);
  auto shipments = rt.store->shipments_of_order(o.id);
  out += "Lines:\n";
  for (const auto& l : o.lines) {
    std::string po = "-";
    for (const auto& p : pos)
      if (p.id == l.po_id) po = p.number;
    out +=
        fmt::format("  {:>2}. {:<16} x{:<4} {:<12} PO {:<10} shipped {} pushed {}  {}{}\n", l.seq,
                    l.sku, l.quantity, l.supplier.empty() ? "(unrouted)" : l.supplier, po,
                    l.shipped, l.pushed, cut(l.name, 40), l.price.empty() ? "" : " @ " + l.price);
    for (const auto& s : shipments)
      if (s.line_id == l.id)
        out += fmt::format("        tracking {} {} (qty {})\n", s.carrier, s.tracking_number,
                           s.quantity);
  }
  if (!pos.empty()) {
    out += "POs:\n";
    for (const auto& p : pos) {
      out += fmt::format("  {} to {}: {} (delivery {}){}\n", p.number, p.supplier,
                         to_string(po_status(p, o.lines)), to_string(p.state),
                         p.error.empty() ? "" : " - " + p.error);
      if (auto d = rt.store->po_deadline(p.id))
        if (auto text = deadline_text(*d, rt.now()); !text.empty())
          out += fmt::format("    deadlines: {}\n", text);
    }
  }
  auto docs = rt.store->documents_of_order(o.id);
  if (!docs.empty()) {
    out += "Documents:\n";
    for (const auto& d : docs)
      out += fmt::format("  #{} {} {} to {} {}: {} after {} attempt(s){}\n", d.id, d.kind, d.name,
                         d.party_type, d.party, to_string(d.state), d.attempts,
                         d.last_error.empty() ? "" : " - " + d.last_error);
  }
  const auto events = rt.store->events(o.id);
  bool changed = false;
  for (const auto& e : events)
    if (e.kind == "channel_change_ignored") {
      if (!changed) out += "Changed in the channel after processing (not applied):\n";
      changed = true;
      out += fmt::format("  {} {}\n", iso_time(e.at), e.message);
    }
  out += "History:\n";
  for (const auto& e : events) {
    std::string change = e.from.empty() && e.to.empty()
                             ? ""
                             : fmt::format(" [{} -> {}]", e.from.empty() ? "new" : e.from, e.to);
    out += fmt::format("  {} {:<18} {}{} {}\n", iso_time(e.at), e.actor, e.kind, change, e.message);
  }
  return out;
}

std::string sync_status(Runtime& rt, bool as_json, const std::optional<std::string>& service) {
  json svc = service ? json::parse(*service, nullptr, false) : json();
  if (svc.is_discarded()) svc = json();
  auto runs = rt.store->recent_runs(30);
  auto last_runs = rt.store->last_runs();
  auto unmatched = rt.store->recent_unmatched(20);
  auto files = rt.store->recent_inbound_files(20);
  auto undelivered = rt.store->undelivered_documents(20);
  const auto undelivered_total = rt.store->undelivered_count();
  if (as_json) {
    json j;
    auto run_json = [](const SyncRun& r) {
      return json{{"kind", r.kind},
                  {"trigger", r.trigger},
                  {"started_at", iso_time(r.started_at)},
                  {"finished_at", r.finished_at ? iso_time(r.finished_at) : ""},
                  {"files", r.read},
                  {"changed", r.changed},
                  {"failed", r.failed},
                  {"repeats", r.repeats},
                  {"summary", r.summary}};
    };
    json last = json::object();
    for (const auto& r : last_runs) last[r.kind] = run_json(r);
    json hist = json::array();
    for (const auto& r : runs) hist.push_back(run_json(r));
    j["service"] = svc;
    j["late_pos"] = rt.store->late_po_count();
    j["open_alerts"] = rt.store->open_alert_count();
    j["last"] = last;
    j["history"] = hist;
    json deliveries = json::array();
    for (const auto& d : undelivered)
      deliveries.push_back(
          {{"id", d.id},
           {"name", d.name},
           {"kind", d.kind},
           {"party_type", d.party_type},
           {"party", d.party},
           {"state", to_string(d.state)},
           {"attempts", d.attempts},
           {"next_attempt_at",
            d.state == DocState::kFailed || !d.next_attempt_at ? "" : iso_time(d.next_attempt_at)},
           {"error", d.last_error}});
    j["deliveries"] = {{"undelivered", undelivered_total}, {"documents", deliveries}};
    json um = json::array();
    for (const auto& u : unmatched)
      um.push_back({{"at", iso_time(u.at)},
                    {"supplier", u.supplier},
                    {"po_number", u.po_number},
                    {"sku", u.sku},
                    {"tracking_number", u.tracking_number},
                    {"reason", u.reason},
                    {"file", u.file}});
    j["unmatched_tracking"] = um;
    json jf = json::array();
    for (const auto& f : files)
      jf.push_back({{"id", f.id},
                    {"kind", f.kind},
                    {"source", f.source},
                    {"name", f.name},
                    {"state", f.state},
                    {"error", f.error},
                    {"summary", f.summary},
                    {"archive", f.archive_path}});
    j["files"] = jf;
    return json_text(j, 2) + "\n";
  }
  std::string out;
  if (svc.is_object()) {
    out += fmt::format("Service: running, pid {} since {} ({})\n", svc.value("pid", 0),
                       svc.value("started_at", ""), svc.value("config", ""));
    for (const char* key : {"next_order_sync", "next_tracking_sync"}) {
      std::string list;
      const json due = svc.contains(key) ? svc[key] : json::object();
      for (const auto& [id, at] : due.items())
        list += fmt::format("{}{} at {}", list.empty() ? "" : ", ", id, at.get<std::string>());
      out += fmt::format(
          "  {}: {}\n",
          key == std::string_view("next_order_sync") ? "next order sync" : "next tracking sync",
          list);
    }
  } else {
    out +=
        "Service: not running (syncs happen only when `orderctl sync` or `orderd --once` runs)\n";
  }
  if (const auto late = rt.store->late_po_count())
    out += fmt::format("Late POs: {} (`orderctl orders --late`)\n", late);
  if (const auto open = rt.store->open_alert_count())
    out += fmt::format("Open alerts: {} (`orderctl alerts --open`)\n", open);
  out += "Last runs:\n";
  for (const auto& r : last_runs)
    out += fmt::format("  {:<9} {} ({}): {} files, {} changed, {} failed\n", r.kind,
                       iso_time(r.repeats ? r.finished_at : r.started_at), r.trigger, r.read,
                       r.changed, r.failed);
  if (undelivered_total) {
    out += fmt::format("Deliveries waiting or failing ({}):\n", undelivered_total);
    for (const auto& d : undelivered) {
      std::string when = d.state == DocState::kFailed ? "gave up; `orderctl retry` queues it again"
                         : d.next_attempt_at ? "next attempt " + iso_time(d.next_attempt_at)
                                             : "due now";
      out += fmt::format("  #{} {} to {} {}: {} after {} attempt(s), {}{}\n", d.id, d.name,
                         d.party_type, d.party, to_string(d.state), d.attempts, when,
                         d.last_error.empty() ? "" : " - " + d.last_error);
    }
    if (undelivered_total > static_cast<std::int64_t>(undelivered.size()))
      out += fmt::format("  ... and {} more\n",
                         undelivered_total - static_cast<std::int64_t>(undelivered.size()));
  }
  out += "Recent runs:\n";
  for (std::size_t i = 0; i < runs.size() && i < 12; ++i) {
    const auto& r = runs[i];
    out += fmt::format("  {} {:<9} {:<10} {} files, {} changed, {} failed{}{}\n",
                       iso_time(r.started_at), r.kind, r.trigger, r.read, r.changed, r.failed,
                       r.finished_at ? "" : " (did not finish)",
                       r.repeats ? fmt::format(" (and {} more like it, the last at {})", r.repeats,
                                               iso_time(r.finished_at))
                                 : "");
  }
  out += "Recent files:\n";
  for (const auto& f : files)
    out += fmt::format(
        "  #{} {} {}/{} {}: {}{}\n", f.id, iso_time(f.received_at), f.kind, f.source, f.name,
        f.state,
        f.state == "quarantined" ? " - " + f.error : (f.summary.empty() ? "" : " - " + f.summary));
  if (!unmatched.empty()) {
    out += "Unmatched tracking (kept, not applied):\n";
    for (const auto& u : unmatched)
      out += fmt::format("  {} {} PO {} SKU {} tracking {}: {} ({})\n", iso_time(u.at), u.supplier,
                         u.po_number, u.sku, u.tracking_number, u.reason, u.file);
  }
  return out;
}

}  // namespace orderd

namespace orderd {

std::string alerts_list(Runtime& rt, bool as_json, bool open_only, int limit) {
  const auto rows = rt.store->recent_alerts(limit, open_only);
  auto state_of = [](const Alert& a) {
    return !a.condition ? "notice" : a.cleared_at ? "cleared" : "open";
  };
  if (as_json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [a, sends] : rows) {
      nlohmann::json to = nlohmann::json::array();
      for (const auto& s : sends)
        to.push_back({{"sink", s.sink},
                      {"document", s.name},
                      {"state", to_string(s.state)},
                      {"delivered_at", s.delivered_at ? iso_time(s.delivered_at) : ""},
                      {"error", s.error}});
      out.push_back({{"id", a.id},
                     {"kind", a.kind},
                     {"ref", a.ref},
                     {"party", a.party},
                     {"state", state_of(a)},
                     {"message", a.message},
                     {"action", a.action},
                     {"raised_at", iso_time(a.raised_at)},
                     {"cleared_at", a.condition && a.cleared_at ? iso_time(a.cleared_at) : ""},
                     {"sent", to}});
    }
    return json_text(out, 2) + "\n";
  }
  if (rows.empty()) return open_only ? "no alert is open\n" : "no alert has been raised\n";
  std::string out;
  for (const auto& row : rows) {
    const Alert& a = row.alert;
    const auto& sends = row.sends;
    out += fmt::format("{}  {}  {}{}\n  {}\n  what to do: {}\n", iso_time(a.raised_at), a.kind,
                       state_of(a), a.condition && a.cleared_at ? " " + iso_time(a.cleared_at) : "",
                       a.message, a.action);
    if (sends.empty()) {
      const auto& sinks = rt.cfg->alerts.sinks;
      const bool taken = std::any_of(sinks.begin(), sinks.end(),
                                     [&](const AlertSinkConfig& s) { return s.wants(a.kind); });
      out += taken ? "  sent to: none yet (a kind's alerts gather for alerts.window)\n"
                   : fmt::format("  sent to: no sink takes {} alerts\n", a.kind);
    }
    for (const auto& s : sends)
      out += fmt::format("  sent to {} as {}: {}{}\n", s.sink, s.name,
                         s.state == DocState::kDelivered ? "delivered " + iso_time(s.delivered_at)
                                                         : to_string(s.state),
                         s.error.empty() || s.state == DocState::kDelivered ? "" : " - " + s.error);
  }
  return out;
}

}  // namespace orderd

namespace orderd {

std::string suppliers_report(Runtime& rt, std::int64_t since, bool as_json) {
  const auto scores = supplier_scores(rt, since);
  if (as_json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& sc : scores) {
      const auto [avg, p90] = hours_stats(sc.hours_to_ship);
      out.push_back({{"supplier", sc.supplier},
                     {"since", iso_time(since)},
                     {"pos_sent", sc.sent},
                     {"ack_deadline_pos", sc.ack_kept},
                     {"acknowledged_on_time", sc.acked_on_time},
                     {"ship_deadline_pos", sc.ship_kept},
                     {"shipped_on_time", sc.shipped_on_time},
                     {"shipped", sc.hours_to_ship.size()},
                     {"hours_to_ship_avg", avg},
                     {"hours_to_ship_p90", p90},
                     {"rejections", sc.rejections},
                     {"failed_deliveries", sc.failed_deliveries},
                     {"outage_since", sc.outage_since}});
    }
    return json_text(out, 2) + "\n";
  }
  std::string out = fmt::format("Suppliers since {}:\n", iso_time(since));
  for (const auto& sc : scores) out += "  " + score_line(sc) + "\n";
  return out;
}

}  // namespace orderd
