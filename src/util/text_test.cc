#include "util/text.h"

#include <doctest/doctest.h>

using namespace orderd;

TEST_CASE("glob_match") {
  struct Case {
    const char* pattern;
    const char* text;
    bool want;
  } cases[] = {
      {"ACME-*", "ACME-1", true},
      {"ACME-*", "ACME-", true},
      {"ACME-*", "XACME-1", false},
      {"AC-1???", "AC-1042", true},
      {"AC-1???", "AC-104", false},
      {"AC-1???", "AC-10423", false},
      {"*-RED", "SHIRT-RED", true},
      {"*-RED", "SHIRT-BLUE", false},
      {"[AB]-*", "B-1", true},
      {"[AB]-*", "C-1", false},
      {"[!AB]-*", "C-1", true},
      {"[0-9]*", "7up", true},
      {"*", "", true},
      {"a*b*c", "axxbyyc", true},
      {"a*b*c", "axxbyy", false},
      {"acme-*", "ACME-1", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.pattern);
    CAPTURE(c.text);
    CHECK(glob_match(c.pattern, c.text) == c.want);
  }
}

TEST_CASE("glob_prefix: what every text the glob matches starts with") {
  struct Case {
    const char* pattern;
    const char* want;
  } cases[] = {
      {"GX-0001*", "GX-0001"}, {"GX-0001", "GX-0001"}, {"*-RED", ""},   {"AB?D", "AB"},
      {"SKU-[12]*", "SKU-"},   {"[AB]-1", ""},         {"ÄÖÜ*", "ÄÖÜ"}, {"", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.pattern);
    CHECK(glob_prefix(c.pattern) == c.want);
  }
}

TEST_CASE("clean_cell undoes spreadsheet damage") {
  CHECK(clean_cell("'02134") == "02134");
  CHECK(clean_cell("=\"02134\"") == "02134");
  CHECK(clean_cell("  Boston ") == "Boston");
  CHECK(clean_cell("'") == "'");
  CHECK(clean_cell("O'Brien") == "O'Brien");
}

TEST_CASE("parse_quantity") {
  CHECK(parse_quantity("3") == 3);
  CHECK(parse_quantity(" 2 ") == 2);
  CHECK(parse_quantity("2.0") == 2);
  CHECK_FALSE(parse_quantity("2.5"));
  CHECK_FALSE(parse_quantity("abc"));
  CHECK_FALSE(parse_quantity("-1"));
  CHECK_FALSE(parse_quantity(""));
}

TEST_CASE("nearest suggests likely typos only") {
  std::string_view keys[] = {"format", "auto_process", "tracking_push"};
  CHECK(nearest("fromat", keys) == "format");
  CHECK(nearest("autoprocess", keys) == "auto_process");
  CHECK_FALSE(nearest("colour", keys).has_value());
}
