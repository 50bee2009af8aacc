// CSV purchase orders: one row per PO line, columns as the supplier's
// po.columns list says. A cancellation has the same columns after a leading
// "Action" column holding CANCEL.
#include "mappers/mappers.h"
#include "util/csv.h"

namespace orderd {
namespace {

class CsvPoWriter final : public PoWriter {
 public:
  CsvPoWriter(const PoConfig& cfg, PoDocKind kind)
      : cols_(cfg.columns.empty() ? default_po_columns()
                                  : std::span<const ColumnConfig>(cfg.columns)),
        delim_(cfg.delimiter),
        cancel_(kind == PoDocKind::kCancel) {
    if (cancel_) row_.push_back("Action");
    for (const auto& c : cols_) row_.push_back(c.header);
    csv_append_record(out_, row_, delim_);
  }

  void add(const PoView& v) override {
    int n = 0;
    for (const Line* l : v.lines) {
      ++n;
      values_.clear();
      for (const auto& c : cols_) values_.push_back(field_value(c.field, v, l, n));
      row_.clear();
      if (cancel_) row_.push_back("CANCEL");
      for (const auto& s : values_) row_.push_back(s);
      csv_append_record(out_, row_, delim_);
    }
  }

  std::string finish(ControlNumbers&) override { return std::move(out_); }

 private:
  std::span<const ColumnConfig> cols_;
  char delim_;
  bool cancel_;
  std::string out_;
  std::vector<std::string> values_;
  std::vector<std::string_view> row_;
};

}  // namespace

std::unique_ptr<PoWriter> make_csv_po_writer(const PoConfig& cfg, PoDocKind kind) {
  return std::make_unique<CsvPoWriter>(cfg, kind);
}

}  // namespace orderd
