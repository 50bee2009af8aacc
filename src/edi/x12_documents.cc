#include "edi/x12_documents.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>

using namespace std::literals;

namespace orderd::x12 {
namespace {

// The whole part of a decimal quantity ("12", "12.5", " 3"), 0 when there
// is none; a leading '-' makes it negative.
[[gnu::always_inline]] inline std::int64_t to_int(std::string_view s) {
  if (s.size() <= 2)  // the usual quantity: one or two digits
    if (const std::uint64_t v = decimal_value(s)) return static_cast<std::int64_t>(v);
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  const bool negative = i < s.size() && s[i] == '-';
  if (negative) ++i;
  std::int64_t v = 0;
  for (int digits = 0; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits) {
    if (digits == 15) return 0;  // no real quantity; as before, read as none
    v = v * 10 + (s[i] - '0');
  }
  return negative ? -v : v;
}

std::string lookup(std::initializer_list<std::pair<std::string_view, std::string_view>> table,
                   std::string_view code) {
  for (auto [k, v] : table)
    if (k == code) return std::string(v);
  return fmt::format("code {}", code);
}

}  // namespace

std::string ShippedItem::id(std::initializer_list<std::string_view> preference) const {
  for (auto q : preference)
    for (const auto& [k, v] : ids)
      if (k == q) return v;
  return ids.empty() ? std::string() : ids.front().second;
}

std::string ShippedItem::id(std::span<const std::string> preference) const {
  for (const auto& q : preference)
    for (const auto& [k, v] : ids)
      if (k == q) return v;
  return ids.empty() ? std::string() : ids.front().second;
}

std::string ack_set_code(std::string_view c) {
  return lookup({{"A", "accepted"},
                 {"E", "accepted, but errors were noted"},
                 {"M", "rejected, message authentication code failed"},
                 {"P", "partially accepted"},
                 {"R", "rejected"},
                 {"W", "rejected, assurance failed validity tests"},
                 {"X", "rejected, content could not be analyzed after decryption"}},
                c);
}

std::string ack_group_code(std::string_view c) {
  return lookup({{"A", "accepted"},
                 {"E", "accepted, but errors were noted"},
                 {"M", "rejected, message authentication code failed"},
                 {"P", "partially accepted: at least one set was rejected"},
                 {"R", "rejected"},
                 {"W", "rejected, assurance failed validity tests"},
                 {"X", "rejected, content could not be analyzed after decryption"}},
                c);
}

std::string ack_note_code(std::string_view c) {
  return lookup({{"1", "transaction set not supported"},
                 {"2", "transaction set trailer missing"},
                 {"3", "transaction set control number in header and trailer do not match"},
                 {"4", "number of included segments does not match actual count"},
                 {"5", "one or more segments in error"},
                 {"6", "missing or invalid transaction set identifier"},
                 {"7", "missing or invalid transaction set control number"},
                 {"8", "authentication key name unknown"},
                 {"9", "encryption key name unknown"},
                 {"10", "requested service not available"},
                 {"11", "unknown security recipient"},
                 {"12", "incorrect message length"},
                 {"13", "message authentication code failed"},
                 {"15", "unknown security originator"},
                 {"16", "syntax error in decrypted text"},
                 {"17", "security not supported"},
                 {"18", "transaction set not in functional group"},
                 {"19", "invalid transaction set implementation convention reference"},
                 {"23", "transaction set control number not unique within the functional group"},
                 {"24", "S3E security end segment missing for S3S security start segment"},
                 {"25", "S3S security start segment missing for S3E security end segment"},
                 {"26", "S4E security end segment missing for S4S security start segment"},
                 {"27", "S4S security start segment missing for S4E security end segment"}},
                c);
}

std::string segment_error(std::string_view c) {
  return lookup({{"1", "unrecognized segment ID"},
                 {"2", "unexpected segment"},
                 {"3", "required segment missing"},
                 {"4", "loop occurs over maximum times"},
                 {"5", "segment exceeds maximum use"},
                 {"6", "segment not in defined transaction set"},
                 {"7", "segment not in proper sequence"},
                 {"8", "segment has data element errors"},
                 {"I4", "implementation 'not used' segment present"},
                 {"I6", "implementation dependent segment missing"},
                 {"I7", "implementation loop occurs under minimum times"},
                 {"I8", "implementation segment below minimum use"},
                 {"I9", "implementation dependent 'not used' segment present"}},
                c);
}

std::string element_error(std::string_view c) {
  return lookup({{"1", "required data element missing"},
                 {"2", "conditional required data element missing"},
                 {"3", "too many data elements"},
                 {"4", "data element too short"},
                 {"5", "data element too long"},
                 {"6", "invalid character in data element"},
                 {"7", "invalid code value"},
                 {"8", "invalid date"},
                 {"9", "invalid time"},
                 {"10", "exclusion condition violated"},
                 {"12", "too many repetitions"},
                 {"13", "too many components"},
                 {"I10", "implementation 'not used' data element present"},
                 {"I11", "implementation too few repetitions"},
                 {"I12", "implementation pattern match failure"},
                 {"I13", "implementation dependent 'not used' data element present"},
                 {"I6", "code value not used in implementation"},
                 {"I9", "implementation dependent data element missing"}},
                c);
}

std::string po_ack_code(std::string_view c) {
  return lookup({{"AC", "acknowledge, with detail and change"},
                 {"AD", "acknowledge, with detail, no change"},
                 {"AE", "acknowledge, with exception detail only"},
                 {"AH", "acknowledge, hold status"},
                 {"AK", "acknowledge, no detail or change"},
                 {"AP", "acknowledge, product replenishment"},
                 {"AT", "accepted"},
                 {"NA", "no acknowledgment needed"},
                 {"RD", "reject with detail"},
                 {"RF", "reject with exception detail only"},
                 {"RJ", "rejected, no detail"},
                 {"RO", "rejected with counter offer"},
                 {"RV", "rejected, validation errors"},
                 {"ZZ", "mutually defined"}},
                c);
}

std::string line_ack_code(std::string_view c) {
  return lookup({{"AC", "item accepted and shipped"},
                 {"AR", "item accepted and released for shipment"},
                 {"BP", "item accepted, partial shipment, balance backordered"},
                 {"DR", "item accepted, date rescheduled"},
                 {"IA", "item accepted"},
                 {"IB", "item backordered"},
                 {"IC", "item accepted, changes made"},
                 {"ID", "item deleted"},
                 {"IE", "item accepted, price pending"},
                 {"IF", "item on hold, incomplete description"},
                 {"IH", "item on hold"},
                 {"IP", "item accepted, price changed"},
                 {"IQ", "item accepted, quantity changed"},
                 {"IR", "item rejected"},
                 {"IS", "item accepted, substitution made"},
                 {"IW", "item on hold, waiver required"},
                 {"R1", "item rejected, not a contract item"},
                 {"R2", "item rejected, invalid item product number"},
                 {"R3", "item rejected, invalid unit of issue"},
                 {"R4", "item rejected, contract item not available"},
                 {"SP", "item accepted, schedule date pending"}},
                c);
}

namespace {

// A whole decimal number written without leading zeros, or 0 when `s` is
// not one (so equal numbers mean equal text).
[[gnu::always_inline]] inline std::uint64_t number(std::string_view s) {
  const std::uint64_t v = decimal_value(s);  // 0 for an empty one
  return v != 0 && s[0] != '0' ? v : 0;
}

}  // namespace

ShippedItem ShippedItemView::to_item() const {
  ShippedItem i;
  i.po_number = po_number;
  for (const auto& [q, v] : ids) i.ids.emplace_back(q, v);
  i.quantity = quantity;
  i.unit = unit;
  i.tracking = tracking;
  i.tracking_source = tracking_source;
  i.carrier = carrier;
  i.ship_date = ship_date;
  i.hl_path = hl_path;
  i.segment = segment;
  return i;
}

void DocumentCollector::begin(const Envelope& env) {
  // Only what the previous set used is reset; the envelope is copied whole
  // only when an ISA or GS changed it.
  cur_.problems.clear();
  if (kind_ == Kind::k856) {  // still the previous set's kind
    cur_.ship_notice.shipment_id.clear();
    cur_.ship_notice.date.clear();
    cur_.ship_notice.items.clear();
  } else if (kind_ == Kind::k855) {
    cur_.po_ack = PoAck{};
  } else if (kind_ == Kind::kAck) {
    cur_.functional_ack = FunctionalAck{};
  }
  if (env.serial != cur_.env.serial || env.serial == 0) {
    cur_.env = env;
  } else {
    if (cur_.env.st01 != env.st01) cur_.env.st01 = env.st01;  // usually the same
    cur_.env.st02 = env.st02;
  }
  switch (tag_code(env.st01)) {
    case "856"_tag:
      kind_ = Kind::k856;
      break;
    case "855"_tag:
      kind_ = Kind::k855;
      break;
    case "997"_tag:
    case "999"_tag:
      kind_ = Kind::kAck;
      break;
    default:
      kind_ = Kind::kOther;
  }
  arena_size_ = 0;
  levels_.clear();
  items_.clear();
  id_spans_.clear();
  views_.clear();
  last_order_ = SIZE_MAX;
  shipment_carrier_ = shipment_ref_ = ship_date_ = Span{};
  finished_ = false;
  set_ack_ = nullptr;
}

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
  if (kind_ == Kind::k855 || kind_ == Kind::kAck) return segment_other(s, d);
}

void DocumentCollector::segment_other(const Segment& s, const Delimiters& d) {
  const std::string_view tag = s.tag();
  if (kind_ == Kind::k855) {
    if (tag == "BAK") {
      cur_.po_ack.po_number = std::string(s.at(3));
      cur_.po_ack.code = std::string(s.at(2));
      cur_.po_ack.meaning = po_ack_code(s.at(2));
      cur_.po_ack.rejected = s.at(2).starts_with("R");
    } else if (tag == "PO1") {
      LineAck l;
      l.line = std::string(s.at(1));
      for (std::size_t i = 6; i + 1 <= s.count(); i += 2)
        if (!s.at(i).empty() && !s.at(i + 1).empty()) l.ids.emplace_back(s.at(i), s.at(i + 1));
      cur_.po_ack.lines.push_back(std::move(l));
    } else if (tag == "ACK" && !cur_.po_ack.lines.empty()) {
      auto& l = cur_.po_ack.lines.back();
      if (l.status.empty()) {
        l.status = std::string(s.at(1));
        l.meaning = line_ack_code(s.at(1));
        l.quantity = to_int(s.at(2));
      }
    }
  } else if (kind_ == Kind::kAck) {
    auto& fa = cur_.functional_ack;
    if (tag == "AK1") {
      fa.group_id = std::string(s.at(1));
      fa.group_control = std::string(s.at(2));
      if (s.at(1).size() != 2)
        cur_.problems.push_back(fmt::format(
            "line {}: AK101 '{}' is not a functional identifier code", s.line, s.at(1)));
      if (s.at(2).empty() ||
          !std::all_of(s.at(2).begin(), s.at(2).end(), [](char c) { return c >= '0' && c <= '9'; }))
        cur_.problems.push_back(
            fmt::format("line {}: AK102 '{}' is not a group control number", s.line, s.at(2)));
    } else if (tag == "AK2") {
      fa.sets.push_back({std::string(s.at(1)), std::string(s.at(2)), "", false, {}});
      set_ack_ = &fa.sets.back();
    } else if ((tag == "AK3" || tag == "IK3") && set_ack_) {
      set_ack_->errors.push_back(
          fmt::format("segment {} at position {}: {}", s.at(1), s.at(2), segment_error(s.at(4))));
    } else if ((tag == "AK4" || tag == "IK4") && set_ack_) {
      std::string pos(s.at(1));
      std::replace(pos.begin(), pos.end(), d.component, '.');
      std::string bad(s.at(4));
      while (!bad.empty() && bad.back() == ' ') bad.pop_back();
      if (!s.at(3).empty() && !std::all_of(s.at(3).begin(), s.at(3).end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c));
          }))
        cur_.problems.push_back(
            fmt::format("line {}: {}03 '{}' is not an error code", s.line, tag, s.at(3)));
      set_ack_->errors.push_back(fmt::format(
          "element {}{}: {}{}", pos,
          s.at(2).empty() ? "" : fmt::format(" (data element {})", s.at(2)), element_error(s.at(3)),
          bad.empty() ? "" : fmt::format(" (bad value '{}')", bad)));
    } else if ((tag == "AK5" || tag == "IK5") && set_ack_) {
      set_ack_->code = std::string(s.at(1));
      set_ack_->accepted = s.at(1) == "A" || s.at(1) == "E";
      for (std::size_t i = 2; i <= s.count(); ++i)
        if (!s.at(i).empty()) set_ack_->errors.push_back(ack_note_code(s.at(i)));
    } else if (tag == "AK9") {
      fa.code = std::string(s.at(1));
      fa.accepted = s.at(1) == "A" || s.at(1) == "E";
      fa.meaning = ack_group_code(s.at(1));
      for (std::size_t i = 5; i <= s.count(); ++i)
        if (!s.at(i).empty()) fa.errors.push_back(fmt::format("group note code {}", s.at(i)));
    } else if (tag == "SE") {
      if (fa.group_id.empty())
        cur_.problems.push_back(
            fmt::format("line {}: the acknowledgment has no AK1 segment", s.line));
      if (fa.code.empty())
        cur_.problems.push_back(
            fmt::format("line {}: the acknowledgment has no AK9 segment", s.line));
    }
  }
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

void DocumentCollector::end(bool envelope_ok) {
  // A set cut short (no SE) still shows the items read so far.
  if (kind_ == Kind::k856 && !finished_) finish_856();
  cur_.envelope_ok = envelope_ok;
  if (on_set)
    on_set(cur_);
  else
    sets.push_back(cur_);
  set_ack_ = nullptr;
  views_.clear();
}

bool FileReport::ok() const {
  return content_problems.empty() &&
         std::none_of(problems.begin(), problems.end(), [](const Problem& p) { return p.error; });
}

FileReport check_stream(std::unique_ptr<Source> source, bool collect, std::size_t chunk) {
  FileReport out;
  DocumentCollector collector;
  collector.keep_items = collect;
  collector.on_set = [&](const TransactionSet& s) {
    for (const auto& p : s.problems)
      out.content_problems.push_back(
          fmt::format("set {} (ST02 {}): {}", s.env.st01, s.env.st02, p));
    out.items +=
        collector.item_views().size() + s.po_ack.lines.size() + s.functional_ack.sets.size();
    if (collect) out.sets.push_back(s);
  };
  Validator v(&collector, /*keep_history=*/collect);
  Reader r(std::move(source), chunk);
  Segment seg;
  for (;;) {
    auto more = r.next(seg);
    if (!more) {
      v.fail(more.error().message());
      break;
    }
    if (!*more) break;
    v.segment(seg, r.delimiters());
  }
  v.finish();
  out.problems = v.problems();
  out.interchanges = v.interchanges();
  out.groups = v.groups();
  out.set_count = v.sets();
  out.segments = v.segments();
  out.bytes = r.bytes_read();
  out.groups_seen = v.group_summaries();
  out.headers = v.interchange_headers();
  return out;
}

}  // namespace orderd::x12
