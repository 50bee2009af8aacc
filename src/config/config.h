// The configuration, parsed once from YAML into immutable values. A new
// configuration is loaded whole and swapped in; a load that fails leaves the
// caller's current one untouched. Every place keeps where it came from
// ("file:line:col: key.path") so later checks can name it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/deadlines.h"
#include "core/fields.h"
#include "core/shipping.h"
#include "transport/options.h"
#include "util/error.h"

namespace orderd {

struct ColumnConfig {
  std::string header;  // CSV header, or XML element name
  FieldId field;
};

enum class Batch { kRun, kOrder };

// A trading partner's X12 choices (suppliers.<id>.po.x12).
struct X12Config {
  bool enabled = false;
  std::string sender_qualifier = "ZZ", sender_id;
  std::string receiver_qualifier = "ZZ", receiver_id;
  std::string version = "004010";  // or 005010
  std::string usage = "P";         // P production, T test
  std::string send_ack = "none";   // 997, 999 or none: acknowledge the supplier's groups
  char element = '*', component = '>', repetition = '^', segment = '~';
  bool newline = true;                         // a line break after each terminator
  std::vector<std::string> n1_loops = {"ST"};  // ST ship-to, BT bill-to
  std::string item_qualifier = "VP";           // PO1 product id qualifier for the SKU
  std::string order_ref = "CO";  // REF qualifier carrying the channel's order id ("" for none)
  bool pid = true;               // PID*F description per line
  bool ctt = true;               // CTT line count
  std::vector<std::pair<std::string, std::string>> td5;  // shipping.method -> carrier SCAC
};

struct PoConfig {
  Where where;
  std::string format = "csv";
  Batch batch = Batch::kRun;
  std::vector<ColumnConfig> columns;  // empty: the format's default layout
  char delimiter = ',';
  std::string xml_root = "PurchaseOrders";
  std::string xml_po = "PurchaseOrder";
  std::string xml_line = "Line";
  X12Config x12;
};

struct TrackingColumns {
  std::string po_number = "PO Number";
  std::string sku = "SKU";
  std::string quantity = "Quantity";  // optional column: missing means the whole line
  std::string carrier = "Carrier";
  std::string tracking_number = "Tracking Number";
  std::string ship_date = "Ship Date";  // optional
};

struct TrackingConfig {
  Where where;
  std::string format = "csv";
  char delimiter = ',';
  TrackingColumns columns;
  // x12: LIN qualifiers tried in order for the item id matched with the SKU.
  std::vector<std::string> item_qualifiers = {"SK", "VP", "BP", "IN", "UP"};
  std::optional<TransportConfig> pull;  // where to fetch tracking files from
  std::int64_t every = 0;               // tracking sync interval, seconds; 0: schedule's
};

struct SupplierConfig {
  Where where;
  std::string id;
  std::string name;
  std::vector<std::string> skus;
  std::vector<FieldId> require;
  bool auto_process = false;
  ShippingRules shipping;  // suppliers.<id>.shipping (po.x12.td5 folded in)
  Deadlines deadlines;     // suppliers.<id>.deadlines over the top-level deadlines
  PoConfig po;
  TransportConfig transport;
  TrackingConfig tracking;
};

struct TrackingPushConfig {
  Where where;
  bool enabled = false;
  std::string format;  // empty: the channel format's default
  TransportConfig transport;
};

struct ChannelConfig {
  Where where;
  std::string id;
  std::string format;
  bool auto_process = false;
  TrackingPushConfig tracking_push;
  std::optional<TransportConfig> source;  // where to fetch order exports from
  std::int64_t every = 0;                 // order sync interval, seconds; 0: schedule's
};

// A place alerts go (alerts.sinks.<name>): an email, webhook (http) or
// dir transport, and the alert kinds it takes (core/alerts.h).
struct AlertSinkConfig {
  Where where;
  std::string name;
  std::vector<std::string> events;  // empty: every kind
  int digest = -1;                  // the daily digest's minute of the local day; -1: none
  TransportConfig transport;
  // Whether this sink takes alerts of `kind` (test messages always).
  bool wants(std::string_view kind) const;
};

struct AlertsConfig {
  std::int64_t window = 300;           // seconds a kind's alerts gather before one message
  int outage_after = 3;                // failures in a row that make an outage
  std::int64_t resolve_after = 86400;  // seconds in needs_resolve before it alerts
  std::vector<AlertSinkConfig> sinks;
  const AlertSinkConfig* sink(std::string_view name) const;
};

// The console (README, "Console"): where it listens, who may log in.
struct ConsoleConfig {
  bool enabled = false;
  std::string listen;  // "host:port", or a Unix socket's path (starts with '/')
  std::filesystem::path users_file;
  std::int64_t session_idle = 8 * 3600;       // seconds
  std::filesystem::path cert_file, key_file;  // both or neither
  bool tls() const { return !cert_file.empty(); }
  bool unix_socket() const { return listen.starts_with('/'); }
};

// "127.0.0.1:8080", "localhost:8080", "[::1]:8080", "0.0.0.0:443": the host
// (without brackets), the port, and whether only this machine can reach it.
struct ListenAddress {
  std::string host;
  int port = 0;
  bool loopback = false;
};
std::optional<ListenAddress> parse_listen(std::string_view text);

struct ScheduleConfig {
  std::int64_t order_sync = 3600;     // seconds
  std::int64_t tracking_sync = 7200;  // seconds
};

struct Config {
  std::filesystem::path file;
  std::filesystem::path state_dir;
  std::filesystem::path spool_dir;
  std::string po_prefix = "PO";
  ScheduleConfig schedule;
  std::vector<FieldId> require;
  std::vector<ChannelConfig> channels;
  std::vector<SupplierConfig> suppliers;
  AlertsConfig alerts;
  Deadlines deadlines;  // the default of every supplier's
  ConsoleConfig console;
  // What is valid but unwise (a schedule below a minute), each naming its
  // place; `--check-config` prints them and the service logs them.
  std::vector<std::string> warnings;

  const ChannelConfig* channel(std::string_view id) const;
  const SupplierConfig* supplier(std::string_view id) const;
};

// Parses and checks `file` in one pass: every key, every format and
// transport name against its table, every file the configuration names
// that orderd reads. On failure the error lists every problem found, one
// per line, each naming file, line, column and key.
Result<std::shared_ptr<const Config>> load_config(const std::filesystem::path& file);

// The same from text (tests); `file` names it in messages and anchors paths.
Result<std::shared_ptr<const Config>> parse_config(std::string_view yaml,
                                                   const std::filesystem::path& file);

}  // namespace orderd
