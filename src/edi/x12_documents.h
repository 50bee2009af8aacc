// What orderd understands of the transaction sets suppliers send: 856 ship
// notices, 855 PO acknowledgments, 997/999 functional acknowledgments. The
// collector is a SetVisitor: the Validator feeds it while it checks the
// envelope, so a file is read once.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "edi/x12_validate.h"

namespace orderd::x12 {

// One shipped item of an 856, with the PO and tracking it inherits from the
// HL levels around it.
struct ShippedItem {
  std::string po_number;                                 // PRF01 of its order level
  std::vector<std::pair<std::string, std::string>> ids;  // LIN qualifier/id pairs, in order
  std::int64_t quantity = 0;                             // SN102
  std::string unit;                                      // SN103
  std::string tracking;                                  // see tracking_source
  std::string tracking_source;                           // MAN*CP, REF*CN, MAN*GM, ...
  std::string carrier;                                   // TD503 SCAC, else TD505 routing
  std::string ship_date;                                 // DTM*011 (CCYYMMDD)
  std::string hl_path;                                   // e.g. S-O-P-I
  std::uint64_t segment = 0;                             // the LIN's line in the file

  // The item id to match with, by qualifier preference (SK, VP, BP, IN, UP, ...).
  std::string id(std::initializer_list<std::string_view> preference = {"SK", "VP", "BP", "IN", "UP",
                                                                       "VN", "VC"}) const;
  std::string id(std::span<const std::string> preference) const;
};

// The same item as views into the collector's storage for the set being
// read: valid only during the DocumentCollector::on_set call that sees it.
struct ShippedItemView {
  std::string_view po_number;
  std::span<const std::pair<std::string_view, std::string_view>> ids;
  std::int64_t quantity = 0;
  std::string_view unit, tracking, tracking_source, carrier, ship_date, hl_path;
  std::uint64_t segment = 0;

  ShippedItem to_item() const;  // an owning copy
};

struct ShipNotice {
  std::string shipment_id;  // BSN02
  std::string date;         // BSN03
  std::vector<ShippedItem> items;
};

struct LineAck {
  std::string line;           // PO101
  std::string status;         // ACK01 code
  std::string meaning;        // in words
  std::int64_t quantity = 0;  // ACK02
  std::vector<std::pair<std::string, std::string>> ids;
};

struct PoAck {
  std::string po_number;  // BAK03
  std::string code;       // BAK02
  std::string meaning;    // in words
  bool rejected = false;
  std::vector<LineAck> lines;
};

struct SetAck {
  std::string set_id, control;  // AK201/AK202 (IK2 in 999 is AK2 too)
  std::string code;             // AK501/IK501
  bool accepted = false;
  std::vector<std::string> errors;  // AK3/AK4/IK3/IK4 and AK502.. in words
};

struct FunctionalAck {
  std::string group_id, group_control;  // AK101, AK102
  std::string code;                     // AK901
  bool accepted = false;                // A or E (accepted with errors)
  std::string meaning;
  std::vector<SetAck> sets;
  std::vector<std::string> errors;  // AK905.. in words
};

struct TransactionSet {
  Envelope env;
  bool envelope_ok = true;
  std::vector<std::string> problems;  // content problems (missing AK1, bad values)
  ShipNotice ship_notice;             // ST01 856
  PoAck po_ack;                       // 855
  FunctionalAck functional_ack;       // 997, 999
};

// A vector whose elements are reused rather than destroyed: clear() keeps
// them, next() hands back the next one as it was left (the caller sets every
// field). For the collector's per-set tables, so a set costs no
// construction, let alone allocation, once the tables have grown.
template <class T>
class ReusedVector {
 public:
  T& next() {
    if (used_ == built_) [[unlikely]] {
      items_.emplace_back();
      built_ = items_.size();
    }
    return items_[used_++];
  }
  void clear() { used_ = 0; }
  std::size_t size() const { return used_; }
  bool empty() const { return used_ == 0; }
  T& back() { return items_[used_ - 1]; }
  T& operator[](std::size_t i) { return items_[i]; }
  const T& operator[](std::size_t i) const { return items_[i]; }
  T* begin() { return items_.data(); }
  T* end() { return items_.data() + used_; }
  std::span<const T> span() const { return {items_.data(), used_}; }

 private:
  std::vector<T> items_;
  std::size_t used_ = 0, built_ = 0;  // built_: items_.size()
};

class DocumentCollector final : public SetVisitor {
 public:
  void begin(const Envelope& env) override;
  void segment(const Segment& seg, const Delimiters& delim) override;
  void end(bool envelope_ok) override;

  // Each completed set goes to `on_set` if set, else into `sets`. The set
  // passed to on_set is reused afterwards: copy what must be kept.
  std::function<void(const TransactionSet&)> on_set;
  std::vector<TransactionSet> sets;
  // Off: an 856's items are not copied into ship_notice.items; they are
  // only in item_views() during on_set (a check of a huge file needs no
  // copies). On by default.
  bool keep_items = true;
  // The items of the 856 being passed to on_set, valid during that call.
  std::span<const ShippedItemView> item_views() const { return views_.span(); }

 private:
  enum class Kind { kOther, k856, k855, kAck };
  // The 856 values a set keeps live in arena_, cleared per set and never
  // shrunk, so reading a set allocates nothing once the buffers have grown.
  struct Span {
    std::size_t off = 0, len = 0;
  };
  struct Level {
    std::uint64_t num = 0;   // HL01 as a number, 0 when it is not written as one
    Span id;                 // HL01 as written, kept only when num is 0
    std::uint32_t code = 0;  // tag_code(HL03): codes of one to three characters
    std::size_t parent = SIZE_MAX;
    // The level's own values; finish_856() turns them into the values its
    // items get (its own, else the nearest level up the HL02 chain's).
    Span po_number, tracking, carrier;
    std::string_view tracking_source;  // a literal: "MAN*CP", "REF*CN", ...
    Span path;                         // "S-O-P-I": HL03 codes from the top, set by finish_856()
    std::size_t tracked_child = SIZE_MAX;  // the first level below with its own tracking
  };
  struct Item {
    std::size_t level = 0;
    std::size_t ids = 0, id_count = 0;  // into id_spans_
    std::int64_t quantity = 0;
    Span unit;
    std::uint64_t line = 0;
  };
  static constexpr std::size_t kMaxHlPath = 255;  // see finish_856()
  Span keep(std::string_view v);                  // a copy in the arena
  Span reserve(std::size_t n);                    // n bytes of the arena, to be written
  void grow_arena(std::size_t n);
  std::string_view text(Span s) const { return {arena_.get() + s.off, s.len}; }
  [[gnu::noinline]] std::size_t find_level(std::string_view id) const;  // by search
  // 856 segments, one function each (kept out of line).
  [[gnu::noinline]] void bsn_856(const Segment& s);
  [[gnu::noinline]] void hl_856(const Segment& s);
  [[gnu::noinline]] void prf_856(const Segment& s);
  [[gnu::noinline]] void td5_856(const Segment& s);
  [[gnu::noinline]] void ref_856(const Segment& s);
  [[gnu::noinline]] void man_856(const Segment& s);
  [[gnu::noinline]] void dtm_856(const Segment& s);
  [[gnu::noinline]] void lin_856(const Segment& s);
  [[gnu::noinline]] void sn1_856(const Segment& s);
  void finish_856();
  void segment_855(const Segment& s);                       // x12_855.cc
  void segment_ack(const Segment& s, const Delimiters& d);  // 997, 999: x12_997.cc

  Kind kind_ = Kind::kOther;
  TransactionSet cur_;
  // arena_cap_ bytes and kViewPadding more; never null, since keep() writes
  // kViewPadding bytes even for an empty value.
  std::size_t arena_size_ = 0, arena_cap_ = 4096;
  std::unique_ptr<char[]> arena_ =
      std::make_unique_for_overwrite<char[]>(arena_cap_ + kViewPadding);
  ReusedVector<Level> levels_;
  ReusedVector<Item> items_;
  ReusedVector<std::pair<Span, Span>> id_spans_;
  ReusedVector<std::pair<std::string_view, std::string_view>> id_views_;
  ReusedVector<ShippedItemView> views_;
  std::size_t last_order_ = SIZE_MAX;
  Span shipment_carrier_, shipment_ref_, ship_date_;
  bool finished_ = false;  // finish_856() ran for this set
  SetAck* set_ack_ = nullptr;
};

// Words for the codes acknowledgments carry.
std::string ack_set_code(std::string_view code);    // AK501 / IK501
std::string ack_group_code(std::string_view code);  // AK901
std::string ack_note_code(std::string_view code);   // AK502-AK506 / IK502
std::string segment_error(std::string_view code);   // AK304 / IK304
std::string element_error(std::string_view code);   // AK403 / IK403
std::string po_ack_code(std::string_view code);     // BAK02
std::string line_ack_code(std::string_view code);   // ACK01

// Reads and checks a whole file (streaming): the validator's problems, the
// content problems of every set, and if `collect` the sets understood (for a
// huge file, collect=false keeps memory bounded).
// A TA1 received: the partner's verdict on one of our interchanges.
struct InterchangeAck {
  Envelope env;         // the interchange the TA1 came in
  std::string control;  // TA101: the ISA13 it answers
  std::string code;     // TA104: A accepted, E accepted with errors, R rejected
  std::string note;     // TA105: the note code (000 no error)
  std::uint64_t line = 0;
};
std::string ta1_note_code(std::string_view code);  // TA105 in words

struct FileReport {
  std::vector<Problem> problems;
  std::vector<InterchangeAck> interchange_acks;  // if `collect`
  std::vector<TransactionSet> sets;
  std::uint64_t interchanges = 0, groups = 0, set_count = 0, segments = 0, bytes = 0;
  std::vector<GroupSummary> groups_seen;
  std::vector<Envelope> headers;
  std::vector<std::string> content_problems;  // "set 997 (ST02 0001): ..."
  std::uint64_t items = 0;                    // 856 items, 855 lines, 997 set acks seen
  bool ok() const;
};
FileReport check_stream(std::unique_ptr<Source> source, bool collect, std::size_t chunk = 1 << 20);

}  // namespace orderd::x12
