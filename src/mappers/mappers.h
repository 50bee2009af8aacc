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
#include "core/shipping.h"
#include "util/error.h"

namespace orderd {

namespace x12 {
struct FileReport;
}

// One PO to render: views into data the caller owns for the call.
struct PoView {
  const Order* order = nullptr;
  const Po* po = nullptr;
  std::vector<const Line*> lines;
  std::string_view supplier_name;
  std::string date;  // YYYY-MM-DD
  // The supplier's counterpart of the order's shipping method, if it maps
  // one (suppliers.<id>.shipping; must outlive the view).
  const ShipMethod* shipping = nullptr;
};

// The value of `field` for `view` (and `line`, 1-based `line_number`, for
// line fields; empty for PO-level rendering).
std::string field_value(FieldId field, const PoView& view, const Line* line, int line_number);

enum class PoDocKind { kOrder, kCancel };

// Interchange and group control numbers for X12 documents, kept by the
// caller (the state database) so they are never reused.
class ControlNumbers {
 public:
  virtual ~ControlNumbers() = default;
  // The next ISA13 and GS06 for documents from `sender` to `receiver`.
  virtual std::pair<std::uint64_t, std::uint64_t> next(std::string_view sender,
                                                       std::string_view receiver) = 0;
  // `po_id` travels as set `st02` of group `gs06` in interchange `isa13`:
  // kept so a 997 or 855 can be matched to it.
  virtual void sent_as(std::int64_t po_id, std::string_view kind, std::string_view isa13,
                       std::string_view gs06, std::string_view st02) = 0;
};

// Renders POs (or their cancellation) into one document, one PO at a time,
// so a run of any size needs memory for the output only. The views passed to
// add() need not outlive the call.
class PoWriter {
 public:
  virtual ~PoWriter() = default;
  virtual void add(const PoView& po) = 0;
  // The document; the writer is spent afterwards. X12 writers take their
  // control numbers from `numbers` (the others ignore it).
  virtual std::string finish(ControlNumbers& numbers) = 0;
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
  int interchange = -1;  // X12: index into TrackingBatch::interchanges
  std::string po_number;
  std::string sku;
  std::int64_t quantity = -1;  // -1: the whole remaining quantity
  std::string carrier;
  std::string tracking_number;
  std::string ship_date;
};

// What a supplier said about a PO without shipping it: an 855 PO
// acknowledgment or a 997/999 functional acknowledgment.
struct PoNotice {
  enum class Kind { kAccepted, kRejected, kNote };
  Kind kind = Kind::kNote;
  std::size_t line = 0;
  std::string po_number;  // 855: BAK03
  std::string group,
      set;  // 997/999: the GS06 and ST02 it acknowledges (set empty: the whole group)
  std::string interchange_control;  // TA1: the ISA13 of ours it answers
  std::string message;              // in words, for the history and the failure reason
  int interchange = -1;             // X12: index into TrackingBatch::interchanges
};

// An X12 interchange's identity: applied once, whatever file carries it.
struct InterchangeKey {
  std::string sender, receiver, control;  // ISA06, ISA08, ISA13
};

// A functional group received from a supplier, to acknowledge with a 997/999.
struct AckGroup {
  std::string functional_id, control, version;            // GS01, GS06, GS08
  std::vector<std::pair<std::string, std::string>> sets;  // ST01, ST02
};

// A row a tracking reader could not take, and why; kept as unmatched
// tracking so the rest of the file still applies.
struct RefusedRow {
  std::size_t line = 0;
  std::string reason;
};

struct TrackingBatch {
  std::vector<TrackingRow> rows;
  std::vector<RefusedRow> refused;
  std::vector<PoNotice> notices;
  std::vector<InterchangeKey> interchanges;
  std::vector<AckGroup> groups;  // X12: every group in the file
};

// A 997 (or 999 when cfg.send_ack is "999") accepting every group and set in
// `groups`: one ST per group, in one interchange from us to the partner.
std::string write_x12_ack(const X12Config& cfg, std::span<const AckGroup> groups,
                          ControlNumbers& numbers);

// A 997/999 (and TA1s) rejecting a file that failed validation (see
// x12_ack.cc); "" when no acknowledgment can say what is wrong.
std::string write_x12_rejection(const X12Config& cfg, const x12::FileReport& report,
                                ControlNumbers& numbers);

using ReadTracking = Result<TrackingBatch> (*)(const TrackingConfig& cfg, std::string_view data);

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
std::unique_ptr<PoWriter> make_x12_850_writer(const PoConfig& cfg, PoDocKind kind);
Result<TrackingBatch> read_csv_tracking(const TrackingConfig& cfg, std::string_view data);
Result<TrackingBatch> read_x12_tracking(const TrackingConfig& cfg, std::string_view data);

// The layout used when a supplier's po.columns is empty.
std::span<const ColumnConfig> default_po_columns();

}  // namespace orderd
