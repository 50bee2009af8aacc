// The 997 and 999 functional acknowledgments: AK1 (the group), AK2-AK5 /
// IK3-IK5 (each set, its segment and element errors), AK9 (the group's
// verdict).
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "edi/x12_documents.h"
#include "edi/x12_set_util.h"

using namespace std::literals;

namespace orderd::x12 {

using detail::lookup;
using detail::to_int;

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

void DocumentCollector::segment_ack(const Segment& s, const Delimiters& d) {
  const std::string_view tag = s.tag();
  auto& fa = cur_.functional_ack;
  if (tag == "AK1") {
    fa.group_id = std::string(s.at(1));
    fa.group_control = std::string(s.at(2));
    if (s.at(1).size() != 2)
      cur_.problems.push_back(
          fmt::format("line {}: AK101 '{}' is not a functional identifier code", s.line, s.at(1)));
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

}  // namespace orderd::x12

namespace orderd::x12 {

std::string ta1_note_code(std::string_view c) {
  return lookup({{"000", "no error"},
                 {"001", "the interchange control numbers in ISA and IEA do not match"},
                 {"002", "this control standard is not supported"},
                 {"003", "this version of the controls is not supported"},
                 {"004", "the segment terminator is invalid"},
                 {"005", "invalid interchange id qualifier for the sender"},
                 {"006", "invalid interchange sender id"},
                 {"007", "invalid interchange id qualifier for the receiver"},
                 {"008", "invalid interchange receiver id"},
                 {"009", "unknown interchange receiver id"},
                 {"010", "invalid authorization information qualifier"},
                 {"011", "invalid authorization information"},
                 {"012", "invalid security information qualifier"},
                 {"013", "invalid security information"},
                 {"014", "invalid interchange date"},
                 {"015", "invalid interchange time"},
                 {"016", "invalid interchange standards identifier"},
                 {"017", "invalid interchange version id"},
                 {"018", "invalid interchange control number"},
                 {"019", "invalid acknowledgment requested value"},
                 {"020", "invalid test indicator"},
                 {"021", "invalid number of included groups"},
                 {"022", "invalid control structure"},
                 {"023", "improper (premature) end of file"},
                 {"024", "invalid interchange content (e.g. an invalid GS segment)"},
                 {"025", "duplicate interchange control number"},
                 {"026", "invalid data element separator"},
                 {"027", "invalid component element separator"}},
                c);
}

}  // namespace orderd::x12
