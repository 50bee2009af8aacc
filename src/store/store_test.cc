#include "store/store.h"

#include <doctest/doctest.h>

#include <thread>

#include "test_util.h"

using namespace orderd;
using orderd::test::TempDir;

namespace {

std::int64_t add_pending_document(Store& s, std::int64_t now) {
  Document d;
  d.kind = "po";
  d.party_type = "supplier";
  d.party = "acme";
  d.format = "csv";
  d.content = "x";
  d.sha256 = "h";
  d.created_at = now;
  REQUIRE(s.begin());
  s.insert_document(d, [](const Document&, std::int64_t id) { return std::to_string(id); });
  REQUIRE(s.commit());
  return d.id;
}

}  // namespace

TEST_CASE("store: a read that returned a row leaves no snapshot open for the next write") {
  // Two connections, as the service and orderctl have. A lookup that stops
  // at its first row must not keep a read transaction open: the next write
  // on that connection would start from a stale WAL snapshot and fail with
  // "database is locked" for as long as the statement stays unreset.
  TempDir dir;
  auto a = Store::open(dir.path());
  auto b = Store::open(dir.path());
  REQUIRE(a);
  REQUIRE(b);
  const auto id = add_pending_document(**a, 1);
  // Every single-row lookup, each followed by another process's write.
  for (int round = 0; round < 3; ++round) {
    CAPTURE(round);
    switch (round) {
      case 0:
        CHECK((*a)->load_document(id));
        break;
      case 1:
        CHECK(!(*a)->find_po("PO000001"));
        CHECK((*a)->load_document(id));
        break;
      case 2:
        CHECK(!(*a)->x12_received("S", "R", "1"));
        CHECK((*a)->load_document(id));
        break;
    }
    add_pending_document(**b, 2);
    auto began = (*a)->begin();
    REQUIRE_MESSAGE(began, began.error().message());
    (*a)->set_document_state(id, attempt_started(0), 3);
    REQUIRE((*a)->commit());
  }
}

TEST_CASE("store: two processes opening a new state folder at once both succeed") {
  for (int i = 0; i < 20; ++i) {
    TempDir dir;
    Result<std::unique_ptr<Store>> first = fail(ErrorKind::kIo, "not run");
    std::thread t([&] { first = Store::open(dir.path()); });
    auto second = Store::open(dir.path());
    t.join();
    REQUIRE_MESSAGE(first, first.error().message());
    REQUIRE_MESSAGE(second, second.error().message());
  }
}

TEST_CASE("store: order history finds orders by id, with or without '#'") {
  TempDir dir;
  auto s = Store::open(dir.path());
  REQUIRE(s);
  Order o;
  o.channel = "shop";
  o.ext_id = "#2001";
  o.state = OrderState::kReady;
  o.status = OrderStatus::kReady;
  Line l;
  l.seq = 1;
  l.sku = "ACME-1";
  l.quantity = 1;
  l.supplier = "acme";
  o.lines.push_back(l);
  REQUIRE((*s)->begin());
  (*s)->insert_order(o, "fp", 1);
  REQUIRE((*s)->commit());
  for (const char* ref : {"2001", "#2001"}) {
    CAPTURE(ref);
    OrderQuery q;
    q.order = ref;
    CHECK((*s)->query_orders(q).size() == 1);
  }
}
