// Writes X12: envelopes and segments with the partner's delimiters. Element
// data never carries a delimiter (X12 has no escape): one in the data is
// replaced by a space, so a customer's "12 Main St*Apt 4" cannot break the
// file. Counts (SE01, GE01, IEA01) and trailers are written for the caller.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "edi/x12_reader.h"

namespace orderd::x12 {

struct InterchangeHeader {
  std::string sender_qualifier, sender_id, receiver_qualifier, receiver_id;
  std::uint64_t control = 0;  // ISA13
  std::string date;           // YYMMDD
  std::string time;           // HHMM
  std::string version;        // "004010" or "005010" (ISA12 is 00401 / 00501)
  std::string usage = "P";
  bool ack_requested = false;
};

class Writer {
 public:
  Writer(Delimiters d, bool newline) : d_(d), newline_(newline) {}

  void begin_interchange(const InterchangeHeader& h);
  void begin_group(std::string_view functional_id, std::string_view sender,
                   std::string_view receiver, std::string_view date8, std::string_view time,
                   std::uint64_t control, std::string_view version);
  void begin_set(std::string_view id, std::string_view control);
  // A segment: tag first. Trailing empty elements are dropped.
  void segment(std::initializer_list<std::string_view> elements);
  void end_set();
  void end_group();
  void end_interchange();

  std::string take() { return std::move(out_); }
  const std::string& text() const { return out_; }

 private:
  void raw(std::string_view s) { out_.append(s); }
  void clean(std::string_view data);
  void terminate();

  Delimiters d_;
  bool newline_;
  std::string out_;
  std::string isa13_, gs06_, st02_;
  int groups_ = 0, sets_ = 0, segments_ = 0;
};

}  // namespace orderd::x12
