// The transports, in one table.
#include <fmt/format.h>

#include <cstdlib>

#include "transport/transport.h"
#include "util/fs.h"
#include "util/text.h"

namespace orderd {
namespace {

struct Entry {
  std::string_view type;
  MakeTransport make;
};

constexpr Entry kTransports[] = {
    {"dir", make_dir_transport},  {"sftp", make_sftp_transport},   {"ftp", make_ftp_transport},
    {"ftps", make_ftp_transport}, {"email", make_email_transport}, {"http", make_http_transport},
};

}  // namespace

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

bool known_transport(std::string_view type) {
  for (const auto& e : kTransports)
    if (e.type == type) return true;
  return false;
}

std::string known_transports() {
  std::string out;
  for (const auto& e : kTransports) out += (out.empty() ? "" : ", ") + std::string(e.type);
  return out;
}

Result<std::unique_ptr<Transport>> make_transport(const TransportConfig& cfg) {
  for (const auto& e : kTransports)
    if (e.type == cfg.type) return e.make(cfg);
  return fail(ErrorKind::kConfig, fmt::format("{}.type: unknown transport '{}' (known: {})",
                                              cfg.where.text, cfg.type, known_transports()));
}

}  // namespace orderd
