// X12 documents orderd writes: valid by our own checker and by the
// independent one in ../shared/tools (where node can run it), with control
// numbers that are never reused.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>

#include "e2e_fixture.h"
#include "edi/x12_documents.h"
#include "mappers/mappers.h"

using namespace orderd;
using namespace orderd::test;

namespace {

// Segments of a file as "TAG*e1*e2" strings with '*' as the separator.
std::vector<std::string> segments_of(const std::string& text) {
  x12::Reader r(x12::buffer_source(text));
  x12::Segment s;
  std::vector<std::string> out;
  while (*r.next(s)) {
    std::string line;
    for (std::size_t i = 0; i < s.size; ++i) line += (i ? "*" : "") + std::string(s.at(i));
    out.push_back(line);
  }
  return out;
}

// Runs ../shared/tools/x12check.js (own check, and node-x12 when NODE_PATH has it) on `file`.
std::optional<RunResult> independent_check(const std::filesystem::path& file) {
  auto tool = std::filesystem::path(ORDERD_SOURCE_DIR).parent_path() / "shared/tools/x12check.js";
  if (!std::filesystem::exists(tool) || !std::filesystem::exists("/usr/bin/node"))
    return std::nullopt;
  // With NODE_PATH naming a node_modules that holds node-x12 (.ci/run sets
  // it up), node-x12's strict parser gives a second opinion.
  std::vector<std::string> args = {"/usr/bin/node", tool.string()};
  if (!std::getenv("NODE_PATH")) args.push_back("--no-nodex12");
  args.push_back(file.string());
  return run(args);
}

}  // namespace

TEST_CASE("x12 out: 850s for an X12 supplier, one interchange per run, valid everywhere") {
  Install in("auto");
  in.drop_orders(
      "shop", "a.csv",
      std::string(kShopifyHeader) +
          shopify_row("#1", "IN-1", 2, "Ada Lovelace", "617-555-0101", "12 Main St*Apt~4") +
          shopify_row("#1", "IN-2", 1) + shopify_row("#2", "IN-3", 5));
  auto r = in.once();
  REQUIRE_MESSAGE(r.code == 0, (r.out + r.err));
  auto files = in.files("out/supplier/initech");
  REQUIRE(files.size() == 1);
  const std::string text = slurp(files[0]);
  auto report = x12::check_stream(x12::buffer_source(text), true);
  for (const auto& p : report.problems) CHECK_MESSAGE(!p.error, p.text());
  CHECK(report.ok());
  CHECK(report.interchanges == 1);
  CHECK(report.set_count == 2);
  const std::string po1 = in.order("1")["pos"][0]["number"],
                    po2 = in.order("2")["pos"][0]["number"];
  auto segs = segments_of(text);
  auto has = [&](const std::string& s) {
    return std::find(segs.begin(), segs.end(), s) != segs.end();
  };
  CHECK(segs[0].starts_with(
      "ISA*00*          *00*          *ZZ*MYSHOP         *ZZ*INITECH        *"));
  CHECK(segs[0].ends_with("*U*00401*000000001*0*P*>"));
  CHECK(segs[1].starts_with("GS*PO*MYSHOP*INITECH*"));
  CHECK(has("ST*850*0001"));
  CHECK(std::any_of(segs.begin(), segs.end(), [&](const std::string& s) {
    return s.starts_with("BEG*00*DS*" + po1 + "**");
  }));
  CHECK(has("REF*CO*#1"));
  CHECK(has("N1*ST*Ada Lovelace"));
  CHECK(has("N3*12 Main St Apt 4"));  // delimiters in data become spaces
  CHECK(has("N4*Boston*MA*02134*US"));
  CHECK(has("PER*IC*Ada Lovelace*TE*617-555-0101"));
  CHECK(has("PO1*1*2*EA*9.99**VP*IN-1"));
  CHECK(has("PID*F****Item IN-1"));
  CHECK(has("CTT*2"));
  CHECK(has("SE*14*0001"));
  CHECK(std::any_of(segs.begin(), segs.end(), [&](const std::string& s) {
    return s.starts_with("BEG*00*DS*" + po2 + "**");
  }));
  CHECK(has("GE*2*1"));
  CHECK(has("IEA*1*000000001"));
  if (auto ind = independent_check(files[0])) {
    CHECK_MESSAGE(ind->code == 0, ind->out);
    CHECK_MESSAGE(ind->out.find("nodex12 REJECT") == std::string::npos, ind->out);
  } else {
    MESSAGE("node or ../shared/tools absent: independent check skipped");
  }

  // The next run's interchange takes the next control numbers.
  in.drop_orders("shop", "b.csv", std::string(kShopifyHeader) + shopify_row("#3", "IN-9", 1));
  REQUIRE(in.once().code == 0);
  files = in.files("out/supplier/initech");
  REQUIRE(files.size() == 2);
  const std::string second = slurp(files[0]) == text ? slurp(files[1]) : slurp(files[0]);
  auto segs2 = segments_of(second);
  CHECK(segs2[0].ends_with("*000000002*0*P*>"));
  CHECK(segs2[1].find("*2*X*004010") != std::string::npos);
}

TEST_CASE("x12 out: a canceled X12 PO goes as an 860") {
  Install in("auto");
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#1", "IN-1", 2));
  REQUIRE(in.once().code == 0);
  REQUIRE(in.ctl({"cancel", "1"}).code == 0);
  std::string cancel;
  for (const auto& f : in.files("out/supplier/initech"))
    if (f.filename().string().starts_with("CANCEL-")) cancel = slurp(f);
  REQUIRE_FALSE(cancel.empty());
  auto report = x12::check_stream(x12::buffer_source(cancel), true);
  CHECK(report.ok());
  auto segs = segments_of(cancel);
  const std::string po = in.order("1")["pos"][0]["number"];
  CHECK(segs[1].starts_with("GS*PC*"));
  CHECK(segs[2] == "ST*860*0001");
  CHECK(segs[3].starts_with("BCH*01*DS*" + po + "***"));
  CHECK(segs[0].ends_with("*000000002*0*P*>"));  // control numbers go on from the 850's
  for (const auto& f : in.files("out/supplier/initech"))
    if (auto ind = independent_check(f)) {
      CHECK_MESSAGE(ind->code == 0, ind->out);
      CHECK_MESSAGE(ind->out.find("nodex12 REJECT") == std::string::npos, ind->out);
    }
  CHECK(in.order("1")["status"] == "canceled");
}

namespace {

std::string envelope(const std::string& gs01, const std::string& body_segments, int sets = 1) {
  return "ISA*00*          *00*          *ZZ*INITECH        *ZZ*MYSHOP         "
         "*261126*1300*U*00401*000000555*0*P*>~\n"
         "GS*" +
         gs01 + "*INITECH*MYSHOP*20261126*1300*555*X*004010~\n" + body_segments + "GE*" +
         std::to_string(sets) + "*555~\nIEA*1*000000555~\n";
}

}  // namespace

TEST_CASE("x12 in: a 997 rejecting a set fails its PO with the reasons, an accepted one is noted") {
  Install in("auto");
  in.drop_orders(
      "shop", "a.csv",
      std::string(kShopifyHeader) + shopify_row("#1", "IN-1", 2) + shopify_row("#2", "IN-3", 5));
  REQUIRE(in.once().code == 0);
  // The 850s went as sets 0001 (#1) and 0002 (#2) of group 1.
  in.drop_tracking(
      "initech", "ack.edi",
      envelope("FA",
               "ST*997*0001~\nAK1*PO*1~\nAK2*850*0001~\nAK5*A~\nAK2*850*0002~\nAK3*N4*9**8~\n"
               "AK4*3*116*7*ZZZZZ~\nAK5*R*5~\nAK9*P*2*2*1~\nSE*10*0001~\n"));
  auto r = in.once();
  CHECK_MESSAGE(r.code == 0, (r.out + r.err));
  CHECK(in.order("1")["status"] == "processed");
  auto bad = in.order("2");
  CHECK(bad["status"] == "failed");
  REQUIRE(bad["messages"].size() == 1);
  const std::string why = bad["messages"][0];
  CHECK(why.find("997 from the supplier: transaction set 850 0002 rejected") != std::string::npos);
  CHECK(why.find("segment N4 at position 9: segment has data element errors") != std::string::npos);
  CHECK(why.find("element 3 (data element 116): invalid code value (bad value 'ZZZZZ')") !=
        std::string::npos);
  bool acked = false;
  const auto first = in.order("1");
  for (const auto& e : first["events"]) acked |= e["kind"] == "acknowledged";
  CHECK(acked);
}

TEST_CASE("x12 in: an 855 rejecting a PO fails it, an unknown PO is kept as unmatched") {
  Install in("auto");
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#1", "IN-1", 2));
  REQUIRE(in.once().code == 0);
  const std::string po = in.order("1")["pos"][0]["number"];
  in.drop_tracking(
      "initech", "855.edi",
      envelope("PR",
               "ST*855*0001~\nBAK*00*RD*" + po +
                   "*20261126~\nPO1*1*2*EA***VP*IN-1~\nACK*IR*2*EA~\n"
                   "SE*5*0001~\nST*855*0002~\nBAK*00*AD*PO999999*20261126~\nSE*3*0002~\n",
               2));
  auto r = in.once();
  CHECK(r.code == 1);  // the unknown PO is a failure to look at
  auto o = in.order("1");
  CHECK(o["status"] == "failed");
  CHECK(o["messages"][0].get<std::string>().find(
            "855 from the supplier: reject with detail (RD); line 1: item rejected (IR)") !=
        std::string::npos);
  auto st = nlohmann::json::parse(in.ctl({"sync", "status", "--json"}).out);
  REQUIRE(st["unmatched_tracking"].size() == 1);
  CHECK(st["unmatched_tracking"][0]["reason"].get<std::string>().starts_with(
      "PO PO999999 answers no PO orderd sent to initech"));
}

TEST_CASE("x12 in: an interchange applied before is recognised under another file name") {
  Install in("auto");
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#1", "IN-1", 2));
  REQUIRE(in.once().code == 0);
  const std::string ack =
      envelope("FA", "ST*997*0001~\nAK1*PO*1~\nAK2*850*0001~\nAK5*A~\nAK9*A*1*1*1~\nSE*6*0001~\n");
  in.drop_tracking("initech", "ack-1.edi", ack);
  REQUIRE(in.once().code == 0);
  // The same interchange again, re-sent with other line ends: not byte-identical.
  std::string again = ack;
  for (std::size_t at = 0; (at = again.find("~\n", at)) != std::string::npos; at += 3)
    again.replace(at, 2, "~\r\n");
  in.drop_tracking("initech", "ack-2.edi", again);
  auto r = in.once();
  CHECK(r.code == 0);
  CHECK(r.out.find("ack-2.edi: interchange 000000555 from INITECH was applied before (file #") !=
        std::string::npos);
  int acks = 0;
  const auto o = in.order("1");
  for (const auto& e : o["events"]) acks += e["kind"] == "acknowledged";
  CHECK(acks == 1);
}

TEST_CASE("x12 out: the supplier's groups are acknowledged with a 997") {
  Install in("auto");
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#1", "IN-1", 2));
  REQUIRE(in.once().code == 0);
  const std::string po = in.order("1")["pos"][0]["number"];
  in.drop_tracking("initech", "855.edi",
                   envelope("PR", "ST*855*0001~\nBAK*00*AD*" + po + "*20261126~\nSE*3*0001~\n"));
  auto r = in.once();
  REQUIRE_MESSAGE(r.code == 0, (r.out + r.err));
  std::filesystem::path ack;
  for (const auto& f : in.files("out/supplier/initech"))
    if (f.filename().string().starts_with("ACK-")) ack = f;
  REQUIRE_FALSE(ack.empty());
  const std::string text = slurp(ack);
  auto report = x12::check_stream(x12::buffer_source(text), true);
  CHECK(report.ok());
  auto segs = segments_of(text);
  CHECK(segs[0].find("*ZZ*MYSHOP         *ZZ*INITECH        *") != std::string::npos);
  CHECK(segs[0].ends_with("*000000002*0*P*>"));  // after the 850's interchange
  CHECK(segs[1].starts_with("GS*FA*MYSHOP*INITECH*"));
  CHECK(segs[2] == "ST*997*0001");
  CHECK(segs[3] == "AK1*PR*555");
  CHECK(segs[4] == "AK2*855*0001");
  CHECK(segs[5] == "AK5*A");
  CHECK(segs[6] == "AK9*A*1*1*1");
  CHECK(segs[7] == "SE*6*0001");
  // What orderd reads back from its own 997 is what it meant.
  REQUIRE(report.sets.size() == 1);
  CHECK(report.sets[0].functional_ack.group_control == "555");
  CHECK(report.sets[0].functional_ack.accepted);
  if (auto ind = independent_check(ack)) {
    CHECK_MESSAGE(ind->code == 0, ind->out);
    CHECK_MESSAGE(ind->out.find("nodex12 REJECT") == std::string::npos, ind->out);
  }
}

TEST_CASE("x12 out: a supplier's 997 is not acknowledged") {
  Install in("auto");
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#1", "IN-1", 2));
  REQUIRE(in.once().code == 0);
  in.drop_tracking(
      "initech", "ack.edi",
      envelope("FA", "ST*997*0001~\nAK1*PO*1~\nAK2*850*0001~\nAK5*A~\nAK9*A*1*1*1~\nSE*6*0001~\n"));
  REQUIRE(in.once().code == 0);
  for (const auto& f : in.files("out/supplier/initech"))
    CHECK_FALSE(f.filename().string().starts_with("ACK-"));
}

TEST_CASE("x12 out: a file that fails validation is rejected with a 997 naming its errors") {
  Install in("auto");
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#1", "IN-1", 2));
  REQUIRE(in.once().code == 0);
  const std::string po = in.order("1")["pos"][0]["number"];
  // Set 0001: HL 3 comes where HL 2 should; set 0002: SE counts 9 segments, not 5.
  const std::string bad =
      envelope("SH",
               "ST*856*0001~\nBSN*00*S1*20261126*1300~\nHL*1**S~\nHL*3*1*O~\nPRF*" + po +
                   "~\nSE*6*0001~\n"
                   "ST*856*0002~\nBSN*00*S2*20261126*1300~\nHL*1**S~\nHL*2*1*O~\nSE*9*0002~\n",
               2);
  in.drop_tracking("initech", "bad856.edi", bad);
  auto r = in.once();
  CHECK(r.code == 1);                                                // the file is quarantined
  CHECK(in.files("spool/quarantine/tracking/initech").size() == 2);  // file + .error
  std::filesystem::path ack;
  for (const auto& f : in.files("out/supplier/initech"))
    if (f.filename().string().starts_with("ACK-")) ack = f;
  REQUIRE_FALSE(ack.empty());
  const std::string text = slurp(ack);
  CHECK(x12::check_stream(x12::buffer_source(text), true).ok());
  auto segs = segments_of(text);
  REQUIRE(segs.size() == 14);
  CHECK(segs[2] == "ST*997*0001");
  CHECK(segs[3] == "AK1*SH*555");
  CHECK(segs[4] == "AK2*856*0001");
  CHECK(segs[5] == "AK3*HL*4**8");  // segment 4 of the set (ST is 1) has element errors
  CHECK(segs[6] == "AK4*1**7");     // HL01: invalid value
  CHECK(segs[7] == "AK5*R*5");      // one or more segments in error
  CHECK(segs[8] == "AK2*856*0002");
  CHECK(segs[9] == "AK5*R*4");  // number of included segments does not match
  CHECK(segs[10] == "AK9*R*2*2*0");
  // What orderd reads back from its own 997 is what it meant.
  auto back = x12::check_stream(x12::buffer_source(text), true);
  REQUIRE(back.sets.size() == 1);
  CHECK_FALSE(back.sets[0].functional_ack.accepted);
  if (auto ind = independent_check(ack)) {
    CHECK_MESSAGE(ind->code == 0, ind->out);
    CHECK_MESSAGE(ind->out.find("nodex12 REJECT") == std::string::npos, ind->out);
  }
  // Nothing of the file was applied.
  CHECK(in.order("1")["status"] == "processed");
}

TEST_CASE("x12 out: a bad interchange envelope is answered with a TA1") {
  Install in("auto");
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#1", "IN-1", 2));
  REQUIRE(in.once().code == 0);
  std::string bad = envelope("PR", "ST*855*0001~\nBAK*00*AD*X*20261126~\nSE*3*0001~\n");
  bad.replace(bad.find("IEA*1*000000555"), 15, "IEA*1*000000556");
  in.drop_tracking("initech", "badisa.edi", bad);
  CHECK(in.once().code == 1);
  std::filesystem::path ack;
  for (const auto& f : in.files("out/supplier/initech"))
    if (f.filename().string().starts_with("ACK-")) ack = f;
  REQUIRE_FALSE(ack.empty());
  auto segs = segments_of(slurp(ack));
  REQUIRE(segs.size() >= 2);
  CHECK(segs[1] == "TA1*000000555*261126*1300*R*001");  // control numbers do not match
  CHECK(x12::check_stream(x12::buffer_source(slurp(ack)), true).ok());
}

TEST_CASE("x12 out: every invalid conformance file gets a rejection that is itself valid X12") {
  auto dir = conformance_dir();
  if (!dir) {
    MESSAGE("skipped: ../shared/conformance is not here");
    return;
  }
  X12Config x;
  x.enabled = true;
  x.sender_id = "MYSHOP";
  x.receiver_id = "PARTNER";
  x.send_ack = "997";
  struct Counter : ControlNumbers {
    std::uint64_t n = 0;
    std::pair<std::uint64_t, std::uint64_t> next(std::string_view, std::string_view) override {
      ++n;
      return {n, n};
    }
    void sent_as(std::int64_t, std::string_view, std::string_view, std::string_view,
                 std::string_view) override {}
  } numbers;
  int answered = 0, files = 0;
  for (const auto& f : files_under(*dir / "x12/invalid")) {
    ++files;
    auto source = x12::file_source(f);
    REQUIRE(source);
    auto report = x12::check_stream(std::move(*source), true);
    CAPTURE(f.string());
    REQUIRE_FALSE(report.ok());
    const std::string ack = write_x12_rejection(x, report, numbers);
    if (ack.empty()) continue;  // nothing to answer (no envelope to name)
    ++answered;
    auto back = x12::check_stream(x12::buffer_source(ack), true);
    for (const auto& p : back.problems) CHECK_MESSAGE(!p.error, p.text());
  }
  MESSAGE(answered << " of " << files << " invalid files get a TA1 or a rejecting 997");
  CHECK(answered * 2 > files);
}

TEST_CASE("x12 in: a TA1 rejecting our interchange fails every PO in it, and alerts") {
  Install in("auto");
  in.drop_orders(
      "shop", "a.csv",
      std::string(kShopifyHeader) + shopify_row("#1", "IN-1", 2) + shopify_row("#2", "IN-3", 5));
  REQUIRE(in.once().code == 0);
  const auto sent = in.files("out/supplier/initech");
  REQUIRE(sent.size() == 1);  // one interchange (batch: run) with both 850s
  const auto isa = segments_of(slurp(sent[0]))[0];
  const std::string isa13 = isa.substr(isa.size() - 15, 9);  // ...*000000001*0*P*>
  in.drop_tracking("initech", "ta1.edi",
                   "ISA*00*          *00*          *ZZ*INITECH        *ZZ*MYSHOP         "
                   "*261126*1300*U*00401*000000901*0*P*>~\nTA1*" +
                       isa13 + "*261126*1300*R*022~\nIEA*0*000000901~\n");
  auto r = in.once();
  CHECK_MESSAGE(r.code == 0, (r.out + r.err));
  for (const char* id : {"1", "2"}) {
    auto o = in.order(id);
    CHECK(o["status"] == "failed");
    REQUIRE(o["messages"].size() == 1);
    CHECK(o["messages"][0].get<std::string>().find("TA1 from the supplier: interchange " + isa13 +
                                                   " rejected: invalid control structure (022)") !=
          std::string::npos);
  }
  auto alerts = nlohmann::json::parse(in.ctl({"alerts", "--json"}).out);
  int rejected = 0;
  for (const auto& a : alerts) rejected += a["kind"] == "rejected";
  CHECK(rejected == 2);
}
