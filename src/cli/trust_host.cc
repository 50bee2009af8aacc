#include "cli/trust_host.h"

#include <fmt/format.h>

#include <iostream>
#include <set>
#include <vector>

#include "transport/sftp.h"

namespace orderd {

int trust_host(const Config& cfg, std::string_view party, std::string_view fingerprint) {
  std::vector<const TransportConfig*> found;
  auto consider = [&](const TransportConfig* t) {
    if (t && t->type == "sftp") found.push_back(t);
  };
  if (const auto* s = cfg.supplier(party)) {
    consider(&s->transport);
    if (s->tracking.pull) consider(&*s->tracking.pull);
  }
  if (const auto* c = cfg.channel(party)) {
    if (c->source) consider(&*c->source);
    if (c->tracking_push.enabled) consider(&c->tracking_push.transport);
  }
  if (!cfg.supplier(party) && !cfg.channel(party)) {
    std::cerr << fmt::format("no supplier or channel '{}' in {}\n", party, cfg.file.string());
    return 2;
  }
  if (found.empty()) {
    std::cerr << fmt::format("{} has no sftp transport: nothing to trust\n", party);
    return 2;
  }
  int code = 0;
  std::set<std::string> done;  // host:port already handled
  for (const auto* t : found) {
    const auto server = sftp_server(*t);
    const std::string where = fmt::format("{}:{}", server.host, server.port);
    if (!done.insert(where + server.known_hosts.string()).second) continue;
    auto key = sftp_host_key(*t);
    if (!key) {
      std::cerr << fmt::format("{}: {}\n", where, key.error().message());
      code = 1;
      continue;
    }
    if (fingerprint.empty()) {
      std::cout << fmt::format(
          "{} presents {} key {}\n"
          "Check this fingerprint with {} (by phone or their documentation, not by this "
          "connection), then run:\n  orderctl trust-host {} --fingerprint {}\n",
          where, key->type, key->fingerprint, party, party, key->fingerprint);
      code = 1;
      continue;
    }
    if (fingerprint != key->fingerprint) {
      std::cerr << fmt::format(
          "{} presents {} key {}, not {}: nothing recorded. If the supplier confirms the new "
          "key, run the command with that fingerprint.\n",
          where, key->type, key->fingerprint, fingerprint);
      code = 1;
      continue;
    }
    if (auto s = sftp_trust_host(*t, server.known_hosts, fingerprint); !s) {
      std::cerr << fmt::format("{}: {}\n", where, s.error().message());
      code = 1;
      continue;
    }
    std::cout << fmt::format("{} {} key {} is trusted (in {})\n", where, key->type,
                             key->fingerprint, server.known_hosts.string());
  }
  return code;
}

}  // namespace orderd
