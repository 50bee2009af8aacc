#include "edi/x12_reader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <memory>

namespace orderd::x12 {
namespace {

// Bytes after the buffer's capacity: a 64-byte block read at any byte stays
// inside the allocation (and so does a kViewPadding read after any view).
constexpr std::size_t kBufferPadding = 64;

class BufferSource final : public Source {
 public:
  explicit BufferSource(std::string_view d) : data_(d) {}
  Result<std::size_t> read(char* out, std::size_t max) override {
    std::size_t n = std::min(max, data_.size() - pos_);
    if (n) std::memcpy(out, data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

class FileSource final : public Source {
 public:
  FileSource(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~FileSource() override { ::close(fd_); }
  Result<std::size_t> read(char* out, std::size_t max) override {
    for (;;) {
      ssize_t n = ::read(fd_, out, max);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        return fail(ErrorKind::kIo, fmt::format("cannot read {}: {}", path_, std::strerror(errno)));
      return static_cast<std::size_t>(n);
    }
  }

 private:
  int fd_;
  std::string path_;
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool is_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

std::string printable(char c) {
  if (c >= 0x20 && c < 0x7f) return fmt::format("'{}'", c);
  return fmt::format("0x{:02X}", static_cast<unsigned char>(c));
}

}  // namespace

std::unique_ptr<Source> buffer_source(std::string_view data) {
  return std::make_unique<BufferSource>(data);
}

Result<std::unique_ptr<Source>> file_source(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail(ErrorKind::kIo,
                fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<Source>(new FileSource(fd, path.string()));
}

Reader::Reader(std::unique_ptr<Source> source, std::size_t chunk)
    : src_(std::move(source)), chunk_(std::max<std::size_t>(chunk, 1)) {}

Result<bool> Reader::fill(std::size_t want) {
  while (size_ - pos_ < want && !eof_) {
    forget_window();  // the bytes move or grow: the masks are stale
    if (pos_ > 0) {
      std::memmove(buf_.get(), buf_.get() + pos_, size_ - pos_);
      size_ -= pos_;
      consumed_ += pos_;
      pos_ = 0;
    }
    const std::size_t room = std::max(chunk_, want);
    if (cap_ - size_ < room) {
      // Grow: a segment longer than the buffer, or the first read.
      const std::size_t cap = std::max(size_ + room, cap_ * 2);
      auto bigger = std::make_unique_for_overwrite<char[]>(cap + kBufferPadding);
      if (size_) std::memcpy(bigger.get(), buf_.get(), size_);
      buf_ = std::move(bigger);
      cap_ = cap;
    }
    auto n = src_->read(buf_.get() + size_, cap_ - size_);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) eof_ = true;
    size_ += *n;
  }
  return size_ - pos_ >= want;
}

namespace {

// Bit i of `sep`: p[i] is the element separator; of `end`: p[i] is the
// segment terminator, CR or LF. Reads 64 bytes. (AVX2 and BMI builds of the
// fast path were measured: fewer instructions, no time gained.)
struct Masks {
  std::uint64_t sep = 0, end = 0;
};

Masks masks(const char* p, char sep, char term) {
  Masks m;
#if defined(__SSE2__)
  const __m128i vsep = _mm_set1_epi8(sep), vterm = _mm_set1_epi8(term);
  const __m128i vcr = _mm_set1_epi8('\r'), vlf = _mm_set1_epi8('\n');
  for (int i = 0; i < 4; ++i) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    const __m128i e = _mm_or_si128(_mm_cmpeq_epi8(v, vterm),
                                   _mm_or_si128(_mm_cmpeq_epi8(v, vcr), _mm_cmpeq_epi8(v, vlf)));
    m.sep |= std::uint64_t{static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, vsep)))}
             << (16 * i);
    m.end |= std::uint64_t{static_cast<unsigned>(_mm_movemask_epi8(e))} << (16 * i);
  }
#else
  for (int i = 0; i < 64; ++i) {
    const std::uint64_t bit = std::uint64_t{1} << i;
    if (p[i] == sep) m.sep |= bit;
    if (p[i] == term || p[i] == '\r' || p[i] == '\n') m.end |= bit;
  }
#endif
  return m;
}

}  // namespace

void Reader::classify(std::size_t at) {
  // The buffer has kBufferPadding bytes after it, so the loads stay inside;
  // bits past size_ are cleared.
  const char* p = buf_.get() + at;
  const Masks m = masks(p, delim_.element, delim_.segment);
  const std::size_t valid = size_ - at;
  const std::uint64_t live = valid >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << valid) - 1;
  sep_mask_ = m.sep & live;
  end_mask_ = m.end & live;
  window_ = at;
}

std::uint32_t* Reader::grow_ends(std::size_t used) {
  ends_.resize(std::max<std::size_t>(used * 2, 130));
  return ends_.data();
}

void Reader::split(std::string_view body, Segment& seg) {
  // Offsets are 32-bit: the elements of a longer segment (4 GiB without a
  // terminator) end there, and the bytes past it are not read.
  body = body.substr(0, std::min<std::size_t>(body.size(), 0xFFFFFFFE));
  std::uint32_t* e = ends_.data();
  std::size_t n = 0;
  const char sep = delim_.element;
  std::size_t start = 0;
  for (;;) {
    if (n + 2 > ends_.size()) e = grow_ends(n + 2);
    const char* p =
        static_cast<const char*>(std::memchr(body.data() + start, sep, body.size() - start));
    const std::size_t at = p ? static_cast<std::size_t>(p - body.data()) : body.size();
    e[++n] = static_cast<std::uint32_t>(at);
    if (!p) break;
    start = at + 1;
  }
  seg.base = body.data();
  seg.ends = e;
  seg.size = static_cast<std::uint32_t>(n);
  seg.code = tag_code(seg.at(0));
}

void Reader::split_scratch(Segment& seg) {
  // The padding every view promises, after the joined text.
  const std::size_t len = scratch_.size();
  scratch_.append(kViewPadding, '\0');
  split(std::string_view(scratch_).substr(0, len), seg);
}

Result<bool> Reader::read_isa(Segment& seg) {
  // Every header error names its byte and line.
  auto isa_error = [&](std::uint64_t at, std::string what) {
    return fail(ErrorKind::kInvalid, fmt::format("byte {} (line {}): {}", at, line_, what));
  };
  auto enough = fill(256);
  if (!enough) return std::unexpected(enough.error());
  const std::string_view rest(buf_.get() + pos_, size_ - pos_);
  const std::uint64_t offset = consumed_ + pos_;
  if (!rest.starts_with("ISA")) {
    std::string_view found = rest.substr(0, std::min<std::size_t>(rest.find_first_of("\r\n"), 20));
    return isa_error(offset, fmt::format("expected an interchange header (ISA), found '{}'; is "
                                         "this an X12 file?",
                                         found));
  }
  if (rest.size() < 4) return isa_error(offset, "the file ends inside the ISA header");
  const char sep = rest[3];
  if (is_alnum(sep) || is_space(sep))
    return isa_error(offset, fmt::format("ISA: the character after ISA must be the element "
                                         "separator, found {}",
                                         printable(sep)));
  // Walk to the 16th separator; ISA16 follows it, then the segment terminator.
  // Line breaks inside the header (a wrapped file) are dropped.
  scratch_.clear();
  int seps = 0;
  std::size_t i = 0;
  for (; i < rest.size() && seps < 16; ++i) {
    const char c = rest[i];
    if (c == '\r' || c == '\n') continue;
    scratch_.push_back(c);
    if (c == sep) ++seps;
  }
  while (i < rest.size() && (rest[i] == '\r' || rest[i] == '\n')) ++i;
  if (seps < 16 || i + 1 >= rest.size())
    return isa_error(offset, fmt::format("ISA has {} of its 16 elements before the file or "
                                         "header ends; the header is cut short",
                                         seps));
  scratch_.push_back(rest[i]);  // ISA16
  const char component = rest[i];
  const char terminator = rest[i + 1];
  if (terminator == sep || terminator == component || is_alnum(terminator) || terminator == ' ')
    return isa_error(offset, fmt::format("ISA: the segment terminator after ISA16 is {}, which "
                                         "cannot be a terminator (ISA elements of the wrong "
                                         "width?)",
                                         printable(terminator)));
  delim_ = Delimiters{sep, component, 0, terminator};
  forget_window();  // the masks depend on the delimiters
  split_scratch(seg);
  // ISA11 is the repetition separator from version 00501 on.
  if (seg.at(12) >= "00501" && seg.at(11).size() == 1 && !is_alnum(seg.at(11)[0]))
    delim_.repetition = seg.at(11)[0];
  seg.offset = offset;
  seg.line = line_;
  seg.number = ++segments_;
  line_ += static_cast<std::uint64_t>(
      std::count(rest.begin(), rest.begin() + static_cast<long>(i + 2), '\n'));
  pos_ += i + 2;
  in_interchange_ = true;
  return true;
}

// After a segment that ends at `after` (past its terminator, or at the end
// of the input): the line break after the terminator goes with it, and an
// IEA closes the interchange.
[[gnu::always_inline]] inline void Reader::end_segment(const Segment& seg, std::size_t after) {
  if (delim_.segment == '\n') ++line_;
  if (after < size_ && buf_[after] == '\n') {
    ++line_;
    ++after;
  } else if (after + 1 < size_ && buf_[after] == '\r' && buf_[after + 1] == '\n') {
    ++line_;
    after += 2;
  }
  pos_ = after;
  if (seg.code == "IEA"_tag) in_interchange_ = false;
}

// The usual segment: it starts at pos_ and ends, with its terminator, within
// 64 bytes, with no line break inside. Returns false, changing nothing but
// the window, for anything else; next_slow() handles those.
bool Reader::scan(Segment& seg) {
  const char* const base = buf_.get();
  const std::size_t p = pos_;
  std::size_t off = p - window_;  // huge when p is before the window
  std::uint64_t ends;
  if (off >= 64 || (ends = end_mask_ >> off) == 0) {
    // Past the window, or the terminator is not in it: a new window at p.
    classify(p);
    off = 0;
    ends = end_mask_;
    if (ends == 0) return false;  // longer than 64 bytes, or the buffer ends first
  }
  const auto len = static_cast<std::size_t>(std::countr_zero(ends));
  if (base[p + len] != delim_.segment) return false;  // a line break inside
  std::uint64_t seps = sep_mask_ >> off & ((std::uint64_t{1} << len) - 1);
  // The mask bits are offsets from p already. At most 64 elements: ends_
  // always has room (its size is at least 130).
  std::uint32_t* const e = ends_.data() + 1;
  std::size_t n = 0;
  for (; seps; seps &= seps - 1) e[n++] = static_cast<std::uint32_t>(std::countr_zero(seps));
  e[n++] = static_cast<std::uint32_t>(len);
  seg.base = base + p;
  seg.ends = ends_.data();
  seg.size = static_cast<std::uint32_t>(n);
  seg.offset = consumed_ + p;
  seg.line = line_;
  seg.number = ++segments_;
  seg.code = padded_code(std::string_view(base + p, e[0]));
  end_segment(seg, p + len + 1);
  return true;
}

Result<bool> Reader::next_slow(Segment& seg) {
  for (;;) {
    // Skip white space (and a BOM) before a tag; usually there is none,
    // since the line break after a terminator went with its segment.
    const bool at_tag = pos_ < size_ && in_interchange_ && is_alnum(buf_[pos_]);
    for (; !at_tag;) {
      if (pos_ >= size_) {
        auto more = fill(1);
        if (!more) return std::unexpected(more.error());
        if (!*more) return false;
      }
      const char c = buf_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (is_space(c) && c != delim_.segment) {
        ++pos_;
      } else if (c == '\xEF' && consumed_ + pos_ == 0) {
        auto more = fill(3);
        if (!more) return std::unexpected(more.error());
        if (std::string_view(buf_.get() + pos_, size_ - pos_).substr(0, 3) != "\xEF\xBB\xBF") break;
        pos_ += 3;
      } else if (c == delim_.segment && in_interchange_) {
        ++pos_;  // an empty segment (a doubled terminator): skip
      } else {
        break;
      }
    }
    if (!in_interchange_) return read_isa(seg);
    // The whole segment, reading more input while it is incomplete (or up to
    // the end of the input, for a last segment without its terminator).
    std::size_t end;
    for (;;) {
      const char* base = buf_.get();
      const void* t = std::memchr(base + pos_, delim_.segment, size_ - pos_);
      if (t || eof_) {
        end = t ? static_cast<std::size_t>(static_cast<const char*>(t) - base) : size_;
        break;
      }
      auto more = fill(size_ - pos_ + chunk_);
      if (!more) return std::unexpected(more.error());
    }
    const std::string_view body(buf_.get() + pos_, end - pos_);
    seg.offset = consumed_ + pos_;
    seg.line = line_;
    seg.number = ++segments_;
    if (body.find_first_of("\r\n") != std::string_view::npos) {
      // Wrapped lines, or CR/LF before a missing last terminator: join.
      line_ += static_cast<std::uint64_t>(std::count(body.begin(), body.end(), '\n'));
      scratch_.clear();
      for (char c : body)
        if (c != '\r' && c != '\n') scratch_.push_back(c);
      while (!scratch_.empty() && is_space(scratch_.back())) scratch_.pop_back();
      split_scratch(seg);
    } else {
      split(body, seg);  // the buffer's padding follows it
    }
    end_segment(seg, end < size_ ? end + 1 : end);
    return true;
  }
}

}  // namespace orderd::x12
