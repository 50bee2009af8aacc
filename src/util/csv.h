// RFC 4180 reader and writer.
//
// CsvReader walks a buffer the caller owns (it must outlive the reader) and
// yields one record at a time as string_views. Unquoted fields point into the
// buffer; quoted fields with doubled quotes are unescaped into storage owned by
// the reader and stay valid until the next call to next(). It takes a UTF-8
// BOM, CRLF or LF line ends, quoted fields with embedded delimiters and
// newlines, and reports malformed input with its line and column.
// Not thread-safe; one reader per buffer.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace orderd {

class CsvReader {
 public:
  // quoting=false reads tab-separated flat files where '"' is an ordinary
  // character (Amazon's reports).
  CsvReader(std::string_view data, char delimiter = ',', bool quoting = true);

  // Reads the next record into `fields` (cleared first). Returns false at the
  // end of input. Blank lines are skipped. On malformed input, or a record
  // past the limits (util/limits.h: fields, bytes), returns an error naming
  // the line (and column); the reader is then at the end.
  Result<bool> next(std::vector<std::string_view>& fields);

  // 1-based line on which the record last returned starts.
  std::size_t line() const { return record_line_; }
  // Byte offset in the buffer at which the record last returned starts.
  std::size_t offset() const { return record_start_; }
  // Goes to a record start that offset() and line() gave, to read it again.
  void seek(std::size_t offset, std::size_t line) {
    pos_ = line_start_ = offset;
    line_ = line;
  }

 private:
  Result<bool> read_record(std::vector<std::string_view>& fields);

  std::string_view data_;
  std::size_t pos_ = 0;
  std::size_t record_start_ = 0;
  std::size_t line_ = 1;
  std::size_t line_start_ = 0;
  std::size_t record_line_ = 0;
  char delim_;
  bool quoting_;
  std::deque<std::string> owned_;
};

// Appends `field` to `out`, quoted when it holds the delimiter, a quote, CR,
// LF or leading/trailing spaces.
void csv_append_field(std::string& out, std::string_view field, char delimiter = ',');

// Appends a whole record followed by CRLF (RFC 4180 line end).
void csv_append_record(std::string& out, const std::vector<std::string_view>& fields,
                       char delimiter = ',');

}  // namespace orderd
