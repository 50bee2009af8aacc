// The 856 ship notice: HL levels (S-O-P-I or S-O-I-P and the rest), each
// item taking PO, tracking and carrier from the nearest level up its chain.
// The hot path of tracking intake: values are kept in one arena, and each
// segment has a function of its own.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "edi/x12_documents.h"
#include "edi/x12_set_util.h"

using namespace std::literals;

namespace orderd::x12 {

using detail::lookup;
using detail::to_int;

namespace {

// A whole decimal number written without leading zeros, or 0 when `s` is
// not one (so equal numbers mean equal text).
[[gnu::always_inline]] inline std::uint64_t number(std::string_view s) {
  const std::uint64_t v = decimal_value(s);  // 0 for an empty one
  return v != 0 && s[0] != '0' ? v : 0;
}

}  // namespace

void DocumentCollector::grow_arena(std::size_t n) {
  const std::size_t cap = std::max<std::size_t>({arena_cap_ * 2, arena_size_ + n, 4096});
  auto bigger = std::make_unique_for_overwrite<char[]>(cap + kViewPadding);
  if (arena_size_) std::memcpy(bigger.get(), arena_.get(), arena_size_);
  arena_ = std::move(bigger);
  arena_cap_ = cap;
}

[[gnu::always_inline]] inline DocumentCollector::Span DocumentCollector::reserve(std::size_t n) {
  if (n > arena_cap_ - arena_size_) [[unlikely]]
    grow_arena(n);
  const Span s{arena_size_, n};
  arena_size_ += n;
  return s;
}

[[gnu::always_inline]] inline DocumentCollector::Span DocumentCollector::keep(std::string_view v) {
  const Span s = reserve(v.size());
  // Views have kViewPadding readable bytes after them and so has the arena:
  // a short value is one fixed-size copy.
  char* to = arena_.get() + s.off;
  if (v.size() <= kViewPadding) {
    std::memcpy(to, v.data(), kViewPadding);
  } else if (v.size() <= 2 * kViewPadding) {  // two copies that overlap
    std::memcpy(to, v.data(), kViewPadding);
    std::memcpy(to + v.size() - kViewPadding, v.data() + v.size() - kViewPadding, kViewPadding);
  } else {
    std::memcpy(to, v.data(), v.size());
  }
  return s;
}

std::size_t DocumentCollector::find_level(std::string_view id) const {
  if (const std::uint64_t n = number(id)) {
    for (std::size_t i = 0; i < levels_.size(); ++i)
      if (levels_[i].num == n) return i;
    return SIZE_MAX;
  }
  for (std::size_t i = 0; i < levels_.size(); ++i)
    if (levels_[i].num == 0 && text(levels_[i].id) == id) return i;
  return SIZE_MAX;
}

// One function per 856 segment, so the dispatch is a jump and each costs
// only what it does.
void DocumentCollector::bsn_856(const Segment& s) {
  cur_.ship_notice.shipment_id.assign(s.at(2));
  cur_.ship_notice.date.assign(s.at(3));
}

void DocumentCollector::hl_856(const Segment& s) {
  // The parent comes before its children (the validator checks it). HL02
  // may be empty: an item, pack or tare then belongs to the last order.
  const std::size_t index = levels_.size();
  const std::uint32_t code = padded_code(s.at(3));
  std::size_t parent = SIZE_MAX;
  if (const std::string_view up = s.at(2); !up.empty()) {
    // HL01 counts 1, 2, 3...: HL02 n is usually level n - 1.
    const std::uint64_t n = number(up);
    parent = n && n <= index && levels_[n - 1].num == n ? n - 1 : find_level(up);
  } else if (code == "I"_tag || code == "P"_tag || code == "T"_tag)
    parent = last_order_;
  if (code == "O"_tag) last_order_ = index;
  const std::uint64_t num = number(s.at(1));
  levels_.next() = Level{.num = num,
                         .id = num == 0 ? keep(s.at(1)) : Span{},
                         .code = code,
                         .parent = parent,
                         .po_number = {},
                         .tracking = {},
                         .carrier = {},
                         .tracking_source = {},
                         .path = {},
                         .tracked_child = SIZE_MAX};
}

void DocumentCollector::prf_856(const Segment& s) {
  if (!levels_.empty()) levels_.back().po_number = keep(s.at(1));
}

void DocumentCollector::td5_856(const Segment& s) {
  const std::string_view carrier = s.at(3).empty() ? s.at(5) : s.at(3);
  if (!levels_.empty() && levels_.back().code != "S"_tag)
    levels_.back().carrier = keep(carrier);
  else if (shipment_carrier_.len == 0)
    shipment_carrier_ = keep(carrier);
}

void DocumentCollector::ref_856(const Segment& s) {
  const std::uint32_t q = padded_code(s.at(1));
  const std::string_view source = q == "CN"_tag ? "REF*CN"sv : q == "2I"_tag ? "REF*2I"sv : ""sv;
  if (source.empty()) return;
  if (!levels_.empty() && levels_.back().code != "S"_tag) {
    Level& cur = levels_.back();
    if (cur.tracking.len == 0) {
      cur.tracking = keep(s.at(2));
      cur.tracking_source = source;
    }
  } else if (shipment_ref_.len == 0) {
    shipment_ref_ = keep(s.at(2));
  }
}

void DocumentCollector::man_856(const Segment& s) {
  if (levels_.empty()) return;
  Level& cur = levels_.back();
  const std::uint32_t q = padded_code(s.at(1));
  const std::string_view source = q == "CP"_tag   ? "MAN*CP"sv
                                  : q == "GM"_tag ? "MAN*GM"sv
                                  : q == "UC"_tag ? "MAN*UC"sv
                                                  : ""sv;
  // A carrier package id beats an SSCC carton label or a case code.
  const bool better = cur.tracking.len == 0 || (q == "CP"_tag && cur.tracking_source != "MAN*CP"sv);
  if (!source.empty() && better) {
    cur.tracking = keep(s.at(2));
    cur.tracking_source = source;
  }
}

void DocumentCollector::dtm_856(const Segment& s) {
  if (padded_code(s.at(1)) == "011"_tag) ship_date_ = keep(s.at(2));
}

void DocumentCollector::lin_856(const Segment& s) {
  if (levels_.empty()) return;
  const std::size_t first = id_spans_.size();
  for (std::size_t i = 2; i + 1 < s.size; i += 2) {  // LIN, LIN01, then pairs
    const std::string_view q = s.at(i), id = s.at(i + 1);
    if (!q.empty() && !id.empty()) id_spans_.next() = {keep(q), keep(id)};
  }
  items_.next() = Item{.level = levels_.size() - 1,
                       .ids = first,
                       .id_count = id_spans_.size() - first,
                       .quantity = 0,
                       .unit = {},
                       .line = s.line};
}

void DocumentCollector::sn1_856(const Segment& s) {
  // The quantity of the level's last item.
  if (levels_.empty() || items_.empty() || items_.back().level != levels_.size() - 1) return;
  Item& item = items_.back();
  if (__builtin_add_overflow(item.quantity, to_int(s.at(2)), &item.quantity))
    item.quantity = 0;  // absurd SN1 totals: none rather than a wrapped number
  item.unit = keep(s.at(3));
}

void DocumentCollector::segment(const Segment& s, const Delimiters& d) {
  if (kind_ == Kind::k856) {
    switch (s.code) {  // tail calls
      case "BSN"_tag:
        return bsn_856(s);
      case "HL"_tag:
        return hl_856(s);
      case "PRF"_tag:
        return prf_856(s);
      case "TD5"_tag:
        return td5_856(s);
      case "REF"_tag:
        return ref_856(s);
      case "MAN"_tag:
        return man_856(s);
      case "DTM"_tag:
        return dtm_856(s);
      case "LIN"_tag:
        return lin_856(s);
      case "SN1"_tag:
        return sn1_856(s);
      case "SE"_tag:
        return finish_856();
      default:
        return;
    }
  }
  if (kind_ == Kind::k855) return segment_855(s);
  if (kind_ == Kind::kAck) return segment_ack(s, d);
}

void DocumentCollector::finish_856() {
  // Each item takes PO, tracking and carrier from the nearest level up its
  // HL02 chain that has one; an item without tracking takes it from a pack
  // below its level (standard carton pack, S-O-I-P), then from the shipment.
  // A parent comes before its children (find_level() looks only back), so
  // one walk in order gives every level what it passes down.
  finished_ = true;
  const std::size_t n = levels_.size();
  for (std::size_t i = 0; i < n; ++i) {
    Level& lv = levels_[i];
    const std::size_t p = lv.parent;
    const std::size_t code_len = lv.code >> 24;
    if (p == SIZE_MAX) {
      lv.path = reserve(code_len);
    } else {
      Level& up = levels_[p];
      if (lv.tracking.len && up.tracked_child == SIZE_MAX) up.tracked_child = i;
      if (lv.po_number.len == 0) lv.po_number = up.po_number;
      if (lv.tracking.len == 0) {
        lv.tracking = up.tracking;
        lv.tracking_source = up.tracking_source;
      }
      if (lv.carrier.len == 0) lv.carrier = up.carrier;
      // The parent's path, a dash, this level's code. A path stops growing
      // at kMaxHlPath characters (a chain of thousands of levels would
      // otherwise take memory in the square of its depth); past that, a
      // level shows its parent's path.
      if (up.path.len + 1 + code_len > kMaxHlPath) {
        lv.path = up.path;
        continue;
      }
      // The arena has kViewPadding bytes after its capacity: a short path
      // is one fixed-size copy, the code one 4-byte store.
      lv.path = reserve(up.path.len + 1 + code_len);
      char* out = arena_.get() + lv.path.off;
      const char* from = arena_.get() + up.path.off;  // its padding may overlap `out`
      if (up.path.len <= kViewPadding)
        std::memmove(out, from, kViewPadding);
      else
        std::memmove(out, from, up.path.len);
      out[up.path.len] = '-';
    }
    if (code_len) {  // the code's characters (first one lowest), one 4-byte store
      std::uint32_t chars = lv.code & 0xFFFFFF;
      if constexpr (std::endian::native == std::endian::big) chars = std::byteswap(chars);
      std::memcpy(arena_.get() + lv.path.off + lv.path.len - code_len, &chars, sizeof chars);
    }
  }
  // Views last: arena_ does not move any more.
  id_views_.clear();
  for (const auto& [q, v] : id_spans_.span()) id_views_.next() = {text(q), text(v)};
  views_.clear();
  for (const Item& item : items_) {
    const Level& lv = levels_[item.level];
    ShippedItemView& v = views_.next();
    v.po_number = text(lv.po_number);
    v.ids = id_views_.span().subspan(item.ids, item.id_count);
    v.quantity = item.quantity;
    v.unit = text(item.unit);
    if (lv.tracking.len) {
      v.tracking = text(lv.tracking);
      v.tracking_source = lv.tracking_source;
    } else if (const std::size_t child = lv.tracked_child; child != SIZE_MAX) {
      v.tracking = text(levels_[child].tracking);
      v.tracking_source = levels_[child].tracking_source;
    } else if (shipment_ref_.len) {
      v.tracking = text(shipment_ref_);
      v.tracking_source = "REF*CN";
    } else {
      v.tracking = v.tracking_source = {};
    }
    v.carrier = text(lv.carrier.len ? lv.carrier : shipment_carrier_);
    v.ship_date = text(ship_date_);
    v.hl_path = text(lv.path);
    v.segment = item.line;
    if (keep_items) cur_.ship_notice.items.push_back(v.to_item());
  }
}

}  // namespace orderd::x12
