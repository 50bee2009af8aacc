// The runtime a job runs in: the configuration checked against the
// registries, the state database and spool opened, and the run lock.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "channels/formats.h"
#include "jobs/jobs.h"
#include "mappers/mappers.h"
#include "transport/transport.h"

namespace orderd {

Runtime::~Runtime() {
  if (lock_fd >= 0) ::close(lock_fd);
}

std::vector<std::string> runtime_problems(const Config& cfg) {
  std::vector<std::string> errors;
  auto check_transport = [&](const TransportConfig& t) {
    if (!known_transport(t.type))
      errors.push_back(fmt::format("{}.type: unknown transport '{}' (known: {})", t.where.text,
                                   t.type, known_transports()));
    // Files the transport reads when it runs: named, so they must be there.
    const std::pair<const char*, const std::filesystem::path*> files[] = {
        {"password_file", &t.password_file},
        {"key_file", &t.key_file},
        {"key_passphrase_file", &t.key_passphrase_file},
        {"token_file", &t.token_file},
        {"ca_file", &t.ca_file}};
    for (const auto& [key, path] : files)
      if (!path->empty() && ::access(path->c_str(), R_OK) != 0)
        errors.push_back(
            fmt::format("{}.{}: cannot read {}: {} (the orderd user must be able to "
                        "read it: chgrp orderd, chmod 640)",
                        t.where.text, key, path->string(), std::strerror(errno)));
  };
  for (const auto& c : cfg.channels) {
    const OrderFormat* f = find_order_format(c.format);
    if (!f)
      errors.push_back(fmt::format("{}.format: unknown channel format '{}' (known: {})",
                                   c.where.text, c.format, known_order_formats()));
    if (c.tracking_push.enabled) {
      std::string_view push = c.tracking_push.format;
      if (push.empty() && f) push = f->default_push;
      if (!push.empty() && !find_push_format(push))
        errors.push_back(fmt::format("{}.format: unknown tracking push format '{}' (known: {})",
                                     c.tracking_push.where.text, push, known_push_formats()));
      check_transport(c.tracking_push.transport);
    }
    if (c.source) check_transport(*c.source);
  }
  for (const auto& s : cfg.suppliers) {
    if (!find_po_format(s.po.format))
      errors.push_back(fmt::format("{}: unknown PO format '{}' (known: {})", s.po.where.text,
                                   s.po.format, known_po_formats()));
    if (!find_tracking_format(s.tracking.format))
      errors.push_back(fmt::format("{}: unknown tracking format '{}' (known: {})",
                                   s.tracking.where.text, s.tracking.format,
                                   known_tracking_formats()));
    check_transport(s.transport);
    if (s.tracking.pull) check_transport(*s.tracking.pull);
  }
  return errors;
}

Status check_runtime(const Config& cfg) {
  const auto errors = runtime_problems(cfg);
  if (!errors.empty()) return fail(ErrorKind::kConfig, fmt::format("{}", fmt::join(errors, "\n")));
  return {};
}

Result<std::unique_ptr<Runtime>> open_runtime(std::shared_ptr<const Config> cfg) {
  if (auto s = check_runtime(*cfg); !s) return std::unexpected(s.error());
  auto store = Store::open(cfg->state_dir);
  if (!store) return std::unexpected(store.error());
  auto rt = std::unique_ptr<Runtime>(new Runtime{
      cfg, std::move(*store), Spool(cfg->spool_dir), {}, &system_clock(), "orderd", -1, 0, {}});
  rt->rules.require = cfg->require;
  for (const auto& s : cfg->suppliers)
    rt->rules.suppliers.push_back({s.id, s.skus, s.require, s.shipping});
  for (const auto& c : cfg->channels)
    if (auto s = rt->spool.prepare("orders", c.id); !s) return std::unexpected(s.error());
  for (const auto& s : cfg->suppliers)
    if (auto st = rt->spool.prepare("tracking", s.id); !st) return std::unexpected(st.error());
  const auto lock_path = cfg->state_dir / "orderd.lock";
  rt->lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (rt->lock_fd < 0)
    return fail(ErrorKind::kIo, fmt::format("cannot open lock file {}: {}", lock_path.string(),
                                            std::strerror(errno)));
  return rt;
}

RunLock::RunLock(Runtime& rt) : rt_(rt) {
  if (rt_.lock_depth++ > 0) return;
  while (::flock(rt_.lock_fd, LOCK_EX) != 0 && errno == EINTR) {
  }
}

RunLock::~RunLock() {
  if (--rt_.lock_depth == 0) ::flock(rt_.lock_fd, LOCK_UN);
}

}  // namespace orderd
