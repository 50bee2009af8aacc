// The transports, in one table, and the keys they all take.
#include "util/registry.h"

#include <fmt/format.h>

#include <cstdlib>

#include "transport/transport.h"
#include "util/fs.h"
#include "util/text.h"

namespace orderd {
namespace {

using enum OptionType;

constexpr const TransportKind* kTransports[] = {
    &kDirTransport,  &kSftpTransport,  &kFtpTransport,
    &kFtpsTransport, &kEmailTransport, &kHttpTransport,
};

constexpr OptionSpec kCommonKeys[] = {
    {"type", kText, "dir", "dir, sftp, ftp, ftps (explicit TLS), email or http", false, "", 0, 0},
    {"timeout", kDuration, "30s", "connect and idle timeout (1s to 1h)", false, "", 1, 3600},
    {"attempts", kInt, "5", "delivery attempts before the document is failed (1-100)", false, "", 1,
     100},
    {"backoff", kDuration, "1m",
     "wait before the second attempt (0 to 1d); doubles each attempt, with jitter", false, "", 0,
     86400},
};

constexpr OptionSpec kPullKeys[] = {
    {"archive_path", kText, "none (delete)",
     "pull: folder where taken files are moved (dir: relative to path); imap: folder taken "
     "messages move to",
     false, "", 0, 0},
    {"done_suffix", kText, "none",
     "pull: take NAME only once NAME+suffix exists (e.g. .done); the marker is removed too", false,
     "", 0, 0},
    {"settle", kDuration, "2s",
     "pull: a file is taken when its size and time are the same at two looks this far apart", false,
     "", 0, 3600},
};

}  // namespace

std::span<const OptionSpec> common_transport_keys() {
  return kCommonKeys;
}
std::span<const OptionSpec> pull_transport_keys() {
  return kPullKeys;
}
std::span<const TransportKind* const> transport_kinds() {
  return kTransports;
}
const TransportKind* find_transport(std::string_view type) {
  return find_named(kTransports, type);
}
std::string known_transports() {
  return names_of(kTransports);
}

Result<std::vector<RemoteFile>> Transport::list() {
  return fail(ErrorKind::kConfig, fmt::format("{} cannot be pulled from", describe()));
}
Result<std::vector<Fetched>> Transport::fetch(const RemoteFile&) {
  return fail(ErrorKind::kConfig, fmt::format("{} cannot be pulled from", describe()));
}
Status Transport::take_done(const RemoteFile&) {
  return fail(ErrorKind::kConfig, fmt::format("{} cannot be pulled from", describe()));
}

const char* document_content_type(std::string_view name) {
  const auto dot = name.rfind('.');
  const auto ext = dot == std::string_view::npos ? std::string() : to_lower(name.substr(dot + 1));
  if (ext == "csv") return "text/csv";
  if (ext == "xml") return "application/xml";
  if (ext == "json") return "application/json";
  if (ext == "txt") return "text/plain";
  if (ext == "x12" || ext == "edi" || ext == "850") return "application/edi-x12";
  return "application/octet-stream";
}

Result<std::string> read_secret(const std::filesystem::path& file, const std::string& env,
                                std::string_view what) {
  if (!env.empty()) {
    const char* v = std::getenv(env.c_str());
    if (!v || !*v)
      return fail(ErrorKind::kConfig,
                  fmt::format("the {} is to come from environment variable {}, which is not set "
                              "in orderd's environment (systemd: Environment= or "
                              "EnvironmentFile= in a drop-in)",
                              what, env));
    return std::string(v);
  }
  if (file.empty()) return std::string();
  auto text = read_file(file);
  if (!text)
    return fail(ErrorKind::kConfig, fmt::format("cannot read the {} file {}: {}", what,
                                                file.string(), text.error().message()));
  std::string s = std::move(*text);
  if (auto nl = s.find_first_of("\r\n"); nl != std::string::npos) s.resize(nl);
  return s;
}

Result<std::unique_ptr<Transport>> make_transport(const TransportConfig& cfg) {
  if (const auto* kind = find_transport(cfg.type)) return kind->make(cfg);
  return fail(ErrorKind::kConfig, fmt::format("{}.type: unknown transport '{}' (known: {})",
                                              cfg.where.text, cfg.type, known_transports()));
}

}  // namespace orderd
