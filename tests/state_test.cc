// Lost or damaged state is noticed: an emptied database, a deleted WAL, an
// older copy or damaged pages make orderd refuse to start, saying how to
// restore; after `orderctl state adopt` no PO number, document name or X12
// control number that was sent is used again. And `orderctl backup` takes a
// consistent copy while the service runs.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <regex>
#include <set>

#include "daemon.h"
#include "store/store.h"
#include "test_servers.h"

using namespace orderd::test;

namespace {

std::string export_with(const std::vector<std::string>& ids, const std::string& tag) {
  std::string csv = kShopifyHeader;
  for (const auto& id : ids) {
    csv += shopify_row(id, "ACME-" + tag, 1);
    csv += shopify_row(id, "IN-" + tag, 1);
  }
  return csv;
}

void remove_db(const Install& in) {
  for (const char* f : {"orderd.db", "orderd.db-wal", "orderd.db-shm"})
    std::filesystem::remove(in.path("state") / f);
}

std::set<std::string> po_numbers(const Install& in) {
  std::set<std::string> out;
  for (const auto& o : in.orders())
    for (const auto& p : o["pos"]) out.insert(p["number"].get<std::string>());
  return out;
}

// Every ISA13 in the X12 files delivered to initech.
std::vector<std::string> interchange_numbers(const Install& in) {
  std::vector<std::string> out;
  const std::regex isa("ISA\\*(?:[^*]*\\*){12}([0-9]{9})\\*");
  for (const auto& f : in.files("out/supplier/initech")) {
    const std::string text = slurp(f);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), isa);
         it != std::sregex_iterator(); ++it)
      out.push_back((*it)[1]);
  }
  return out;
}

}  // namespace

TEST_CASE("state: an emptied database is refused, not taken for a new installation") {
  Install in("auto");
  in.drop_orders("shop", "a.csv", export_with({"#1", "#2"}, "1"));
  REQUIRE(in.once().code == 0);
  // The database file is emptied (a bad restore, a full disk, an accident).
  remove_db(in);
  spit(in.path("state/orderd.db"), "");
  in.drop_orders("shop", "a-again.csv", export_with({"#1", "#2"}, "1"));
  auto r = in.once();
  CHECK(r.code == 2);
  CHECK_MESSAGE(r.err.find("is not the one the spool's mark records") != std::string::npos, r.err);
  CHECK(r.err.find("orderctl state adopt") != std::string::npos);
  // Nothing was imported or sent again.
  CHECK(in.files("out/supplier/acme").size() == 1);
  CHECK(std::filesystem::exists(in.path("spool/inbound/orders/shop/a-again.csv")));
  // Writing verbs refuse too; reading ones still answer.
  CHECK(in.ctl({"process", "--all-ready"}).code == 1);
  CHECK(in.ctl({"orders"}).code == 0);
  CHECK(in.ctl({"state", "check"}).code == 1);
}

TEST_CASE("state: a WAL deleted after a crash is noticed") {
  Install in("auto");
  in.drop_orders("shop", "a.csv", export_with({"#1", "#2"}, "1"));
  // Killed right after the processing commit: the newest rows are in the WAL.
  auto crashed = in.once({"ORDERD_CRASHPOINT=deliver.after_send"});
  REQUIRE(crashed.code == 128 + 9);
  std::filesystem::remove(in.path("state/orderd.db-wal"));
  std::filesystem::remove(in.path("state/orderd.db-shm"));
  auto r = in.once();
  CHECK(r.code == 2);
  CHECK_MESSAGE((r.err.find("is behind what the spool's mark records") != std::string::npos ||
                 r.err.find("is not the one the spool's mark records") != std::string::npos),
                r.err);
}

TEST_CASE("state: damaged pages are refused at start") {
  Install in("auto");
  std::string csv = kShopifyHeader;
  for (int i = 0; i < 400; ++i) csv += shopify_row(fmt::format("#{}", 9000 + i), "ACME-1", 1);
  in.drop_orders("shop", "many.csv", csv);
  REQUIRE(in.once().code == 0);
  auto check = in.ctl({"state", "check"});
  REQUIRE(check.code == 0);
  // Every commit is on disk when it returns: it precedes an outside effect.
  CHECK_MESSAGE(check.out.find("commits: wal, synchronous=full") != std::string::npos, check.out);
  // Scribble over pages in the middle of the file.
  std::string db = slurp(in.path("state/orderd.db"));
  REQUIRE(db.size() > 64 * 1024);
  for (std::size_t at = db.size() / 2; at < db.size() / 2 + 8192; ++at) db[at] = '\x5a';
  spit(in.path("state/orderd.db"), db);
  auto r = in.once();
  CHECK(r.code == 2);
  CHECK_MESSAGE(r.err.find("is damaged") != std::string::npos, r.err);
  CHECK(r.err.find("Restore it from a backup") != std::string::npos);
}

TEST_CASE("state: after restoring an older backup no sent number is used again") {
  Install in("auto");
  in.drop_orders("shop", "a.csv", export_with({"#1", "#2"}, "1"));
  REQUIRE(in.once().code == 0);
  {
    Daemon d(in);  // the backup is taken while the service runs
    REQUIRE(d.wait_log("orderd started"));
    auto b = in.ctl({"backup", in.path("backup.db").string()});
    CHECK_MESSAGE(b.code == 0, b.err);
    CHECK(in.ctl({"backup", in.path("backup.db").string()}).code == 1);  // never overwritten
    CHECK(d.stop() == 0);
  }
  in.drop_orders("shop", "b.csv", export_with({"#3"}, "2"));
  REQUIRE(in.once().code == 0);
  const auto sent_before = po_numbers(in);
  REQUIRE(sent_before.size() == 6);
  const auto isa_before = interchange_numbers(in);
  REQUIRE(isa_before.size() == 2);

  // The disk is lost; last night's backup comes back.
  remove_db(in);
  std::filesystem::copy_file(in.path("backup.db"), in.path("state/orderd.db"));
  auto refused = in.once();
  CHECK(refused.code == 2);
  CHECK_MESSAGE(refused.err.find("PO ids up to 4, not 6") != std::string::npos, refused.err);
  auto adopted = in.ctl({"state", "adopt"});
  REQUIRE_MESSAGE(adopted.code == 0, adopted.err);
  CHECK_MESSAGE(adopted.out.find("POs 5 to 6 were sent but are not in it") != std::string::npos,
                adopted.out);
  CHECK(in.ctl({"state", "check"}).code == 0);

  in.drop_orders("shop", "c.csv", export_with({"#4"}, "3"));
  auto r = in.once();
  CHECK_MESSAGE(r.code == 0, (r.out + r.err));
  // The new order's POs are numbered after everything ever sent...
  const auto after = in.order("#4");
  for (const auto& p : after["pos"]) {
    const std::string n = p["number"].get<std::string>();
    CAPTURE(n);
    CHECK(n > *sent_before.rbegin());
  }
  // ...no file at a supplier was overwritten or refused as a conflict...
  CHECK(in.files("out/supplier/acme").size() == 3);
  CHECK(r.out.find("already holds a different") == std::string::npos);
  // ...and no interchange control number repeats.
  const auto isa = interchange_numbers(in);
  CHECK(isa.size() == 3);
  CHECK(std::set<std::string>(isa.begin(), isa.end()).size() == 3);
}

TEST_CASE("state: a backup is a whole database that opens on its own") {
  Install in("auto");
  in.drop_orders("shop", "a.csv", export_with({"#1", "#2", "#3"}, "1"));
  REQUIRE(in.once().code == 0);
  TempDir copy;
  REQUIRE(in.ctl({"backup", (copy / "orderd.db").string()}).code == 0);
  CHECK(!std::filesystem::exists(copy / "orderd.db-wal"));
  auto store = orderd::Store::open(copy.path());
  REQUIRE(store);
  CHECK((*store)->quick_check() == "ok");
  CHECK((*store)->state_facts().po == 6);
}

TEST_CASE("state: a service that refuses to start alerts each sink directly, once per refusal") {
  SKIP_WITHOUT_PYTHON();
  HttpServer hook;
  Install in("auto");
  spit(in.config, slurp(in.config) + fmt::format(R"(alerts:
  sinks:
    hook:
      transport: {{type: http, url: "http://127.0.0.1:{}/ok"}}
)",
                                                 hook.port));
  in.drop_orders("shop", "a.csv", export_with({"#1"}, "1"));
  REQUIRE(in.once().code == 0);
  remove_db(in);
  spit(in.path("state/orderd.db"), "");
  for (int i = 0; i < 3; ++i) {  // systemd would not restart it (exit 2); an operator might
    auto r = run({bin("orderd"), "-c", in.config});
    CHECK(r.code == 2);
    CHECK(r.err.find("SERVICE_START_FAILED") != std::string::npos);
  }
  const auto reqs = hook.requests();
  REQUIRE(reqs.size() == 1);
  const auto body = nlohmann::json::parse(reqs[0]["body"].get<std::string>());
  CHECK(body["kind"] == "start_refused");
  CHECK(body["title"].get<std::string>().starts_with("orderd: the orderd service for "));
  CHECK(body["text"].get<std::string>().find("is not the one the spool's mark records") !=
        std::string::npos);
}
