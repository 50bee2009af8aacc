#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "channels/formats.h"
#include "core/status.h"
#include "core/transitions.h"
#include "jobs/jobs.h"
#include "mappers/mappers.h"
#include "transport/transport.h"

namespace orderd {

Runtime::~Runtime() {
  if (lock_fd >= 0) ::close(lock_fd);
}

void RunReport::add(RunReport&& o) {
  files += o.files;
  changed += o.changed;
  failed += o.failed;
  for (auto& l : o.lines) lines.push_back(std::move(l));
}

void RunReport::problem(std::string text) {
  lines.emplace_back(std::move(text), true);
  ++failed;
}

std::string RunReport::text() const {
  std::string out;
  for (const auto& l : lines) {
    if (!out.empty()) out += '\n';
    out += l.text;
  }
  return out;
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

Result<std::int64_t> find_order(Runtime& rt, std::string_view ref) {
  std::string_view channel, id = ref;
  if (auto colon = ref.find(':');
      colon != std::string_view::npos && rt.cfg->channel(ref.substr(0, colon))) {
    channel = ref.substr(0, colon);
    id = ref.substr(colon + 1);
  }
  auto found = rt.store->find_orders_by_ext(channel, id);
  if (found.empty())
    return fail(ErrorKind::kNotFound,
                fmt::format("no order {} (try `orderctl orders --order {}`)", ref, id));
  if (found.size() > 1) {
    std::string names;
    for (const auto& k : found) {
      auto o = rt.store->load_order(k.id);
      if (o) names += fmt::format(" {}:{}", o->channel, o->ext_id);
    }
    return fail(ErrorKind::kRefused,
                fmt::format("order {} is in more than one channel; name one of:{}", ref, names));
  }
  return found.front().id;
}

namespace {

void apply_status(Runtime& rt, std::int64_t order_id, const Store::StatusInputs& in,
                  std::string_view reason) {
  auto [next, msgs] = order_status_view(in.state, in.messages, in.pos, in.lines);
  if (next == in.status && msgs == in.messages) return;
  rt.store->set_order_status(order_id, next, msgs);
  if (next != in.status)
    rt.store->add_event(order_id, 0, rt.actor, "status", to_string(in.status), to_string(next),
                        reason, rt.now());
}

}  // namespace

Status refresh_status(Runtime& rt, std::int64_t order_id, std::string_view reason) {
  auto in = rt.store->status_inputs(order_id);
  if (!in) return fail(ErrorKind::kNotFound, fmt::format("order id {} vanished", order_id));
  apply_status(rt, order_id, *in, reason);
  return {};
}

void refresh_statuses(Runtime& rt, std::span<const std::int64_t> ids, std::string_view reason) {
  for (const auto& [id, in] : rt.store->status_inputs(ids)) apply_status(rt, id, in, reason);
}

bool in_scope(Scope only, std::string_view id) {
  return only.empty() || std::find(only.begin(), only.end(), id) != only.end();
}

RunReport run_cycle(Runtime& rt, const std::function<void(RunReport&)>& work) {
  RunReport r;
  try {
    if (work) work(r);
    r.add(deliver_due(rt));
  } catch (const StoreError& e) {
    r.problem(fmt::format("state database error: {}", e.what()));
  }
  return r;
}

RunReport full_cycle(Runtime& rt, std::string_view trigger) {
  return run_cycle(rt, [&](RunReport& r) {
    r.add(sync_orders(rt, trigger));
    r.add(sync_tracking(rt, trigger));
    r.add(push_tracking(rt, trigger));
  });
}

}  // namespace orderd
