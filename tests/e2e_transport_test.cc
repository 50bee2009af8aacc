// A supplier served end to end over a remote transport, with the real
// binaries against a real server on loopback: the order comes in, its PO goes
// out over the transport, the supplier's tracking comes back over it, and the
// order completes.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "e2e_fixture.h"
#include "sshd_server.h"

using namespace orderd::test;
namespace fs = std::filesystem;

TEST_CASE("e2e sftp: trust the host then PO out and tracking back over sftp") {
  if (const auto why = sshd_unavailable(); !why.empty()) {
    MESSAGE("skipped: no sshd: " << why);
    return;
  }
  SshdServer sshd;
  const fs::path outbound = sshd.dir() / "outbound", done = sshd.dir() / "done";
  for (const auto& d : {outbound, done}) {
    fs::create_directories(d);
    sshd.own(d);
  }
  const std::string common =
      fmt::format("type: sftp, host: 127.0.0.1, port: {}, user: {}, key_file: {}, timeout: 10",
                  sshd.port(), kSftpUser, sshd.user_key().string());
  Install in;
  spit(in.config,
       remote_supplier_config(fmt::format("{{{}, path: {}}}", common, sshd.upload().string()),
                              fmt::format("{{{}, path: {}, archive_path: {}, settle: 0}}", common,
                                          outbound.string(), done.string())));
  // The host is not trusted yet: the operator is shown the key first.
  auto shown = in.ctl({"trust-host", "acme"});
  CHECK(shown.code == 1);
  REQUIRE_MESSAGE(shown.out.find(sshd.fingerprint()) != std::string::npos, (shown.out + shown.err));
  CHECK(shown.out.find("--fingerprint") != std::string::npos);
  auto trusted = in.ctl({"trust-host", "acme", "--fingerprint", sshd.fingerprint()});
  REQUIRE_MESSAGE(trusted.code == 0, (trusted.out + trusted.err));
  CHECK(slurp(in.path("state/known_hosts")).find(sshd.host_key_line()) != std::string::npos);

  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#1", "ACME-1", 2));
  auto r = in.once();
  REQUIRE_MESSAGE(r.code == 0, (r.out + r.err));
  auto delivered = files_under(sshd.upload());
  REQUIRE(delivered.size() == 1);
  const std::string po = in.order("1")["pos"][0]["number"];
  CHECK(slurp(delivered[0]).find(po) != std::string::npos);
  CHECK(in.order("1")["status"] == "processed");

  // The supplier writes its tracking file on its server.
  spit(outbound / "ship.csv", acme_tracking_csv(po));
  sshd.own(outbound / "ship.csv");
  r = in.once();
  REQUIRE_MESSAGE(r.code == 0, (r.out + r.err));
  CHECK(in.order("1")["status"] == "completed");
  CHECK(files_under(outbound).empty());           // taken ...
  CHECK(fs::exists(done / "ship.csv"));           // ... and archived at the source
  CHECK(files_under(sshd.upload()).size() == 1);  // the PO went once
  CHECK(in.files("spool/archive/tracking").size() == 1);
}

TEST_CASE("e2e sftp: a channel's order exports are pulled from its sftp source") {
  if (const auto why = sshd_unavailable(); !why.empty()) {
    MESSAGE("skipped: no sshd: " << why);
    return;
  }
  SshdServer sshd;
  const fs::path exports = sshd.dir() / "exports";
  fs::create_directories(exports);
  sshd.own(exports);
  Install in;
  // The shop's source is the sshd folder; the host was trusted beforehand.
  spit(in.path("state/known_hosts"), sshd.host_key_line() + "\n");
  std::string cfg = slurp(in.config);
  const std::string anchor = "    format: shopify-csv\n";
  cfg.insert(cfg.find(anchor) + anchor.size(),
             fmt::format("    source: {{type: sftp, host: 127.0.0.1, port: {}, user: {}, key_file: "
                         "{}, path: {}, done_suffix: .done}}\n",
                         sshd.port(), kSftpUser, sshd.user_key().string(), exports.string()));
  spit(in.config, cfg);
  // Without its done-marker the export is not taken: it may still be written.
  spit(exports / "orders.csv", std::string(kShopifyHeader) + shopify_row("#9", "GX-1", 1));
  sshd.own(exports / "orders.csv");
  auto r = in.once();
  REQUIRE_MESSAGE(r.code == 0, (r.out + r.err));
  CHECK(in.orders().empty());
  CHECK(fs::exists(exports / "orders.csv"));
  spit(exports / "orders.csv.done", "");
  sshd.own(exports / "orders.csv.done");
  r = in.once();
  REQUIRE_MESSAGE(r.code == 0, (r.out + r.err));
  REQUIRE(in.orders().size() == 1);
  CHECK(in.order("9")["status"] == "ready");
  CHECK(files_under(exports).empty());  // no archive_path: taken files and markers are deleted
}

TEST_CASE("e2e dir: tracking pulled from a local folder another tool fills") {
  Install in;
  spit(in.config,
       remote_supplier_config("{type: dir, path: ./out/supplier/acme}",
                              "{type: dir, path: ./drop, archive_path: taken, settle: 1}"));
  in.drop_orders("shop", "a.csv", std::string(kShopifyHeader) + shopify_row("#1", "ACME-1", 2));
  REQUIRE(in.once().code == 0);
  const std::string po = in.order("1")["pos"][0]["number"];
  // The other tool writes under a temporary name and renames, or not at all:
  // a file still growing between the two looks waits.
  spit(in.path("drop/.t.csv.part"), acme_tracking_csv(po));
  spit(in.path("drop/t.csv"), acme_tracking_csv(po));
  auto r = in.ctl({"sync", "tracking"});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(r.out.find("pulled t.csv from folder") != std::string::npos);
  CHECK(in.order("1")["status"] == "completed");
  // Taken away to archive_path (beside the files), the hidden one left alone.
  CHECK(!std::filesystem::exists(in.path("drop/t.csv")));
  CHECK(std::filesystem::exists(in.path("drop/taken/t.csv")));
  CHECK(std::filesystem::exists(in.path("drop/.t.csv.part")));
}
