#include "edi/x12_writer.h"

#include <fmt/format.h>

namespace orderd::x12 {

void Writer::terminate() {
  out_.push_back(d_.segment);
  if (newline_ && d_.segment != '\n') out_.push_back('\n');
}

void Writer::clean(std::string_view data) {
  for (char c : data) {
    if (c == d_.element || c == d_.component || c == d_.segment ||
        (d_.repetition && c == d_.repetition) || c == '\r' || c == '\n')
      c = ' ';
    out_.push_back(c);
  }
}

void Writer::begin_interchange(const InterchangeHeader& h) {
  groups_ = 0;
  isa13_ = fmt::format("{:09}", h.control);
  const bool v5 = h.version >= "005010";
  const char e = d_.element;
  // Every ISA element has a fixed width: pad ids to 15.
  out_ += fmt::format(
      "ISA{0}00{0}{1:10}{0}00{0}{1:10}{0}{2:2}{0}{3:<15}{0}{4:2}{0}{5:<15}{0}{6}{0}{7}{0}{8}{0}{9}{"
      "0}{10}{0}{11}{0}{12}{0}{13}",
      e, "", h.sender_qualifier, h.sender_id.substr(0, 15), h.receiver_qualifier,
      h.receiver_id.substr(0, 15), h.date, h.time, v5 ? d_.repetition : 'U', v5 ? "00501" : "00401",
      isa13_, h.ack_requested ? "1" : "0", h.usage, d_.component);
  terminate();
}

void Writer::begin_group(std::string_view fid, std::string_view sender, std::string_view receiver,
                         std::string_view date8, std::string_view time, std::uint64_t control,
                         std::string_view version) {
  sets_ = 0;
  ++groups_;
  gs06_ = std::to_string(control);
  segment({"GS", fid, sender, receiver, date8, time, gs06_, "X", version});
}

void Writer::begin_set(std::string_view id, std::string_view control) {
  ++sets_;
  st02_ = std::string(control);
  segments_ = 0;
  segment({"ST", id, control});
}

void Writer::segment(std::initializer_list<std::string_view> elements) {
  std::size_t n = elements.size();
  while (n > 1 && (elements.begin() + (n - 1))->empty()) --n;
  std::size_t i = 0;
  for (auto el : elements) {
    if (i == n) break;
    if (i) out_.push_back(d_.element);
    if (i == 0)
      raw(el);
    else
      clean(el);
    ++i;
  }
  terminate();
  ++segments_;
}

void Writer::end_set() {
  const std::string count = std::to_string(segments_ + 1);
  segment({"SE", count, st02_});
}

void Writer::end_group() {
  const std::string count = std::to_string(sets_);
  segment({"GE", count, gs06_});
}

void Writer::end_interchange() {
  const std::string count = std::to_string(groups_);
  segment({"IEA", count, isa13_});
}

}  // namespace orderd::x12
