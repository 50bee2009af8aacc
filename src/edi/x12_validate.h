// Envelope validation: ISA/IEA, GS/GE and ST/SE pairs, counts, control
// numbers, header field widths and dates, control numbers unique within the
// file, and 856 HL trees. Every problem names its place in words an operator
// understands. The validator walks segments as a Reader yields them and hands
// each transaction set's segments to a SetVisitor, so a file of any size is
// checked and read in one pass with bounded memory. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "edi/x12_reader.h"

namespace orderd::x12 {

struct Problem {
  bool error = true;  // false: a warning
  std::string where;  // "interchange 1 (ISA13 000000001), group 1 (GS06 1), set 2 (ST02 0002),
                      // segment 14 SE (line 14)"
  std::string message;
  // Where, as numbers, for acknowledgments: 0 when not inside one.
  std::uint64_t interchange = 0, group = 0, set = 0;
  std::uint64_t segment_in_set = 0;  // 1-based position counting ST as 1
  std::string segment_tag;
  int element = 0;
  // The code an acknowledgment gives this problem at its level (empty: none):
  // TA105 note code for the interchange envelope, AK905/IK905 for a group,
  // AK502/IK502 for a set, AK304/IK304 for a segment in a set with AK403/IK403
  // for its element.
  std::string ta1, ak9, ak5, ak3, ak4;

  std::string text() const;  // "error: WHERE: MESSAGE"
};

// What the validator knows about the envelope around a set.
struct Envelope {
  std::string sender_qualifier, sender, receiver_qualifier, receiver;  // ISA05-08
  std::string isa09, isa10;                                            // interchange date and time
  std::string isa13, isa12, usage;
  std::string gs01, gs02, gs03, gs06, gs08;
  std::string st01, st02;
  // Changes whenever an ISA or GS changes the fields above st01: a reader of
  // many sets copies the envelope only when this differs.
  std::uint64_t serial = 0;
};

class SetVisitor {
 public:
  virtual ~SetVisitor() = default;
  virtual void begin(const Envelope& env) = 0;
  virtual void segment(const Segment& seg, const Delimiters& delim) = 0;  // ST to SE, in order
  virtual void end(bool envelope_ok) = 0;
};

struct GroupSummary {
  std::uint64_t interchange = 0, group = 0;
  std::string gs01, gs06, gs08;
  std::string sender, receiver;  // GS02, GS03
  int sets = 0, sets_accepted = 0;
  bool ok = true;
  // ST01, ST02 of each set in order (only with keep_history: memory grows
  // with the group).
  std::vector<std::pair<std::string, std::string>> set_ids;
};

// Acknowledgment codes of a problem (see Problem).
struct AckCodes {
  std::string_view ta1 = {}, ak9 = {}, ak5 = {}, ak3 = {}, ak4 = {};
};

// Control numbers seen in one scope (a group's ST02s, an interchange's
// GS06s), to find one that repeats. Numeric ones, the usual case, are kept
// as integers (with their width, so 0001 and 001 stay distinct): while they
// rise, in a vector that costs no allocation once its capacity is there;
// the rest go in sets.
class ControlNumberSet {
 public:
  bool insert(std::string_view id);  // false: seen before
  void clear();

 private:
  std::vector<std::uint64_t> numeric_;    // value * 32 + width, in the order seen: rising
  std::set<std::uint64_t> out_of_order_;  // those that came after a greater one
  std::set<std::string, std::less<>> other_;
};

// Whether a tag code may be ISA, IEA, GS, GE, ST or SE: true for those,
// rarely for others (the validator then tells them apart): the multiplier
// was picked so that none of ninety common tags shares their bits. One
// multiply and a bit test instead of six compares on every segment.
constexpr unsigned envelope_hash(std::uint32_t c) {
  return (c * 0x678D764Bu) >> 26;
}
inline constexpr std::uint64_t kEnvelopeHashes =
    std::uint64_t{1} << envelope_hash("ISA"_tag) | std::uint64_t{1} << envelope_hash("IEA"_tag) |
    std::uint64_t{1} << envelope_hash("GS"_tag) | std::uint64_t{1} << envelope_hash("GE"_tag) |
    std::uint64_t{1} << envelope_hash("ST"_tag) | std::uint64_t{1} << envelope_hash("SE"_tag);
constexpr bool maybe_envelope(std::uint32_t c) {
  return kEnvelopeHashes >> envelope_hash(c) & 1;
}

class Validator {
 public:
  // keep_history: keep a summary of every group and interchange header
  // (memory grows with the file; off for a plain check of a huge file).
  explicit Validator(SetVisitor* visitor = nullptr, bool keep_history = true)
      : visitor_(visitor), keep_history_(keep_history) {}

  void segment(const Segment& seg, const Delimiters& delim) {
    // The usual segment, inside a set and not an envelope one, inline.
    const std::uint32_t c = seg.code;
    if (!in_st_ || maybe_envelope(c)) return envelope_segment(seg, delim);
    ++segments_;
    last_line_ = seg.line;
    in_set(seg, delim);
  }
  // End of input: reports envelopes left open.
  void finish();
  // A problem found outside the walk (a read error), at the current place.
  void fail(std::string message);

  const std::vector<Problem>& problems() const { return problems_; }
  bool ok() const;  // no errors
  std::uint64_t interchanges() const { return interchanges_; }
  std::uint64_t groups() const { return groups_total_; }
  std::uint64_t sets() const { return sets_total_; }
  std::uint64_t segments() const { return segments_; }
  const std::vector<GroupSummary>& group_summaries() const { return summaries_; }
  const std::vector<Envelope>& interchange_headers() const { return headers_; }

 private:
  using Codes = AckCodes;
  void problem(const Segment* seg, int element, std::string message, Codes codes = {},
               bool error = true);
  std::string where(const Segment* seg) const;
  void envelope_segment(const Segment& s, const Delimiters& d);  // and any outside a set
  void outside(const Segment& s);                                // a segment where none may be
  void isa(const Segment& s);
  void iea(const Segment& s);
  void gs(const Segment& s);
  void ge(const Segment& s);
  void st(const Segment& s, const Delimiters& d);
  void se(const Segment& s, const Delimiters& d);
  // A segment between ST and SE that is not SE.
  void in_set(const Segment& s, const Delimiters& d) {
    ++seg_in_set_;
    if (set_is_856_ && s.code == "HL"_tag) hl(s);
    if (visitor_) visitor_->segment(s, d);
  }
  void hl(const Segment& s);
  void hl_problem(const Segment& s, bool sequence, bool parent_ok);
  void close_set(bool ok);

  SetVisitor* visitor_;
  bool keep_history_;
  std::vector<Problem> problems_;
  std::vector<GroupSummary> summaries_;
  std::vector<Envelope> headers_;
  Envelope env_;
  bool in_isa_ = false, in_gs_ = false, in_st_ = false;
  bool set_ok_ = true;
  std::uint64_t interchanges_ = 0, groups_total_ = 0, sets_total_ = 0, segments_ = 0;
  std::uint64_t group_in_isa_ = 0, set_in_gs_ = 0, seg_in_set_ = 0;
  std::uint64_t groups_ = 0, sets_ = 0;  // counted for IEA01 / GE01
  std::uint64_t last_line_ = 0;
  std::set<std::tuple<std::string, std::string, std::string>> seen_isa_;
  ControlNumberSet seen_gs_, seen_st_;
  bool set_is_856_ = false;
  std::uint64_t env_serial_ = 0;
  // The GS01 that ST01 belongs in when the group has another one (a
  // warning), worked out for env_.st01 in the group of serial group_checked_.
  std::string_view group_misfit_;
  std::uint64_t group_checked_ = UINT64_MAX;
  // 856 HL tree of the open set: HL01 must count 1, 2, 3..., so the ids
  // seen are exactly 1 .. hl_expected_-1 while no problem was reported.
  std::uint64_t hl_expected_ = 1;
  std::set<std::string> hl_other_;  // ids seen that broke the count
};

}  // namespace orderd::x12
