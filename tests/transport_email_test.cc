// The email transport against real servers on loopback: an aiosmtpd sink
// (tests/servers/smtp_sink.py, STARTTLS and login required) that decodes
// each message with Python's own email package, and a dovecot IMAP server
// (servers.h) whose Maildir the test seeds directly. Skipped when
// python3-aiosmtpd or dovecot (or root, for dovecot) is missing.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "e2e_fixture.h"
#include "servers.h"
#include "test_servers.h"
#include "test_util.h"
#include "transport/transport.h"
#include "transport_test_util.h"
#include "util/hash.h"

using namespace orderd;
using namespace orderd::test;
namespace fs = std::filesystem;

namespace {

#define SKIP_WITHOUT_DOVECOT()                                       \
  if (const auto why = servers::dovecot_missing(); !why.empty()) {   \
    MESSAGE("skipped: no IMAP server for the email tests: " << why); \
    return;                                                          \
  }

std::string all_bytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
  return s + "PO Number,SKU\r\nPO-1,ABC\n";
}

}  // namespace

TEST_CASE("email: a document goes out by SMTP with STARTTLS and login as an attachment") {
  SKIP_WITHOUT_AIOSMTPD();
  SmtpSink sink;
  auto t = make(sink.config());
  const std::string po = all_bytes();
  auto sent = t->deliver("PO-1.csv", po);
  REQUIRE_MESSAGE(sent, (sent ? "" : sent.error().message()));
  const auto got = sink.received();
  REQUIRE(got.size() == 1);
  const auto& m = got[0];
  CHECK(m["mail_from"] == "orders@shop.example");
  CHECK(m["rcpt_tos"] == nlohmann::json({"po@acme.example", "backup@acme.example"}));
  CHECK(m["headers"]["From"] == "orders@shop.example");
  CHECK(m["headers"]["To"] == "po@acme.example, backup@acme.example");
  CHECK(m["headers"]["Subject"] == "PO PO-1.csv for acme");
  CHECK(m["headers"]["X-Orderd-Document"] == "PO-1.csv");
  CHECK(m["text"] == "PO-1.csv is attached.\r\n");
  REQUIRE(m["attachments"].size() == 1);
  CHECK(m["attachments"][0]["filename"] == "PO-1.csv");
  CHECK(m["attachments"][0]["content_type"] == "text/csv");
  CHECK(slurp(m["attachments"][0]["file"].get<std::string>()) == po);

  // A resend (after an interrupted run) carries the same Message-ID.
  const std::string id = m["headers"]["Message-ID"];
  CHECK(id == fmt::format("<orderd.PO-1.csv.{}@shop.example>", sha256_hex(po).substr(0, 24)));
  REQUIRE(t->deliver("PO-1.csv", po));
  CHECK(sink.received().at(1)["headers"]["Message-ID"] == id);
  CHECK(t->check("PO-1.csv", sha256_hex(po)) == Presence::kAbsent);
}

TEST_CASE(
    "email: the subject's placeholders are filled once each, a long non-ASCII one arrives "
    "whole") {
  SKIP_WITHOUT_AIOSMTPD();
  SmtpSink sink;
  auto cfg = sink.config();
  // {title} is the document's first line (an alert's), cut at a character.
  cfg.set("subject", "{title} [{name}] {party} {nope}");
  cfg.set("body", "body");
  auto t = make(cfg);
  std::string title = "Bestellung für Müller & Söhne: {name} ";
  for (int i = 0; i < 40; ++i) title += "ü";  // 80 bytes of two-byte characters
  REQUIRE(t->deliver("alert-000001.txt", title + "\nthe rest\n"));
  const auto got = sink.received();
  REQUIRE(got.size() == 1);
  CHECK(got[0]["headers"]["Subject"] == title + " [alert-000001.txt] acme {nope}");
}

TEST_CASE("email: body and both put the document in the text") {
  SKIP_WITHOUT_AIOSMTPD();
  SmtpSink sink;
  const std::string po = "ISA*00*~\nGS*PO~\n";
  auto cfg = sink.config();
  cfg.set("body", "body");
  REQUIRE(make(cfg)->deliver("PO-2.x12", po));
  cfg.set("body", "both");
  REQUIRE(make(cfg)->deliver("PO-3.x12", po));
  const auto got = sink.received();
  REQUIRE(got.size() == 2);
  CHECK(got[0]["text"] == po);
  CHECK(got[0]["attachments"].empty());
  CHECK(got[1]["text"] == po);
  REQUIRE(got[1]["attachments"].size() == 1);
  CHECK(slurp(got[1]["attachments"][0]["file"].get<std::string>()) == po);
  CHECK(got[1]["attachments"][0]["content_type"] == "application/edi-x12");
}

TEST_CASE("email: SMTP failures read in operator words") {
  SKIP_WITHOUT_AIOSMTPD();
  SmtpSink sink;
  spit(sink.tmp / "wrong", "nope\n");
  auto cfg = sink.config();
  cfg.set("password_file", sink.tmp / "wrong");
  auto denied = make(cfg)->deliver("PO-1.csv", "x");
  REQUIRE_FALSE(denied);
  CHECK(denied.error().kind() == ErrorKind::kPermanent);
  CHECK(denied.error().message().starts_with(
      fmt::format("login failed for user acme at smtp 127.0.0.1:{} (", sink.port)));
  CHECK(denied.error().message().find("nope") == std::string::npos);

  cfg = sink.config();
  cfg.set("to", std::vector<std::string>{"nobody@acme.example"});
  auto refused = make(cfg)->deliver("PO-1.csv", "x");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind() == ErrorKind::kPermanent);
  CHECK(refused.error().message() ==
        fmt::format("smtp 127.0.0.1:{}: cannot send PO-1.csv: the server said \"550 5.1.1 no "
                    "such user here\"",
                    sink.port));

  cfg = sink.config();
  cfg.set("ca_file", "");
  auto untrusted = make(cfg)->deliver("PO-1.csv", "x");
  REQUIRE_FALSE(untrusted);
  CHECK(untrusted.error().message().starts_with(
      fmt::format("the TLS certificate of smtp 127.0.0.1:{} is not trusted", sink.port)));
  CHECK(sink.received().empty());
}

TEST_CASE("email: an SMTP server that is down is transient and a later retry sends") {
  SKIP_WITHOUT_AIOSMTPD();
  SmtpSink sink(/*start=*/false);
  auto t = make(sink.config());
  auto sent = t->deliver("PO-1.csv", "x");
  REQUIRE_FALSE(sent);
  CHECK(sent.error().kind() == ErrorKind::kTransient);
  CHECK(sent.error().message().starts_with(
      fmt::format("cannot connect to smtp 127.0.0.1:{} (", sink.port)));
  sink.start();
  REQUIRE(t->deliver("PO-1.csv", "x"));
  CHECK(sink.received().size() == 1);
}

namespace {

struct Imap {
  TempDir tmp;
  servers::TestCert cert = servers::make_test_cert(tmp.path());
  servers::Dovecot dovecot{cert};

  Imap() { dovecot.start(); }
  TransportConfig config() const {
    TransportConfig c;
    c.where.text = "test.yaml:1:1: suppliers.acme.tracking.pull";
    c.type = "email";
    c.set("imap_url", fmt::format("imap://127.0.0.1:{}/INBOX", dovecot.port()));
    c.set("user", servers::Dovecot::kUser);
    c.set("password_file", dovecot.password_file());
    c.set("ca_file", cert.cert);
    c.timeout = 10;
    return c;
  }
};

std::string base64_lines(const std::string& data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < data.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) v |= static_cast<unsigned char>(data[i + 1]) << 8;
    if (i + 2 < data.size()) v |= static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < data.size() ? kAlphabet[v & 63] : '=';
    if ((i / 3 + 1) % 19 == 0) out += "\r\n";
  }
  return out + "\r\n";
}

const std::string kTracking = "PO Number,Carrier,Tracking Number\r\nPO-1,UPS,1Z999\r\n";

std::string message_with_csv(const std::string& subject, const std::string& csv) {
  return "From: Acme <ship@acme.example>\r\n"
         "To: orders@shop.example\r\n"
         "Subject: " +
         subject +
         "\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
         "\r\n"
         "preamble\r\n"
         "--b1\r\n"
         "Content-Type: text/plain\r\n"
         "\r\n"
         "Tracking attached.\r\n"
         "--b1\r\n"
         "Content-Type: text/csv; name=\"tracking.csv\"\r\n"
         "Content-Disposition: attachment; filename=\"tracking.csv\"\r\n"
         "Content-Transfer-Encoding: base64\r\n"
         "\r\n" +
         base64_lines(csv) + "--b1--\r\n";
}

std::vector<std::string> uids(Transport& t) {
  auto listed = t.list();
  REQUIRE_MESSAGE(listed, (listed ? "" : listed.error().message()));
  std::vector<std::string> out;
  for (const auto& f : *listed) out.push_back(f.name);
  return out;
}

}  // namespace

TEST_CASE("email: IMAP list fetch and flag take each attachment once") {
  SKIP_WITHOUT_DOVECOT();
  Imap imap;
  imap.dovecot.seed("1.eml", message_with_csv("tracking 1", kTracking));
  auto t = make(imap.config());
  CHECK_FALSE(t->needs_settle());
  auto listed = uids(*t);
  REQUIRE(listed.size() == 1);
  const RemoteFile msg{listed[0], -1, 0};
  auto got = t->fetch(msg);
  REQUIRE_MESSAGE(got, (got ? "" : got.error().message()));
  REQUIRE(got->size() == 1);
  CHECK((*got)[0].name == "tracking.csv");
  CHECK((*got)[0].content == kTracking);
  // Fetched but not yet taken: still there for the next look.
  CHECK(uids(*t) == listed);
  REQUIRE(t->take_done(msg));
  CHECK(uids(*t).empty());
  CHECK(t->take_done(msg));                    // twice is fine
  CHECK(imap.dovecot.messages().size() == 1);  // flagged, not deleted
}

TEST_CASE("email: IMAP move puts the taken message in the archive folder") {
  SKIP_WITHOUT_DOVECOT();
  Imap imap;
  imap.dovecot.seed("1.eml", message_with_csv("tracking 1", kTracking));
  imap.dovecot.seed("2.eml", message_with_csv("tracking 2", "PO-2,FEDEX,7\r\n"));
  auto cfg = imap.config();
  cfg.set("imap_after", "move");
  cfg.archive_path = "Orderd Done";
  auto t = make(cfg);
  auto listed = uids(*t);
  REQUIRE(listed.size() == 2);
  const RemoteFile first{listed[0], -1, 0};
  REQUIRE(t->fetch(first));
  auto moved = t->take_done(first);
  REQUIRE_MESSAGE(moved, (moved ? "" : moved.error().message()));
  CHECK(uids(*t) == std::vector<std::string>{listed[1]});
  CHECK(imap.dovecot.messages("Orderd Done").size() == 1);
  CHECK(t->take_done(first));  // already moved: done
  REQUIRE(t->take_done({listed[1], -1, 0}));
  CHECK(uids(*t).empty());
  CHECK(imap.dovecot.messages("Orderd Done").size() == 2);
}

TEST_CASE("email: attachments in every MIME shape are found and decoded") {
  SKIP_WITHOUT_DOVECOT();
  Imap imap;
  // Nested multipart, quoted-printable, an RFC 2231 name, an RFC 2047 name,
  // a 7bit attachment named only by Content-Type, and an inline text part
  // that is not an attachment.
  imap.dovecot.seed(
      "1.eml",
      "From: ship@acme.example\r\n"
      "Subject: =?UTF-8?B?dHJhY2tpbmc=?=\r\n"
      "Content-Type: multipart/mixed;\r\n boundary=\"outer\"\r\n"
      "\r\n"
      "--outer\r\n"
      "Content-Type: multipart/alternative; boundary=inner\r\n"
      "\r\n"
      "--inner\r\n"
      "Content-Type: text/plain\r\n\r\nhello\r\n"
      "--inner\r\n"
      "Content-Type: text/html\r\n\r\n<p>hello</p>\r\n"
      "--inner--\r\n"
      "--outer\r\n"
      "Content-Type: text/csv\r\n"
      "Content-Disposition: attachment; filename*=UTF-8''track%20a%C3%A9.csv\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "PO-1,caf=C3=A9,1Z  \r\n"
      "a long line that was wrapped=\r\n"
      " here=3D\r\n"
      "--outer\r\n"
      "Content-Type: application/octet-stream\r\n"
      "Content-Disposition: attachment;\r\n filename=\"=?utf-8?Q?ship_b=C3=A9.856?=\"\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "\r\n" +
          base64_lines(all_bytes()) +
          "--outer\r\n"
          "Content-Type: text/csv; name=c.csv\r\n"
          "\r\n"
          "PO-3,UPS,3\r\n"
          "--outer--\r\n"
          "epilogue\r\n");
  auto t = make(imap.config());
  auto listed = uids(*t);
  REQUIRE(listed.size() == 1);
  auto got = t->fetch({listed[0], -1, 0});
  REQUIRE_MESSAGE(got, (got ? "" : got.error().message()));
  REQUIRE(got->size() == 3);
  CHECK((*got)[0].name == "track a\xC3\xA9.csv");
  CHECK((*got)[0].content == "PO-1,caf\xC3\xA9,1Z\r\na long line that was wrapped here=");
  CHECK((*got)[1].name == "ship b\xC3\xA9.856");
  CHECK((*got)[1].content == all_bytes());
  CHECK((*got)[2].name == "c.csv");
  CHECK((*got)[2].content == "PO-3,UPS,3");
}

TEST_CASE("email: IMAP failures read in operator words") {
  SKIP_WITHOUT_DOVECOT();
  Imap imap;
  auto cfg = imap.config();
  spit(imap.tmp / "wrong", "bad-pw\n");
  cfg.set("password_file", imap.tmp / "wrong");
  auto denied = make(cfg)->list();
  REQUIRE_FALSE(denied);
  CHECK(denied.error().kind() == ErrorKind::kPermanent);
  CHECK(denied.error().message().starts_with(
      fmt::format("login failed for user buyer at imap 127.0.0.1:{} (", imap.dovecot.port())));

  cfg = imap.config();
  cfg.set("imap_url", fmt::format("imap://127.0.0.1:{}/INBOX", servers::free_port()));
  auto down = make(cfg)->list();
  REQUIRE_FALSE(down);
  CHECK(down.error().kind() == ErrorKind::kTransient);

  cfg = imap.config();
  cfg.set("imap_url", "");
  auto no_url = make(cfg)->list();
  REQUIRE_FALSE(no_url);
  CHECK(no_url.error().message() ==
        "test.yaml:1:1: suppliers.acme.tracking.pull.imap_url: pulling email needs imap_url");
}

TEST_CASE("email: e2e an X12 supplier by mail - 850 out by SMTP and 856 in by IMAP") {
  SKIP_WITHOUT_AIOSMTPD();
  SKIP_WITHOUT_DOVECOT();
  SmtpSink sink;
  Imap imap;
  const auto smtp = sink.config();
  const auto pull = imap.config();
  Install in;
  spit(in.config,
       remote_supplier_config(
           fmt::format("{{type: email, smtp_url: \"{}\", user: acme, password_file: {}, ca_file: "
                       "{}, from: orders@shop.example, to: [po@acme.example], timeout: 10}}",
                       smtp.text("smtp_url"), smtp.text("password_file"), smtp.text("ca_file")),
           fmt::format("{{type: email, imap_url: \"{}\", user: {}, password_file: {}, ca_file: {}, "
                       "timeout: 10}}",
                       pull.text("imap_url"), pull.text("user"), pull.text("password_file"),
                       pull.text("ca_file")),
           "x12", "x12-850"));
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#1", "ACME-1", 2));
  auto r = in.once();
  REQUIRE_MESSAGE(r.code == 0, (r.out + r.err));
  auto got = sink.received();
  REQUIRE(got.size() == 1);
  REQUIRE(got[0]["attachments"].size() == 1);
  const std::string edi = slurp(got[0]["attachments"][0]["file"].get<std::string>());
  const std::string po = in.order("1")["pos"][0]["number"];
  CHECK(edi.find("ST*850*") != std::string::npos);
  CHECK(edi.find("BEG*00*DS*" + po) != std::string::npos);
  // The supplier mails an 856 back.
  const std::string asn =
      "ISA*00*          *00*          *ZZ*ACME           *ZZ*MYSHOP         "
      "*261126*1300*U*00401*000000777*0*P*>~\n"
      "GS*SH*ACME*MYSHOP*20261126*1300*777*X*004010~\n"
      "ST*856*0001~\nBSN*00*S1*20261126*1300~\nHL*1**S~\nTD5**2*UPSN~\nREF*CN*1Z999AA10123456784~\n"
      "HL*2*1*O~\nPRF*" +
      po + "~\nHL*3*2*I~\nLIN*1*VP*ACME-1~\nSN1**2*EA~\nSE*11*0001~\nGE*1*777~\nIEA*1*000000777~\n";
  imap.dovecot.seed("asn.eml", message_with_csv("ASN", asn));
  r = in.once();
  REQUIRE_MESSAGE(r.code == 0, (r.out + r.err));
  CHECK(in.order("1")["status"] == "completed");
  // Our 997 for the 856 went out by mail too, and the message was taken once.
  got = sink.received();
  REQUIRE(got.size() == 2);
  CHECK(slurp(got[1]["attachments"][0]["file"].get<std::string>()).find("ST*997*") !=
        std::string::npos);
  REQUIRE(in.once().code == 0);
  CHECK(in.files("spool/archive/tracking").size() == 1);
}

TEST_CASE("email: starttls: false sends to a local relay that offers no TLS, never with a login") {
  SKIP_WITHOUT_AIOSMTPD();
  SmtpSink sink(true, /*relay=*/true);
  TransportConfig cfg = sink.config();
  cfg.set("user", "");
  cfg.set("password_file", "");
  // STARTTLS is required by default: a relay that offers none is refused.
  auto required = make(cfg)->deliver("PO-1.csv", "x");
  REQUIRE_FALSE(required);
  CHECK(sink.received().empty());
  cfg.set("starttls", false);
  REQUIRE(make(cfg)->deliver("PO-1.csv", "PO Number,SKU\nPO-1,ACME-1\n"));
  auto got = sink.received();
  REQUIRE(got.size() == 1);
  CHECK(got[0]["attachments"][0]["filename"] == "PO-1.csv");
  // In the configuration: refused with a login, warned about off this machine.
  const std::string base = R"(channels: {shop: {format: shopify-csv}}
suppliers:
  acme:
    skus: ["A*"]
    transport: {type: email, smtp_url: "smtp://HOST:25", from: a@b.c, to: [p@q.r], starttls: false)";
  auto with_login = parse_config(std::string(base).replace(base.find("HOST"), 4, "127.0.0.1") +
                                     ", user: me, password_file: pw}\n",
                                 "/etc/orderd/orderd.yaml");
  REQUIRE_FALSE(with_login);
  CHECK(with_login.error().message().find(
            "starttls: false sends in clear text: never with a login") != std::string::npos);
  auto local = parse_config(std::string(base).replace(base.find("HOST"), 4, "localhost") + "}\n",
                            "/etc/orderd/orderd.yaml");
  REQUIRE_MESSAGE(local, local.error().message());
  CHECK((*local)->warnings.empty());
  auto remote =
      parse_config(std::string(base).replace(base.find("HOST"), 4, "mail.example.com") + "}\n",
                   "/etc/orderd/orderd.yaml");
  REQUIRE(remote);
  REQUIRE((*remote)->warnings.size() == 1);
  CHECK((*remote)->warnings[0].find(
            "starttls: false sends to mail.example.com, not this machine") != std::string::npos);
}
