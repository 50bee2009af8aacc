#include "core/state_check.h"

#include <doctest/doctest.h>

using namespace orderd;

namespace {

StateFacts facts(std::string instance, std::int64_t po, std::int64_t doc, std::int64_t in,
                 std::int64_t isa = 0, bool empty = false) {
  StateFacts f;
  f.instance = std::move(instance);
  f.po = po;
  f.document = doc;
  f.inbound = in;
  if (isa) f.x12["ME>THEM"] = isa;
  f.empty = empty;
  return f;
}

}  // namespace

TEST_CASE("state check: the database must be the one the mark names, and as far") {
  struct Case {
    const char* what;
    StateFacts db;
    std::optional<StateFacts> mark;
    bool history;
    const char* says;  // nullptr: they agree
  };
  const Case cases[] = {
      {"a new installation", facts("a", 0, 0, 0, 0, true), std::nullopt, false, nullptr},
      {"the first start with marks", facts("a", 5, 7, 3), std::nullopt, true, nullptr},
      {"a new database beside an old spool", facts("b", 0, 0, 0, 0, true), std::nullopt, true,
       "the state database is new, but the spool's archive holds files"},
      {"the same, further on", facts("a", 9, 12, 4, 3), facts("a", 5, 7, 3, 2), true, nullptr},
      {"exactly as marked", facts("a", 5, 7, 3, 2), facts("a", 5, 7, 3, 2), true, nullptr},
      {"an emptied database", facts("c", 0, 0, 0, 0, true), facts("a", 5, 7, 3), true,
       "(database c, empty, mark a)"},
      {"another database", facts("c", 50, 70, 30), facts("a", 5, 7, 3), true,
       "is not the one the spool's mark records"},
      {"a lost WAL", facts("a", 4, 7, 3), facts("a", 5, 7, 3), true, "PO ids up to 4, not 5"},
      {"an older copy", facts("a", 5, 6, 2, 1), facts("a", 5, 7, 3, 2), true,
       "document ids up to 6, not 7; inbound file ids up to 2, not 3; X12 interchanges ME>THEM "
       "up to 1, not 2"},
      {"control numbers rolled over", facts("a", 5, 7, 3, 4), facts("a", 5, 7, 3, 999999998), true,
       nullptr},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    auto said = state_disagreement(c.db, c.mark, c.history);
    if (!c.says) {
      CHECK_MESSAGE(!said, said.value_or(""));
    } else {
      REQUIRE(said);
      CHECK_MESSAGE(said->find(c.says) != std::string::npos, *said);
      CHECK(said->find("orderctl state adopt") != std::string::npos);
    }
  }
}

TEST_CASE("state check: the high-water mark is the larger of each") {
  auto hw = state_high_water(facts("a", 5, 9, 1, 3), facts("x", 7, 2, 4, 8));
  CHECK(hw.instance == "a");
  CHECK(hw.po == 7);
  CHECK(hw.document == 9);
  CHECK(hw.inbound == 4);
  CHECK(hw.x12["ME>THEM"] == 8);
}
