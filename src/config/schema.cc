#include "config/schema.h"

namespace orderd {
namespace {

constexpr KeySpec kTop[] = {
    {"state_dir", "path", "./state", "folder of the SQLite database (orderd.db)"},
    {"spool_dir", "path", "./spool",
     "folder of inbound/, claimed/, archive/ and quarantine/ (docs/spool.md)"},
    {"po_prefix", "string", "PO", "prefix of PO numbers (PO000123)"},
    {"require", "list of fields",
     "[ship_to.name, ship_to.address1, ship_to.city, ship_to.zip, ship_to.country]",
     "fields every order needs before it can be processed"},
    {"channels", "map", "required", "sales channels by id"},
    {"suppliers", "map", "required", "suppliers by id"},
};
constexpr KeySpec kChannel[] = {
    {"format", "string", "required", "order export format: shopify-csv, amazon-tsv, orders-json"},
    {"auto_process", "bool", "false", "process this channel's orders as soon as they are ready"},
    {"tracking_push", "map", "none", "where and how tracking goes back to the channel"},
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
};
constexpr KeySpec kPo[] = {
    {"format", "string", "csv", "csv or xml"},
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
    {"td5", "map", "{}", "shipping.method -> carrier SCAC sent in TD5 (e.g. {Standard: UPSN})"},
};
constexpr KeySpec kColumn[] = {
    {"header", "string", "required", "column header (CSV) or element name (XML)"},
    {"field", "field", "required", "a field from the Fields table"},
};
constexpr KeySpec kTransport[] = {
    {"type", "string", "dir", "dir: a local folder"},
    {"path", "path", "required for dir", "destination folder"},
    {"attempts", "int", "5", "delivery attempts before the document is failed (1-100)"},
    {"backoff", "seconds", "60",
     "wait before the second attempt; doubles each attempt, with jitter"},
};
constexpr KeySpec kTracking[] = {
    {"format", "string", "csv", "csv, or x12 (856 ship notices)"},
    {"delimiter", "char", ",", "csv: field separator"},
    {"columns", "map", "see below", "which header holds each tracking value"},
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
    {"channels.<id>", kChannel},
    {"channels.<id>.tracking_push", kTrackingPush},
    {"suppliers.<id>", kSupplier},
    {"suppliers.<id>.po", kPo},
    {"suppliers.<id>.po.columns[]", kColumn},
    {"suppliers.<id>.po.x12", kX12},
    {"<transport>", kTransport},
    {"suppliers.<id>.tracking", kTracking},
    {"suppliers.<id>.tracking.columns", kTrackingColumns},
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

}  // namespace orderd
