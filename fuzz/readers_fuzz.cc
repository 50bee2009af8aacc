// Fuzz targets for every reader of outside bytes but X12 (x12_fuzz.cc):
// the Shopify, Amazon and JSON order readers, the CSV tracking reader and the
// YAML configuration loader (`make fuzz`). One source, one binary per reader
// (ORDERD_FUZZ_READER picks it). Orders that a reader takes go on the way
// they would in orderd: repaired to UTF-8 first, checked against the limits,
// verified, and rendered by every PO writer and channel tracking writer, so
// nothing a reader lets in can crash an output.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "channels/formats.h"
#include "config/config.h"
#include "core/verify.h"
#include "mappers/mappers.h"
#include "util/json_out.h"
#include "util/text.h"

using namespace orderd;

namespace {

struct Numbers final : ControlNumbers {
  std::uint64_t n = 0;
  std::pair<std::uint64_t, std::uint64_t> next(std::string_view, std::string_view) override {
    ++n;
    return {n, n};
  }
  void sent_as(std::int64_t, std::string_view, std::string_view, std::string_view,
               std::string_view) override {}
};

[[maybe_unused]] std::size_t render(OrderBatch& batch) {
  RoutingRules rules;
  rules.suppliers.push_back({"any", {"*"}, {}, {}});
  PoConfig csv, xml, x12;
  xml.format = "xml";
  x12.format = "x12-850";
  x12.x12.enabled = true;
  x12.x12.sender_id = "ME";
  x12.x12.receiver_id = "THEM";
  std::vector<std::unique_ptr<PoWriter>> ws;
  ws.push_back(make_csv_po_writer(csv, PoDocKind::kOrder));
  ws.push_back(make_xml_po_writer(xml, PoDocKind::kOrder));
  ws.push_back(make_x12_850_writer(x12, PoDocKind::kOrder));
  std::vector<PushLine> pushed;
  std::size_t n = 0;
  Po po;
  po.id = 1;
  po.number = "PO000001";
  po.supplier = "any";
  for (auto& o : batch.orders) {
    n += order_limits(o).size();
    if (!order_limits(o).empty()) continue;
    n += verify_order(o, rules).size();
    PoView v;
    v.order = &o;
    v.po = &po;
    v.supplier_name = "Any";
    v.date = "2026-12-01";
    for (auto& l : o.lines) {
      l.po_id = po.id;
      v.lines.push_back(&l);
      pushed.push_back({o.ext_id, l.channel_line_id, l.sku, l.quantity, "UPS", "1Z", "2026-12-01"});
    }
    for (auto& w : ws) w->add(v);
    n += json_text(nlohmann::json{{"id", o.ext_id}, {"name", o.at(OrderField::kShipName)}}).size();
  }
  Numbers numbers;
  for (auto& w : ws) n += w->finish(numbers).size();
  n += write_shopify_fulfillment_csv(pushed).size() + write_amazon_ship_confirm(pushed).size() +
       write_tracking_json(pushed).size();
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string raw(reinterpret_cast<const char*>(data), size);
  std::size_t n = 0;
#if ORDERD_FUZZ_READER == 4
  auto cfg = parse_config(raw, "/etc/orderd/fuzz.yaml");
  n = cfg ? (*cfg)->suppliers.size() : cfg.error().message().size();
#elif ORDERD_FUZZ_READER == 3
  TrackingConfig cfg;
  auto batch = read_csv_tracking(cfg, raw);
  if (batch)
    for (const auto& r : batch->rows)
      n += r.po_number.size() + r.sku.size() + r.tracking_number.size() +
           static_cast<std::size_t>(r.quantity > 0 ? 1 : 0);
#else
  const std::string text = to_valid_utf8(raw);  // as intake does
#if ORDERD_FUZZ_READER == 0
  auto batch = read_shopify_csv(text);
#elif ORDERD_FUZZ_READER == 1
  auto batch = read_amazon_tsv(text);
#else
  auto batch = read_orders_json(text);
#endif
  if (batch) n = render(*batch);
#endif
  return n == static_cast<std::size_t>(-1) ? 1 : 0;
}
