// The SMTP sink and HTTP server that the transport and alert tests start on
// loopback (tests/servers/smtp_sink.py, http_server.py), with the blocks
// that reach them and what they received. Each test skips, saying why,
// when the server's Python package is missing.
#pragma once

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "servers.h"
#include "test_util.h"
#include "transport/options.h"

namespace orderd::test {

#define SKIP_WITHOUT_PYTHON()                                                             \
  if (const auto why = servers::python_missing("http.server", "python3"); !why.empty()) { \
    MESSAGE("skipped: no HTTP server for the http tests: " << why);                       \
    return;                                                                               \
  }

struct HttpServer {
  TempDir tmp;
  servers::Server server;
  int port = servers::free_port();

  explicit HttpServer(bool start = true) {
    if (start) this->start();
  }
  void start() {
    server.start({servers::kPython, servers::script("http_server.py"), std::to_string(port),
                  (tmp / "requests").string()},
                 port, tmp / "http.log");
  }
  std::string url(const std::string& path) const {
    return fmt::format("http://127.0.0.1:{}{}", port, path);
  }
  TransportConfig config(const std::string& path) const {
    TransportConfig c;
    c.where.text = "test.yaml:1:1: suppliers.acme.transport";
    c.type = "http";
    c.set("url", url(path));
    c.timeout = 10;
    return c;
  }
  std::vector<nlohmann::json> requests() const {
    std::vector<nlohmann::json> out;
    for (const auto& p : files_under(tmp / "requests"))
      if (p.extension() == ".json") out.push_back(nlohmann::json::parse(slurp(p)));
    return out;
  }
};

#define SKIP_WITHOUT_AIOSMTPD()                                                                 \
  if (const auto why = servers::python_missing("aiosmtpd", "python3-aiosmtpd"); !why.empty()) { \
    MESSAGE("skipped: no SMTP server for the email tests: " << why);                            \
    return;                                                                                     \
  }
struct SmtpSink {
  TempDir tmp;
  servers::TestCert cert = servers::make_test_cert(tmp.path());
  servers::Server server;
  int port = servers::free_port();

  // relay: a plain local relay (no TLS offered, no login), as a machine's MTA is.
  explicit SmtpSink(bool start = true, bool relay = false) : relay_(relay) {
    spit(tmp / "password", "mail-pw\n");
    if (start) this->start();
  }
  void start() {
    server.start({servers::kPython, servers::script("smtp_sink.py"), std::to_string(port),
                  (tmp / "received").string(), cert.cert.string(), cert.key.string(),
                  relay_ ? "-" : "acme", "mail-pw"},
                 port, tmp / "smtp.log");
  }
  bool relay_ = false;
  TransportConfig config() const {
    TransportConfig c;
    c.where.text = "test.yaml:1:1: suppliers.acme.transport";
    c.type = "email";
    c.set("smtp_url", fmt::format("smtp://127.0.0.1:{}", port));
    c.set("user", "acme");
    c.set("password_file", tmp / "password");
    c.set("ca_file", cert.cert);
    c.set("from", "orders@shop.example");
    c.set("to", std::vector<std::string>{"po@acme.example", "backup@acme.example"});
    c.set("subject", "PO {name} for {party}");
    c.timeout = 10;
    return c;
  }
  std::vector<nlohmann::json> received() const {
    std::vector<nlohmann::json> out;
    for (const auto& p : files_under(tmp / "received"))
      if (p.extension() == ".json") out.push_back(nlohmann::json::parse(slurp(p)));
    return out;
  }
};

}  // namespace orderd::test
