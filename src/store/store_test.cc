#include "store/store.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <cctype>
#include <map>
#include <thread>

#include "store/schema.h"
#include "store/store_internal.h"
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

namespace {

std::int64_t add_order(Store& s, const std::string& channel, const std::string& id,
                       const std::string& sku) {
  Order o;
  o.channel = channel;
  o.ext_id = id;
  o.state = OrderState::kReady;
  o.status = OrderStatus::kReady;
  Line l;
  l.seq = 1;
  l.sku = sku;
  l.quantity = 1;
  l.supplier = "acme";
  o.lines.push_back(l);
  s.insert_order(o, "fp", 1);
  return o.id;
}

// The counts a listing shows, computed the slow way.
std::vector<std::pair<std::string, std::int64_t>> counted(Store& s, const OrderQuery& q) {
  std::map<std::string, std::int64_t> n;
  OrderQuery all = q;
  all.limit = 1000000;
  for (const auto& o : s.query_orders(all)) ++n[to_string(o.status)];
  return {n.begin(), n.end()};
}

}  // namespace

TEST_CASE("store: order history finds orders by id, with or without '#'") {
  TempDir dir;
  auto s = Store::open(dir.path());
  REQUIRE(s);
  REQUIRE((*s)->begin());
  add_order(**s, "shop", "#2001", "ACME-1");
  REQUIRE((*s)->commit());
  for (const char* ref : {"2001", "#2001"}) {
    CAPTURE(ref);
    OrderQuery q;
    q.order = ref;
    CHECK((*s)->query_orders(q).size() == 1);
  }
}

TEST_CASE("store: statuses set together, with an event for each that changed") {
  TempDir dir;
  auto s = Store::open(dir.path());
  REQUIRE(s);
  Store& st = **s;
  REQUIRE(st.begin());
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(add_order(st, "shop", fmt::format("#{}", i), "A-1"));
  const auto was = st.load_order(ids[0])->status;
  const std::vector<Store::StatusChange> changes = {
      {ids[0], was, OrderStatus::kShipped, {}},
      {ids[2], was, was, {"still waiting: PO 7 is sending"}},  // messages only
  };
  st.set_order_statuses(changes, "cli:ops", "tracking from t.csv", 42);
  st.set_order_statuses({}, "cli:ops", "nothing", 43);
  REQUIRE(st.commit());
  const auto shipped = st.load_order(ids[0]);
  CHECK(shipped->status == OrderStatus::kShipped);
  const auto ev = st.events(ids[0]);
  REQUIRE_FALSE(ev.empty());
  CHECK(ev.back().kind == "status");
  CHECK(ev.back().actor == "cli:ops");
  CHECK(ev.back().from == to_string(was));
  CHECK(ev.back().to == "shipped");
  CHECK(ev.back().message == "tracking from t.csv");
  CHECK(ev.back().at == 42);
  CHECK(st.load_order(ids[1])->status == was);                  // not named: untouched
  CHECK(st.events(ids[1]).size() == st.events(ids[2]).size());  // no event for messages only
  CHECK(st.load_order(ids[2])->messages ==
        std::vector<std::string>{"still waiting: PO 7 is sending"});
  // The stage is empty again: a second round sets only its own orders.
  REQUIRE(st.begin());
  const Store::StatusChange back{ids[0], OrderStatus::kShipped, OrderStatus::kCompleted, {}};
  st.set_order_statuses({&back, 1}, "svc", "pushed", 44);
  REQUIRE(st.commit());
  CHECK(st.load_order(ids[0])->status == OrderStatus::kCompleted);
  CHECK(st.load_order(ids[2])->messages.size() == 1);
  CHECK(st.status_counts() == counted(st, OrderQuery{}));
  // A new connection's first use rolled back (its stage with it): the next
  // transaction still sets statuses.
  s->reset();
  s = Store::open(dir.path());
  REQUIRE(s);
  Store& again = **s;
  REQUIRE(again.begin());
  const Store::StatusChange undone{ids[1], was, OrderStatus::kFailed, {"x"}};
  again.set_order_statuses({&undone, 1}, "svc", "undone", 45);
  again.rollback();
  CHECK(again.load_order(ids[1])->status == was);
  REQUIRE(again.begin());
  again.set_order_statuses({&undone, 1}, "svc", "kept", 46);
  REQUIRE(again.commit());
  CHECK(again.load_order(ids[1])->status == OrderStatus::kFailed);
  CHECK(again.events(ids[1]).back().message == "kept");
}

TEST_CASE("store: the counts beside a listing follow every insert and status change") {
  TempDir dir;
  auto s = Store::open(dir.path());
  REQUIRE(s);
  Store& st = **s;
  REQUIRE(st.begin());
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 30; ++i)
    ids.push_back(add_order(st, i % 3 ? "shop" : "amazon", fmt::format("#{}", 1000 + i),
                            fmt::format("SKU-{}", i % 4)));
  auto set = [&](std::int64_t id, OrderStatus to, std::vector<std::string> messages) {
    const Store::StatusChange c{id, st.load_order(id)->status, to, std::move(messages)};
    st.set_order_statuses({&c, 1}, "test", "", 1);
  };
  set(ids[0], OrderStatus::kProcessed, {});
  set(ids[1], OrderStatus::kFailed, {"x"});
  st.set_order_state(ids[2], OrderState::kCanceled, OrderStatus::kCanceled, {"y"});
  set(ids[1], OrderStatus::kProcessed, {});  // failed again processed
  set(ids[3], OrderStatus::kReady, {});      // no change
  REQUIRE(st.commit());
  for (const char* channel : {"", "shop", "amazon"}) {
    CAPTURE(channel);
    OrderQuery q;
    q.channel = channel;
    CHECK(st.count_orders(q).by_status == counted(st, q));
    q.status = OrderStatus::kProcessed;
    CHECK(st.count_orders(q).by_status == counted(st, q));
  }
  CHECK(st.status_counts() == counted(st, OrderQuery{}));
  // The searches that go by index find what a scan finds.
  OrderQuery sku;
  sku.sku = "SKU-[12]*";
  CHECK(st.query_orders(sku).size() == 15);
  // A search's counts: exact up to the cap, and said to be capped beyond it.
  CHECK(st.count_orders(sku).by_status == counted(st, sku));
  CHECK_FALSE(st.count_orders(sku).capped);
  CHECK_FALSE(st.count_orders(sku, 15).capped);
  CHECK(st.count_orders(sku, 14).capped);
  OrderQuery order;
  order.order = "1007";
  REQUIRE(st.query_orders(order).size() == 1);
  CHECK(st.query_orders(order)[0].ext_id == "#1007");
  CHECK(st.find_orders_by_ext("", "#1009").size() == 1);
  CHECK(st.find_orders_by_ext("shop", "#1009").empty());  // 1009 is amazon's (i % 3 == 0)
  // Newest first.
  OrderQuery newest;
  newest.limit = 2;
  auto two = st.query_orders(newest);
  REQUIRE(two.size() == 2);
  CHECK(two[0].ext_id == "#1029");
  CHECK(two[1].ext_id == "#1028");
}

TEST_CASE("store: a SKU search finds exactly the orders the glob matches, in every block") {
  TempDir dir;
  auto s = Store::open(dir.path());
  REQUIRE(s);
  Store& st = **s;
  REQUIRE(st.begin());
  const char* skus[] = {"GX-0001",     "gx-0001", "GX-00012", "AB-GX-0001",
                        "GX-0002-RED", "ÄÖÜ-1",   "[X]-9",    "GX-0001"};
  for (int i = 0; i < 8; ++i) add_order(st, "shop", fmt::format("#{}", 100 + i), skus[i]);
  // More than a block of 4,096 orders: the newest is in the second block.
  for (int i = 0; i < 4200; ++i) add_order(st, "shop", fmt::format("#F{}", i), "FILL");
  REQUIRE(add_order(st, "shop", "#9000", "GX-0001-LATE") > 4096);
  // A line changed in the channel before processing: the old SKU is gone.
  Order changed = *st.load_order(st.find_order_key("shop", "#107")->id);
  changed.lines[0].sku = "INI-7";
  st.replace_order(changed, "fp2", 2);
  REQUIRE(st.commit());
  struct Case {
    const char* glob;
    std::vector<std::string> want;  // newest first
  } cases[] = {
      {"GX-0001", {"#100"}},  // case-sensitive, whole SKU; #107's line was replaced
      {"GX-0001*", {"#9000", "#102", "#100"}},
      {"*GX-0001", {"#103", "#100"}},
      {"gx-*", {"#101"}},
      {"*-RED", {"#104"}},
      {"GX-000[2-9]*", {"#104"}},
      {"ÄÖÜ*", {"#105"}},
      {"[[]X]*", {"#106"}},
      {"INI-7", {"#107"}},
      {"?X-0001", {"#100"}},
      {"G?-0?01", {"#100"}},  // no run of three characters: order by order
      {"*1", {"#105", "#103", "#101", "#100"}},
      {"NONE-*", {}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.glob);
    OrderQuery q;
    q.sku = c.glob;
    std::vector<std::string> got;
    for (const auto& o : st.query_orders(q)) got.push_back(o.ext_id);
    CHECK(got == c.want);
    CHECK(st.count_orders(q).by_status == counted(st, q));
  }
}

// A state database in `dir` as schema `version` left it (the first
// `version` migrations), holding `rows`.
static void state_at_schema(const std::filesystem::path& dir, std::size_t version,
                            const char* rows) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir / "orderd.db").c_str(), &db) == SQLITE_OK);
  const auto all = migrations();
  REQUIRE(all.size() > version);
  for (std::size_t i = 0; i < version; ++i) {
    CAPTURE(i);
    REQUIRE(sqlite3_exec(db, all[i].c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  const std::string sql = fmt::format("PRAGMA user_version={};{}", version, rows);
  REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

TEST_CASE("store: a state of schema 8 takes migration 9, its lines found by SKU after it") {
  TempDir dir;
  state_at_schema(dir.path(), 8,
                  "INSERT INTO orders(id, channel, ext_id, state, status, fingerprint, "
                  "imported_at, updated_at) VALUES(1, 'shop', '#1', 'ready', 'ready', 'fp', 1, 1);"
                  "INSERT INTO lines(order_id, seq, sku, quantity) VALUES(1, 1, 'GX-0001', 1);");
  auto s = Store::open(dir.path());
  REQUIRE_MESSAGE(s, s.error().message());
  OrderQuery q;
  q.sku = "GX-*";
  const auto found = (*s)->query_orders(q);
  REQUIRE(found.size() == 1);
  CHECK(found[0].ext_id == "#1");
}

TEST_CASE("store: a state of schema 10 takes migration 11, its search by supplier by the index") {
  TempDir dir;
  state_at_schema(
      dir.path(), 10,
      "INSERT INTO orders(id, channel, ext_id, state, status, fingerprint, "
      "imported_at, updated_at) VALUES(1, 'shop', '#1', 'ready', 'ready', 'fp', 1, 1),"
      "(2, 'shop', '#2', 'ready', 'ready', 'fp', 1, 1);"
      "INSERT INTO lines(order_id, seq, sku, quantity, supplier) VALUES(1, 1, 'A-1', 1, "
      "'acme'), (2, 1, 'G-1', 1, 'globex'), (2, 2, 'A-2', 1, 'acme');");
  {
    auto s = Store::open(dir.path());
    REQUIRE_MESSAGE(s, s.error().message());
    OrderQuery q;
    q.supplier = "globex";
    const auto found = (*s)->query_orders(q);
    REQUIRE(found.size() == 1);
    CHECK(found[0].ext_id == "#2");
    CHECK((*s)->count_orders(q).by_status ==
          std::vector<std::pair<std::string, std::int64_t>>{{"ready", 1}});
    q.supplier = "acme";
    CHECK((*s)->query_orders(q).size() == 2);
  }
  // The store's own statements find the supplier's lines from the index
  // alone.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir.path() / "orderd.db").c_str(), &db) == SQLITE_OK);
  OrderQuery q;
  q.supplier = "globex";
  for (const auto& sql : {store_detail::order_list_sql(q), store_detail::order_count_sql(q)}) {
    CAPTURE(sql);
    sqlite3_stmt* plan = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &plan, nullptr) ==
            SQLITE_OK);
    std::string steps;
    while (sqlite3_step(plan) == SQLITE_ROW)
      steps += reinterpret_cast<const char*>(sqlite3_column_text(plan, 3)) + std::string("\n");
    sqlite3_finalize(plan);
    CHECK_MESSAGE(steps.find("COVERING INDEX lines_supplier") != std::string::npos, steps);
  }
  sqlite3_close(db);
}

TEST_CASE("store: a customer search by the text index finds what a scan finds, newest first") {
  TempDir dir;
  auto s = Store::open(dir.path());
  REQUIRE(s);
  Store& st = **s;
  const char* names[] = {"Jane O'Neil", "Zoë \"Z\" Ångström", "jo", "Bob Jones", "JANE ROE"};
  std::vector<Order> orders;
  REQUIRE(st.begin());
  for (int i = 0; i < 50; ++i) {
    Order o;
    o.channel = "shop";
    o.ext_id = fmt::format("#{}", 3000 + i);
    o.state = OrderState::kReady;
    o.status = OrderStatus::kReady;
    o.at(OrderField::kCustomerName) = names[i % 5];
    o.at(OrderField::kCustomerEmail) = fmt::format("buyer{}@example.com", i);
    o.at(OrderField::kShipPhone) = fmt::format("+1 555 01{:02}", i);
    st.insert_order(o, "fp", 1);
    orders.push_back(o);
  }
  REQUIRE(st.commit());
  // The slow way: every order whose name, e-mail or phone holds the text,
  // without case (ASCII), newest first.
  auto scan = [&](const std::string& text) {
    std::vector<std::string> out;
    auto lower = [](std::string v) {
      for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return v;
    };
    for (auto it = orders.rbegin(); it != orders.rend(); ++it)
      for (auto f : {OrderField::kCustomerName, OrderField::kCustomerEmail, OrderField::kShipName,
                     OrderField::kCustomerPhone, OrderField::kShipPhone})
        if (lower(it->at(f)).find(lower(text)) != std::string::npos) {
          out.push_back(it->ext_id);
          break;
        }
    return out;
  };
  auto found = [&](const std::string& text, int limit = 1000) {
    OrderQuery q;
    q.customer = text;
    q.limit = limit;
    std::vector<std::string> out;
    for (const auto& o : st.query_orders(q)) out.push_back(o.ext_id);
    return out;
  };
  for (const std::string text : {"jane", "JANE", "o'neil", "\"Z\"", "Ångström", "jo", "j", "buyer4",
                                 "555 0142", "example.com", "nobody"}) {
    CAPTURE(text);
    CHECK(found(text) == scan(text));
  }
  CHECK(found("example.com", 3) == std::vector<std::string>{"#3049", "#3048", "#3047"});
  OrderQuery q;
  q.customer = "jane";
  q.status = OrderStatus::kReady;
  CHECK(st.count_orders(q).by_status ==
        std::vector<std::pair<std::string, std::int64_t>>{{"ready", 20}});
  // A name changed in place, or by a channel update, is found by its new
  // text only; a canceled order's status still filters.
  REQUIRE(st.begin());
  orders[0].at(OrderField::kCustomerName) = "Maria Delgado";
  st.replace_order(orders[0], "fp2", 2);
  st.set_order_state(orders[5].id, OrderState::kCanceled, OrderStatus::kCanceled, {"x"});
  REQUIRE(st.commit());
  CHECK(found("delgado") == std::vector<std::string>{"#3000"});
  CHECK(found("jane") == scan("jane"));
  q.status = OrderStatus::kCanceled;
  CHECK(st.query_orders(q).size() == 1);
}

TEST_CASE("store: the customer index holds each order as it stands when its transaction commits") {
  TempDir dir;
  auto s = Store::open(dir.path());
  REQUIRE(s);
  Store& st = **s;
  auto order = [](const char* id, const char* name) {
    Order o;
    o.channel = "shop";
    o.ext_id = id;
    o.state = OrderState::kReady;
    o.status = OrderStatus::kReady;
    o.at(OrderField::kCustomerName) = name;
    return o;
  };
  auto found = [&](const std::string& text) {
    OrderQuery q;
    q.customer = text;
    std::vector<std::string> out;
    for (const auto& o : st.query_orders(q)) out.push_back(o.ext_id);
    return out;
  };
  REQUIRE(st.begin());
  Order a = order("#1", "Pending Pat");
  st.insert_order(a, "fp", 1);
  a.at(OrderField::kCustomerName) = "Renamed Ruth";  // changed before it was indexed
  st.replace_order(a, "fp2", 1);
  {
    Savepoint sp(st);  // rolled back: never indexed
    Order gone = order("#2", "Gone Gus");
    st.insert_order(gone, "fp", 1);
  }
  REQUIRE(st.commit());
  CHECK(found("ruth") == std::vector<std::string>{"#1"});
  CHECK(found("pat").empty());
  CHECK(found("gus").empty());
  // A transaction rolled back leaves nothing waiting, and indexes nothing.
  REQUIRE(st.begin());
  Order b = order("#3", "Rolled Rob");
  st.insert_order(b, "fp", 1);
  st.rollback();
  REQUIRE(st.begin());
  Order c = order("#4", "Kept Kim");
  st.insert_order(c, "fp", 1);
  REQUIRE(st.commit());
  CHECK(found("rob").empty());
  CHECK(found("kim") == std::vector<std::string>{"#4"});
  // Once indexed, a change replaces the old text.
  REQUIRE(st.begin());
  c.at(OrderField::kCustomerName) = "Kept Kay";
  st.replace_order(c, "fp3", 2);
  REQUIRE(st.commit());
  CHECK(found("kim").empty());
  CHECK(found("kay") == std::vector<std::string>{"#4"});
}

TEST_CASE("store: a state of schema 9 takes migration 10, its customers found by the index") {
  TempDir dir;
  state_at_schema(dir.path(), 9,
                  "INSERT INTO orders(id, channel, ext_id, state, status, fingerprint, "
                  "imported_at, updated_at, customer_name) VALUES(1, 'shop', '#1', 'ready', "
                  "'ready', 'fp', 1, 1, 'Old Olga');");
  auto s = Store::open(dir.path());
  REQUIRE_MESSAGE(s, s.error().message());
  Store& st = **s;
  OrderQuery q;
  q.customer = "olga";
  REQUIRE(st.query_orders(q).size() == 1);
  REQUIRE(st.begin());
  auto olga = st.load_order(1);
  REQUIRE(olga);
  olga->at(OrderField::kCustomerName) = "Old Oona";
  st.replace_order(*olga, "fp2", 2);
  REQUIRE(st.commit());
  CHECK(st.query_orders(q).empty());
  q.customer = "oona";
  CHECK(st.query_orders(q).size() == 1);
}

TEST_CASE("store: a document's bytes come back whole, kept apart from its record") {
  TempDir dir;
  auto s = Store::open(dir.path());
  REQUIRE(s);
  Document d;
  d.kind = "po";
  d.party_type = "supplier";
  d.party = "acme";
  d.format = "csv";
  d.content = std::string(3 << 20, 'x') + "end";  // a batch of megabytes
  d.sha256 = "h";
  d.created_at = 1;
  REQUIRE((*s)->begin());
  (*s)->insert_document(d, [](const Document&, std::int64_t id) { return std::to_string(id); });
  const auto opened = (*s)->open_document("po", "supplier", "acme", "csv", DocState::kPending, 2);
  (*s)->fill_document(opened, "later.csv", "filled", "h2");
  REQUIRE((*s)->commit());
  auto back = (*s)->load_document(d.id);
  REQUIRE(back);
  CHECK(back->content == d.content);
  auto later = (*s)->load_document(opened);
  REQUIRE(later);
  CHECK(later->content == "filled");
  CHECK(later->name == "later.csv");
}
