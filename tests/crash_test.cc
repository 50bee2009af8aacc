// Never twice, never lost: the process is killed (SIGKILL, as kill -9) at
// every step between reading, rendering, delivering and committing, then
// started again; every PO and every tracking line must reach its destination
// exactly once, and every inbound file must be accounted for.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <functional>
#include <map>
#include <regex>
#include <set>

#include "e2e_fixture.h"

using namespace orderd::test;

namespace {

constexpr int kOrders = 6;

std::string export_csv() {
  std::string csv = kShopifyHeader;
  for (int i = 1; i <= kOrders; ++i) {
    csv += shopify_row(fmt::format("#{}", 100 + i), fmt::format("ACME-{}", i), 1);
    if (i % 2 == 0) csv += shopify_row(fmt::format("#{}", 100 + i), fmt::format("GX-{}", i), 2);
  }
  return csv;
}

// How many delivered files under `dir` mention each match of `pattern`.
std::map<std::string, int> files_mentioning(const std::vector<std::filesystem::path>& files,
                                            const std::regex& pattern) {
  std::map<std::string, int> seen;
  for (const auto& f : files) {
    if (f.filename().string().starts_with(".")) continue;  // temporaries are not deliveries
    const std::string text = slurp(f);
    std::set<std::string> in_file;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern);
         it != std::sregex_iterator(); ++it)
      in_file.insert(it->str());
    for (const auto& m : in_file) ++seen[m];
  }
  return seen;
}

// Delivery records a group of documents `sending` in one commit and their
// outcomes in another (jobs/deliver.cc): the points inside a group are
// between its documents' sends.
const char* kPoPoints[] = {
    "intake.before_commit", "intake.after_commit",   "process.before_commit",
    "process.after_commit", "deliver.before_send",   "deliver.after_send",
    "deliver.after_commit", "deliver.before_send:2", "deliver.after_send:2",
    "deliver.after_send:3",
};

const char* kTrackingPoints[] = {
    "intake.before_commit", "intake.after_commit", "intake.after_commit:2",
    "deliver.before_send",  "deliver.after_send",  "deliver.after_commit",
};

// Runs orderd twice more; every order must then be processed and each of its
// POs be in the supplier's folder exactly once, nothing left half-taken.
void check_each_po_once(Install& in) {
  auto r = in.once();
  CHECK_MESSAGE(r.code == 0, (r.out + r.err));
  r = in.once();  // a further run changes nothing
  CHECK(r.code == 0);

  auto orders = in.orders();
  REQUIRE(orders.size() == kOrders);
  std::set<std::string> numbers;
  for (const auto& o : orders) {
    CHECK(o["status"] == "processed");
    for (const auto& p : o["pos"]) numbers.insert(p["number"].get<std::string>());
  }
  CHECK(numbers.size() == kOrders + kOrders / 2);
  auto delivered = in.files("out/supplier");
  auto seen = files_mentioning(delivered, std::regex("PO[0-9]{6}"));
  CHECK(seen.size() == numbers.size());
  for (const auto& n : numbers) {
    CAPTURE(n);
    CHECK(seen[n] == 1);
  }
  // orderd's outbound archive holds a copy of every delivered file, even one
  // the next run found at the destination instead of sending it again.
  std::map<std::string, std::string> copies;
  for (const auto& f : in.files("spool/archive/outbound")) copies[f.filename().string()] = slurp(f);
  for (const auto& f : delivered) {
    if (f.filename().string().starts_with(".")) continue;
    CAPTURE(f);
    CHECK(copies.contains(f.filename().string()));
    CHECK(copies[f.filename().string()] == slurp(f));
  }
  // The export is archived once, nothing is left half-taken.
  CHECK(in.files("spool/inbound").empty());
  CHECK(in.files("spool/claimed").empty());
  CHECK(in.files("spool/archive/orders/shop").size() >= 1);
  CHECK(in.files("spool/quarantine").empty());
}

}  // namespace

TEST_CASE("crash: killed anywhere between import and delivery - each PO is delivered once") {
  for (const char* point : kPoPoints) {
    const std::string where = point;
    CAPTURE(where);
    Install in("auto");
    in.drop_orders("shop", "export.csv", export_csv());
    auto crashed = in.once({fmt::format("ORDERD_CRASHPOINT={}", point)});
    CHECK(crashed.code == 128 + 9);  // SIGKILL
    check_each_po_once(in);
  }
}

TEST_CASE(
    "crash: a defect thrown anywhere between import and delivery fails that work, not orderd") {
  // The same points with an exception, as a defect in orderd would throw,
  // instead of SIGKILL: the run (or, in delivery, that document) is reported
  // as failed with the reason, its transaction rolls back, and the next run
  // completes the work once.
  for (const char* point : kPoPoints) {
    const std::string where = std::string(point) + ":throw";
    CAPTURE(where);
    Install in("auto");
    in.drop_orders("shop", "export.csv", export_csv());
    auto failed = in.once({"ORDERD_CRASHPOINT=" + where});
    CHECK(failed.code == 1);
    const std::string name = std::string(point).substr(0, std::string(point).find(':'));
    CHECK_MESSAGE(
        failed.err.find("internal error: injected defect at " + name) != std::string::npos,
        failed.err);
    CHECK(failed.err.find("defect in orderd") != std::string::npos);
    check_each_po_once(in);
  }
}

TEST_CASE("crash: a reader that throws quarantines its file with the reason, others go on") {
  Install in("auto");
  in.drop_orders("shop", "export.csv", export_csv());
  auto r = in.once({"ORDERD_CRASHPOINT=order_sync.read:throw"});
  CHECK(r.code == 1);
  const std::string reason =
      "export.csv: orderd failed to read it (injected defect at order_sync.read); this is a "
      "defect in orderd";
  CHECK_MESSAGE(r.err.find(reason) != std::string::npos, r.err);
  const auto kept = in.path("spool/quarantine/orders/shop/export.csv");
  REQUIRE(std::filesystem::exists(kept.string() + ".error"));
  CHECK(slurp(kept.string() + ".error").find(reason) != std::string::npos);
  CHECK(in.orders().empty());
  // Once orderd is fixed, the operator puts the file back: it is read as new.
  std::filesystem::rename(kept, in.path("spool/inbound/orders/shop/export.csv"));
  std::filesystem::remove(kept.string() + ".error");
  check_each_po_once(in);
}

TEST_CASE(
    "crash: a file that kills orderd at every read is quarantined after three, the rest goes on") {
  // Killed while reading it (out of memory, a defect): without a count of
  // unfinished reads the service would restart into the same file forever.
  Install in("auto");
  in.drop_orders("shop", "export.csv", export_csv());
  for (int i = 1; i <= 3; ++i) {
    CAPTURE(i);
    CHECK(in.once({"ORDERD_CRASHPOINT=order_sync.read"}).code == 128 + 9);
    CHECK(std::filesystem::exists(in.path("spool/claimed/orders/shop/export.csv")));
  }
  in.drop_orders("shop", "later.csv", kShopifyHeader + shopify_row("#900", "ACME-9", 1));
  // The fourth start does not read it again; the file after it is read.
  auto r = in.once({"ORDERD_CRASHPOINT=order_sync.read:2"});
  CHECK(r.code == 1);
  const std::string reason =
      "export.csv: orderd stopped 3 times while reading it and never finished";
  CHECK_MESSAGE(r.err.find(reason) != std::string::npos, r.err);
  const auto kept = in.path("spool/quarantine/orders/shop/export.csv");
  REQUIRE(std::filesystem::exists(kept.string() + ".error"));
  CHECK(slurp(kept.string() + ".error").find(reason) != std::string::npos);
  REQUIRE(in.orders().size() == 1);
  CHECK(in.orders()[0]["id"] == "#900");
  CHECK(in.files("spool/claimed").empty());  // its count is gone with it
  // Recorded as quarantined, as any unreadable file is: sync status, the
  // console and the `quarantined` alert read it from the state.
  {
    auto status = nlohmann::json::parse(in.ctl({"sync", "status", "--json"}).out);
    bool recorded = false;
    for (const auto& f : status["files"])
      if (f["name"] == "export.csv" && f["state"] == "quarantined")
        recorded = f["error"].get<std::string>().find(reason) != std::string::npos;
    CHECK_MESSAGE(recorded, status["files"].dump());
  }
  // Put back, it is read as any new file.
  std::filesystem::rename(kept, in.path("spool/inbound/orders/shop/export.csv"));
  std::filesystem::remove(kept.string() + ".error");
  CHECK(in.once().code == 0);
  CHECK(in.orders().size() == kOrders + 1);
  CHECK(in.files("spool/claimed").empty());
}

namespace {

// Where `name` stands in `orderctl sync status`'s recent files: its states.
std::vector<std::string> recorded_as(Install& in, const std::string& name) {
  std::vector<std::string> states;
  const auto status = nlohmann::json::parse(in.ctl({"sync", "status", "--json"}).out);
  for (const auto& f : status["files"])
    if (f["name"] == name) states.push_back(f["state"].get<std::string>());
  return states;
}

// `rel` (a folder under the install) replaced by a plain file, so that
// nothing can be made under it; undone by the returned function.
std::function<void()> block_folder(Install& in, const std::string& rel) {
  const auto p = in.path(rel), kept = in.path(rel + ".kept");
  if (std::filesystem::exists(p)) std::filesystem::rename(p, kept);
  spit(p, "not a folder");
  return [p, kept] {
    std::filesystem::remove(p);
    if (std::filesystem::exists(kept)) std::filesystem::rename(kept, p);
  };
}

}  // namespace

TEST_CASE(
    "crash: a file over its unfinished reads is never read again, its count kept until it has "
    "left claimed/") {
  Install in("auto");
  const std::string csv = export_csv();
  in.drop_orders("shop", "export.csv", csv);
  REQUIRE(in.once().code == 0);
  const auto claimed = in.path("spool/claimed/orders/shop");
  std::filesystem::create_directories(claimed);
  // Killed three times after its orders were committed: a duplicate. While
  // archive/ cannot take it, its count stays.
  spit(claimed / "export.csv", csv);
  spit(claimed / ".export.csv.reading", "3");
  auto unblock = block_folder(in, "spool/archive");
  auto r = in.once();
  CHECK(r.code == 1);
  CHECK(std::filesystem::exists(claimed / "export.csv"));
  CHECK(slurp(claimed / ".export.csv.reading") == "4");
  unblock();
  r = in.once();
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("export.csv: already imported as file #1") != std::string::npos);
  CHECK(in.files("spool/quarantine").empty());
  CHECK(in.files("spool/claimed").empty());
  // Over its count, and quarantine/ cannot be made: neither read nor
  // forgotten, and not recorded as quarantined while it is not.
  spit(claimed / "new.csv", kShopifyHeader + shopify_row("#901", "ACME-9", 1));
  spit(claimed / ".new.csv.reading", "3");
  unblock = block_folder(in, "spool/quarantine");
  r = in.once();
  CHECK(r.code == 1);
  CHECK_MESSAGE(r.err.find("new.csv: orderd stopped 3 times while reading it") != std::string::npos,
                r.err);
  CHECK(r.err.find("it cannot be quarantined") != std::string::npos);
  CHECK(std::filesystem::exists(claimed / "new.csv"));
  CHECK(slurp(claimed / ".new.csv.reading") == "4");
  CHECK(recorded_as(in, "new.csv").empty());
  CHECK(in.orders().size() == kOrders);
  unblock();
  r = in.once();
  CHECK(r.code == 1);
  CHECK(r.err.find("new.csv: orderd stopped 3 times while reading it") != std::string::npos);
  CHECK(std::filesystem::exists(in.path("spool/quarantine/orders/shop/new.csv")));
  CHECK(recorded_as(in, "new.csv") == std::vector<std::string>{"quarantined"});
  CHECK(in.files("spool/claimed").empty());
  CHECK(in.orders().size() == kOrders);
  // Over its count, a file is not read into memory again (that may be what
  // stops orderd): one past the size limit is set aside for its stops.
  spit(claimed / "big.csv", "");
  std::filesystem::resize_file(claimed / "big.csv", (257u << 20));  // sparse
  spit(claimed / ".big.csv.reading", "3");
  r = in.once();
  CHECK(r.code == 1);
  CHECK_MESSAGE(r.err.find("big.csv: orderd stopped 3 times while reading it") != std::string::npos,
                r.err);
  CHECK(std::filesystem::exists(in.path("spool/quarantine/orders/shop/big.csv")));
  // A file too big to read, when quarantine/ cannot take it, keeps no count:
  // it is set aside for its size once it can be, not as a file that stops
  // orderd.
  spit(claimed / "huge.csv", "");
  std::filesystem::resize_file(claimed / "huge.csv", (257u << 20));
  unblock = block_folder(in, "spool/quarantine");
  for (int i = 0; i < 4; ++i) CHECK(in.once().code == 1);
  CHECK_FALSE(std::filesystem::exists(claimed / ".huge.csv.reading"));
  unblock();
  r = in.once();
  CHECK(r.code == 1);
  CHECK(r.err.find("huge.csv: orderd stopped") == std::string::npos);
  const auto why = in.path("spool/quarantine/orders/shop/huge.csv.error");
  REQUIRE(std::filesystem::exists(why));
  CHECK(slurp(why).find("256 MiB") != std::string::npos);
}

TEST_CASE(
    "crash: killed anywhere in tracking intake and push - each shipment reaches the channel once") {
  for (const char* point : kTrackingPoints) {
    const std::string where = point;
    CAPTURE(where);
    Install in("auto");
    in.drop_orders("shop", "export.csv", export_csv());
    REQUIRE(in.once().code == 0);
    std::string acme = "PO Number,SKU,Qty Shipped,Carrier,Tracking\n",
                gx = "PO Number,SKU,Carrier,Tracking Number\n";
    for (const auto& o : in.orders())
      for (const auto& p : o["pos"])
        for (const auto& l : p["lines"]) {
          const std::string line =
              fmt::format("{},{},", p["number"].get<std::string>(), l["sku"].get<std::string>());
          if (p["supplier"] == "acme")
            acme += line + fmt::format("1,UPS,TRK{}\n", p["number"].get<std::string>());
          else
            gx += line + fmt::format("USPS,TRK{}\n", p["number"].get<std::string>());
        }
    in.drop_tracking("acme", "acme.csv", acme);
    in.drop_tracking("globex", "gx.csv", gx);
    auto crashed = in.once({fmt::format("ORDERD_CRASHPOINT={}", point)});
    CHECK(crashed.code == 128 + 9);
    auto r = in.once();
    CHECK_MESSAGE(r.code == 0, (r.out + r.err));
    CHECK(in.once().code == 0);
    for (const auto& o : in.orders()) CHECK(o["status"] == "completed");
    auto seen = files_mentioning(in.files("out/channel/shop"), std::regex("TRKPO[0-9]{6}"));
    CHECK(seen.size() == kOrders + kOrders / 2);
    for (const auto& [tracking, count] : seen) {
      CAPTURE(tracking);
      CHECK(count == 1);
    }
    CHECK(in.files("spool/claimed").empty());
    CHECK(in.files("spool/inbound").empty());
  }
}
