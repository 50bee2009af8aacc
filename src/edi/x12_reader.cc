#include "edi/x12_reader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace orderd::x12 {
namespace {

class BufferSource final : public Source {
 public:
  explicit BufferSource(std::string_view d) : data_(d) {}
  Result<std::size_t> read(std::string& out, std::size_t max) override {
    std::size_t n = std::min(max, data_.size() - pos_);
    out.append(data_.substr(pos_, n));
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
  Result<std::size_t> read(std::string& out, std::size_t max) override {
    const std::size_t old = out.size();
    out.resize(old + max);
    for (;;) {
      ssize_t n = ::read(fd_, out.data() + old, max);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        out.resize(old);
        return fail(ErrorKind::kIo, fmt::format("cannot read {}: {}", path_, std::strerror(errno)));
      }
      out.resize(old + static_cast<std::size_t>(n));
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
    : src_(std::move(source)), chunk_(chunk) {
  buf_.reserve(chunk_ * 2);
}

Result<bool> Reader::fill(std::size_t want) {
  while (buf_.size() - pos_ < want && !eof_) {
    if (pos_ > 0) {
      buf_.erase(0, pos_);
      consumed_ += pos_;
      pos_ = 0;
    }
    auto n = src_->read(buf_, std::max(chunk_, want));
    if (!n) return std::unexpected(n.error());
    if (*n == 0) eof_ = true;
  }
  return buf_.size() - pos_ >= want;
}

void Reader::split(std::string_view body, Segment& seg) {
  seg.elements.clear();
  const char sep = delim_.element;
  std::size_t start = 0;
  for (;;) {
    const char* p =
        static_cast<const char*>(std::memchr(body.data() + start, sep, body.size() - start));
    if (!p) {
      seg.elements.push_back(body.substr(start));
      return;
    }
    const std::size_t at = static_cast<std::size_t>(p - body.data());
    seg.elements.push_back(body.substr(start, at - start));
    start = at + 1;
  }
}

Result<bool> Reader::read_isa(Segment& seg) {
  // Every header error names its byte and line.
  auto isa_error = [&](std::uint64_t at, std::string what) {
    return fail(ErrorKind::kInvalid, fmt::format("byte {} (line {}): {}", at, line_, what));
  };
  auto enough = fill(256);
  if (!enough) return std::unexpected(enough.error());
  const std::string_view rest(buf_.data() + pos_, buf_.size() - pos_);
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
  split(scratch_, seg);
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

Result<bool> Reader::next(Segment& seg) {
  for (;;) {
    // Skip white space (and a BOM) before a tag.
    for (;;) {
      if (pos_ >= buf_.size()) {
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
        if (buf_.compare(pos_, 3, "\xEF\xBB\xBF") != 0) break;
        pos_ += 3;
      } else if (c == delim_.segment && in_interchange_) {
        ++pos_;  // an empty segment (a doubled terminator): skip
      } else {
        break;
      }
    }
    if (!in_interchange_) return read_isa(seg);
    // One pass over the segment: split elements, find the terminator, notice
    // line breaks. Reads more input while the segment is incomplete.
    const char term = delim_.segment, sep = delim_.element;
    std::size_t end;
    bool breaks_inside = false;
    for (;;) {
      seg.elements.clear();
      breaks_inside = false;
      const char* const base = buf_.data();
      const char* p = base + pos_;
      const char* const e = base + buf_.size();
      const char* start = p;
#if defined(__SSE2__)
      // 16 bytes at a time: a mask of separators, terminators and line breaks.
      const __m128i vsep = _mm_set1_epi8(sep), vterm = _mm_set1_epi8(term);
      const __m128i vcr = _mm_set1_epi8('\r'), vlf = _mm_set1_epi8('\n');
      bool found = false;
      while (!found && e - p >= 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        const __m128i hit =
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, vsep), _mm_cmpeq_epi8(v, vterm)),
                         _mm_or_si128(_mm_cmpeq_epi8(v, vcr), _mm_cmpeq_epi8(v, vlf)));
        unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
        while (mask) {
          const char* q = p + __builtin_ctz(mask);
          mask &= mask - 1;
          const char c = *q;
          if (c == term) {
            p = q;
            found = true;
            break;
          }
          if (c == sep) {
            seg.elements.emplace_back(start, static_cast<std::size_t>(q - start));
            start = q + 1;
          } else {
            breaks_inside = true;
          }
        }
        if (!found) p += 16;
      }
      if (!found)
#endif
        for (; p < e; ++p) {
          const char c = *p;
          if (c == term) break;
          if (c == sep) {
            seg.elements.emplace_back(start, static_cast<std::size_t>(p - start));
            start = p + 1;
          } else if (c == '\n' || c == '\r') {
            breaks_inside = true;
          }
        }
      if (p < e || eof_) {  // found, or the last segment lacks its terminator
        seg.elements.emplace_back(start, static_cast<std::size_t>(p - start));
        end = static_cast<std::size_t>(p - base);
        break;
      }
      auto more = fill(buf_.size() - pos_ + chunk_);
      if (!more) return std::unexpected(more.error());
    }
    seg.offset = consumed_ + pos_;
    seg.line = line_;
    seg.number = ++segments_;
    if (breaks_inside) {
      // Wrapped lines, or CR/LF before a missing last terminator: join.
      std::string_view body(buf_.data() + pos_, end - pos_);
      line_ += static_cast<std::uint64_t>(std::count(body.begin(), body.end(), '\n'));
      scratch_.clear();
      for (char c : body)
        if (c != '\r' && c != '\n') scratch_.push_back(c);
      while (!scratch_.empty() && is_space(scratch_.back())) scratch_.pop_back();
      split(scratch_, seg);
    } else if (term == '\n') {
      ++line_;
    }
    pos_ = end < buf_.size() ? end + 1 : end;
    if (seg.tag() == "IEA") in_interchange_ = false;
    return true;
  }
}

}  // namespace orderd::x12
