#include "edi/x12_documents.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace orderd::x12 {
namespace {

std::int64_t to_int(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  std::int64_t v = 0;
  auto dot = s.find('.');
  std::from_chars(s.data(), s.data() + (dot == std::string_view::npos ? s.size() : dot), v);
  return v;
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

// A segment tag as a number, for switch-like dispatch without string compares.
constexpr std::uint32_t tag_code(std::string_view t) {
  std::uint32_t c = 0;
  for (std::size_t i = 0; i < t.size() && i < 3; ++i)
    c = (c << 8) | static_cast<unsigned char>(t[i]);
  return t.size() > 3 ? 0 : c;
}

void clear_set(TransactionSet& t) {
  t.problems.clear();
  t.ship_notice.shipment_id.clear();
  t.ship_notice.date.clear();
  t.ship_notice.items.clear();
  t.po_ack = PoAck{};
  t.functional_ack = FunctionalAck{};
}

}  // namespace

void DocumentCollector::begin(const Envelope& env) {
  clear_set(cur_);
  cur_.env = env;
  kind_ = env.st01 == "856"                          ? Kind::k856
          : env.st01 == "855"                        ? Kind::k855
          : (env.st01 == "997" || env.st01 == "999") ? Kind::kAck
                                                     : Kind::kOther;
  used_ = 0;
  cur_level_ = SIZE_MAX;
  last_order_hl_.clear();
  shipment_carrier_.clear();
  shipment_ref_.clear();
  ship_date_.clear();
  set_ack_ = nullptr;
}

std::size_t DocumentCollector::find_level(std::string_view id) const {
  // HL01 counts 1, 2, 3...: try that position first.
  std::size_t n = 0;
  auto [p, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
  if (ec == std::errc() && p == id.data() + id.size() && n >= 1 && n <= used_ &&
      levels_[n - 1].id == id)
    return n - 1;
  for (std::size_t i = 0; i < used_; ++i)
    if (levels_[i].id == id) return i;
  return SIZE_MAX;
}

void DocumentCollector::segment_856(const Segment& s) {
  Level* cur = cur_level_ == SIZE_MAX ? nullptr : &levels_[cur_level_];
  switch (tag_code(s.tag())) {
    case tag_code("BSN"):
      cur_.ship_notice.shipment_id.assign(s.at(2));
      cur_.ship_notice.date.assign(s.at(3));
      break;
    case tag_code("HL"): {
      if (used_ == levels_.size()) levels_.emplace_back();
      Level& l = levels_[used_];
      cur_level_ = used_++;
      l.id.assign(s.at(1));
      l.code.assign(s.at(3));
      l.parent.assign(s.at(2));
      l.po_number.clear();
      l.tracking.clear();
      l.carrier.clear();
      l.tracking_source = "";
      l.item = SIZE_MAX;
      // HL02 may be empty: an item, pack or tare then belongs to the last order level.
      if (l.parent.empty() && (l.code == "I" || l.code == "P" || l.code == "T"))
        l.parent = last_order_hl_;
      if (l.code == "O") last_order_hl_ = l.id;
      break;
    }
    case tag_code("PRF"):
      if (cur) cur->po_number.assign(s.at(1));
      break;
    case tag_code("TD5"): {
      std::string_view carrier = s.at(3).empty() ? s.at(5) : s.at(3);
      if (cur && cur->code != "S")
        cur->carrier.assign(carrier);
      else if (shipment_carrier_.empty())
        shipment_carrier_.assign(carrier);
      break;
    }
    case tag_code("REF"): {
      const char* source = s.at(1) == "CN" ? "REF*CN" : s.at(1) == "2I" ? "REF*2I" : nullptr;
      if (!source) break;
      if (cur && cur->code != "S") {
        if (cur->tracking.empty()) {
          cur->tracking.assign(s.at(2));
          cur->tracking_source = source;
        }
      } else if (shipment_ref_.empty()) {
        shipment_ref_.assign(s.at(2));
      }
      break;
    }
    case tag_code("MAN"): {
      if (!cur) break;
      const char* source = s.at(1) == "CP"   ? "MAN*CP"
                           : s.at(1) == "GM" ? "MAN*GM"
                           : s.at(1) == "UC" ? "MAN*UC"
                                             : nullptr;
      // A carrier package id beats an SSCC carton label or a case code.
      const bool better = cur->tracking.empty() ||
                          (s.at(1) == "CP" && std::string_view(cur->tracking_source) != "MAN*CP");
      if (source && better) {
        cur->tracking.assign(s.at(2));
        cur->tracking_source = source;
      }
      break;
    }
    case tag_code("DTM"):
      if (s.at(1) == "011") ship_date_.assign(s.at(2));
      break;
    case tag_code("LIN"): {
      if (!cur) break;
      ShippedItem& item = cur_.ship_notice.items.emplace_back();
      for (std::size_t i = 2; i + 1 <= s.count(); i += 2)
        if (!s.at(i).empty() && !s.at(i + 1).empty()) item.ids.emplace_back(s.at(i), s.at(i + 1));
      item.segment = s.line;
      cur->item = cur_.ship_notice.items.size() - 1;
      break;
    }
    case tag_code("SN1"):
      if (cur && cur->item != SIZE_MAX) {
        auto& item = cur_.ship_notice.items[cur->item];
        item.quantity += to_int(s.at(2));
        item.unit.assign(s.at(3));
      }
      break;
    case tag_code("SE"):
      finish_856();
      break;
    default:
      break;
  }
}

void DocumentCollector::segment(const Segment& s, const Delimiters& d) {
  const std::string_view tag = s.tag();
  if (kind_ == Kind::k856) return segment_856(s);
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
  // below it (standard carton pack, S-O-I-P), then from the shipment.
  auto& items = cur_.ship_notice.items;
  std::vector<std::size_t> parent(used_, SIZE_MAX);
  for (std::size_t i = 0; i < used_; ++i)
    if (!levels_[i].parent.empty() && levels_[i].parent != levels_[i].id)
      parent[i] = find_level(levels_[i].parent);
  std::vector<const Level*> from_child(items.size(), nullptr);
  for (std::size_t i = 0; i < used_; ++i) {
    const std::size_t p = parent[i];
    if (levels_[i].tracking.empty() || p == SIZE_MAX || levels_[p].item == SIZE_MAX) continue;
    if (!from_child[levels_[p].item]) from_child[levels_[p].item] = &levels_[i];
  }
  for (std::size_t i = 0; i < used_; ++i) {
    const Level& l = levels_[i];
    if (l.item == SIZE_MAX) continue;
    ShippedItem& item = items[l.item];
    item.hl_path = l.code;
    std::size_t depth = 0;
    for (std::size_t at = i; at != SIZE_MAX && depth <= used_; at = parent[at], ++depth) {
      const Level& lv = levels_[at];
      if (item.po_number.empty()) item.po_number = lv.po_number;
      if (item.tracking.empty() && !lv.tracking.empty()) {
        item.tracking = lv.tracking;
        item.tracking_source = lv.tracking_source;
      }
      if (item.carrier.empty()) item.carrier = lv.carrier;
      if (at != i) item.hl_path.insert(0, lv.code + "-");
    }
    if (item.tracking.empty() && from_child[l.item]) {
      item.tracking = from_child[l.item]->tracking;
      item.tracking_source = from_child[l.item]->tracking_source;
    }
    if (item.tracking.empty() && !shipment_ref_.empty()) {
      item.tracking = shipment_ref_;
      item.tracking_source = "REF*CN";
    }
    if (item.carrier.empty()) item.carrier = shipment_carrier_;
    item.ship_date = ship_date_;
  }
}

void DocumentCollector::end(bool envelope_ok) {
  cur_.envelope_ok = envelope_ok;
  if (on_set)
    on_set(cur_);
  else
    sets.push_back(cur_);
  set_ack_ = nullptr;
}

bool FileReport::ok() const {
  return content_problems.empty() &&
         std::none_of(problems.begin(), problems.end(), [](const Problem& p) { return p.error; });
}

FileReport check_stream(std::unique_ptr<Source> source, bool collect, std::size_t chunk) {
  FileReport out;
  DocumentCollector collector;
  collector.on_set = [&](const TransactionSet& s) {
    for (const auto& p : s.problems)
      out.content_problems.push_back(
          fmt::format("set {} (ST02 {}): {}", s.env.st01, s.env.st02, p));
    out.items += s.ship_notice.items.size() + s.po_ack.lines.size() + s.functional_ack.sets.size();
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
