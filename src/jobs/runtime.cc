// The runtime a job runs in: the (checked) configuration, the state
// database and spool opened, and the run lock.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "jobs/jobs.h"

namespace orderd {

Runtime::~Runtime() {
  if (lock_fd >= 0) ::close(lock_fd);
}

Result<std::unique_ptr<Runtime>> open_runtime(std::shared_ptr<const Config> cfg) {
  auto store = Store::open(cfg->state_dir);
  if (!store) return std::unexpected(store.error());
  auto rt = std::unique_ptr<Runtime>(new Runtime{cfg,
                                                 std::move(*store),
                                                 Spool(cfg->spool_dir),
                                                 {},
                                                 &system_clock(),
                                                 "orderd",
                                                 -1,
                                                 0,
                                                 {},
                                                 false});
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
