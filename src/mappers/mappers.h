// Supplier formats: PO writers (POs -> the file a supplier takes) and
// tracking readers (the supplier's file -> shipped lines). Each format is one
// file; registry.cc lists them in one table.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/order.h"
#include "util/error.h"

namespace orderd {

// One PO to render: views into data the caller owns for the call.
struct PoView {
  const Order* order = nullptr;
  const Po* po = nullptr;
  std::vector<const Line*> lines;
  std::string_view supplier_name;
  std::string date;  // YYYY-MM-DD
};

// The value of `field` for `view` (and `line`, 1-based `line_number`, for
// line fields; empty for PO-level rendering).
std::string field_value(FieldId field, const PoView& view, const Line* line, int line_number);

enum class PoDocKind { kOrder, kCancel };

// Renders POs (or their cancellation) into one document, one PO at a time,
// so a run of any size needs memory for the output only. The views passed to
// add() need not outlive the call.
class PoWriter {
 public:
  virtual ~PoWriter() = default;
  virtual void add(const PoView& po) = 0;
  // The document; the writer is spent afterwards.
  virtual std::string finish() = 0;
};

using MakePoWriter = std::unique_ptr<PoWriter> (*)(const PoConfig& cfg, PoDocKind kind);

struct PoFormat {
  std::string_view name;
  MakePoWriter make;
  std::string_view extension;
};

// A shipped line as the supplier reported it.
struct TrackingRow {
  std::size_t line = 0;  // where in the file, for messages
  std::string po_number;
  std::string sku;
  std::int64_t quantity = -1;  // -1: the whole remaining quantity
  std::string carrier;
  std::string tracking_number;
  std::string ship_date;
};

using ReadTracking = Result<std::vector<TrackingRow>> (*)(const TrackingConfig& cfg,
                                                          std::string_view data);

struct TrackingFormat {
  std::string_view name;
  ReadTracking read;
};

const PoFormat* find_po_format(std::string_view name);
const TrackingFormat* find_tracking_format(std::string_view name);
std::string known_po_formats();
std::string known_tracking_formats();

// The formats.
std::unique_ptr<PoWriter> make_csv_po_writer(const PoConfig& cfg, PoDocKind kind);
std::unique_ptr<PoWriter> make_xml_po_writer(const PoConfig& cfg, PoDocKind kind);
Result<std::vector<TrackingRow>> read_csv_tracking(const TrackingConfig& cfg, std::string_view data);
Result<std::vector<TrackingRow>> read_x12_tracking(const TrackingConfig& cfg, std::string_view data);

// The layout used when a supplier's po.columns is empty.
std::span<const ColumnConfig> default_po_columns();

}  // namespace orderd
