#include "config/config.h"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "config/schema.h"
#include "jobs/jobs.h"

using namespace orderd;

namespace {

const char* kValid = R"(state_dir: ./state
spool_dir: /var/spool/orderd
channels:
  shop:
    format: shopify-csv
    tracking_push:
      transport: {type: dir, path: ./out/shop}
suppliers:
  acme:
    name: ACME Wholesale
    skus: ["ACME-*"]
    require: [ship_to.phone]
    po:
      format: csv
      batch: order
      delimiter: "\t"
      columns:
        - {header: "PO Number", field: po.number}
        - {header: "SKU", field: line.sku}
    transport: {type: dir, path: ./out/acme, attempts: 3, backoff: 10}
    tracking:
      columns: {po_number: "PO", tracking_number: "Tracking"}
)";

std::string error_of(const std::string& yaml) {
  auto c = parse_config(yaml, "/etc/orderd/orderd.yaml");
  return c ? "" : c.error().message();
}

}  // namespace

TEST_CASE("config: a valid file - with paths against the file's folder") {
  auto c = parse_config(kValid, "/etc/orderd/orderd.yaml");
  REQUIRE(c.has_value());
  const Config& cfg = **c;
  CHECK(cfg.state_dir == "/etc/orderd/state");
  CHECK(cfg.spool_dir == "/var/spool/orderd");
  REQUIRE(cfg.channels.size() == 1);
  CHECK(cfg.channels[0].tracking_push.enabled);
  const auto* push_path = cfg.channels[0].tracking_push.transport.option("path");
  REQUIRE(push_path);
  CHECK(std::get<std::string>(push_path->value) == "/etc/orderd/out/shop");
  const auto* s = cfg.supplier("acme");
  REQUIRE(s);
  CHECK(s->name == "ACME Wholesale");
  CHECK(s->po.batch == Batch::kOrder);
  CHECK(s->po.delimiter == '\t');
  REQUIRE(s->po.columns.size() == 2);
  CHECK(s->po.columns[1].field == FieldId::kLineSku);
  CHECK(s->transport.attempts == 3);
  CHECK(s->tracking.columns.po_number == "PO");
  CHECK(s->tracking.columns.sku == "SKU");
  CHECK(cfg.require.size() == 5);
}

TEST_CASE("config: errors name file - line - column and key - and suggest") {
  std::string y = kValid;
  struct Case {
    const char* from;
    const char* to;
    const char* want;
  } cases[] = {
      {"    format: shopify-csv", "    fromat: shopify-csv",
       "/etc/orderd/orderd.yaml:5:5: channels.shop.fromat: unknown key; did you mean 'format'?\n"
       "/etc/orderd/orderd.yaml:5:5: channels.shop.format: format is required (shopify-csv, "
       "amazon-tsv, orders-json)"},
      {"field: line.sku", "field: line.skus",
       "/etc/orderd/orderd.yaml:19:34: suppliers.acme.po.columns[1].field: unknown field "
       "'line.skus'; did you mean 'line.sku'?"},
      {"require: [ship_to.phone]", "require: [ship_to.fone]",
       "/etc/orderd/orderd.yaml:12:15: suppliers.acme.require[0]: unknown field 'ship_to.fone'; "
       "did you mean 'ship_to.phone'?"},
      {"attempts: 3", "attempts: 0",
       "/etc/orderd/orderd.yaml:20:56: suppliers.acme.transport.attempts: 0 is out of range "
       "(1-100)"},
      {"batch: order", "batch: daily",
       "/etc/orderd/orderd.yaml:15:14: suppliers.acme.po.batch: 'daily' is not run or order"},
      {"format: csv", "format: edifact",
       "/etc/orderd/orderd.yaml:14:15: suppliers.acme.po.format: unknown PO format 'edifact' "
       "(known: csv, xml, x12-850)"},
      {"    format: shopify-csv", "    format: etsy-csv",
       "/etc/orderd/orderd.yaml:5:13: channels.shop.format: unknown channel format 'etsy-csv' "
       "(known: shopify-csv, amazon-tsv, orders-json)"},
      {"{type: dir, path: ./out/acme", "{type: ftpx, path: ./out/acme",
       "/etc/orderd/orderd.yaml:20:23: suppliers.acme.transport.type: unknown transport 'ftpx' "
       "(known: dir, sftp, ftp, ftps, email, http)"},
      {"{type: dir, path: ./out/acme", "{type: ftp, path: ./out/acme",
       "/etc/orderd/orderd.yaml:20:16: suppliers.acme.transport.host: the ftp transport needs "
       "host\n/etc/orderd/orderd.yaml:20:16: suppliers.acme.transport.user: the ftp transport "
       "needs user"},
      {"{type: dir, path: ./out/acme", "{type: sftp, host: h, user: u, url: x, key_file: k",
       "/etc/orderd/orderd.yaml:20:47: suppliers.acme.transport.url: not a key of the sftp "
       "transport (http takes it); sftp keys: type, timeout, attempts, backoff, archive_path, "
       "done_suffix, settle, host, port, user, path, key_file, key_passphrase_file, "
       "password_file, password, known_hosts\n/etc/orderd/orderd.yaml:20:65: "
       "suppliers.acme.transport.key_file: cannot read /etc/orderd/k: No such file or directory "
       "(the orderd user must be able to read it: chgrp orderd, chmod 640)"},
      {"{type: dir, path: ./out/acme", "{type: dir, path: ./out/acme, done_suffix: .ok, hots: x",
       "/etc/orderd/orderd.yaml:20:64: suppliers.acme.transport.hots: unknown key; dir keys: "
       "type, timeout, attempts, backoff, archive_path, done_suffix, settle, path"},
      {"{type: dir, path: ./out/acme", "{type: email, smtp_url: \"smtp://h\", body: html",
       "/etc/orderd/orderd.yaml:20:58: suppliers.acme.transport.body: must be attachment, body or "
       "both\n/etc/orderd/orderd.yaml:20:16: suppliers.acme.transport.from: sending email "
       "needs from (an address)\n/etc/orderd/orderd.yaml:20:16: suppliers.acme.transport.to: "
       "sending email needs to (the addresses)"},
      {"{type: dir, path: ./out/acme", "{type: sftp, host: h, user: u, password: hunter2",
       "/etc/orderd/orderd.yaml:20:57: suppliers.acme.transport.password: secrets are not "
       "written in the configuration: name an environment variable as ${VAR} or put the password "
       "in a file and use password_file\n/etc/orderd/orderd.yaml:20:16: "
       "suppliers.acme.transport.password_file: an sftp transport needs key_file, password_file "
       "or password: ${VAR}"},
      {"      columns: {po_number",
       "      pull: {type: ftpx, host: h, user: u}\n      columns: {po_number",
       "/etc/orderd/orderd.yaml:22:20: suppliers.acme.tracking.pull.type: unknown transport "
       "'ftpx' (known: dir, sftp, ftp, ftps, email, http)"},
      {"      columns: {po_number",
       "      pull: {type: http, url: \"http://x/\"}\n      columns: {po_number",
       "/etc/orderd/orderd.yaml:22:20: suppliers.acme.tracking.pull.type: 'http' cannot be pulled "
       "from; use dir, sftp, ftp, ftps or email"},
      {"    require: [ship_to.phone]", "    require: [ship_to.phone]\n    tracking_sync: soon",
       "/etc/orderd/orderd.yaml:13:20: suppliers.acme.tracking_sync: 'soon' is not a duration: "
       "write seconds (90) or a number with s, m, h or d (90s, 5m, 2h, 1d)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.to);
    std::string yaml = y;
    auto at = yaml.find(c.from);
    REQUIRE(at != std::string::npos);
    yaml.replace(at, std::string(c.from).size(), c.to);
    CHECK(error_of(yaml) == c.want);
  }
}

TEST_CASE("config: YAML syntax errors carry their place") {
  CHECK(error_of("channels: [oops\n").starts_with("/etc/orderd/orderd.yaml:2:1: "));
  CHECK(error_of("") == "/etc/orderd/orderd.yaml: the file is empty");
}

TEST_CASE("config: a list or a map where a name or a value belongs says so, with its place") {
  const std::string head = "state_dir: ./state\nspool_dir: ./spool\n";
  const std::string suppliers =
      "suppliers:\n  acme: {skus: [\"ACME-*\"], transport: {type: dir, path: ./out}}\n";
  // A list as a key.
  auto e =
      error_of(head + "channels:\n  shop:\n    format: shopify-csv\n    [a, b]: 1\n" + suppliers);
  CHECK_MESSAGE(e.starts_with("/etc/orderd/orderd.yaml:6:5: "), e);
  CHECK_MESSAGE(e.find("a list or a map") != std::string::npos, e);
  CHECK(e.find("bad conversion") == std::string::npos);
  // A map as a channel's id.
  e = error_of(head + "channels:\n  {x: 1}: {format: shopify-csv}\n" + suppliers);
  CHECK_MESSAGE(e.starts_with("/etc/orderd/orderd.yaml:4:3: "), e);
  CHECK_MESSAGE(e.find("a list or a map") != std::string::npos, e);
  // Each message whole: the place, the path, what is wrong.
  const std::string shop = "channels:\n  shop: {format: shopify-csv}\n";
  const std::string http =
      "suppliers:\n  acme:\n    skus: [\"ACME-*\"]\n    transport:\n      type: http\n"
      "      url: http://127.0.0.1:1/po\n      headers:\n";
  CHECK(error_of(head + shop + http + "        [a]: b\n") ==
        "/etc/orderd/orderd.yaml:12:9: suppliers.acme.transport.headers: a key here must be a "
        "plain name, not a list or a map");
  CHECK(error_of(head + shop + http + "        ~: b\n") ==
        "/etc/orderd/orderd.yaml:12:9: suppliers.acme.transport.headers: a key here must be a "
        "name, not empty or null");
  CHECK(error_of(head + "channels:\n  ~: {format: shopify-csv}\n" + suppliers) ==
        "/etc/orderd/orderd.yaml:4:3: channels: a key here must be a name, not empty or null");
  // A header goes out as it is written: a name that is not a token, or a
  // value of more than one line, would change the request.
  CHECK(error_of(head + shop + http + "        \"X-A: B\": c\n") ==
        "/etc/orderd/orderd.yaml:12:9: suppliers.acme.transport.headers.X-A: B: a header's name "
        "is letters, digits and !#$%&'*+-.^_`|~ only");
  CHECK(error_of(head + shop + http + "        X-Token: \"a\\r\\nX-Evil: 1\"\n") ==
        "/etc/orderd/orderd.yaml:12:18: suppliers.acme.transport.headers.X-Token: expected a "
        "text value on one line");
}

TEST_CASE("config: the operator docs hold every key and every field as the code declares them") {
  std::ifstream in(std::string(ORDERD_SOURCE_DIR) + "/docs/config.md");
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  // docs/config.md's "Keys" section is `orderd --help-config`, word for word.
  const auto from = doc.find("## Keys\n\n");
  const auto to = doc.find("\n## ", from + 1);
  REQUIRE(from != std::string::npos);
  REQUIRE(to != std::string::npos);
  const std::string section = doc.substr(from + 9, to + 1 - (from + 9));
  CHECK(section == config_reference_markdown());
}

TEST_CASE("config: the bundled examples are valid") {
  for (const char* p : {"/examples/demo/orderd.yaml", "/examples/orderd.yaml"}) {
    CAPTURE(p);
    auto c = load_config(std::string(ORDERD_SOURCE_DIR) + p);
    REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error().message()));
  }
}

TEST_CASE("config: a key given twice is refused, naming both lines") {
  // yaml-cpp keeps the first and says nothing: a second state_dir, or a
  // supplier defined twice with other skus, would silently lose.
  CHECK(error_of(std::string("state_dir: ./one\n") + kValid) ==
        "/etc/orderd/orderd.yaml:2:1: state_dir: given twice (first on line 1); keep one");
  std::string twice = std::string(kValid) + "  acme:\n    skus: [\"OTHER-*\"]\n";
  CHECK(error_of(twice) ==
        "/etc/orderd/orderd.yaml:23:3: suppliers.acme: given twice (first on line 9); keep one");
  std::string nested = kValid;
  nested.replace(nested.find("attempts: 3"), 11, "attempts: 3, attempts: 9");
  CHECK(error_of(nested) ==
        "/etc/orderd/orderd.yaml:20:59: suppliers.acme.transport.attempts: given twice (first on "
        "line 20, column 46); keep one");
}

TEST_CASE("config: every duration key takes the same form") {
  // backoff, timeout, settle and the schedules: 90, 90s, 5m, 2h, 1d.
  const std::pair<const char*, std::int64_t> forms[] = {
      {"90", 90}, {"90s", 90}, {"5m", 300}, {"2h", 7200}, {"1d", 86400}};
  for (const auto& [text, secs] : forms) {
    CAPTURE(text);
    std::string yaml = kValid;
    const std::string within_an_hour = secs > 3600 ? "1h" : text;
    yaml.replace(yaml.find("backoff: 10"), 11,
                 std::string("backoff: ") + text + ", timeout: " + within_an_hour +
                     ", settle: " + within_an_hour);
    yaml += std::string("schedule: {order_sync: ") + text + ", tracking_sync: " + text + "}\n";
    auto c = parse_config(yaml, "/etc/orderd/orderd.yaml");
    REQUIRE_MESSAGE(c, c.error().message());
    const auto& t = (*c)->suppliers[0].transport;
    CHECK(t.backoff == secs);
    CHECK(t.timeout == std::min<std::int64_t>(secs, 3600));
    CHECK((*c)->schedule.order_sync == secs);
    CHECK((*c)->schedule.tracking_sync == secs);
  }
  std::string bad = kValid;
  bad.replace(bad.find("backoff: 10"), 11, "backoff: 2w");
  CHECK(error_of(bad).find("suppliers.acme.transport.backoff: '2w' is not a duration") !=
        std::string::npos);
  bad = kValid;
  bad.replace(bad.find("backoff: 10"), 11, "timeout: 2h");
  CHECK(error_of(bad).find("suppliers.acme.transport.timeout: 2h is out of range (1s to 1h)") !=
        std::string::npos);
}

TEST_CASE("config: a schedule below a minute is valid but warned about, naming its place") {
  std::string yaml = std::string(kValid) + "schedule: {order_sync: 5s}\n";
  yaml.replace(yaml.find("    require: [ship_to.phone]"), 28,
               "    require: [ship_to.phone]\n    tracking_sync: 10");
  auto c = parse_config(yaml, "/etc/orderd/orderd.yaml");
  REQUIRE_MESSAGE(c, c.error().message());
  REQUIRE((*c)->warnings.size() == 2);
  CHECK((*c)->warnings[0].starts_with(
      "/etc/orderd/orderd.yaml: schedule.order_sync: every 5s is more often than once a minute"));
  CHECK((*c)->warnings[1].starts_with(
      "/etc/orderd/orderd.yaml:9:3: suppliers.acme.tracking_sync: every 10s"));
  auto quiet = parse_config(kValid, "/etc/orderd/orderd.yaml");
  REQUIRE(quiet);
  CHECK((*quiet)->warnings.empty());
}

TEST_CASE("config: alerts, their sinks and what each takes") {
  auto c = parse_config(std::string(kValid) + R"(alerts:
  window: 2m
  outage_after: 5
  sinks:
    ops:
      transport: {type: email, smtp_url: "smtp://127.0.0.1:25", from: a@b.example, to: [c@d.example], starttls: false}
    chat:
      events: [outage, recovered]
      transport: {type: http, url: "https://hooks.example/x"}
)",
                        "/etc/orderd/orderd.yaml");
  REQUIRE_MESSAGE(c, (c ? "" : c.error().message()));
  const auto& a = (*c)->alerts;
  CHECK(a.window == 120);
  CHECK(a.outage_after == 5);
  CHECK(a.resolve_after == 86400);
  REQUIRE(a.sinks.size() == 2);
  const auto* ops = a.sink("ops");
  REQUIRE(ops);
  CHECK(ops->wants("delivery_failed"));
  CHECK(ops->transport.text("subject") == "{title}");  // to people: the alert's first line
  CHECK(ops->transport.text("body") == "body");
  CHECK(a.sink("chat")->wants("outage"));
  CHECK_FALSE(a.sink("chat")->wants("quarantined"));
  CHECK(a.sink("chat")->wants("test"));

  auto alerts = [](const std::string& block) {
    return error_of(std::string(kValid) + "alerts:\n" + block);
  };
  CHECK(alerts("  sinks:\n    ops:\n      events: [outages]\n      transport: {type: dir, path: "
               "./a}\n")
            .find("alerts.sinks.ops.events[0]: unknown alert kind 'outages' (known: "
                  "delivery_failed, rejected, outage,") != std::string::npos);
  CHECK(alerts("  sinks:\n    ops:\n      transport: {type: sftp, host: h, user: u, key_file: "
               "/etc/passwd}\n")
            .find("alerts.sinks.ops.transport.type: alerts go by email, http (a webhook) or dir, "
                  "not sftp") != std::string::npos);
  CHECK(alerts("  windw: 5m\n").find("alerts.windw: unknown key; did you mean 'window'?") !=
        std::string::npos);
  CHECK(alerts("  sinks:\n    ops:\n      transport: {type: email, smtp_url: \"smtp://h:25\", "
               "from: a@b.example}\n")
            .find("alerts.sinks.ops.transport.to: an email sink needs smtp_url, from and to") !=
        std::string::npos);
  CHECK(a.sink("ops")->transport.attempts == 10);  // alerts keep trying longer than POs
  CHECK(alerts("  sinks:\n    ops: {events: [outage]}\n")
            .find("alerts.sinks.ops.transport: a transport is required") != std::string::npos);
}

TEST_CASE("config: the reference of alerts.sinks.<name>.events names every alert kind") {
  for (const auto& k : section_keys("alerts.sinks.<name>"))
    if (k.key == "events")
      for (const auto& kind : alert_kinds())
        if (kind.name != "test")
          CHECK_MESSAGE(k.doc.find(kind.name) != std::string_view::npos, kind.name);
}

TEST_CASE("config: deadlines at the top level, and per supplier key by key") {
  std::string yaml = std::string(kValid) + "deadlines: {ack: 24h, ship: 2d}\n";
  yaml.replace(yaml.find("    require: [ship_to.phone]\n"), 0,
               "    deadlines: {ship: 3d, business_days: [Mon, Tue, Wed, Thu, Fri, Sat]}\n");
  auto c = parse_config(yaml, "/etc/orderd/orderd.yaml");
  REQUIRE_MESSAGE(c, (c ? "" : c.error().message()));
  CHECK((*c)->deadlines.ack == 86400);
  const auto& d = (*c)->supplier("acme")->deadlines;
  CHECK(d.ack == 86400);  // from the top level
  CHECK(d.ship == 3 * 86400);
  CHECK(d.business_days == 0b1111110);
  CHECK(error_of(std::string(kValid) + "deadlines: {ack: 24h, business_days: [Mon, Funday]}\n")
            .find("deadlines.business_days[1]: 'Funday' is not a day: write Mon, Tue, Wed, Thu, "
                  "Fri, Sat or Sun") != std::string::npos);
  CHECK(error_of(std::string(kValid) + "deadlines: {ack: soon}\n")
            .find("deadlines.ack: 'soon' is not a duration") != std::string::npos);
}
