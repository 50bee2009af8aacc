#include "util/csv.h"

#include <doctest/doctest.h>

using namespace orderd;

namespace {

std::vector<std::vector<std::string>> read_all(std::string_view data, char delim = ',',
                                               bool quoting = true) {
  CsvReader r(data, delim, quoting);
  std::vector<std::string_view> f;
  std::vector<std::vector<std::string>> out;
  for (;;) {
    auto more = r.next(f);
    REQUIRE(more.has_value());
    if (!*more) break;
    out.emplace_back(f.begin(), f.end());
  }
  return out;
}

std::string read_error(std::string_view data) {
  CsvReader r(data);
  std::vector<std::string_view> f;
  for (;;) {
    auto more = r.next(f);
    if (!more) return more.error().message();
    if (!*more) return "";
  }
}

}  // namespace

TEST_CASE("csv: RFC 4180 records") {
  struct Case {
    const char* name;
    std::string_view in;
    std::vector<std::vector<std::string>> want;
  };
  const Case cases[] = {
      {"plain", "a,b,c\n1,2,3\n", {{"a", "b", "c"}, {"1", "2", "3"}}},
      {"CRLF", "a,b\r\n1,2\r\n", {{"a", "b"}, {"1", "2"}}},
      {"no final newline", "a,b\n1,2", {{"a", "b"}, {"1", "2"}}},
      {"BOM", "\xEF\xBB\xBFName,x\n#1,y\n", {{"Name", "x"}, {"#1", "y"}}},
      {"quoted comma", "\"a,b\",c\n", {{"a,b", "c"}}},
      {"doubled quote", "\"say \"\"hi\"\"\",x\n", {{"say \"hi\"", "x"}}},
      {"embedded newline",
       "\"line1\nline2\",x\r\nnext,y\n",
       {{"line1\nline2", "x"}, {"next", "y"}}},
      {"empty fields", ",,\n", {{"", "", ""}}},
      {"empty quoted", "\"\",a\n", {{"", "a"}}},
      {"blank lines skipped", "a\n\n\nb\n", {{"a"}, {"b"}}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    CHECK(read_all(c.in) == c.want);
  }
}

TEST_CASE("csv: errors name line and column") {
  CHECK(read_error("a,b\n1,\"open\n") ==
        "line 2, column 3: quoted field is never closed (a '\"' is missing); the file may be "
        "truncated");
  CHECK(read_error("a,b\nx,\"q\"z\n") ==
        "line 2, column 6: unexpected character after a closing quote (a quote inside a quoted "
        "field must be doubled)");
  CHECK(read_error("a,b\nx,ab\"c\n") == "");  // a quote inside an unquoted field is literal
  CHECK(read_all("12\" board,=\"0123\"\n") ==
        std::vector<std::vector<std::string>>{{"12\" board", "=\"0123\""}});
}

TEST_CASE("csv: line numbers count embedded newlines") {
  CsvReader r("h\n\"a\nb\"\nc\n");
  std::vector<std::string_view> f;
  REQUIRE(*r.next(f));
  CHECK(r.line() == 1);
  REQUIRE(*r.next(f));
  CHECK(r.line() == 2);
  REQUIRE(*r.next(f));
  CHECK(r.line() == 4);
}

TEST_CASE("csv: tab-separated without quoting keeps quotes") {
  CHECK(read_all("a\tb\n12\" board\tx\n", '\t', false) ==
        std::vector<std::vector<std::string>>{{"a", "b"}, {"12\" board", "x"}});
}

TEST_CASE("csv: writer round-trips through the reader") {
  const std::vector<std::string> values = {"plain",       "with,comma", "with \"quote\"",
                                           "multi\nline", " padded ",   ""};
  std::string out;
  std::vector<std::string_view> row(values.begin(), values.end());
  csv_append_record(out, row);
  csv_append_record(out, row);
  auto back = read_all(out);
  REQUIRE(back.size() == 2);
  CHECK(back[0] == values);
  CHECK(back[1] == values);
}
