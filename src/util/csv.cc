#include "util/csv.h"

#include <fmt/format.h>

#include "util/limits.h"

namespace orderd {

CsvReader::CsvReader(std::string_view data, char delimiter, bool quoting)
    : data_(data), delim_(delimiter), quoting_(quoting) {
  if (data_.starts_with("\xEF\xBB\xBF")) pos_ = line_start_ = 3;
}

Result<bool> CsvReader::next(std::vector<std::string_view>& fields) {
  auto more = read_record(fields);
  if (more && *more && fields.size() > limits::kColumns) {
    pos_ = data_.size();
    return fail(ErrorKind::kInvalid,
                fmt::format("line {}: {} fields, more than the {} orderd reads in one record",
                            record_line_, fields.size(), limits::kColumns));
  }
  if (more && *more && pos_ - record_start_ > limits::kRecordBytes) {
    pos_ = data_.size();
    return fail(ErrorKind::kInvalid,
                fmt::format("line {}: the record is {} bytes long, more than the {} KiB orderd "
                            "reads in one record",
                            record_line_, pos_ - record_start_, limits::kRecordBytes >> 10));
  }
  return more;
}

Result<bool> CsvReader::read_record(std::vector<std::string_view>& fields) {
  fields.clear();
  owned_.clear();
  const std::size_t n = data_.size();
  // Skip blank lines between records.
  while (pos_ < n && (data_[pos_] == '\n' || data_[pos_] == '\r')) {
    if (data_[pos_] == '\n') {
      ++line_;
      line_start_ = pos_ + 1;
    }
    ++pos_;
  }
  if (pos_ >= n) return false;
  record_line_ = line_;
  record_start_ = pos_;
  for (;;) {
    if (quoting_ && pos_ < n && data_[pos_] == '"') {
      const std::size_t open_line = line_, open_col = pos_ - line_start_ + 1;
      ++pos_;
      std::size_t start = pos_;
      std::string* buf = nullptr;
      for (;;) {
        if (pos_ >= n) {
          pos_ = n;
          return fail(ErrorKind::kInvalid,
                      fmt::format("line {}, column {}: quoted field is never closed (a '\"' is "
                                  "missing); the file may be truncated",
                                  open_line, open_col));
        }
        char c = data_[pos_];
        if (c == '"') {
          if (pos_ + 1 < n && data_[pos_ + 1] == '"') {
            if (!buf) buf = &owned_.emplace_back();
            buf->append(data_.substr(start, pos_ + 1 - start));
            pos_ += 2;
            start = pos_;
            continue;
          }
          break;
        }
        if (c == '\n') {
          ++line_;
          line_start_ = pos_ + 1;
        }
        ++pos_;
      }
      std::string_view raw = data_.substr(start, pos_ - start);
      ++pos_;  // closing quote
      if (buf) {
        buf->append(raw);
        fields.emplace_back(*buf);
      } else {
        fields.push_back(raw);
      }
      if (pos_ < n && data_[pos_] != delim_ && data_[pos_] != '\n' && data_[pos_] != '\r') {
        std::size_t col = pos_ - line_start_ + 1;
        pos_ = n;
        return fail(ErrorKind::kInvalid,
                    fmt::format("line {}, column {}: unexpected character after a closing quote "
                                "(a quote inside a quoted field must be doubled)",
                                line_, col));
      }
    } else {
      std::size_t start = pos_;
      while (pos_ < n) {
        char c = data_[pos_];
        if (c == delim_ || c == '\n' || c == '\r') break;
        // A quote inside an unquoted field (12" board, ="0123") is taken literally,
        // as spreadsheets and most readers do.
        ++pos_;
      }
      fields.push_back(data_.substr(start, pos_ - start));
    }
    if (pos_ >= n) return true;
    char c = data_[pos_];
    if (c == delim_) {
      ++pos_;
      continue;
    }
    // End of record: CRLF, LF or lone CR.
    if (c == '\r') ++pos_;
    if (pos_ < n && data_[pos_] == '\n') ++pos_;
    ++line_;
    line_start_ = pos_;
    return true;
  }
}

void csv_append_field(std::string& out, std::string_view field, char delimiter) {
  bool quote = !field.empty() && (field.front() == ' ' || field.back() == ' ');
  for (char c : field) {
    if (c == delimiter || c == '"' || c == '\n' || c == '\r') {
      quote = true;
      break;
    }
  }
  if (!quote) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void csv_append_record(std::string& out, const std::vector<std::string_view>& fields,
                       char delimiter) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out.push_back(delimiter);
    csv_append_field(out, fields[i], delimiter);
  }
  out.append("\r\n");
}

}  // namespace orderd
