// X12 syntax: delimiters, segments and a streaming reader. Knows nothing of
// orders; depends on nothing but util/.
//
// The reader takes its delimiters from each ISA header (element separator
// after "ISA", component separator ISA16, segment terminator after ISA16,
// repetition separator ISA11 from version 00501 on), so a file may hold any
// number of interchanges, each with its own delimiters. It tolerates a UTF-8
// BOM, white space before a segment tag (CR/LF after terminators,
// indentation) and, when the terminator is not a line break, line breaks
// inside segments (files wrapped at a fixed width).
//
// Memory is bounded: input is read in chunks of `chunk` bytes; a segment's
// views stay valid until the next call to next(). Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace orderd::x12 {

struct Delimiters {
  char element = '*';
  char component = ':';
  char repetition = 0;  // 0: none (before 00501)
  char segment = '~';
};

// One segment: elements[0] is the tag. Views into the reader's buffer.
struct Segment {
  std::vector<std::string_view> elements;
  std::uint64_t number = 0;  // 1-based position in the file
  std::uint64_t offset = 0;  // byte offset of the tag in the file
  std::uint64_t line = 0;    // 1-based line of the tag in the file

  std::string_view tag() const { return elements.empty() ? std::string_view() : elements[0]; }
  // Element i (1-based, as X12 numbers them), "" when absent.
  std::string_view at(std::size_t i) const {
    return i < elements.size() ? elements[i] : std::string_view();
  }
  std::size_t count() const { return elements.empty() ? 0 : elements.size() - 1; }
};

// Where bytes come from: a whole buffer or a file read in chunks.
class Source {
 public:
  virtual ~Source() = default;
  // Appends up to `max` bytes to `out`; returns how many (0 at the end).
  virtual Result<std::size_t> read(std::string& out, std::size_t max) = 0;
};

std::unique_ptr<Source> buffer_source(std::string_view data);  // data must outlive the source
Result<std::unique_ptr<Source>> file_source(const std::filesystem::path& path);

class Reader {
 public:
  explicit Reader(std::unique_ptr<Source> source, std::size_t chunk = 1 << 20);

  // Reads the next segment. Returns false at the end of input. An error
  // (no ISA where one must be, a bad ISA, a read error) names the byte
  // offset and line; reading cannot go on after it.
  Result<bool> next(Segment& seg);

  // The delimiters of the interchange the last segment belongs to.
  const Delimiters& delimiters() const { return delim_; }
  std::uint64_t bytes_read() const { return consumed_ + pos_; }

 private:
  Result<bool> fill(
      std::size_t want);  // ensures buf_ holds `want` bytes from pos_, if the input has them
  Result<bool> read_isa(Segment& seg);
  void split(std::string_view body, Segment& seg);

  std::unique_ptr<Source> src_;
  std::size_t chunk_;
  std::string buf_;
  std::size_t pos_ = 0;
  bool eof_ = false;
  bool in_interchange_ = false;
  std::uint64_t consumed_ = 0;  // file offset of buf_[0]
  std::uint64_t line_ = 1;      // line at buf_[pos_]
  std::uint64_t segments_ = 0;
  Delimiters delim_;
  std::string scratch_;  // a segment with line breaks inside, joined
};

}  // namespace orderd::x12
