// The ftp and ftps transports against a real pyftpdlib server on loopback
// (tests/servers/ftp_server.py): delivery and its no-overwrite rule, TLS
// with a throwaway CA, the failures an operator meets (wrong password,
// server down, connection cut mid-upload, read-only folder) and the pull
// side. Skipped when python3-pyftpdlib is missing.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "e2e_fixture.h"
#include "servers.h"
#include "test_util.h"
#include "transport/transport.h"
#include "transport_test_util.h"
#include "util/hash.h"

using namespace orderd;
using namespace orderd::test;
namespace fs = std::filesystem;

namespace {

#define SKIP_WITHOUT_PYFTPDLIB()                                                                  \
  if (const auto why = servers::python_missing("pyftpdlib", "python3-pyftpdlib"); !why.empty()) { \
    MESSAGE("skipped: no FTP server for the ftp tests: " << why);                                 \
    return;                                                                                       \
  }

// A pyftpdlib server serving tmp/root to user acme, with the flags given.
struct FtpServer {
  TempDir tmp;
  fs::path root = tmp / "root";
  servers::Server server;
  std::optional<servers::TestCert> cert;

  explicit FtpServer(std::vector<std::string> flags = {}, bool tls = false, bool start = true) {
    fs::create_directories(root / "out");
    spit(tmp / "password", "s3cret\n");
    if (tls) {
      cert = servers::make_test_cert(tmp.path());
      flags.push_back("--cert");
      flags.push_back(cert->both.string());
    }
    port = servers::free_port();
    argv = {servers::kPython,
            servers::script("ftp_server.py"),
            std::to_string(port),
            root.string(),
            "acme",
            "s3cret"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    if (start) this->start();
  }
  void start() { server.start(argv, port, tmp / "ftp.log"); }

  TransportConfig config(const std::string& folder = "out") const {
    TransportConfig c;
    c.where.text = "test.yaml:1:1: suppliers.acme.transport";
    c.type = cert ? "ftps" : "ftp";
    c.set("host", "127.0.0.1");
    c.set("port", port);
    c.set("user", "acme");
    c.set("password_file", tmp / "password");
    c.set("path", folder);
    c.timeout = 10;
    if (cert) c.set("ca_file", cert->cert);
    return c;
  }

  int port = 0;
  std::vector<std::string> argv;
};

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("ftp: deliver writes the file once and never overwrites different content") {
  SKIP_WITHOUT_PYFTPDLIB();
  FtpServer srv;
  auto t = make(srv.config());
  const std::string po = "PO Number,SKU\nPO-1,ABC\n";
  CHECK(t->check("PO-1.csv", sha256_hex(po)) == Presence::kAbsent);
  auto sent = t->deliver("PO-1.csv", po);
  REQUIRE_MESSAGE(sent, (sent ? "" : sent.error().message()));
  CHECK(slurp(srv.root / "out" / "PO-1.csv") == po);
  CHECK(names_in(srv.root / "out") == std::vector<std::string>{"PO-1.csv"});  // no .part left
  CHECK(t->check("PO-1.csv", sha256_hex(po)) == Presence::kSame);
  CHECK(t->check("PO-1.csv", sha256_hex("other")) == Presence::kDifferent);

  // A retry after a lost answer: the same content counts as delivered.
  CHECK(t->deliver("PO-1.csv", po));
  CHECK(names_in(srv.root / "out") == std::vector<std::string>{"PO-1.csv"});

  auto other = t->deliver("PO-1.csv", "PO Number,SKU\nPO-1,XYZ\n");
  REQUIRE_FALSE(other);
  CHECK(other.error().kind() == ErrorKind::kConflict);
  CHECK(other.error().message() ==
        fmt::format("ftp 127.0.0.1:{}: remote folder out already holds a different file named "
                    "PO-1.csv; not overwritten (ask the receiver to move it away, then retry)",
                    srv.port));
  CHECK(slurp(srv.root / "out" / "PO-1.csv") == po);
  CHECK(names_in(srv.root / "out") == std::vector<std::string>{"PO-1.csv"});
}

TEST_CASE("ftp: one connection carries a run of files") {
  SKIP_WITHOUT_PYFTPDLIB();
  FtpServer srv;
  auto t = make(srv.config());
  for (int i = 0; i < 5; ++i)
    REQUIRE(t->deliver(fmt::format("PO-{}.csv", i), fmt::format("line {}\n", i)));
  CHECK(names_in(srv.root / "out").size() == 5);
  const auto log = srv.server.log_text();
  std::size_t sessions = 0;
  for (auto at = log.find("USER 'acme' logged in"); at != std::string::npos;
       at = log.find("USER 'acme' logged in", at + 1))
    ++sessions;
  CHECK(sessions == 1);
}

TEST_CASE("ftp: an absolute folder and the login folder both work") {
  SKIP_WITHOUT_PYFTPDLIB();
  FtpServer srv;
  auto abs = make(srv.config("/out"));
  REQUIRE(abs->deliver("A.csv", "a\n"));
  CHECK(slurp(srv.root / "out" / "A.csv") == "a\n");
  auto login = make(srv.config(""));
  REQUIRE(login->deliver("B.csv", "b\n"));
  CHECK(slurp(srv.root / "B.csv") == "b\n");
  CHECK(login->describe() == fmt::format("ftp acme@127.0.0.1:{} (login folder)", srv.port));
}

TEST_CASE("ftp: ftps delivers with ca_file and refuses a certificate it cannot verify") {
  SKIP_WITHOUT_PYFTPDLIB();
  FtpServer srv({}, /*tls=*/true);
  auto t = make(srv.config());
  auto sent = t->deliver("PO-2.xml", "<po/>\n");
  REQUIRE_MESSAGE(sent, (sent ? "" : sent.error().message()));
  CHECK(slurp(srv.root / "out" / "PO-2.xml") == "<po/>\n");
  auto same = t->check("PO-2.xml", sha256_hex("<po/>\n"));
  REQUIRE_MESSAGE(same, (same ? "" : same.error().message()));
  CHECK(*same == Presence::kSame);

  auto cfg = srv.config();
  cfg.set("ca_file", "");  // the system CAs do not know the throwaway one
  auto untrusted = make(cfg)->deliver("PO-3.xml", "<po/>\n");
  REQUIRE_FALSE(untrusted);
  CHECK(untrusted.error().kind() == ErrorKind::kPermanent);
  CHECK(untrusted.error().message().starts_with(
      fmt::format("the TLS certificate of ftps 127.0.0.1:{} is not trusted (", srv.port)));
  CHECK(untrusted.error().message().ends_with(
      "); set ca_file to the CA that signed the server's certificate"));
  CHECK_FALSE(fs::exists(srv.root / "out" / "PO-3.xml"));

  cfg.set("verify_tls", false);  // an operator's explicit choice
  auto unverified = make(cfg)->deliver("PO-3.xml", "<po/>\n");
  CHECK_MESSAGE(unverified, (unverified ? "" : unverified.error().message()));

  // Plain ftp to a server that requires TLS is refused by the server.
  auto plain = srv.config();
  plain.type = "ftp";
  auto refused = make(plain)->deliver("PO-4.xml", "<po/>\n");
  REQUIRE_FALSE(refused);
  CHECK_FALSE(refused.error().transient());
  CHECK(refused.error().message() ==
        fmt::format("login failed for user acme at ftp 127.0.0.1:{} (the server said \"550 "
                    "SSL/TLS required on the control channel.\"); check user and the password",
                    srv.port));
}

TEST_CASE("ftp: a wrong password is a clear permanent error") {
  SKIP_WITHOUT_PYFTPDLIB();
  FtpServer srv;
  spit(srv.tmp / "wrong", "guess\n");
  auto cfg = srv.config();
  cfg.set("password_file", srv.tmp / "wrong");
  auto sent = make(cfg)->deliver("PO-1.csv", "x\n");
  REQUIRE_FALSE(sent);
  CHECK(sent.error().kind() == ErrorKind::kPermanent);
  CHECK(sent.error().message() ==
        fmt::format("login failed for user acme at ftp 127.0.0.1:{} (the server said \"530 "
                    "Authentication failed.\"); check user and the password",
                    srv.port));
  CHECK(sent.error().message().find("guess") == std::string::npos);
}

TEST_CASE("ftp: a missing password file is a config error") {
  TransportConfig cfg;
  cfg.where.text = "test.yaml:3:5: suppliers.acme.transport";
  cfg.type = "ftp";
  cfg.set("host", "127.0.0.1");
  cfg.set("user", "acme");
  cfg.set("password_file", "/nonexistent/password");
  auto t = make_transport(cfg);
  REQUIRE_FALSE(t);
  CHECK(t.error().kind() == ErrorKind::kConfig);
  CHECK(t.error().message().starts_with(
      "test.yaml:3:5: suppliers.acme.transport: cannot read the FTP password file "
      "/nonexistent/password: "));
}

TEST_CASE("ftp: a server that is down is transient and a later retry delivers") {
  SKIP_WITHOUT_PYFTPDLIB();
  FtpServer srv({}, false, /*start=*/false);
  auto t = make(srv.config());
  auto sent = t->deliver("PO-1.csv", "x\n");
  REQUIRE_FALSE(sent);
  CHECK(sent.error().kind() == ErrorKind::kTransient);
  CHECK(sent.error().message().starts_with(
      fmt::format("cannot connect to ftp 127.0.0.1:{} (", srv.port)));
  CHECK(sent.error().message().ends_with("); is the server up and the port right?"));
  srv.start();
  REQUIRE(t->deliver("PO-1.csv", "x\n"));
  CHECK(slurp(srv.root / "out" / "PO-1.csv") == "x\n");
}

TEST_CASE("ftp: a connection cut mid-upload leaves no file under the final name") {
  SKIP_WITHOUT_PYFTPDLIB();
  FtpServer srv({"--cut-after", "65536"});
  auto t = make(srv.config());
  std::string big;
  for (int i = 0; big.size() < 2'000'000; ++i) big += fmt::format("PO-9,SKU-{},1\n", i);
  auto cut = t->deliver("PO-cut.csv", big);
  REQUIRE_FALSE(cut);
  CHECK(cut.error().kind() == ErrorKind::kTransient);
  MESSAGE("the cut reads: " << cut.error().message());
  CHECK_FALSE(fs::exists(srv.root / "out" / "PO-cut.csv"));
  CHECK(t->check("PO-cut.csv", sha256_hex(big)) == Presence::kAbsent);

  // The retry (the server cuts only once per name) delivers it whole, once.
  auto again = t->deliver("PO-cut.csv", big);
  REQUIRE_MESSAGE(again, (again ? "" : again.error().message()));
  CHECK(slurp(srv.root / "out" / "PO-cut.csv") == big);
  CHECK(names_in(srv.root / "out") == std::vector<std::string>{"PO-cut.csv"});
}

TEST_CASE("ftp: a read-only folder is a clear error naming the folder") {
  SKIP_WITHOUT_PYFTPDLIB();
  FtpServer srv({"--readonly", "ro"});
  fs::create_directories(srv.root / "ro");
  auto sent = make(srv.config("ro"))->deliver("PO-1.csv", "x\n");
  REQUIRE_FALSE(sent);
  CHECK(sent.error().kind() == ErrorKind::kPermanent);
  CHECK(sent.error().message() ==
        fmt::format("ftp 127.0.0.1:{}: cannot write ro/.PO-1.csv.part in remote folder ro: the "
                    "server said \"550 Not enough privileges.\"",
                    srv.port));
  CHECK(names_in(srv.root / "ro").empty());
}

TEST_CASE("ftp: pull lists fetches and archives the files") {
  SKIP_WITHOUT_PYFTPDLIB();
  FtpServer srv;
  spit(srv.root / "out" / "track-1.csv", "PO Number,Tracking Number\nPO-1,1Z\n");
  spit(srv.root / "out" / "track-2.csv", "PO Number,Tracking Number\nPO-2,1Y\n");
  spit(srv.root / "out" / ".hidden.csv", "no");
  spit(srv.root / "out" / "busy.csv.part", "no");
  spit(srv.root / "out" / "busy.tmp", "no");
  fs::create_directories(srv.root / "out" / "sub");
  fs::create_directories(srv.root / "done");
  auto cfg = srv.config();
  cfg.archive_path = "done";
  auto t = make(cfg);
  auto listed = t->list();
  REQUIRE_MESSAGE(listed, (listed ? "" : listed.error().message()));
  std::vector<std::string> names;
  for (const auto& f : *listed) names.push_back(f.name);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"track-1.csv", "track-2.csv"});
  for (const auto& f : *listed) {
    CHECK(f.size == static_cast<std::int64_t>(fs::file_size(srv.root / "out" / f.name)));
    CHECK(f.mtime > 1'600'000'000);
  }
  const RemoteFile one{"track-1.csv", -1, 0};
  auto got = t->fetch(one);
  REQUIRE(got);
  REQUIRE(got->size() == 1);
  CHECK((*got)[0].name == "track-1.csv");
  CHECK((*got)[0].content == "PO Number,Tracking Number\nPO-1,1Z\n");
  REQUIRE(t->take_done(one));
  CHECK_FALSE(fs::exists(srv.root / "out" / "track-1.csv"));
  CHECK(slurp(srv.root / "done" / "track-1.csv") == "PO Number,Tracking Number\nPO-1,1Z\n");
  CHECK(t->take_done(one));  // already gone: done

  // A second file of the same name does not replace the archived one.
  spit(srv.root / "out" / "track-1.csv", "again\n");
  REQUIRE(t->take_done(one));
  CHECK(slurp(srv.root / "done" / "track-1.csv") == "PO Number,Tracking Number\nPO-1,1Z\n");
  CHECK(names_in(srv.root / "done").size() == 2);

  auto missing = t->fetch({"nope.csv", -1, 0});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message().starts_with(
      fmt::format("ftp 127.0.0.1:{}: cannot read out/nope.csv: ", srv.port)));
}

TEST_CASE("ftp: pull deletes taken files when there is no archive folder") {
  SKIP_WITHOUT_PYFTPDLIB();
  FtpServer srv;
  spit(srv.root / "out" / "track-1.csv", "x\n");
  auto t = make(srv.config());
  auto listed = t->list();
  REQUIRE(listed);
  REQUIRE(listed->size() == 1);
  REQUIRE(t->take_done((*listed)[0]));
  CHECK(names_in(srv.root / "out").empty());
  CHECK(t->take_done((*listed)[0]));
}

TEST_CASE("ftp: pull from a server without MLSD uses names sizes and times") {
  SKIP_WITHOUT_PYFTPDLIB();
  FtpServer srv({"--no-mlsd"});
  spit(srv.root / "out" / "track-1.csv", "12345\n");
  spit(srv.root / "out" / ".hidden", "x");
  fs::create_directories(srv.root / "out" / "sub");
  auto t = make(srv.config());
  auto listed = t->list();
  REQUIRE_MESSAGE(listed, (listed ? "" : listed.error().message()));
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].name == "track-1.csv");
  CHECK((*listed)[0].size == 6);
  CHECK((*listed)[0].mtime > 1'600'000'000);
}

TEST_CASE("ftp: e2e a supplier served over ftps - PO out and tracking pulled back") {
  SKIP_WITHOUT_PYFTPDLIB();
  FtpServer srv({}, /*tls=*/true);
  fs::create_directories(srv.root / "tracking");
  fs::create_directories(srv.root / "done");
  const std::string common = fmt::format(
      "type: ftps, host: 127.0.0.1, port: {}, user: acme, password_file: {}, ca_file: {}, "
      "timeout: 10",
      srv.port, (srv.tmp / "password").string(), srv.cert->cert.string());
  Install in;
  spit(in.config,
       remote_supplier_config(
           fmt::format("{{{}, path: out}}", common),
           fmt::format("{{{}, path: tracking, archive_path: done, settle: 0}}", common)));
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#1", "ACME-1", 2));
  auto r = in.once();
  REQUIRE_MESSAGE(r.code == 0, (r.out + r.err));
  REQUIRE(names_in(srv.root / "out").size() == 1);
  const std::string po = in.order("1")["pos"][0]["number"];
  CHECK(slurp(srv.root / "out" / names_in(srv.root / "out")[0]).find(po) != std::string::npos);
  spit(srv.root / "tracking" / "ship.csv", acme_tracking_csv(po));
  r = in.once();
  REQUIRE_MESSAGE(r.code == 0, (r.out + r.err));
  CHECK(in.order("1")["status"] == "completed");
  CHECK(names_in(srv.root / "tracking").empty());
  CHECK(names_in(srv.root / "done") == std::vector<std::string>{"ship.csv"});
  CHECK(names_in(srv.root / "out").size() == 1);  // the PO went once
}

TEST_CASE("ftp: e2e a file still growing at the second look is left for the next run") {
  SKIP_WITHOUT_PYFTPDLIB();
  FtpServer srv;
  fs::create_directories(srv.root / "tracking");
  const std::string common = fmt::format(
      "type: ftp, host: 127.0.0.1, port: {}, user: acme, password_file: {}, timeout: 10", srv.port,
      (srv.tmp / "password").string());
  Install in;
  spit(in.config, remote_supplier_config(fmt::format("{{{}, path: out}}", common),
                                         fmt::format("{{{}, path: tracking, settle: 3}}", common)));
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#1", "ACME-1", 2));
  REQUIRE(in.once().code == 0);
  const std::string po = in.order("1")["pos"][0]["number"];
  const std::string text = acme_tracking_csv(po);
  const auto file = srv.root / "tracking" / "ship.csv";
  spit(file, text.substr(0, 20));  // the supplier has begun writing
  // While orderd waits between its two looks, the supplier writes the rest.
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    spit(file, text);
  });
  auto r = in.once();
  writer.join();
  REQUIRE_MESSAGE(r.code == 0, (r.out + r.err));
  CHECK(in.order("1")["status"] == "processed");  // not taken: it moved between the looks
  CHECK(fs::exists(file));
  r = in.once();  // it holds still now
  REQUIRE_MESSAGE(r.code == 0, (r.out + r.err));
  CHECK(in.order("1")["status"] == "completed");
  CHECK_FALSE(fs::exists(file));
}

TEST_CASE("ftp: e2e killed between download and archive - the file is applied once") {
  SKIP_WITHOUT_PYFTPDLIB();
  FtpServer srv;
  fs::create_directories(srv.root / "tracking");
  fs::create_directories(srv.root / "done");
  const std::string common = fmt::format(
      "type: ftp, host: 127.0.0.1, port: {}, user: acme, password_file: {}, timeout: 10", srv.port,
      (srv.tmp / "password").string());
  Install in;
  spit(in.config,
       remote_supplier_config(
           fmt::format("{{{}, path: out}}", common),
           fmt::format("{{{}, path: tracking, archive_path: done, settle: 0}}", common)));
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#1", "ACME-1", 2));
  REQUIRE(in.once().code == 0);
  const std::string po = in.order("1")["pos"][0]["number"];
  spit(srv.root / "tracking" / "ship.csv", acme_tracking_csv(po));
  // Killed (SIGKILL) after the download is in inbound/, before the source archives it.
  auto r = in.once({"ORDERD_CRASHPOINT=pull.before_take_done"});
  CHECK(r.code == 128 + 9);
  CHECK(fs::exists(srv.root / "tracking" / "ship.csv"));
  CHECK(in.files("spool/inbound/tracking/acme").size() == 1);
  r = in.once();
  REQUIRE_MESSAGE(r.code == 0, (r.out + r.err));
  CHECK(r.out.find("already imported") != std::string::npos);  // the second copy
  CHECK(in.order("1")["status"] == "completed");
  auto shown = in.order("1");
  REQUIRE(shown["lines"].size() == 1);
  CHECK(shown["lines"][0]["shipped_quantity"] == 2);  // not 4
  CHECK(names_in(srv.root / "done") == std::vector<std::string>{"ship.csv"});
  CHECK(in.files("spool/inbound/tracking/acme").empty());
}

TEST_CASE("ftp: pull refuses a remote file past the limit and leaves it there") {
  SKIP_WITHOUT_PYFTPDLIB();
  FtpServer srv;
  auto t = make(srv.config());
  check_pull_limit(*t, srv.root / "out");
}
