// The http transport against a real Python http.server on loopback
// (tests/servers/http_server.py), which records every request for the test
// to read back: what a POST carries, and each row of the retry table.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <stdlib.h>

#include <cctype>
#include <nlohmann/json.hpp>

#include "e2e_fixture.h"
#include "servers.h"
#include "test_servers.h"
#include "test_util.h"
#include "transport/transport.h"
#include "transport_test_util.h"

using namespace orderd;
using namespace orderd::test;
namespace fs = std::filesystem;

namespace {

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string header(const nlohmann::json& request, const std::string& name) {
  for (const auto& h : request["headers"])
    if (iequals_ascii(h[0].get<std::string>(), name)) return h[1].get<std::string>();
  return "(none)";
}

}  // namespace

TEST_CASE("http: a POST carries the document its name the headers and the bearer token") {
  SKIP_WITHOUT_PYTHON();
  HttpServer srv;
  spit(srv.tmp / "token", "tok-123-secret\n");
  auto cfg = srv.config("/ok");
  cfg.set("token_file", srv.tmp / "token");
  cfg.set("headers", orderd::Headers{{"X-Partner", "acme"}});
  auto t = make(cfg);
  const std::string po = "PO Number,SKU\nPO-1,ABC\n";
  auto sent = t->deliver("PO-1.csv", po);
  REQUIRE_MESSAGE(sent, (sent ? "" : sent.error().message()));
  const auto reqs = srv.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0]["method"] == "POST");
  CHECK(reqs[0]["path"] == "/ok");
  CHECK(reqs[0]["body"] == po);
  CHECK(header(reqs[0], "Content-Type") == "text/csv");
  CHECK(header(reqs[0], "X-Orderd-Document") == "PO-1.csv");
  CHECK(header(reqs[0], "X-Partner") == "acme");
  CHECK(header(reqs[0], "Authorization") == "Bearer tok-123-secret");
  CHECK(t->describe() == "http POST " + srv.url("/ok"));
  // No way to ask the endpoint: a resend is always a new POST.
  CHECK(t->check("PO-1.csv", "") == Presence::kAbsent);
}

TEST_CASE("http: the content type follows the document name") {
  SKIP_WITHOUT_PYTHON();
  HttpServer srv;
  auto t = make(srv.config("/ok"));
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"PO-1.csv", "text/csv"},
      {"PO-2.XML", "application/xml"},
      {"PO-3.x12", "application/edi-x12"},
      {"PO-4.edi", "application/edi-x12"},
      {"PO-5.850", "application/edi-x12"},
      {"PO-6.json", "application/json"},
      {"alert-8.txt", "text/plain"},
      {"PO-7", "application/octet-stream"}};
  for (const auto& [name, type] : rows) REQUIRE(t->deliver(name, "x"));
  const auto reqs = srv.requests();
  REQUIRE(reqs.size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    CAPTURE(rows[i].first);
    CHECK(header(reqs[i], "X-Orderd-Document") == rows[i].first);
    CHECK(header(reqs[i], "Content-Type") == rows[i].second);
    CHECK(header(reqs[i], "Authorization") == "(none)");
  }
}

TEST_CASE("http: the token can come from the environment") {
  SKIP_WITHOUT_PYTHON();
  HttpServer srv;
  auto cfg = srv.config("/ok");
  cfg.set("token", "ORDERD_TEST_HTTP_TOKEN");
  ::setenv("ORDERD_TEST_HTTP_TOKEN", "env-token", 1);
  REQUIRE(make(cfg)->deliver("PO-1.csv", "x"));
  ::unsetenv("ORDERD_TEST_HTTP_TOKEN");
  CHECK(header(srv.requests().at(0), "Authorization") == "Bearer env-token");
  auto unset = make(cfg)->deliver("PO-2.csv", "x");
  REQUIRE_FALSE(unset);
  CHECK(unset.error().kind() == ErrorKind::kConfig);
  CHECK(srv.requests().size() == 1);
}

TEST_CASE("http: each answer is sorted into retry or give up") {
  SKIP_WITHOUT_PYTHON();
  HttpServer srv;
  spit(srv.tmp / "token", "tok-123-secret\n");
  struct Row {
    std::string path;
    ErrorKind kind;
    std::string message;
  };
  const std::vector<Row> rows = {
      {"/fail500", ErrorKind::kTransient, "HTTP 500 from {url} for PO-1.csv: database down"},
      {"/busy", ErrorKind::kTransient, "HTTP 429 from {url} for PO-1.csv: slow down"},
      {"/fail400", ErrorKind::kPermanent, "HTTP 400 from {url} for PO-1.csv: bad po"},
      {"/missing", ErrorKind::kPermanent, "HTTP 404 from {url} for PO-1.csv: no such endpoint"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.path);
    auto cfg = srv.config(row.path);
    cfg.set("token_file", srv.tmp / "token");
    auto sent = make(cfg)->deliver("PO-1.csv", "x");
    REQUIRE_FALSE(sent);
    CHECK(sent.error().kind() == row.kind);
    std::string want = row.message;
    want.replace(want.find("{url}"), 5, srv.url(row.path));
    CHECK(sent.error().message() == want);
    CHECK(sent.error().message().find("tok-123") == std::string::npos);
  }
}

TEST_CASE("http: a server that is down is transient and a later retry delivers") {
  SKIP_WITHOUT_PYTHON();
  HttpServer srv(/*start=*/false);
  auto t = make(srv.config("/ok"));
  auto sent = t->deliver("PO-1.csv", "x");
  REQUIRE_FALSE(sent);
  CHECK(sent.error().kind() == ErrorKind::kTransient);
  CHECK(sent.error().message().starts_with(fmt::format("cannot connect to {} (", srv.url("/ok"))));
  srv.start();
  CHECK(t->deliver("PO-1.csv", "x"));
  CHECK(srv.requests().size() == 1);
}

TEST_CASE("http: a missing url is refused when made") {
  TransportConfig cfg;
  cfg.where.text = "test.yaml:2:3: suppliers.acme.transport";
  cfg.type = "http";
  auto t = make_transport(cfg);
  REQUIRE_FALSE(t);
  CHECK(t.error().message() ==
        "test.yaml:2:3: suppliers.acme.transport.url: the http transport needs a url");
}

TEST_CASE("http: e2e a PO is POSTed once the supplier's server is back and tracking completes it") {
  SKIP_WITHOUT_PYTHON();
  HttpServer srv(/*start=*/false);  // down at first
  TempDir secrets;
  spit(secrets / "token", "tok-123\n");
  Install in;
  spit(in.config,
       remote_supplier_config(fmt::format("{{type: http, url: {}, token_file: {}, timeout: 5, "
                                          "attempts: 3, backoff: 0}}",
                                          srv.url("/ok"), (secrets / "token").string()),
                              ""));
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#1", "ACME-1", 2));
  auto r = in.once();
  CHECK(r.code == 1);  // the delivery failed and will be retried
  CHECK(r.err.find("will retry") != std::string::npos);
  auto shown = in.ctl({"show", "1"});
  CHECK(shown.out.find("127.0.0.1:" + std::to_string(srv.port)) != std::string::npos);
  srv.start();
  r = in.once();
  REQUIRE_MESSAGE(r.code == 0, (r.out + r.err));
  auto reqs = srv.requests();
  REQUIRE_MESSAGE(reqs.size() == 1, (r.out + r.err + in.ctl({"show", "1"}).out));
  const std::string po = in.order("1")["pos"][0]["number"];
  CHECK(reqs[0]["body"].get<std::string>().find(po) != std::string::npos);
  CHECK(header(reqs[0], "Authorization") == "Bearer tok-123");
  CHECK(shown.out.find("tok-123") == std::string::npos);
  // Tracking comes back by a file dropped into the spool.
  in.drop_tracking("acme", "ship.csv", acme_tracking_csv(po));
  REQUIRE(in.once().code == 0);
  CHECK(in.order("1")["status"] == "completed");
  CHECK(srv.requests().size() == 1);
}
