#include <doctest/doctest.h>
#include <fmt/format.h>

#include <map>

#include "edi/x12_documents.h"
#include "test_util.h"

using namespace orderd;
using namespace orderd::x12;

namespace {

FileReport check_text(std::string_view text, std::size_t chunk = 1 << 20, bool collect = true) {
  return check_stream(buffer_source(text), collect, chunk);
}

FileReport check_file(const std::filesystem::path& p, std::size_t chunk = 1 << 20) {
  auto src = file_source(p);
  REQUIRE(src.has_value());
  return check_stream(std::move(*src), true, chunk);
}

std::string first_error(const FileReport& r) {
  for (const auto& p : r.problems)
    if (p.error) return p.where + ": " + p.message;
  return r.content_problems.empty() ? "" : r.content_problems.front();
}

// A summary that must not depend on how the input was cut into chunks.
std::string digest(const FileReport& r) {
  std::string d = std::to_string(r.segments) + "/" + std::to_string(r.set_count) + "/" +
                  std::to_string(r.items);
  for (const auto& p : r.problems) d += "|" + p.text();
  for (const auto& s : r.sets)
    for (const auto& i : s.ship_notice.items)
      d += "|" + i.po_number + ":" + i.id() + ":" + std::to_string(i.quantity) + ":" + i.tracking;
  return d;
}

const char* kSmall =
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
    "*261126*1200*U*00401*000000007*0*P*>~\n"
    "GS*SH*SENDER*RECEIVER*20261126*1200*7*X*004010~\n"
    "ST*856*0001~\n"
    "BSN*00*SHIP1*20261126*1200~\n"
    "HL*1**S~\n"
    "TD5**2*UPSN~\n"
    "REF*CN*1Z999AA10123456784~\n"
    "DTM*011*20261126~\n"
    "HL*2*1*O~\n"
    "PRF*PO000001~\n"
    "HL*3*2*I~\n"
    "LIN**VP*ACME-1*UP*012345678905~\n"
    "SN1**2*EA~\n"
    "SE*12*0001~\n"
    "GE*1*7~\n"
    "IEA*1*000000007~\n";

}  // namespace

TEST_CASE("x12: a small 856 is valid and read") {
  auto r = check_text(kSmall);
  CHECK(first_error(r) == "");
  CHECK(r.ok());
  REQUIRE(r.sets.size() == 1);
  const auto& items = r.sets[0].ship_notice.items;
  REQUIRE(items.size() == 1);
  CHECK(items[0].po_number == "PO000001");
  CHECK(items[0].id() == "ACME-1");
  CHECK(items[0].quantity == 2);
  CHECK(items[0].tracking == "1Z999AA10123456784");
  CHECK(items[0].tracking_source == "REF*CN");
  CHECK(items[0].carrier == "UPSN");
  CHECK(items[0].ship_date == "20261126");
  CHECK(items[0].hl_path == "S-O-I");
}

TEST_CASE("x12: an empty first value is kept (found by the fuzzer)") {
  std::string t = kSmall;
  t.replace(t.find("TD5**2*UPSN"), 11, "TD5**2");
  auto r = check_text(t);
  CHECK(first_error(r) == "");
  CHECK(r.sets.at(0).ship_notice.items.at(0).carrier == "");
  CHECK(r.sets.at(0).ship_notice.items.at(0).po_number == "PO000001");
}

TEST_CASE("x12: envelope errors name their place") {
  struct Case {
    const char* name;
    std::string from, to, want;
  } cases[] = {
      {"SE01", "SE*12*0001~", "SE*13*0001~",
       "interchange 1 (ISA13 000000007), group 1 (GS06 7), set 1 (ST02 0001), segment 12 SE (line "
       "14), element SE01: "
       "says 13 segments, the set has 12 (ST to SE)"},
      {"SE02", "SE*12*0001~", "SE*12*0002~",
       "interchange 1 (ISA13 000000007), group 1 (GS06 7), set 1 (ST02 0001), segment 12 SE (line "
       "14), element SE02: "
       "control number 0002 does not match ST02 0001"},
      {"GE01", "GE*1*7~", "GE*2*7~",
       "interchange 1 (ISA13 000000007), group 1 (GS06 7), segment 15 GE (line 15), element GE01: "
       "says 2 transaction "
       "sets, the group has 1"},
      {"IEA02", "IEA*1*000000007~", "IEA*1*000000008~",
       "interchange 1 (ISA13 000000007), segment 16 IEA (line 16), element IEA02: control number "
       "000000008 does not "
       "match ISA13 000000007"},
      {"GS04", "20261126*1200*7", "20261131*1200*7",
       "interchange 1 (ISA13 000000007), group 1 (GS06 7), segment 2 GS (line 2), element GS04: "
       "'20261131' is not a "
       "date (CCYYMMDD)"},
      {"ISA06 width", "*ZZ*SENDER         *", "*ZZ*SENDER*",
       "interchange 1 (ISA13 000000007), segment 1 ISA (line 1), element ISA06: is 6 characters "
       "wide, must be exactly "
       "15 (pad with spaces)"},
      {"HL parent", "HL*3*2*I~", "HL*3*9*I~",
       "interchange 1 (ISA13 000000007), group 1 (GS06 7), set 1 (ST02 0001), segment 9 HL (line "
       "11), element HL02: "
       "parent HL 9 does not come before this HL"},
      {"missing SE", "SE*12*0001~\n", "",
       "interchange 1 (ISA13 000000007), group 1 (GS06 7), set 1 (ST02 0001), segment 14 GE (line "
       "14): GE inside a "
       "transaction set: an SE is missing"},
  };
  for (const auto& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    std::string text = kSmall;
    auto at = text.find(c.from);
    REQUIRE(at != std::string::npos);
    text.replace(at, c.from.size(), c.to);
    auto r = check_text(text);
    CHECK_FALSE(r.ok());
    CHECK(first_error(r) == c.want);
  }
}

TEST_CASE(
    "x12: delimiters come from each ISA, BOM, indentation, wrapping and a missing last "
    "terminator") {
  std::string second = kSmall;
  for (char& ch : second) {
    if (ch == '*')
      ch = '|';
    else if (ch == '~')
      ch = '\x15';
  }
  // Two interchanges with different delimiters, a BOM, indentation, and no final terminator.
  std::string text =
      "\xEF\xBB\xBF" + std::string(kSmall) + "  " + second.substr(0, second.size() - 2);
  auto r = check_text(text);
  CHECK(r.interchanges == 2);
  CHECK(r.sets.size() == 2);
  REQUIRE(r.problems.size() == 1);  // only the duplicate control number
  CHECK(r.problems[0].message ==
        "control number 000000007 from SENDER to RECEIVER appears twice in this file");
  // Wrapped at 40 columns: line breaks inside segments are dropped.
  std::string flat = kSmall;
  std::erase(flat, '\n');
  std::string wrapped;
  for (std::size_t i = 0; i < flat.size(); i += 40) wrapped += flat.substr(i, 40) + "\r\n";
  auto w = check_text(wrapped);
  CHECK(first_error(w) == "");
  CHECK(w.sets.at(0).ship_notice.items.at(0).tracking == "1Z999AA10123456784");
}

TEST_CASE("x12: reading does not depend on how the input is cut") {
  auto dir = test::conformance_dir();
  std::vector<std::string> texts = {kSmall};
  if (dir)
    for (const auto& f : test::files_under(*dir / "x12")) texts.push_back(test::slurp(f));
  for (const auto& t : texts) {
    const std::string want = digest(check_text(t));
    for (std::size_t chunk : {1, 2, 3, 7, 64, 1000}) {
      CAPTURE(chunk);
      CHECK(digest(check_text(t, chunk)) == want);
    }
  }
}

TEST_CASE("x12: every valid conformance file is valid, every invalid one is rejected") {
  auto dir = test::conformance_dir();
  if (!dir) {
    MESSAGE("../shared/conformance is absent; skipped");
    return;
  }
  int valid = 0, invalid = 0;
  for (const auto& f : test::files_under(*dir / "x12")) {
    if (f.extension() == ".md") continue;
    CAPTURE(f.string());
    auto r = check_file(f);
    if (f.parent_path().filename() == "invalid") {
      CHECK_FALSE(r.ok());
      ++invalid;
    } else {
      CHECK(first_error(r) == "");
      ++valid;
    }
  }
  CHECK(valid == 51);
  CHECK(invalid == 30);
}

TEST_CASE("x12: invalid conformance files fail at the right place") {
  auto dir = test::conformance_dir();
  if (!dir) return;
  const std::map<std::string, std::string> want = {
      {"gozer__asn856_isa13_iea02_mismatch.txt",
       "interchange 1 (ISA13 000003438), segment 35 IEA (line 35), element IEA02: control number "
       "000000049 does not "
       "match ISA13 000003438"},
      {"gozer__po850_se01_wrong.txt",
       "interchange 1 (ISA13 000003438), group 1 (GS06 1421), set 1 (ST02 000000010), segment 21 "
       "SE (line 23), "
       "element SE01: says 33 segments, the set has 21 (ST to SE)"},
      {"gozer__missing_ISA.txt",
       "file: byte 0 (line 1): expected an interchange header (ISA), found 'GS*SH*4405197800*999'; "
       "is this an X12 file?"},
      {"gtlogistics__no-ge-trailer.edi",
       "interchange 1 (ISA13 000011111), group 1 (GS06 000001000), segment 3 IEA (line 3): IEA "
       "inside a functional "
       "group: a GE is missing"},
      {"gtlogistics__no-matching-st-count.edi",
       "interchange 1 (ISA13 000011111), group 1 (GS06 000001000), segment 3 GE (line 3), element "
       "GE01: says 1 "
       "transaction sets, the group has 0"},
      {"stupidedi__004010_FA997_pass_1_isa06_12_chars.edi",
       "interchange 1 (ISA13 300044350), segment 1 ISA (line 1), element ISA06: is 12 characters "
       "wide, must be exactly "
       "15 (pad with spaces)"},
      {"staedi__997_empty_missing_ak1_ak9.edi",
       "set 997 (ST02 0001): line 4: the acknowledgment has no AK1 segment"},
      {"staedi__997_invalid_element_values.edi",
       "set 997 (ST02 0001): line 4: AK101 'HC NOT IN CODESET' is not a functional identifier "
       "code"},
      {"gtlogistics__empty-edi.edi", "file: no interchange (ISA) in the file; it is empty"},
  };
  for (const auto& [name, message] : want) {
    CAPTURE(name);
    CHECK(first_error(check_file(*dir / "x12/invalid" / name)) == message);
  }
}

TEST_CASE("x12: 856 shapes from the conformance files") {
  auto dir = test::conformance_dir();
  if (!dir) return;
  auto items = [&](const char* f) {
    auto r = check_file(*dir / "x12/856" / f);
    std::vector<ShippedItem> out;
    for (const auto& s : r.sets)
      out.insert(out.end(), s.ship_notice.items.begin(), s.ship_notice.items.end());
    return out;
  };
  auto a = items("bots__856_1_SOPI_one_po_3_cartons.x12");
  REQUIRE(a.size() == 58);
  CHECK(a[0].po_number == "ordernumber");
  CHECK(a[0].hl_path == "S-O-P-I");
  CHECK(a[0].quantity == 11);
  CHECK(a[0].id() == "01113481");
  CHECK(a[0].tracking == "0000123456781234567892");
  CHECK(a[0].tracking_source == "MAN*GM");
  std::int64_t total = 0;
  for (const auto& i : a) total += i.quantity;
  CHECK(total == 427);
  auto b = items("bots__856_2_SOPI_multi_po_multi_st.x12");
  REQUIRE(b.size() == 8);
  CHECK(b[2].po_number == "ordernumber2");
  CHECK(b[2].carrier == "SCAC");
  auto c = items("nodex12__856_SOI_refcn.edi");
  REQUIRE(c.size() == 2);
  CHECK(c[0].hl_path == "S-O-I");
  CHECK(c[0].po_number == "99999817");
  CHECK(c[0].id() == "87787D");
  CHECK(c[0].tracking == "5787970539");
  CHECK(c[0].tracking_source == "REF*CN");
  auto d = items("oopfactory__856_Example4_SOI_no_parents.txt");
  REQUIRE(d.size() == 7);
  CHECK(d[0].po_number == "PO NUMBER");  // HL02 empty: the last order level
  CHECK(d[0].id() == "100014544");
  auto e = items("oopfactory__856_Example2_SI_3060.txt");
  REQUIRE(e.size() == 2);
  CHECK(e[0].hl_path == "S-I");
  CHECK(e[1].po_number == "B00003489");
}

TEST_CASE("x12: 855 and 997/999 from the conformance files") {
  auto dir = test::conformance_dir();
  if (!dir) return;
  auto ack855 = check_file(*dir / "x12/855/nodex12__855.edi").sets.at(0).po_ack;
  CHECK(ack855.po_number == "POTEST1112");
  CHECK(ack855.code == "AD");
  CHECK_FALSE(ack855.rejected);
  REQUIRE(ack855.lines.size() == 4);
  CHECK(ack855.lines[1].status == "IR");
  CHECK(ack855.lines[1].meaning == "item rejected");
  CHECK(ack855.lines[0].quantity == 3);
  auto rej = check_file(*dir / "x12/855/stupidedi__004010_X358_basic-po-ack-rejected.edi")
                 .sets.at(0)
                 .po_ack;
  CHECK(rej.rejected);

  auto fa = check_file(*dir / "x12/997/bots__997_ak3_ak4_reject.x12").sets.at(0).functional_ack;
  CHECK(fa.group_id == "HC");
  CHECK(fa.group_control == "1");
  CHECK(fa.code == "R");
  CHECK_FALSE(fa.accepted);
  REQUIRE(fa.sets.size() == 1);
  CHECK(fa.sets[0].control == "300145997");
  CHECK(fa.sets[0].errors.at(0) == "segment SV2 at position 57: segment has data element errors");
  CHECK(fa.sets[0].errors.at(1) == "element 2.1 (data element 235): invalid code value");
  auto ok = check_file(*dir / "x12/997/bots__997_accept_po_retailer.x12").sets.at(0).functional_ack;
  CHECK(ok.group_id == "PO");
  CHECK(ok.accepted);
  auto p999 = check_file(*dir / "x12/999/staedi__999_simple.edi").sets.at(0).functional_ack;
  CHECK(p999.code == "P");
  REQUIRE(p999.sets.size() == 3);
  CHECK(p999.sets[0].accepted);
  CHECK(p999.sets[2].errors.at(0) == "segment REF at position 57: required segment missing");
}

// The reader's fast path (the masks of the 64 bytes from a segment's start)
// against a plain split, on random segments: element counts from 1 to 150
// (so some segments are longer than 64 bytes and take the slow path, and
// some outgrow the element table), empty elements, each terminator style,
// every chunk size.
TEST_CASE("x12: the reader splits random segments exactly as written") {
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  auto rnd = [&](std::uint64_t n) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state % n;
  };
  for (const char* after : {"~", "~\n", "~\r\n", "\n"}) {
    CAPTURE(after);
    std::string text =
        "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
        "*261126*1200*U*00401*000000007*0*P*>";
    text += after;
    std::vector<std::vector<std::string>> want;
    for (int i = 0; i < 300; ++i) {
      std::vector<std::string> seg = {i % 2 ? "REF" : "N1"};
      const std::uint64_t elements = i == 7 ? 150 : rnd(i % 10 == 0 ? 80 : 6);
      for (std::uint64_t e = 0; e < elements; ++e)
        seg.push_back(std::string(rnd(4) == 0 ? 0 : rnd(30), static_cast<char>('A' + rnd(26))));
      for (std::size_t e = 0; e < seg.size(); ++e) text += (e ? "*" : "") + seg[e];
      text += after;
      want.push_back(seg);
    }
    for (std::size_t chunk : {1, 5, 63, 64, 65, 1000, 1 << 20}) {
      CAPTURE(chunk);
      Reader r(buffer_source(text), chunk);
      Segment seg;
      REQUIRE(*r.next(seg));
      CHECK(seg.tag() == "ISA");
      std::uint64_t line = 1 + (std::string_view(after).ends_with('\n') ? 1 : 0);
      for (const auto& w : want) {
        REQUIRE(*r.next(seg));
        std::vector<std::string> got;
        for (std::size_t k = 0; k < seg.size; ++k) got.emplace_back(seg.at(k));
        REQUIRE(got == w);
        CHECK(seg.code == tag_code(w[0]));
        CHECK(seg.line == (std::string_view(after).ends_with('\n') ? line++ : 1));
      }
      CHECK_FALSE(*r.next(seg));
    }
  }
}

TEST_CASE("x12: tag codes tell tags of different lengths apart") {
  using namespace std::string_view_literals;
  CHECK(tag_code("\0SE"sv) != tag_code("SE"));
  CHECK(tag_code("A") != tag_code("\0A"sv));
  CHECK(tag_code("") == 0);
  CHECK(tag_code("ABCD") == 0);
  const std::string padded = std::string("SN1") + std::string(kViewPadding, 'X');
  for (std::size_t n = 1; n <= 3; ++n)
    CHECK(padded_code(std::string_view(padded).substr(0, n)) == tag_code(padded.substr(0, n)));
}

TEST_CASE("x12: control numbers repeat only when written the same") {
  ControlNumberSet s;
  for (const char* id : {"0001", "0002", "0010", "0003", "001", "00001", "ABCD"})
    CHECK(s.insert(id));
  for (const char* id : {"0001", "0010", "0003", "001", "ABCD"}) {
    CAPTURE(id);
    CHECK_FALSE(s.insert(id));
  }
  s.clear();
  CHECK(s.insert("0003"));
  // Falling numbers stay cheap and exact.
  for (int i = 20000; i > 0; --i) REQUIRE(s.insert(fmt::format("{:05}", i)));
  CHECK_FALSE(s.insert("00003"));
  CHECK(s.insert("0003") == false);
}

TEST_CASE("x12: every item of an 856 level is read, and a check sees the same items") {
  std::string two = kSmall;
  const std::string lin = "LIN**VP*ACME-1*UP*012345678905~\nSN1**2*EA~\n";
  two.replace(two.find(lin), lin.size(), lin + "LIN**VP*ACME-2~\nSN1**5*EA~\n");
  two.replace(two.find("SE*12*0001"), 10, "SE*14*0001");
  auto r = check_text(two);
  CHECK(first_error(r) == "");
  const auto& items = r.sets.at(0).ship_notice.items;
  REQUIRE(items.size() == 2);
  CHECK(items[1].id() == "ACME-2");
  CHECK(items[1].quantity == 5);
  CHECK(items[1].po_number == "PO000001");
  CHECK(items[1].tracking == "1Z999AA10123456784");
  CHECK(items[1].hl_path == "S-O-I");
  CHECK(check_text(two, 1 << 20, /*collect=*/false).items == 2);
  // HL03 codes of one to three characters make the path; a set cut short
  // (no SE) still shows its items.
  std::string odd = kSmall;
  odd.replace(odd.find("HL*3*2*I"), 8, "HL*3*2*ABC");
  CHECK(check_text(odd).sets.at(0).ship_notice.items.at(0).hl_path == "S-O-ABC");
  std::string cut = kSmall;
  cut.erase(cut.find("SE*12*0001~\n"), 12);
  auto c = check_text(cut);
  CHECK_FALSE(c.ok());
  CHECK(c.sets.at(0).ship_notice.items.at(0).po_number == "PO000001");
  auto dir = test::conformance_dir();
  if (!dir) return;
  for (const auto& f : test::files_under(*dir / "x12")) {
    CAPTURE(f.string());
    const std::string t = test::slurp(f);
    CHECK(check_text(t, 1 << 20, false).items == check_text(t).items);
  }
}

namespace {

// An interchange around one 856 of these segments (between ST and SE; SE01
// counted), in a group whose GS01 is `gs01`.
std::string one_856(const std::vector<std::string>& body, std::string_view gs01 = "SH") {
  std::string t = fmt::format(
      "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
      "*261126*1200*U*00401*000000009*0*P*>~\nGS*{}*SENDER*RECEIVER*20261126*1200*9*X*004010~\n"
      "ST*856*0001~\n",
      gs01);
  for (const auto& s : body) t += s + "~\n";
  return t + fmt::format("SE*{}*0001~\nGE*1*9~\nIEA*1*000000009~\n", body.size() + 2);
}

}  // namespace

TEST_CASE("x12: 856 HL paths, deep and wide, and tracking from a pack below the item") {
  // Codes that make a path longer than one fixed-size copy, and an empty one.
  auto r = check_text(one_856({"HL*1**S", "HL*2*1*O", "PRF*PO1", "HL*3*2*ABC", "HL*4*3*ABC",
                               "HL*5*4*ABC", "HL*6*5*I", "LIN**SK*A", "HL*7*2*", "LIN**SK*B"}));
  CHECK(first_error(r) == "");
  const auto& items = r.sets.at(0).ship_notice.items;
  REQUIRE(items.size() == 2);
  CHECK(items[0].hl_path == "S-O-ABC-ABC-ABC-I");
  CHECK(items[0].po_number == "PO1");
  CHECK(items[1].hl_path == "S-O-");
  // Standard carton pack (S-O-I-P): the carton's tracking is the item's.
  auto pack = check_text(one_856({"HL*1**S", "HL*2*1*O", "PRF*PO2", "HL*3*2*I", "LIN**SK*C",
                                  "SN1**4*EA", "HL*4*3*P", "MAN*CP*1ZCARTON"}));
  CHECK(first_error(pack) == "");
  const auto& c = pack.sets.at(0).ship_notice.items.at(0);
  CHECK(c.tracking == "1ZCARTON");
  CHECK(c.tracking_source == "MAN*CP");
  CHECK(c.quantity == 4);
  // A chain thousands of levels deep: the path stops growing at 255
  // characters (memory stays linear) and the item still finds its PO.
  std::vector<std::string> deep = {"HL*1**S", "HL*2*1*O", "PRF*PO3"};
  for (int k = 3; k <= 5000; ++k) deep.push_back(fmt::format("HL*{}*{}*I", k, k - 1));
  deep.push_back("LIN**SK*D");
  auto d = check_text(one_856(deep));
  CHECK(first_error(d) == "");
  const auto& item = d.sets.at(0).ship_notice.items.at(0);
  CHECK(item.po_number == "PO3");
  CHECK(item.hl_path.size() <= 255);
  CHECK(item.hl_path.starts_with("S-O-I-I-"));
}

TEST_CASE("x12: envelope checks around the fast paths") {
  // Tags the envelope filter lets through to the full check are still read
  // as set segments (HD collides with the envelope tags' bits).
  static_assert(!maybe_envelope("HL"_tag) && !maybe_envelope("LIN"_tag) &&
                !maybe_envelope("SN1"_tag) && !maybe_envelope("REF"_tag));
  static_assert(maybe_envelope("ST"_tag) && maybe_envelope("SE"_tag) && maybe_envelope("ISA"_tag));
  REQUIRE(maybe_envelope("HD"_tag));
  auto hd = check_text(one_856({"BSN*00*S1*20261126*1200", "HD*030", "HL*1**S"}));
  CHECK(first_error(hd) == "");
  CHECK(hd.segments == 9);
  // An 856 in a PO group is a warning, set after set, and only there.
  std::string two = one_856({"HL*1**S"});
  std::string po = one_856({"HL*1**S"}, "PO");
  two.erase(two.find("GE*1*9~"));
  po = po.substr(po.find("GS*"));
  po.replace(po.find("*9*X*"), 5, "*10*X*");
  po.replace(po.find("GE*1*9"), 6, "GE*1*10");
  two += "GE*1*9~\n" + po;
  two.replace(two.find("IEA*1*"), 6, "IEA*2*");
  auto w = check_text(two);
  CHECK(first_error(w) == "");
  int warnings = 0;
  for (const auto& p : w.problems) {
    CHECK_FALSE(p.error);
    CHECK(p.message ==
          "a 856 belongs in a SH group, this group is PO (accepted: partners do this)");
    CHECK(p.group == 2);
    ++warnings;
  }
  CHECK(warnings == 1);
  // HL01 out of sequence is an error for each such HL, but a child naming
  // one of them as its parent is not.
  auto seq = check_text(one_856({"HL*1**S", "HL*5*1*O", "HL*6*5*I"}));
  REQUIRE(seq.problems.size() == 2);
  CHECK(seq.problems[0].message == "HL number 5 is out of sequence, expected 2");
  CHECK(seq.problems[1].message == "HL number 6 is out of sequence, expected 3");
}
