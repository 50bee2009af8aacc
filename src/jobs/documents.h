// Rendering POs into documents, shared by processing and cancellation.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "jobs/jobs.h"
#include "mappers/mappers.h"

namespace orderd {

// X12 control numbers kept in the state database (same transaction as the
// document that uses them).
class StoreControlNumbers final : public ControlNumbers {
 public:
  explicit StoreControlNumbers(Store& store) : store_(store) {}
  std::pair<std::uint64_t, std::uint64_t> next(std::string_view sender,
                                               std::string_view receiver) override {
    return store_.next_x12_control(sender, receiver);
  }
  void sent_as(std::int64_t po_id, std::string_view kind, std::string_view isa13,
               std::string_view gs06, std::string_view st02) override {
    store_.add_x12_sent(po_id, kind, isa13, gs06, st02);
  }

 private:
  Store& store_;
};

// Collects the POs of one run per supplier and turns them into documents
// according to each supplier's po.batch. Use inside a transaction.
class DocumentBuilder {
 public:
  DocumentBuilder(Runtime& rt, PoDocKind kind) : rt_(rt), kind_(kind) {}

  // The document the next PO of `s` goes into: the supplier's open one
  // (batch: run) or a new one (batch: order).
  std::int64_t open(const SupplierConfig& s);
  // Renders `po` of `order` (lines with po_id == po.id) into the document
  // open() returned for its supplier.
  void add(const Order& order, const Po& po);
  // Writes the documents and links their POs; returns how many were written.
  int finish();
  // The documents written so far, in order.
  const std::vector<std::int64_t>& documents() const { return written_ids_; }

 private:
  struct Open {
    std::int64_t doc_id = 0;
    std::unique_ptr<PoWriter> writer;
    std::vector<std::int64_t> po_ids;
    std::string first_number;
  };
  void store(const SupplierConfig& s, Open& b);

  Runtime& rt_;
  PoDocKind kind_;
  std::map<std::string, Open> open_;  // supplier id -> batch (batch: run)
  int written_ = 0;
  std::vector<std::int64_t> written_ids_;
};

}  // namespace orderd
