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
//
// Speed: a segment is cut from two bit masks of a 64-byte window (element
// separators; terminators and line breaks), made with SSE2 compares once per
// window and shared by the segments in it; its elements come from the mask
// bits, never from a copy.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
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

// A segment tag (or any code) of up to three characters as a number: the
// characters in the low three bytes, first one lowest (their order in
// memory on a little-endian machine), the length in the top one ("HL" ->
// 0x02004C48), for switch dispatch without string compares; 0 for an empty
// or longer one.
constexpr std::uint32_t tag_code(std::string_view t) {
  if (t.empty() || t.size() > 3) return 0;
  std::uint32_t c = 0;
  for (std::size_t i = 0; i < t.size(); ++i)
    c |= std::uint32_t{static_cast<unsigned char>(t[i])} << (8 * i);
  return c | static_cast<std::uint32_t>(t.size()) << 24;
}

// "HL"_tag: tag_code() of a literal, always worked out at compile time.
consteval std::uint32_t operator""_tag(const char* s, std::size_t n) {
  return tag_code(std::string_view(s, n));
}

// Bytes after the end of any element view that may be read (never used):
// lets a reader of small values copy a fixed 16 bytes without a branch.
inline constexpr std::size_t kViewPadding = 16;
inline constexpr char kNoElement[kViewPadding] = {};  // what an absent element views

// tag_code() of a view that has kViewPadding readable bytes after it (any
// element view a Reader hands out): one load and a mask, no loop.
[[gnu::always_inline]] inline std::uint32_t padded_code(std::string_view v) {
  static constexpr std::uint32_t kKeep[4] = {0, 0xFF, 0xFFFF, 0xFFFFFF};
  const std::size_t n = v.size();
  if (n - 1 >= 3) return 0;  // empty or longer than three
  std::uint32_t word;
  std::memcpy(&word, v.data(), sizeof word);
  if constexpr (std::endian::native == std::endian::big) word = std::byteswap(word);
  return (word & kKeep[n]) | static_cast<std::uint32_t>(n) << 24;
}

// The value of an element written as digits only (leading zeros allowed),
// or 0 when it is empty, longer than 18 digits or holds anything else. One
// or two digits, the usual HL number or quantity, take no loop.
[[gnu::always_inline]] inline std::uint64_t decimal_value(std::string_view s) {
  const std::size_t n = s.size();
  if (n - 1 < 2) {
    const unsigned a = static_cast<unsigned char>(s[0]) - unsigned{'0'};
    if (n == 1) return a < 10 ? a : 0;
    const unsigned b = static_cast<unsigned char>(s[1]) - unsigned{'0'};
    return a < 10 && b < 10 ? a * 10 + b : 0;
  }
  if (n == 0 || n > 18) return 0;
  std::uint64_t v = 0;
  for (char c : s) {
    const unsigned d = static_cast<unsigned char>(c) - unsigned{'0'};
    if (d >= 10) return 0;
    v = v * 10 + d;
  }
  return v;
}

// One segment, the tag as element 0. Element i is the bytes of `base` from
// ends[i] + 1 up to ends[i + 1] (ends[0] is 0xFFFFFFFF, so element 0 starts
// at 0; ends[i + 1] is the separator or terminator after element i): a
// reader writes one number per element, and at() makes the view. Both
// point into the reader's buffer and table, valid until its next call to
// next(). At least kViewPadding readable bytes follow each element.
struct Segment {
  const char* base = kNoElement;
  const std::uint32_t* ends = nullptr;
  std::uint32_t size = 0;    // elements, the tag included
  std::uint32_t code = 0;    // tag_code(tag())
  std::uint64_t number = 0;  // 1-based position in the file
  std::uint64_t offset = 0;  // byte offset of the tag in the file
  std::uint64_t line = 0;    // 1-based line of the tag in the file

  std::string_view tag() const { return at(0); }
  // Element i (1-based, as X12 numbers them), "" when absent.
  [[gnu::always_inline]] std::string_view at(std::size_t i) const {
    if (i >= size) return std::string_view(kNoElement, 0);
    const std::uint32_t from = ends[i] + 1, to = ends[i + 1];
    return std::string_view(base + from, to - from);
  }
  std::size_t count() const { return size ? size - 1 : 0; }
};

// Where bytes come from: a whole buffer or a file read in chunks.
class Source {
 public:
  virtual ~Source() = default;
  // Writes up to `max` bytes at `out`; returns how many (0 at the end).
  virtual Result<std::size_t> read(char* out, std::size_t max) = 0;
};

std::unique_ptr<Source> buffer_source(std::string_view data);  // data must outlive the source
Result<std::unique_ptr<Source>> file_source(const std::filesystem::path& path);

class Reader {
 public:
  explicit Reader(std::unique_ptr<Source> source, std::size_t chunk = 1 << 20);

  // Reads the next segment. Returns false at the end of input. An error
  // (no ISA where one must be, a bad ISA, a read error) names the byte
  // offset and line; reading cannot go on after it.
  Result<bool> next(Segment& seg) {
    const bool at_tag = pos_ < size_ && in_interchange_ &&
                        static_cast<unsigned char>((buf_[pos_] | 0x20) - 'a') < 26;
    if (at_tag && scan(seg)) return true;
    return next_slow(seg);
  }

  // The delimiters of the interchange the last segment belongs to.
  const Delimiters& delimiters() const { return delim_; }
  std::uint64_t bytes_read() const { return consumed_ + pos_; }

 private:
  // Ensures the buffer holds `want` bytes from pos_, if the input has them.
  // Moves the unread bytes to the front: views into the buffer die.
  Result<bool> fill(std::size_t want);
  bool scan(Segment& seg);  // the fast path of next()
  void end_segment(const Segment& seg, std::size_t after);
  Result<bool> next_slow(Segment& seg);
  Result<bool> read_isa(Segment& seg);
  void split(std::string_view body, Segment& seg);
  void split_scratch(Segment& seg);            // split(scratch_), padded
  std::uint32_t* grow_ends(std::size_t used);  // doubles ends_; returns its data
  void classify(std::size_t at);               // the masks of the 64 bytes at buf_[at]
  // No terminator in the window: the next scan() makes a new one.
  void forget_window() { end_mask_ = 0; }

  std::unique_ptr<Source> src_;
  std::size_t chunk_;
  std::unique_ptr<char[]> buf_;  // cap_ bytes and 64 of padding (kBufferPadding)
  std::size_t cap_ = 0, size_ = 0;
  std::size_t pos_ = 0;
  // The window the fast path reads: bit i of sep_mask_ is set when
  // buf_[window_ + i] is an element separator, of end_mask_ when it is a
  // segment terminator, CR or LF (what ends a segment, or sends it to the
  // slow path). Bits past size_ are clear.
  std::size_t window_ = 0;
  std::uint64_t sep_mask_ = 0, end_mask_ = 0;
  bool eof_ = false;
  bool in_interchange_ = false;
  std::uint64_t consumed_ = 0;  // file offset of buf_[0]
  std::uint64_t line_ = 1;      // line at buf_[pos_]
  std::uint64_t segments_ = 0;
  Delimiters delim_;
  std::string scratch_;  // a segment with line breaks inside, joined
  // Segment::ends of the segment read last; slot 0 is always 0xFFFFFFFF.
  std::vector<std::uint32_t> ends_ = std::vector<std::uint32_t>(130, 0xFFFFFFFF);
};

}  // namespace orderd::x12
