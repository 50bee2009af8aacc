#include "edi/x12_validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace orderd::x12 {
namespace {

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int num(std::string_view s, std::size_t at, std::size_t len) {
  int v = 0;
  for (std::size_t i = at; i < at + len; ++i) v = v * 10 + (s[i] - '0');
  return v;
}

bool valid_date(std::string_view s) {  // YYMMDD or CCYYMMDD
  if (!digits(s) || (s.size() != 6 && s.size() != 8)) return false;
  const std::size_t m = s.size() - 4;
  const int month = num(s, m, 2), day = num(s, m + 2, 2);
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month >= 1 && month <= 12 && day >= 1 && day <= kDays[month - 1];
}

bool valid_time(std::string_view s) {  // HHMM[SS[D..]]
  if (!digits(s) || s.size() < 4 || s.size() > 8 || s.size() == 5) return false;
  if (num(s, 0, 2) > 23 || num(s, 2, 2) > 59) return false;
  return s.size() < 6 || num(s, 4, 2) <= 59;
}

// The functional identifier code (GS01) each transaction set belongs in.
std::string_view group_of(std::string_view st01) {
  static constexpr std::pair<std::uint32_t, std::string_view> kMap[] = {
      {"850"_tag, "PO"}, {"855"_tag, "PR"}, {"856"_tag, "SH"}, {"810"_tag, "IN"}, {"997"_tag, "FA"},
      {"999"_tag, "FA"}, {"860"_tag, "PC"}, {"865"_tag, "CA"}, {"846"_tag, "IB"}, {"940"_tag, "OW"},
      {"945"_tag, "SW"}, {"820"_tag, "RA"}, {"837"_tag, "HC"}, {"835"_tag, "HP"}, {"834"_tag, "BE"},
      {"270"_tag, "HS"}, {"271"_tag, "HB"}, {"277"_tag, "HN"},
  };
  const std::uint32_t code = tag_code(st01);
  for (auto [k, v] : kMap)
    if (code != 0 && k == code) return v;
  return {};
}

// Whether a count element says exactly `n` (as written without leading zeros).
bool says(std::string_view element, std::uint64_t n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  return element == std::string_view(buf, static_cast<std::size_t>(r.ptr - buf));
}

constexpr int kIsaWidths[16] = {2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1};

}  // namespace

std::string Problem::text() const {
  return fmt::format("{}: {}: {}", error ? "error" : "warning", where, message);
}

bool ControlNumberSet::insert(std::string_view id) {
  std::uint64_t v = 0;
  bool numeric = !id.empty() && id.size() <= 17;
  for (char c : id) {  // one pass: the value, and whether it is one
    const unsigned d = static_cast<unsigned char>(c) - unsigned{'0'};
    numeric &= d < 10;
    v = v * 10 + d;
  }
  if (!numeric) return other_.emplace(id).second;
  const std::uint64_t key = v * 32 + id.size();
  if (numeric_.empty() || key > numeric_.back()) {  // the usual case: counting up
    numeric_.push_back(key);
    return true;
  }
  // Out of order (rare): a sorted vector would make a huge group quadratic.
  if (std::binary_search(numeric_.begin(), numeric_.end(), key)) return false;
  return out_of_order_.insert(key).second;
}

void ControlNumberSet::clear() {
  numeric_.clear();
  if (!out_of_order_.empty()) out_of_order_.clear();
  if (!other_.empty()) other_.clear();
}

bool Validator::ok() const {
  return std::none_of(problems_.begin(), problems_.end(), [](const Problem& p) { return p.error; });
}

std::string Validator::where(const Segment* seg) const {
  std::string w;
  if (in_isa_ || interchanges_ > 0)
    w = fmt::format("interchange {} (ISA13 {})", interchanges_, env_.isa13);
  if (in_gs_) w += fmt::format(", group {} (GS06 {})", group_in_isa_, env_.gs06);
  if (in_st_) w += fmt::format(", set {} (ST02 {})", set_in_gs_, env_.st02);
  if (seg) {
    // Inside a set, ST is segment 1; envelope segments are counted in the file.
    const std::string_view t = seg->tag();
    const bool envelope = t == "ISA" || t == "IEA" || t == "GS" || t == "GE";
    w += fmt::format("{}segment {} {}", w.empty() ? "" : ", ",
                     in_st_ && !envelope ? seg_in_set_ : seg->number, t);
    w += fmt::format(" (line {})", seg->line);
  }
  return w;
}

void Validator::problem(const Segment* seg, int element, std::string message, Codes codes,
                        bool error) {
  Problem p;
  p.error = error;
  p.ta1 = codes.ta1;
  p.ak9 = codes.ak9;
  p.ak5 = codes.ak5;
  p.ak3 = codes.ak3;
  p.ak4 = codes.ak4;
  p.where = where(seg);
  if (element > 0 && seg) p.where += fmt::format(", element {}{:02}", seg->tag(), element);
  p.message = std::move(message);
  p.interchange = interchanges_;
  p.group = in_gs_ ? group_in_isa_ : 0;
  p.set = in_st_ ? set_in_gs_ : 0;
  p.segment_in_set = in_st_ ? seg_in_set_ : 0;
  if (seg) p.segment_tag = std::string(seg->tag());
  p.element = element;
  if (error && in_st_) set_ok_ = false;
  if (error && in_gs_ && !summaries_.empty()) summaries_.back().ok = false;
  problems_.push_back(std::move(p));
}

void Validator::fail(std::string message) {
  Problem p;
  p.where = where(nullptr);
  if (p.where.empty()) p.where = "file";
  p.message = std::move(message);
  p.interchange = interchanges_;
  problems_.push_back(std::move(p));
}

void Validator::envelope_segment(const Segment& s, const Delimiters& d) {
  ++segments_;
  last_line_ = s.line;
  switch (s.code) {
    case "ISA"_tag:
      return isa(s);
    case "IEA"_tag:
      return in_isa_ ? iea(s) : outside(s);
    case "GS"_tag:
      return in_isa_ ? gs(s) : outside(s);
    case "GE"_tag:
      return in_isa_ ? ge(s) : outside(s);
    case "ST"_tag:
      return in_isa_ ? st(s, d) : outside(s);
    case "SE"_tag:
      return in_isa_ ? se(s, d) : outside(s);
    default:
      break;
  }
  if (!in_st_) {
    const bool interchange_level =
        s.code == "TA1"_tag || s.code == "ISB"_tag || s.code == "ISE"_tag;
    if (in_isa_ && !in_gs_ && interchange_level) return;
    return outside(s);
  }
  in_set(s, d);
}

void Validator::outside(const Segment& s) {
  if (!in_isa_)
    return problem(&s, 0, "segment outside any interchange (no ISA before it)", {.ta1 = "024"});
  problem(&s, 0,
          in_gs_ ? "segment outside a transaction set (no ST before it)"
                 : "segment outside a functional group (no GS before it)",
          in_gs_ ? Codes{.ak9 = "3"} : Codes{.ta1 = "024"});
}

void Validator::isa(const Segment& s) {
  if (in_isa_) {
    problem(&s, 0,
            fmt::format("ISA before the IEA of interchange {}: an IEA is missing", interchanges_),
            {.ta1 = "023"});
    if (in_st_) close_set(false);
  }
  ++interchanges_;
  in_isa_ = true;
  in_gs_ = in_st_ = false;
  group_in_isa_ = groups_ = 0;
  seen_gs_.clear();
  env_ = Envelope{};
  env_.serial = ++env_serial_;
  env_.isa13 = std::string(s.at(13));
  if (s.count() != 16) {
    problem(&s, 0, fmt::format("ISA has {} elements, must have 16", s.count()), {.ta1 = "024"});
  } else {
    for (int i = 0; i < 16; ++i)
      if (static_cast<int>(s.at(static_cast<std::size_t>(i + 1)).size()) != kIsaWidths[i])
        problem(&s, i + 1,
                fmt::format("is {} characters wide, must be exactly {} (pad with spaces)",
                            s.at(static_cast<std::size_t>(i + 1)).size(), kIsaWidths[i]),
                {.ta1 = "024"});
    if (!valid_date(s.at(9)))
      problem(&s, 9, fmt::format("'{}' is not a date (YYMMDD)", s.at(9)), {.ta1 = "014"});
    if (!valid_time(s.at(10)))
      problem(&s, 10, fmt::format("'{}' is not a time (HHMM)", s.at(10)), {.ta1 = "015"});
    if (!digits(s.at(13)))
      problem(&s, 13, fmt::format("control number '{}' must be 9 digits", s.at(13)),
              {.ta1 = "018"});
    if (s.at(14) != "0" && s.at(14) != "1")
      problem(&s, 14, "acknowledgment requested must be 0 or 1", {.ta1 = "019"});
    if (s.at(15) != "P" && s.at(15) != "T" && s.at(15) != "I")
      problem(&s, 15, fmt::format("usage indicator '{}' must be P, T or I", s.at(15)),
              {.ta1 = "020"});
  }
  auto trimmed = [](std::string_view v) {
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    return std::string(v);
  };
  env_.sender_qualifier = std::string(s.at(5));
  env_.sender = trimmed(s.at(6));
  env_.receiver_qualifier = std::string(s.at(7));
  env_.receiver = trimmed(s.at(8));
  env_.isa12 = std::string(s.at(12));
  env_.isa09 = std::string(s.at(9));
  env_.isa10 = std::string(s.at(10));
  env_.usage = std::string(s.at(15));
  if (!seen_isa_.emplace(env_.sender, env_.receiver, env_.isa13).second)
    problem(&s, 13,
            fmt::format("control number {} from {} to {} appears twice in this file", env_.isa13,
                        env_.sender, env_.receiver),
            {.ta1 = "025"});
  if (keep_history_) headers_.push_back(env_);
}

void Validator::iea(const Segment& s) {
  if (in_st_) {
    problem(&s, 0, "IEA inside a transaction set: an SE is missing", {.ak5 = "2"});
    close_set(false);
  }
  if (in_gs_) {
    problem(&s, 0, "IEA inside a functional group: a GE is missing", {.ak9 = "3"});
    in_gs_ = false;
  }
  if (!says(s.at(1), groups_))
    problem(&s, 1,
            fmt::format("says {} functional groups, the interchange has {}", s.at(1), groups_),
            {.ta1 = "021"});
  if (s.at(2) != env_.isa13)
    problem(&s, 2, fmt::format("control number {} does not match ISA13 {}", s.at(2), env_.isa13),
            {.ta1 = "001"});
  in_isa_ = false;
}

void Validator::gs(const Segment& s) {
  if (in_st_) {
    problem(&s, 0, "GS inside a transaction set: an SE is missing", {.ak5 = "2"});
    close_set(false);
  }
  if (in_gs_)
    problem(&s, 0, "GS before the GE of the previous group: a GE is missing", {.ak9 = "3"});
  ++groups_;
  ++groups_total_;
  ++group_in_isa_;
  in_gs_ = true;
  set_in_gs_ = sets_ = 0;
  seen_st_.clear();
  env_.serial = ++env_serial_;
  env_.gs01 = std::string(s.at(1));
  env_.gs02 = std::string(s.at(2));
  env_.gs03 = std::string(s.at(3));
  env_.gs06 = std::string(s.at(6));
  env_.gs08 = std::string(s.at(8));
  if (!keep_history_) summaries_.clear();  // only the open group's
  summaries_.push_back({interchanges_,
                        group_in_isa_,
                        env_.gs01,
                        env_.gs06,
                        env_.gs08,
                        env_.gs02,
                        env_.gs03,
                        0,
                        0,
                        true,
                        {}});
  if (s.count() < 8)
    problem(&s, 0, fmt::format("GS has {} elements, must have 8", s.count()), {.ak9 = "2"});
  // CCYYMMDD from version 004010 on, YYMMDD before; real partners mix them.
  if (!valid_date(s.at(4)))
    problem(&s, 4, fmt::format("'{}' is not a date (CCYYMMDD)", s.at(4)), {.ak9 = "1"});
  else if (s.at(4).size() == 6 && s.at(8) >= "004010")
    problem(&s, 4,
            fmt::format("'{}' is a 6-digit date; version {} uses CCYYMMDD (accepted)", s.at(4),
                        s.at(8)),
            {}, false);
  if (!valid_time(s.at(5)))
    problem(&s, 5, fmt::format("'{}' is not a time (HHMM[SS])", s.at(5)), {.ak9 = "1"});
  if (!digits(s.at(6)) || s.at(6).size() > 9)
    problem(&s, 6, fmt::format("group control number '{}' must be 1 to 9 digits", s.at(6)),
            {.ak9 = "6"});
  else if (!seen_gs_.insert(env_.gs06))
    problem(&s, 6,
            fmt::format("group control number {} appears twice in this interchange", env_.gs06),
            {.ak9 = "6"});
}

void Validator::ge(const Segment& s) {
  if (in_st_) {
    problem(&s, 0, "GE inside a transaction set: an SE is missing", {.ak5 = "2"});
    close_set(false);
  }
  if (!in_gs_) return problem(&s, 0, "GE without a GS", {.ta1 = "024"});
  if (!says(s.at(1), sets_))
    problem(&s, 1, fmt::format("says {} transaction sets, the group has {}", s.at(1), sets_),
            {.ak9 = "5"});
  if (s.at(2) != env_.gs06)
    problem(&s, 2, fmt::format("control number {} does not match GS06 {}", s.at(2), env_.gs06),
            {.ak9 = "4"});
  in_gs_ = false;
}

void Validator::st(const Segment& s, const Delimiters& d) {
  if (in_st_) {
    problem(&s, 0, "ST before the SE of the previous set: an SE is missing", {.ak5 = "2"});
    close_set(false);
  }
  if (!in_gs_)
    return problem(&s, 0, "ST outside a functional group (no GS before it)", {.ta1 = "024"});
  ++sets_;
  ++sets_total_;
  ++set_in_gs_;
  ++summaries_.back().sets;
  if (keep_history_) summaries_.back().set_ids.emplace_back(s.at(1), s.at(2));
  in_st_ = true;
  set_ok_ = true;
  seg_in_set_ = 1;
  hl_other_.clear();
  hl_expected_ = 1;
  // ST01 and the group around it are usually the same as the last set's:
  // then so is whether they fit.
  if (env_.st01 != s.at(1) || group_checked_ != env_.serial) {
    env_.st01.assign(s.at(1));
    const std::string_view want = group_of(env_.st01);
    group_misfit_ = !want.empty() && want != env_.gs01 ? want : std::string_view();
    group_checked_ = env_.serial;
  }
  env_.st02.assign(s.at(2));
  set_is_856_ = padded_code(s.at(1)) == "856"_tag;
  if (s.at(2).size() < 4 || s.at(2).size() > 9)
    problem(&s, 2, fmt::format("control number '{}' must be 4 to 9 characters", s.at(2)),
            {.ak5 = "7"});
  else if (!seen_st_.insert(env_.st02))
    problem(&s, 2, fmt::format("control number {} appears twice in this group", env_.st02),
            {.ak5 = "23"});
  if (!group_misfit_.empty())
    problem(&s, 1,
            fmt::format("a {} belongs in a {} group, this group is {} (accepted: partners do this)",
                        env_.st01, group_misfit_, env_.gs01),
            {}, false);
  if (visitor_) {
    visitor_->begin(env_);
    visitor_->segment(s, d);
  }
}

void Validator::se(const Segment& s, const Delimiters& d) {
  if (!in_st_) return problem(&s, 0, "SE without an ST", {.ak9 = "3"});
  ++seg_in_set_;
  if (!says(s.at(1), seg_in_set_))
    problem(&s, 1, fmt::format("says {} segments, the set has {} (ST to SE)", s.at(1), seg_in_set_),
            {.ak5 = "4"});
  if (s.at(2) != env_.st02)
    problem(&s, 2, fmt::format("control number {} does not match ST02 {}", s.at(2), env_.st02),
            {.ak5 = "3"});
  if (visitor_) visitor_->segment(s, d);
  close_set(set_ok_);
}

void Validator::close_set(bool ok) {
  in_st_ = false;
  if (ok && !summaries_.empty()) ++summaries_.back().sets_accepted;
  if (visitor_) visitor_->end(ok);
}

void Validator::hl(const Segment& s) {
  // HL01 counts 1, 2, 3...; HL02, when written, names one before it.
  const std::string_view parent = s.at(2);
  const bool sequence = decimal_value(s.at(1)) == hl_expected_;
  bool parent_ok = true;
  if (!parent.empty()) {
    const std::uint64_t p = decimal_value(parent);
    parent_ok = p >= 1 && p < hl_expected_;
  }
  if (!sequence || !parent_ok) [[unlikely]]
    hl_problem(s, sequence, parent_ok);
  ++hl_expected_;
}

void Validator::hl_problem(const Segment& s, bool sequence, bool parent_ok) {
  const std::string_view id = s.at(1), parent = s.at(2);
  if (!sequence) {
    problem(&s, 1, fmt::format("HL number {} is out of sequence, expected {}", id, hl_expected_),
            {.ak5 = "5", .ak3 = "8", .ak4 = "7"});
    hl_other_.emplace(id);
  }
  if (!parent_ok && !hl_other_.count(std::string(parent)))
    problem(&s, 2, fmt::format("parent HL {} does not come before this HL", parent),
            {.ak5 = "5", .ak3 = "8", .ak4 = "7"});
}

void Validator::finish() {
  Segment end;
  end.line = last_line_;
  if (in_st_) {
    problem(nullptr, 0, "the file ends inside a transaction set: SE is missing", {.ak5 = "2"});
    close_set(false);
  }
  if (in_gs_)
    problem(nullptr, 0, "the file ends inside a functional group: GE is missing", {.ak9 = "3"});
  if (in_isa_)
    problem(nullptr, 0, "the file ends inside an interchange: IEA is missing", {.ta1 = "023"});
  in_gs_ = in_isa_ = false;
  if (interchanges_ == 0 && problems_.empty()) {
    Problem p;
    p.where = "file";
    p.message = "no interchange (ISA) in the file; it is empty";
    problems_.push_back(std::move(p));
  }
}

}  // namespace orderd::x12
