#include "config/schema.h"

#include <fmt/format.h>

#include "core/fields.h"
#include "transport/transport.h"

namespace orderd {
namespace {

constexpr KeySpec kTop[] = {
    {"state_dir", "path", "./state", "folder of the SQLite database (orderd.db)"},
    {"spool_dir", "path", "./spool",
     "folder of inbound/, claimed/, archive/ and quarantine/ (docs/spool.md)"},
    {"po_prefix", "string", "PO", "prefix of PO numbers (PO000123)"},
    {"schedule", "map", "{order_sync: 1h, tracking_sync: 2h}",
     "how often the service syncs (below); files dropped into inbound/ are taken at once"},
    {"require", "list of fields",
     "[ship_to.name, ship_to.address1, ship_to.city, ship_to.zip, ship_to.country]",
     "fields every order needs before it can be processed"},
    {"channels", "map", "required", "sales channels by id"},
    {"suppliers", "map", "required", "suppliers by id"},
    {"deadlines", "map", "none",
     "when suppliers must acknowledge and ship a delivered PO (below); each supplier's "
     "deadlines override these key by key"},
    {"alerts", "map", "none",
     "failure alerts and where they go (README, \"Alerts\"); without sinks they are still "
     "recorded (`orderctl alerts`)"},
    {"console", "map", "none",
     "the operator's console in a browser, served by the service (README, \"Console\")"},
};
constexpr KeySpec kConsole[] = {
    {"listen", "string", "required",
     "host:port (127.0.0.1:8080) or the path of a Unix socket; an address other than loopback "
     "needs tls"},
    {"users_file", "path", "<state_dir>/console.users",
     "the console's users and their password hashes (`orderctl user add NAME`)"},
    {"session_idle", "duration", "8h", "a login ends after this long without a page"},
    {"tls", "map", "none", "cert_file and key_file (PEM): the console speaks HTTPS"},
};
constexpr KeySpec kConsoleTls[] = {
    {"cert_file", "path", "required", "the certificate chain, PEM"},
    {"key_file", "path", "required", "its private key, PEM"},
};
constexpr KeySpec kDeadlines[] = {
    {"ack", "duration", "none",
     "business time from a PO's delivery to the supplier's 997 or 855 (e.g. 24h); later is "
     "late"},
    {"ship", "duration", "none",
     "business time from a PO's delivery to its first shipment arriving in orderd (e.g. 2d)"},
    {"business_days", "list", "[Mon, Tue, Wed, Thu, Fri]",
     "the days deadlines count (the machine's local days); other days are skipped"},
};
constexpr KeySpec kAlerts[] = {
    {"window", "duration", "5m",
     "alerts of one kind gather this long before one message lists them all (0: at once)"},
    {"outage_after", "int", "3",
     "deliveries in a row that fail at one supplier or channel before it is an outage"},
    {"resolve_after", "duration", "1d", "an order waiting in needs_resolve this long alerts"},
    {"sinks", "map", "{}", "where alerts are sent, by name (below)"},
};
constexpr KeySpec kAlertSink[] = {
    {"events", "list", "every kind",
     "the alert kinds this sink takes: delivery_failed, rejected, outage, recovered, "
     "quarantined, unmatched_tracking, channel_change, needs_resolve, late, pull_failed, "
     "reload_refused, start_refused"},
    {"digest", "time", "none",
     "HH:MM (the machine's local time): a daily digest of the day before, with the supplier "
     "scorecards on Mondays"},
    {"transport", "map", "required",
     "an email transport (to the operators; subject defaults to {title}, body to body), an http "
     "one (a webhook: the JSON body of docs/operations.md, \"Alerts\") or a dir"},
};
constexpr KeySpec kSchedule[] = {
    {"order_sync", "duration", "1h",
     "order sync interval (30s, 15m, 1h, 1d; a bare number is seconds)"},
    {"tracking_sync", "duration", "2h", "tracking sync and push interval"},
};
constexpr KeySpec kChannel[] = {
    {"format", "string", "required", "order export format: shopify-csv, amazon-tsv, orders-json"},
    {"auto_process", "bool", "false", "process this channel's orders as soon as they are ready"},
    {"tracking_push", "map", "none", "where and how tracking goes back to the channel"},
    {"source", "map", "none",
     "a transport block to pull order exports from (dir, sftp, ftp, ftps, email); local drops go "
     "to inbound/orders/<id>/ either way"},
    {"order_sync", "duration", "schedule.order_sync", "this channel's order sync interval"},
};
constexpr KeySpec kTrackingPush[] = {
    {"format", "string", "by channel format",
     "shopify-fulfillment-csv, amazon-ship-confirm, tracking-json"},
    {"transport", "map", "required", "a transport block"},
};
constexpr KeySpec kSupplier[] = {
    {"name", "string", "the id", "the supplier's name, for people and po.supplier_name"},
    {"skus", "list of globs", "required",
     "SKU patterns routed here ('*', '?', '[a-z]'); first match in file order wins"},
    {"require", "list of fields", "[]", "fields this supplier needs beyond the top-level require"},
    {"auto_process", "bool", "false",
     "process orders whose every line goes to auto-processing suppliers"},
    {"po", "map", "csv defaults", "how POs are rendered"},
    {"transport", "map", "required", "where POs (and cancellations) are delivered"},
    {"tracking", "map", "csv defaults", "how the supplier's tracking files are read"},
    {"tracking_sync", "duration", "schedule.tracking_sync",
     "this supplier's tracking sync interval"},
    {"deadlines", "map", "the top-level deadlines",
     "this supplier's ack, ship and business_days (as the top-level deadlines)"},
    {"shipping", "map", "none",
     "the supplier's carrier and service for each shipping method the buyer can choose; with it, "
     "an order whose method is not mapped waits in needs_resolve"},
};
constexpr KeySpec kShipping[] = {
    {"map", "map", "{}",
     "channel shipping method (matched without case, spaces trimmed) -> {carrier, service, "
     "scac}"},
    {"default", "map", "none",
     "{carrier, service, scac} for a method not in map; without it such an order waits in "
     "needs_resolve"},
};
constexpr KeySpec kShipMethod[] = {
    {"carrier", "string", "\"\"", "the carrier's name, for PO columns (shipping.carrier)"},
    {"service", "string", "\"\"", "the supplier's service code (shipping.service)"},
    {"scac", "string", "\"\"", "the carrier's SCAC, for the 850's TD5 (shipping.scac)"},
};
constexpr KeySpec kPo[] = {
    {"format", "string", "csv", "csv, xml or x12-850"},
    {"batch", "string", "run",
     "run: one file per supplier per processing run; order: one file per PO"},
    {"columns", "list", "the format's default layout",
     "[{header: TEXT, field: FIELD}]: CSV columns or XML elements in order"},
    {"delimiter", "char", ",", "csv: field separator (use \"\\t\" for tab)"},
    {"xml_root", "string", "PurchaseOrders", "xml: root element"},
    {"xml_po", "string", "PurchaseOrder", "xml: element per PO"},
    {"xml_line", "string", "Line", "xml: element per line, inside <Lines>"},
    {"x12", "map", "required for x12-850", "the trading partner's X12 choices (below)"},
};
constexpr KeySpec kX12[] = {
    {"sender_qualifier", "string", "ZZ", "ISA05: qualifier of our id"},
    {"sender_id", "string", "required",
     "ISA06/GS02: our id at this partner (at most 15 characters)"},
    {"receiver_qualifier", "string", "ZZ", "ISA07: qualifier of the partner's id"},
    {"receiver_id", "string", "required", "ISA08/GS03: the partner's id (at most 15 characters)"},
    {"version", "string", "004010", "004010 or 005010 (GS08; ISA12 00401 or 00501)"},
    {"usage", "string", "P", "ISA15: P production, T test"},
    {"send_ack", "string", "none", "997, 999 or none: acknowledge the partner's functional groups"},
    {"element_separator", "char", "*", "element separator"},
    {"component_separator", "char", ">", "ISA16 component separator"},
    {"repetition_separator", "char", "^", "ISA11 repetition separator (005010)"},
    {"segment_terminator", "char", "~", "segment terminator"},
    {"newline", "bool", "true", "a line break after each segment terminator"},
    {"n1_loops", "list", "[ST]", "name loops sent: ST ship-to, BT bill-to"},
    {"item_qualifier", "string", "VP",
     "PO1 product id qualifier for the SKU: VP vendor part, BP buyer part, SK SKU, UP UPC, IN "
     "buyer item"},
    {"order_ref", "string", "CO", "REF qualifier carrying the channel's order id (\"\" for none)"},
    {"pid", "bool", "true", "a PID*F description segment per line"},
    {"ctt", "bool", "true", "a CTT line count"},
    {"td5", "map", "{}",
     "older form of suppliers.<id>.shipping.map: shipping.method -> carrier SCAC for TD5 (e.g. "
     "{Standard: UPSN}); folded into that map"},
};
constexpr KeySpec kColumn[] = {
    {"header", "string", "required", "column header (CSV) or element name (XML)"},
    {"field", "field", "required", "a field from the Fields table"},
};
constexpr KeySpec kTracking[] = {
    {"format", "string", "csv", "csv, or x12 (856 ship notices)"},
    {"delimiter", "char", ",", "csv: field separator"},
    {"columns", "map", "see below", "which header holds each tracking value"},
    {"item_qualifiers", "list", "[SK, VP, BP, IN, UP]",
     "x12: 856 LIN qualifiers tried in order for the id matched with the PO line's SKU; an item "
     "with none of them uses its first id"},
    {"pull", "map", "none",
     "a transport block to pull tracking files from (dir, sftp, ftp, ftps, email); local drops "
     "go to inbound/tracking/<id>/ either way"},
};
constexpr KeySpec kTrackingColumns[] = {
    {"po_number", "string", "PO Number", "header of the PO number the supplier echoes"},
    {"sku", "string", "SKU", "header of the SKU"},
    {"quantity", "string", "Quantity",
     "header of the shipped quantity (absent column: the whole line)"},
    {"carrier", "string", "Carrier", "header of the carrier"},
    {"tracking_number", "string", "Tracking Number", "header of the tracking number"},
    {"ship_date", "string", "Ship Date", "header of the ship date (optional column)"},
};

constexpr Section kSections[] = {
    {"", kTop},
    {"schedule", kSchedule},
    {"channels.<id>", kChannel},
    {"channels.<id>.tracking_push", kTrackingPush},
    {"suppliers.<id>", kSupplier},
    {"suppliers.<id>.po", kPo},
    {"suppliers.<id>.po.columns[]", kColumn},
    {"suppliers.<id>.po.x12", kX12},
    {"suppliers.<id>.shipping", kShipping},
    {"suppliers.<id>.shipping.map.<method>", kShipMethod},
    {"suppliers.<id>.tracking", kTracking},
    {"suppliers.<id>.tracking.columns", kTrackingColumns},
    {"deadlines", kDeadlines},
    {"suppliers.<id>.deadlines", kDeadlines},
    {"alerts", kAlerts},
    {"alerts.sinks.<name>", kAlertSink},
    {"console", kConsole},
    {"console.tls", kConsoleTls},
};

}  // namespace

std::span<const Section> config_sections() {
  return kSections;
}

std::span<const KeySpec> section_keys(std::string_view path) {
  for (const auto& s : kSections)
    if (s.path == path) return s.keys;
  return {};
}

std::string config_reference_markdown() {
  std::string out;
  for (const auto& s : config_sections()) {
    out += fmt::format("### {}\n\n| key | type | default | meaning |\n|---|---|---|---|\n",
                       s.path.empty() ? "Top level" : fmt::format("`{}`", s.path));
    for (const auto& k : s.keys)
      out += fmt::format("| `{}` | {} | {} | {} |\n", k.key, k.type, k.def, k.doc);
    out += "\n";
  }
  // Transport blocks: what each transport declares in its own file.
  constexpr std::string_view kTypes[] = {"text", "path",   "file", "int", "duration",
                                         "bool", "${VAR}", "list", "map"};
  auto table = [&](std::string_view title, std::span<const OptionSpec> keys) {
    out += fmt::format("### {}\n\n| key | type | default | meaning |\n|---|---|---|---|\n", title);
    for (const auto& k : keys)
      out += fmt::format("| `{}` | {} | {} | {} |\n", k.key,
                         kTypes[static_cast<std::size_t>(k.type)], k.def, k.doc);
    out += "\n";
  };
  table("`<transport>`: every type", common_transport_keys());
  std::vector<std::string_view> pullable;
  for (const auto* kind : transport_kinds())
    if (kind->can_pull) pullable.push_back(kind->name);
  table(fmt::format("`<transport>`: every type that can be pulled from ({})",
                    fmt::join(pullable, ", ")),
        pull_transport_keys());
  for (const auto* kind : transport_kinds())
    table(fmt::format("`<transport>` `type: {}`: {}", kind->name, kind->doc), kind->keys);
  out += "### Fields\n\n| field | resolvable | meaning |\n|---|---|---|\n";
  for (const auto& f : all_fields())
    out += fmt::format("| `{}` | {} | {} |\n", f.name, f.resolvable ? "yes" : "no", f.doc);
  return out;
}

}  // namespace orderd
