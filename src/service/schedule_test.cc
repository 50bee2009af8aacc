// The service's schedule on a made-up clock: times are plain numbers.
#include "service/schedule.h"

#include <doctest/doctest.h>

using namespace orderd;

namespace {
using Ids = std::vector<std::string>;
}

TEST_CASE("schedule: the rhythm skips what an overrun missed") {
  struct Row {
    std::int64_t due, every, now, want;
  };
  const Row rows[] = {
      {100, 60, 50, 100},   // not yet due: unchanged
      {100, 60, 100, 160},  // due now: one period on
      {100, 60, 159, 160},  // a run that took 59 s
      {100, 60, 160, 220},  // exactly one period late
      {100, 60, 400, 460},  // four periods late: one run, not five
      {100, 0, 100, 101},   // a period of 0 counts as 1 (no division by zero)
      {100, -5, 100, 101},
  };
  for (const auto& r : rows) {
    CAPTURE(r.now);
    CHECK(next_on_rhythm(r.due, r.every, r.now) == r.want);
  }
}

TEST_CASE("schedule: at start everything is due, then each on its own period") {
  Schedule s;
  s.reset({{"shop", 3600}, {"amazon", 1800}}, 1000, false);
  CHECK(s.take_due(1000) == Ids{"amazon", "shop"});
  CHECK(s.take_due(1000).empty());
  CHECK(s.next_at(99999) == 2800);
  CHECK(s.take_due(2799).empty());
  CHECK(s.take_due(2800) == Ids{"amazon"});
  CHECK(s.next_at(99999) == 4600);
  CHECK(s.take_due(4600) == Ids{"amazon", "shop"});
  // Nothing scheduled: the caller's own next time stands.
  Schedule none;
  CHECK(none.next_at(1234) == 1234);
  CHECK(s.next_at(10) == 10);
}

TEST_CASE("schedule: a reload keeps the rhythm of ids that stay, new ones are due now") {
  Schedule s;
  s.reset({{"shop", 3600}}, 0, false);
  CHECK(s.take_due(0) == Ids{"shop"});  // next at 3600
  s.reset({{"shop", 600}, {"woo", 600}}, 100, true);
  CHECK(s.entries().at("shop").at == 3600);  // kept, with its new period from then on
  CHECK(s.entries().at("woo").at == 100);
  CHECK(s.take_due(100) == Ids{"woo"});
  CHECK(s.take_due(3600) == Ids{"shop", "woo"});  // woo was due at 700, 1300, ...: once
  CHECK(s.entries().at("shop").at == 4200);
  CHECK(s.entries().at("woo").at == 3700);
  // An id removed by the reload is gone.
  s.reset({{"woo", 600}}, 4000, true);
  CHECK(s.entries().count("shop") == 0);
  // A restart (keep = false) makes everything due at once.
  s.reset({{"woo", 600}}, 5000, false);
  CHECK(s.take_due(5000) == Ids{"woo"});
}
