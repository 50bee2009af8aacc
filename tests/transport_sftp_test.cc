// The sftp transport against a real OpenSSH sshd on loopback (sshd_server.h):
// delivery and its no-overwrite rule, both logins, host key checks, the
// failures an operator meets (server down, connection cut, read-only folder),
// the pull side and the trust-host helpers. Skipped when not root.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "sshd_server.h"
#include "test_util.h"
#include "transport/sftp.h"
#include "transport/transport.h"
#include "transport_test_util.h"
#include "util/hash.h"

using namespace orderd;
using namespace orderd::test;
namespace fs = std::filesystem;

namespace {

#define SKIP_WITHOUT_SSHD()                                  \
  if (const auto why = sshd_unavailable(); !why.empty()) {   \
    MESSAGE("skipped: no sshd for the sftp tests: " << why); \
    return;                                                  \
  }

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// A TCP proxy on loopback to `target_port`. Each connection is closed on both
// sides once `cut_after` bytes have gone upstream, or when cut_all() is called.
class CuttingProxy {
 public:
  CuttingProxy(int target_port, std::size_t cut_after)
      : target_(target_port), cut_after_(cut_after) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    REQUIRE(::listen(listen_fd_, 8) == 0);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~CuttingProxy() {
    stop_ = true;
    acceptor_.join();
    std::lock_guard lock(mu_);
    for (auto& t : pumps_) t.join();
    ::close(listen_fd_);
  }
  int port() const { return port_; }
  void cut_all() { ++generation_; }
  // Stops forwarding, keeping the connections open: a server that hangs.
  void freeze() { frozen_ = true; }
  std::size_t upstream_bytes() const { return upstream_total_; }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      const int server = connect_loopback(target_);
      if (server < 0) {
        ::close(client);
        continue;
      }
      std::lock_guard lock(mu_);
      pumps_.emplace_back([this, client, server] { pump(client, server); });
    }
  }
  void pump(int client, int server) {
    const int born = generation_;
    std::size_t up = 0;
    char buf[16384];
    while (!stop_ && generation_ == born && up < cut_after_) {
      pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
      if (frozen_ || ::poll(p, 2, 50) <= 0) {
        if (frozen_) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      if (p[0].revents) {
        const auto want = std::min(sizeof buf, cut_after_ - up);
        const auto n = ::read(client, buf, want);
        if (n <= 0 || ::send(server, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
        up += static_cast<std::size_t>(n);
        upstream_total_ += static_cast<std::size_t>(n);
      }
      if (p[1].revents) {
        const auto n = ::read(server, buf, sizeof buf);
        if (n <= 0 || ::send(client, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
      }
    }
    ::close(client);
    ::close(server);
  }

  int target_;
  std::size_t cut_after_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> generation_{0};
  std::atomic<bool> frozen_{false};
  std::atomic<std::size_t> upstream_total_{0};
  std::mutex mu_;
  std::vector<std::thread> pumps_;
  std::thread acceptor_;
};

std::string big_content(std::size_t bytes) {
  std::string s;
  s.reserve(bytes);
  std::uint32_t x = 12345;
  while (s.size() < bytes) {
    x = x * 1103515245u + 12345u;
    s += static_cast<char>('A' + (x >> 16) % 26);
  }
  return s;
}

}  // namespace

TEST_CASE("sftp: deliver writes once and never overwrites a different file") {
  SKIP_WITHOUT_SSHD();
  SshdServer sshd;
  auto t = make(sshd.config());
  const std::string a = "PO Number,SKU,Qty\nPO000001,ACME-1,2\n";

  auto first = t->deliver("PO000001.csv", a);
  REQUIRE_MESSAGE(first, (first ? "" : first.error().message()));
  CHECK(slurp(sshd.upload() / "PO000001.csv") == a);
  CHECK(names_in(sshd.upload()) == std::vector<std::string>{"PO000001.csv"});  // no .part left

  // The same content again (a retry after a lost reply): delivered, not duplicated.
  auto again = t->deliver("PO000001.csv", a);
  CHECK_MESSAGE(again, (again ? "" : again.error().message()));
  CHECK(names_in(sshd.upload()) == std::vector<std::string>{"PO000001.csv"});

  // Different content under the same name: a conflict, the file stays as it was.
  auto other = t->deliver("PO000001.csv", a + "PO000001,ACME-2,1\n");
  REQUIRE_FALSE(other);
  CHECK(other.error().kind() == ErrorKind::kConflict);
  CHECK(other.error().message().find("different file named PO000001.csv") != std::string::npos);
  CHECK(other.error().message().find(sshd.upload().string()) != std::string::npos);
  CHECK(slurp(sshd.upload() / "PO000001.csv") == a);
  CHECK(names_in(sshd.upload()) == std::vector<std::string>{"PO000001.csv"});

  CHECK(t->check("PO000001.csv", sha256_hex(a)) == Presence::kSame);
  CHECK(t->check("PO000001.csv", sha256_hex("x")) == Presence::kDifferent);
  CHECK(t->check("PO000002.csv", sha256_hex(a)) == Presence::kAbsent);
  CHECK(t->describe().find("127.0.0.1:" + std::to_string(sshd.port())) != std::string::npos);
}

TEST_CASE("sftp: key login delivers") {
  SKIP_WITHOUT_SSHD();
  SshdServer sshd;
  auto cfg = sshd.config();
  REQUIRE_FALSE(cfg.text("key_file").empty());
  auto s = make(cfg)->deliver("key.csv", "k\n");
  CHECK_MESSAGE(s, (s ? "" : s.error().message()));
  CHECK(slurp(sshd.upload() / "key.csv") == "k\n");
  // The files belong to the login account, not to root.
  struct stat st {};
  REQUIRE(::stat((sshd.upload() / "key.csv").c_str(), &st) == 0);
  CHECK(st.st_uid == ::getpwnam(kSftpUser)->pw_uid);
}

TEST_CASE("sftp: password login delivers") {
  SKIP_WITHOUT_SSHD();
  SshdServer sshd;
  auto cfg = sshd.config(/*password_login=*/true);
  REQUIRE(cfg.text("key_file").empty());
  auto s = make(cfg)->deliver("pw.csv", "p\n");
  CHECK_MESSAGE(s, (s ? "" : s.error().message()));
  CHECK(slurp(sshd.upload() / "pw.csv") == "p\n");
}

TEST_CASE("sftp: a wrong password is permanent and names user and server but not the password") {
  SKIP_WITHOUT_SSHD();
  SshdServer sshd;
  auto cfg = sshd.config(true);
  const std::string wrong = "not-the-Password-42";
  spit(sshd.dir() / "wrong", wrong + "\n");
  cfg.set("password_file", sshd.dir() / "wrong");
  auto s = make(cfg)->deliver("x.csv", "x");
  REQUIRE_FALSE(s);
  CHECK(s.error().kind() == ErrorKind::kPermanent);
  const auto& m = s.error().message();
  CHECK(m.find(fmt::format("authentication failed for user {} at 127.0.0.1:{} (password)",
                           kSftpUser, sshd.port())) != std::string::npos);
  CHECK(m.find(wrong) == std::string::npos);
  CHECK(m.find(sshd.password()) == std::string::npos);
  CHECK(names_in(sshd.upload()).empty());

  // A key the server does not know: permanent too.
  auto kcfg = sshd.config();
  run_logged({"/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
              (sshd.dir() / "stranger").string()});
  kcfg.set("key_file", sshd.dir() / "stranger");
  auto k = make(kcfg)->deliver("x.csv", "x");
  REQUIRE_FALSE(k);
  CHECK(k.error().kind() == ErrorKind::kPermanent);
  CHECK(k.error().message().find("authentication failed for user") != std::string::npos);
}

TEST_CASE("sftp: an RSA login key is refused with a hint") {
  SKIP_WITHOUT_SSHD();
  SshdServer sshd;
  const auto key = sshd.dir() / "rsa_key";
  REQUIRE(run_logged({"/usr/bin/ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f",
                      key.string()}) == 0);
  spit(sshd.dir() / "authorized_keys", slurp(key.string() + ".pub"));
  auto cfg = sshd.config();
  cfg.set("key_file", key);
  auto s = make(cfg)->deliver("x.csv", "x");
  REQUIRE_FALSE(s);
  CHECK(s.error().kind() == ErrorKind::kPermanent);
  CHECK(s.error().message().find("authentication failed for user") != std::string::npos);
  CHECK(s.error().message().find("ssh-keygen -t ed25519") != std::string::npos);
}

TEST_CASE("sftp: a server with only RSA host keys is refused with a reason") {
  SKIP_WITHOUT_SSHD();
  SshdServer sshd(/*start_now=*/false);
  sshd.add_host_key("rsa");
  sshd.add_config("HostKeyAlgorithms rsa-sha2-512,rsa-sha2-256");
  sshd.start();
  auto s = make(sshd.config())->deliver("x.csv", "x");
  REQUIRE_FALSE(s);
  CHECK(s.error().kind() == ErrorKind::kPermanent);
  CHECK(s.error().message().find("no SSH algorithms in common") != std::string::npos);
  CHECK(s.error().message().find("ed25519") != std::string::npos);
}

TEST_CASE("sftp: an unknown host key is refused with its fingerprint") {
  SKIP_WITHOUT_SSHD();
  SshdServer sshd;
  const auto fp = sshd.fingerprint();
  REQUIRE(fp.starts_with("SHA256:"));
  for (const fs::path& file : {fs::path(), sshd.dir() / "missing_known_hosts"}) {
    CAPTURE(file);
    auto cfg = sshd.config();
    cfg.set("known_hosts", file);
    auto s = make(cfg)->deliver("x.csv", "x");
    REQUIRE_FALSE(s);
    CHECK(s.error().kind() == ErrorKind::kPermanent);
    const auto& m = s.error().message();
    CHECK(m.find("ssh-ed25519 key " + fp) != std::string::npos);
    CHECK(m.find("run `orderctl trust-host acme`") != std::string::npos);
    CHECK(m.find("if this is the supplier's key") != std::string::npos);
  }
  CHECK(names_in(sshd.upload()).empty());
}

TEST_CASE("sftp: a changed host key is refused loudly") {
  SKIP_WITHOUT_SSHD();
  SshdServer sshd;
  const auto file = sshd.dir() / "changed_known_hosts";
  spit(file, "# keys\n" + sshd.other_host_key_line() + "\n");
  auto cfg = sshd.config();
  cfg.set("known_hosts", file);
  auto s = make(cfg)->deliver("x.csv", "x");
  REQUIRE_FALSE(s);
  CHECK(s.error().kind() == ErrorKind::kPermanent);
  const auto& m = s.error().message();
  CHECK(m.find(fmt::format("host key for 127.0.0.1:{} CHANGED", sshd.port())) != std::string::npos);
  CHECK(m.find("man-in-the-middle") != std::string::npos);
  CHECK(m.find(sshd.fingerprint()) != std::string::npos);
  CHECK(m.find("remove the old line for [127.0.0.1]:" + std::to_string(sshd.port()) + " from " +
               file.string()) != std::string::npos);
  CHECK(names_in(sshd.upload()).empty());

  // The trust helper does not paper over it either.
  auto trusted = sftp_trust_host(cfg, file);
  REQUIRE_FALSE(trusted);
  CHECK(trusted.error().kind() == ErrorKind::kRefused);
}

TEST_CASE("sftp: server down is transient and a later retry succeeds") {
  SKIP_WITHOUT_SSHD();
  SshdServer sshd(/*start_now=*/false);
  auto t = make(sshd.config());
  auto down = t->deliver("late.csv", "late\n");
  REQUIRE_FALSE(down);
  CHECK(down.error().kind() == ErrorKind::kTransient);
  CHECK(down.error().message().find("127.0.0.1:" + std::to_string(sshd.port())) !=
        std::string::npos);
  CHECK(down.error().message().find("refused") != std::string::npos);
  sshd.start();
  auto up = t->deliver("late.csv", "late\n");
  CHECK_MESSAGE(up, (up ? "" : up.error().message()));
  CHECK(slurp(sshd.upload() / "late.csv") == "late\n");
}

TEST_CASE("sftp: a dropped connection is opened again once") {
  SKIP_WITHOUT_SSHD();
  SshdServer sshd;
  CuttingProxy proxy(sshd.port(), SIZE_MAX);
  spit(sshd.dir() / "proxy_known_hosts", sshd.host_key_line(proxy.port()) + "\n");
  auto cfg = sshd.config();
  cfg.set("port", proxy.port());
  cfg.set("known_hosts", sshd.dir() / "proxy_known_hosts");
  auto t = make(cfg);
  auto one = t->deliver("one.csv", "1\n");
  REQUIRE_MESSAGE(one, (one ? "" : one.error().message()));
  proxy.cut_all();  // the server side hangs up while orderd is idle
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto two = t->deliver("two.csv", "2\n");
  CHECK_MESSAGE(two, (two ? "" : two.error().message()));
  CHECK(names_in(sshd.upload()) == std::vector<std::string>{"one.csv", "two.csv"});
}

TEST_CASE("sftp: a server that stops answering times out as transient") {
  SKIP_WITHOUT_SSHD();
  SshdServer sshd;
  CuttingProxy proxy(sshd.port(), SIZE_MAX);
  spit(sshd.dir() / "proxy_known_hosts", sshd.host_key_line(proxy.port()) + "\n");
  auto cfg = sshd.config();
  cfg.set("port", proxy.port());
  cfg.set("known_hosts", sshd.dir() / "proxy_known_hosts");
  cfg.timeout = 3;  // generous enough for a handshake on a busy machine
  auto t = make(cfg);
  auto one = t->deliver("one.csv", "1\n");
  REQUIRE_MESSAGE(one, (one ? "" : one.error().message()));
  proxy.freeze();
  const auto t0 = std::chrono::steady_clock::now();
  auto s = t->deliver("two.csv", "2\n");
  const auto took = std::chrono::steady_clock::now() - t0;
  REQUIRE_FALSE(s);
  CHECK(s.error().kind() == ErrorKind::kTransient);
  CHECK(s.error().message().find("no answer from the server within 3 s") != std::string::npos);
  // The call and its one reconnection attempt each give up after the timeout.
  CHECK(took < std::chrono::seconds(12));
  CHECK_FALSE(fs::exists(sshd.upload() / "two.csv"));
}

TEST_CASE("sftp: the host key type known_hosts holds is the one asked for") {
  SKIP_WITHOUT_SSHD();
  SshdServer sshd(/*start_now=*/false);
  const auto ecdsa = sshd.add_host_key("ecdsa");
  sshd.start();
  for (const auto& line : {ecdsa, sshd.host_key_line()}) {
    CAPTURE(line);
    const auto file = sshd.dir() / "one_key_known_hosts";
    spit(file, line + "\n");
    auto cfg = sshd.config();
    cfg.set("known_hosts", file);
    auto s = make(cfg)->deliver("k.csv", "k\n");
    CHECK_MESSAGE(s, (s ? "" : s.error().message()));
  }
}

TEST_CASE("sftp: a connection cut mid-transfer leaves nothing under the final name") {
  SKIP_WITHOUT_SSHD();
  SshdServer sshd;
  const auto content = big_content(2 * 1024 * 1024);
  {
    CuttingProxy proxy(sshd.port(), 400 * 1024);
    spit(sshd.dir() / "proxy_known_hosts", sshd.host_key_line(proxy.port()) + "\n");
    auto cfg = sshd.config();
    cfg.set("port", proxy.port());
    cfg.set("known_hosts", sshd.dir() / "proxy_known_hosts");
    auto s = make(cfg)->deliver("BIG.dat", content);
    REQUIRE_FALSE(s);
    CHECK(s.error().kind() == ErrorKind::kTransient);
    CHECK(s.error().message().find("127.0.0.1:" + std::to_string(proxy.port())) !=
          std::string::npos);
    CHECK(proxy.upstream_bytes() == 400 * 1024);
  }
  CHECK_FALSE(fs::exists(sshd.upload() / "BIG.dat"));

  // Delivered again straight to the server: exactly one file, whole.
  auto again = make(sshd.config())->deliver("BIG.dat", content);
  REQUIRE_MESSAGE(again, (again ? "" : again.error().message()));
  CHECK(names_in(sshd.upload()) == std::vector<std::string>{"BIG.dat"});
  CHECK(sha256_hex(slurp(sshd.upload() / "BIG.dat")) == sha256_hex(content));
}

TEST_CASE("sftp: a read-only remote folder is a clear permanent error") {
  SKIP_WITHOUT_SSHD();
  SshdServer sshd;
  ::chmod(sshd.upload().c_str(), 0555);
  auto s = make(sshd.config())->deliver("ro.csv", "r\n");
  REQUIRE_FALSE(s);
  CHECK(s.error().kind() == ErrorKind::kPermanent);
  CHECK(s.error().message().find("remote folder " + sshd.upload().string()) != std::string::npos);
  CHECK(s.error().message().find("permission denied") != std::string::npos);
  CHECK(names_in(sshd.upload()).empty());
}

TEST_CASE("sftp: pull lists fetches and archives") {
  SKIP_WITHOUT_SSHD();
  SshdServer sshd;
  const auto up = sshd.upload();
  spit(up / "T1.csv", "one\n");
  spit(up / "T2.csv", "two, longer\n");
  spit(up / ".x.part", "partial");
  spit(up / "y.part", "partial");
  spit(up / "z.tmp", "partial");
  spit(up / ".hidden", "h");
  fs::create_directories(up / "sub");
  const auto archive = sshd.dir() / "archive";
  fs::create_directories(archive);
  sshd.own(archive);
  spit(archive / "T2.csv", "an older T2\n");

  auto cfg = sshd.config();
  cfg.archive_path = archive.string();
  auto t = make(cfg);
  CHECK(t->needs_settle());
  auto listed = t->list();
  REQUIRE_MESSAGE(listed, (listed ? "" : listed.error().message()));
  std::sort(listed->begin(), listed->end(),
            [](const RemoteFile& a, const RemoteFile& b) { return a.name < b.name; });
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].name == "T1.csv");
  CHECK((*listed)[0].size == 4);
  CHECK((*listed)[0].mtime > 0);
  CHECK((*listed)[1].name == "T2.csv");
  CHECK((*listed)[1].size == 12);

  auto got = t->fetch((*listed)[0]);
  REQUIRE_MESSAGE(got, (got ? "" : got.error().message()));
  REQUIRE(got->size() == 1);
  CHECK((*got)[0].name == "T1.csv");
  CHECK((*got)[0].content == "one\n");

  auto done = t->take_done((*listed)[0]);
  CHECK_MESSAGE(done, (done ? "" : done.error().message()));
  CHECK_FALSE(fs::exists(up / "T1.csv"));
  CHECK(slurp(archive / "T1.csv") == "one\n");
  auto twice = t->take_done((*listed)[0]);  // idempotent
  CHECK_MESSAGE(twice, (twice ? "" : twice.error().message()));

  // The archive already has a T2.csv: both are kept.
  auto t2 = t->take_done((*listed)[1]);
  CHECK_MESSAGE(t2, (t2 ? "" : t2.error().message()));
  CHECK_FALSE(fs::exists(up / "T2.csv"));
  CHECK(slurp(archive / "T2.csv") == "an older T2\n");
  const auto archived = names_in(archive);
  REQUIRE(archived.size() == 3);
  CHECK(archived[2].starts_with("T2.csv."));
  CHECK(slurp(archive / archived[2]) == "two, longer\n");

  // A file gone between list and fetch is an error naming it.
  auto gone = t->fetch(RemoteFile{"gone.csv", 1, 1});
  REQUIRE_FALSE(gone);
  CHECK(gone.error().message().find("gone.csv") != std::string::npos);
}

TEST_CASE("sftp: pull without archive_path deletes taken files") {
  SKIP_WITHOUT_SSHD();
  SshdServer sshd;
  spit(sshd.upload() / "T1.csv", "one\n");
  auto t = make(sshd.config());
  auto listed = t->list();
  REQUIRE_MESSAGE(listed, (listed ? "" : listed.error().message()));
  REQUIRE(listed->size() == 1);
  CHECK(t->take_done((*listed)[0]));
  CHECK_FALSE(fs::exists(sshd.upload() / "T1.csv"));
  CHECK(t->take_done((*listed)[0]));  // already gone counts as done
  auto empty = t->list();
  REQUIRE(empty);
  CHECK(empty->empty());
}

TEST_CASE("sftp: trust helpers add the host key so the login works") {
  SKIP_WITHOUT_SSHD();
  SshdServer sshd;
  auto cfg = sshd.config();
  const auto file = sshd.dir() / "state" / "known_hosts";
  cfg.set("known_hosts", file);

  auto line = sftp_host_key_line(cfg);
  REQUIRE_MESSAGE(line, (line ? "" : line.error().message()));
  CHECK(*line == sshd.host_key_line());
  CHECK(line->starts_with("[127.0.0.1]:" + std::to_string(sshd.port()) + " ssh-ed25519 AAAA"));
  auto key = sftp_host_key(cfg);
  REQUIRE(key);
  CHECK(key->fingerprint == sshd.fingerprint());
  CHECK(key->type == "ssh-ed25519");

  CHECK_FALSE(make(cfg)->deliver("x.csv", "x"));  // not trusted yet
  // Not the key the operator checked: nothing written.
  auto wrong = sftp_trust_host(cfg, file, "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().kind() == ErrorKind::kRefused);
  CHECK_FALSE(fs::exists(file));
  auto trusted = sftp_trust_host(cfg, file, key->fingerprint);
  REQUIRE_MESSAGE(trusted, (trusted ? "" : trusted.error().message()));
  CHECK(slurp(file) == *line + "\n");
  CHECK(sftp_trust_host(cfg, file));  // again: nothing to add
  CHECK(slurp(file) == *line + "\n");

  auto s = make(cfg)->deliver("x.csv", "x");
  CHECK_MESSAGE(s, (s ? "" : s.error().message()));

  // A server that is not there: transient, naming it.
  const int gone = free_port();
  cfg.set("port", gone);
  auto none = sftp_host_key_line(cfg);
  REQUIRE_FALSE(none);
  CHECK(none.error().kind() == ErrorKind::kTransient);
  CHECK(none.error().message().find("127.0.0.1:" + std::to_string(gone)) != std::string::npos);
}

TEST_CASE("sftp: pull refuses a remote file past the limit and leaves it there") {
  SKIP_WITHOUT_SSHD();
  SshdServer sshd;
  auto t = make(sshd.config());
  check_pull_limit(*t, sshd.upload());
}
