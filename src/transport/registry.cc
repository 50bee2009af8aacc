// The transports, in one table.
#include <fmt/format.h>

#include "transport/transport.h"

namespace orderd {
namespace {

struct Entry {
  std::string_view type;
  MakeTransport make;
};

constexpr Entry kTransports[] = {
    {"dir", make_dir_transport},
};

}  // namespace

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
