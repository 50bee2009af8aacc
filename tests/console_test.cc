// The console below the browser: its users file, where it may listen, and
// what its HTTP server refuses (a login flood, a removed user, a POST
// without the token), against a real Console on loopback, a Unix socket
// and TLS, read with libcurl. The browser tests (tests/console) do the day.
#include "console/console.h"

#include <curl/curl.h>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "config/config.h"
#include "console/http_server.h"
#include "console/users.h"
#include "servers.h"
#include "test_util.h"

using namespace orderd;
using orderd::test::TempDir;

namespace {

const char* kMinimal = R"(state_dir: ./state
spool_dir: ./spool
channels:
  shop: {format: shopify-csv}
suppliers:
  acme:
    skus: ["A-*"]
    po: {format: csv, columns: [{header: PO, field: po.number}]}
    transport: {type: dir, path: ./out}
)";

std::string config_error(const std::string& console) {
  auto c = parse_config(std::string(kMinimal) + console, "/etc/orderd/orderd.yaml");
  return c ? "" : c.error().message();
}

struct Reply {
  long code = 0;
  std::string body, headers;
};

// One HTTP client with its own cookie jar.
class Client {
 public:
  explicit Client(std::string base, std::string unix_socket = "") : base_(std::move(base)) {
    c_ = curl_easy_init();
    curl_easy_setopt(c_, CURLOPT_COOKIEFILE, "");
    if (!unix_socket.empty()) curl_easy_setopt(c_, CURLOPT_UNIX_SOCKET_PATH, unix_socket.c_str());
    curl_easy_setopt(c_, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c_, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  ~Client() { curl_easy_cleanup(c_); }
  Reply get(const std::string& path) { return go(path, nullptr); }
  Reply post(const std::string& path, const std::string& form) { return go(path, &form); }

 private:
  static size_t put(char* p, size_t s, size_t n, void* to) {
    static_cast<std::string*>(to)->append(p, s * n);
    return s * n;
  }
  Reply go(const std::string& path, const std::string* form) {
    Reply r;
    curl_easy_setopt(c_, CURLOPT_URL, (base_ + path).c_str());
    curl_easy_setopt(c_, CURLOPT_WRITEFUNCTION, put);
    curl_easy_setopt(c_, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c_, CURLOPT_HEADERFUNCTION, put);
    curl_easy_setopt(c_, CURLOPT_HEADERDATA, &r.headers);
    if (form)
      curl_easy_setopt(c_, CURLOPT_POSTFIELDS, form->c_str());
    else
      curl_easy_setopt(c_, CURLOPT_HTTPGET, 1L);
    const CURLcode rc = curl_easy_perform(c_);
    REQUIRE_MESSAGE(rc == CURLE_OK, curl_easy_strerror(rc));
    curl_easy_getinfo(c_, CURLINFO_RESPONSE_CODE, &r.code);
    return r;
  }
  CURL* c_;
  std::string base_;
};

std::string csrf_of(const std::string& page) {
  const auto at = page.find("name=\"csrf\" value=\"");
  REQUIRE(at != std::string::npos);
  return page.substr(at + 19, 64);
}

// A state with one user, and a Console on it at `listen`.
struct Site {
  TempDir dir;
  std::shared_ptr<const Config> cfg;
  std::unique_ptr<Console> console;
  explicit Site(const std::string& listen, const std::string& extra = "",
                std::chrono::milliseconds action_wait = std::chrono::seconds(60)) {
    auto c = parse_config(std::string(kMinimal) + "console:\n  listen: " + listen + "\n" + extra,
                          dir / "orderd.yaml");
    REQUIRE_MESSAGE(c, (c ? "" : c.error().message()));
    cfg = *c;
    REQUIRE(open_runtime(cfg));
    REQUIRE(add_user(cfg->console.users_file, "ana", "correct-horse-1"));
    auto started = Console::start(cfg, action_wait);
    REQUIRE_MESSAGE(started, (started ? "" : started.error().message()));
    console = std::move(*started);
  }
};

}  // namespace

TEST_CASE("console users: add, passwd, remove, yescrypt hashes in a file only its owner reads") {
  TempDir t;
  const auto file = t / "users";
  REQUIRE(add_user(file, "ana", "correct-horse-1"));
  REQUIRE(add_user(file, "bo.b@shop", "another-pass-2"));
  CHECK((std::filesystem::status(file).permissions() & std::filesystem::perms::group_read) ==
        std::filesystem::perms::none);
  auto users = read_users(file);
  REQUIRE(users);
  REQUIRE(users->size() == 2);
  CHECK((*users)[0].hash.starts_with("$y$"));
  CHECK(password_matches("correct-horse-1", (*users)[0].hash));
  CHECK_FALSE(password_matches("correct-horse-2", (*users)[0].hash));
  CHECK_FALSE(password_matches("", (*users)[0].hash));
  // Refusals say what to do.
  CHECK(add_user(file, "ana", "whatever-long").error().message().find("orderctl user passwd ana") !=
        std::string::npos);
  CHECK(add_user(file, "cy", "short").error().message().find("at least 10") != std::string::npos);
  CHECK(add_user(file, "cy:x", "long-enough-1").error().kind() == ErrorKind::kInvalid);
  CHECK(set_password(file, "nobody", "long-enough-1").error().message().find("no user nobody") !=
        std::string::npos);
  REQUIRE(set_password(file, "ana", "a-new-password"));
  users = read_users(file);
  CHECK(password_matches("a-new-password", (*users)[0].hash));
  CHECK_FALSE(password_matches("correct-horse-1", (*users)[0].hash));
  REQUIRE(remove_user(file, "ana"));
  users = read_users(file);
  REQUIRE(users->size() == 1);
  CHECK((*users)[0].name == "bo.b@shop");
  // A line that is not NAME:HASH is named.
  orderd::test::spit(file, "ana:$y$x\nbroken line\n");
  CHECK(read_users(file).error().message().find(":2: expected NAME:HASH") != std::string::npos);
}

TEST_CASE("console: listen addresses and the config's refusals") {
  struct Case {
    const char* text;
    bool ok, loopback;
    int port;
  };
  for (const Case c :
       {Case{"127.0.0.1:8080", true, true, 8080}, Case{"localhost:1", true, true, 1},
        Case{"[::1]:8443", true, true, 8443}, Case{"0.0.0.0:443", true, false, 443},
        Case{"192.168.1.5:80", true, false, 80}, Case{"8080", false, false, 0},
        Case{"127.0.0.1:", false, false, 0}, Case{"127.0.0.1:70000", false, false, 0},
        Case{"::1:80", false, false, 0}, Case{"host:8x", false, false, 0}}) {
    CAPTURE(c.text);
    auto a = parse_listen(c.text);
    CHECK(a.has_value() == c.ok);
    if (a) {
      CHECK(a->loopback == c.loopback);
      CHECK(a->port == c.port);
    }
  }
  CHECK(config_error("console:\n  listen: 127.0.0.1:8080\n").empty());
  CHECK(config_error("console:\n  listen: /run/orderd/console.sock\n").empty());
  CHECK(config_error("console:\n  listen: 0.0.0.0:8080\n").find("only over HTTPS") !=
        std::string::npos);
  CHECK(config_error("console:\n  listen: 0.0.0.0:8080\n  tls: {cert_file: c.pem}\n")
            .find("both cert_file and key_file") != std::string::npos);
  CHECK(config_error("console: {session_idle: 1h}\n").find("console.listen") != std::string::npos);
  CHECK(config_error("console:\n  listen: nowhere\n").find("is not host:port") !=
        std::string::npos);
  CHECK(config_error("console:\n  listn: 127.0.0.1:1\n").find("listen") != std::string::npos);
  auto c = parse_config(std::string(kMinimal) + "console: {listen: \"127.0.0.1:9\"}\n",
                        "/etc/orderd/orderd.yaml");
  REQUIRE(c);
  CHECK((*c)->console.users_file == "/etc/orderd/state/console.users");
  CHECK((*c)->console.session_idle == 8 * 3600);
}

TEST_CASE("console http: login, the token on every POST, a login flood, a removed user") {
  const int port = orderd::test::servers::free_port();
  Site site(fmt::format("127.0.0.1:{}", port));
  const std::string base = fmt::format("http://127.0.0.1:{}", port);
  Client anon(base);
  // No session: pages go to the login form, POSTs are refused.
  auto r = anon.get("/orders?sku=A-%2A");
  CHECK(r.code == 303);
  CHECK(r.headers.find("Location: /login?next=%2Forders%3Fsku%3DA-%252A") != std::string::npos);
  CHECK(anon.post("/process-all", "csrf=x").code == 403);
  // /metrics needs no login (counts only) and is Prometheus text.
  r = anon.get("/metrics");
  CHECK(r.code == 200);
  CHECK(r.body.find("# TYPE orderd_orders gauge") != std::string::npos);

  Client ana(base);
  r = ana.post("/login", "user=ana&password=correct-horse-1&next=%2Fsync");
  CHECK(r.code == 303);
  CHECK(r.headers.find("Location: /sync") != std::string::npos);
  CHECK(r.headers.find("HttpOnly; SameSite=Strict") != std::string::npos);
  // Sent back only to a path of this site.
  Client other(base);
  r = other.post("/login", "user=ana&password=correct-horse-1&next=%2F%2Fevil.example");
  CHECK(r.headers.find("Location: /\r\n") != std::string::npos);
  r = ana.get("/");
  CHECK(r.code == 200);
  CHECK(r.headers.find("Content-Security-Policy: default-src 'none'; script-src 'self'") !=
        std::string::npos);
  const std::string csrf = csrf_of(r.body);
  CHECK(ana.post("/process-all", "").code == 403);
  CHECK(ana.post("/process-all", "csrf=" + std::string(64, '0')).code == 403);

  // An action is handed to whoever runs the loop (here: this thread).
  std::vector<ConsoleAction> seen;
  std::thread loop([&] {
    for (int i = 0; i < 200 && seen.empty(); ++i) {
      site.console->run_actions([&](const ConsoleAction& a) {
        seen.push_back(a);
        ConsoleOutcome out;
        out.report.lines.emplace_back(std::string("synced for the test"));
        return out;
      });
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  r = ana.post("/sync", "csrf=" + csrf + "&what=tracking");
  loop.join();
  CHECK(r.code == 303);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].verb == ConsoleAction::kSyncTracking);
  CHECK(seen[0].user == "ana");
  CHECK(ana.get("/sync").body.find("synced for the test") != std::string::npos);

  // Sent back only to a path of this site, whatever the browser drops from a URL.
  Client tab(base);
  r = tab.post("/login", "user=ana&password=correct-horse-1&next=%2F%09%2Fevil.example");
  CHECK(r.headers.find("Location: /\r\n") != std::string::npos);
  // A POST from another site's page is refused, token or not.
  CHECK(tab.post("/logout", "csrf=" + csrf_of(tab.get("/").body)).code ==
        303);  // no Origin: a script
  {
    CURL* h = curl_easy_init();
    std::string ignored;
    curl_slist* hdr = curl_slist_append(nullptr, "Origin: http://evil.example");
    curl_easy_setopt(h, CURLOPT_URL, (base + "/logout").c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "csrf=x");
    curl_easy_setopt(
        h, CURLOPT_WRITEFUNCTION, +[](char*, size_t s, size_t n, void*) { return s * n; });
    REQUIRE(curl_easy_perform(h) == CURLE_OK);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    CHECK(code == 403);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
  }

  // A new password ends the sessions of the old one; a removed user's too.
  Client second(base);
  REQUIRE(second.post("/login", "user=ana&password=correct-horse-1").code == 303);
  REQUIRE(second.get("/").code == 200);
  REQUIRE(set_password(site.cfg->console.users_file, "ana", "correct-horse-2"));
  CHECK(ana.get("/").code == 303);
  CHECK(second.get("/").code == 303);

  REQUIRE(second.post("/login", "user=ana&password=correct-horse-2").code == 303);
  CHECK(second.get("/").code == 200);
  REQUIRE(remove_user(site.cfg->console.users_file, "ana"));
  CHECK(second.get("/").code == 303);

  // Five wrong passwords from one place: the right one is refused too, for a while.
  Client flood(base);
  for (int i = 0; i < 5; ++i)
    CHECK(flood.post("/login", "user=ana&password=wrong-" + std::to_string(i)).code == 403);
  r = flood.post("/login", "user=ana&password=correct-horse-1");
  CHECK(r.code == 429);
  CHECK(r.body.find("Too many failed logins") != std::string::npos);
}

TEST_CASE("console http: on a Unix socket, and over TLS") {
  TempDir t;
  const std::string sock = (t / "console.sock").string();
  {
    Site site(sock);
    CHECK((std::filesystem::status(sock).permissions() & std::filesystem::perms::others_all) ==
          std::filesystem::perms::none);
    Client c("http://localhost", sock);
    CHECK(c.get("/login").code == 200);
    CHECK(c.post("/login", "user=ana&password=correct-horse-1").code == 303);
    CHECK(c.get("/orders").code == 200);
  }
  CHECK_FALSE(std::filesystem::exists(sock));  // removed when the console stops

  const auto key = t / "key.pem", cert = t / "cert.pem";
  const auto made = orderd::test::run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048",
                                       "-nodes", "-keyout", key.string(), "-out", cert.string(),
                                       "-days", "1", "-subj", "/CN=localhost"});
  REQUIRE_MESSAGE(made.code == 0, made.err);
  const int port = orderd::test::servers::free_port();
  Site site(fmt::format("0.0.0.0:{}", port),
            fmt::format("  tls: {{cert_file: {}, key_file: {}}}\n", cert.string(), key.string()));
  Client c(fmt::format("https://127.0.0.1:{}", port));
  auto r = c.post("/login", "user=ana&password=correct-horse-1");
  CHECK(r.code == 303);
  CHECK(r.headers.find("SameSite=Strict; Max-Age=28800; Secure") != std::string::npos);
}

TEST_CASE(
    "console http: pages answer while the service is busy: a writer's open transaction, "
    "an action waiting") {
  const int port = orderd::test::servers::free_port();
  Site site(fmt::format("127.0.0.1:{}", port));
  Client ana(fmt::format("http://127.0.0.1:{}", port));
  REQUIRE(ana.post("/login", "user=ana&password=correct-horse-1").code == 303);
  // The service's loop in a long run: it holds the write lock and takes no action.
  auto writer = open_runtime(site.cfg);
  REQUIRE(writer);
  Txn txn(*(*writer)->store);
  REQUIRE(txn.begin());
  (*writer)->store->set_alert_mark("busy", 1);
  std::atomic<long> posted{0};
  std::thread press([&] {
    Client other(fmt::format("http://127.0.0.1:{}", port));
    REQUIRE(other.post("/login", "user=ana&password=correct-horse-1").code == 303);
    const std::string token = csrf_of(other.get("/").body);
    posted = other.post("/sync", "csrf=" + token + "&what=orders").code;
  });
  for (const char* page : {"/", "/orders", "/orders?sku=A-%2A", "/sync", "/alerts", "/metrics"}) {
    CAPTURE(page);
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(ana.get(page).code == 200);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  }
  CHECK(posted == 0);  // still waiting for the loop
  REQUIRE(txn.commit());
  int ran = 0;
  for (int i = 0; i < 200 && !ran; ++i) {
    site.console->run_actions([&](const ConsoleAction&) {
      ++ran;
      return ConsoleOutcome{};
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  press.join();
  CHECK(ran == 1);
  CHECK(posted == 303);
}

TEST_CASE("console http: an action the loop takes later than the page waits is the next flash") {
  const int port = orderd::test::servers::free_port();
  Site site(fmt::format("127.0.0.1:{}", port), "", std::chrono::milliseconds(200));
  Client ana(fmt::format("http://127.0.0.1:{}", port));
  REQUIRE(ana.post("/login", "user=ana&password=correct-horse-1").code == 303);
  const std::string csrf = csrf_of(ana.get("/").body);
  CHECK(ana.post("/sync", "csrf=" + csrf + "&what=orders").code == 303);
  auto r = ana.get("/sync");
  CHECK(r.body.find("the service is busy with a run") != std::string::npos);
  site.console->run_actions([](const ConsoleAction&) {
    ConsoleOutcome out;
    out.report.files = 4;
    out.report.lines.emplace_back(std::string("the late outcome"));
    return out;
  });
  r = ana.get("/sync");
  CHECK(r.body.find("the late outcome") != std::string::npos);
  CHECK(r.body.find("4 files read") != std::string::npos);
  // Shown once.
  CHECK(ana.get("/sync").body.find("the late outcome") == std::string::npos);
}
