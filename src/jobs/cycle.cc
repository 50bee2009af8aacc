// One cycle (work, then delivery), and what several jobs share: finding an
// order by the operator's reference, and bringing order statuses up to date.
#include <fmt/format.h>

#include <algorithm>

#include "core/status.h"
#include "core/transitions.h"
#include "jobs/history.h"
#include "jobs/jobs.h"

namespace orderd {

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

// Up to this many orders' inputs are held at once.
constexpr std::size_t kStatusChunk = 1024;

void add_change(std::vector<Store::StatusChange>& out, std::int64_t order_id,
                const Store::StatusInputs& in) {
  auto [next, msgs] = order_status_view(in.state, in.messages, in.pos, in.lines);
  if (next == in.status && msgs == in.messages) return;
  out.push_back({order_id, in.status, next, std::move(msgs)});
}

}  // namespace

Status refresh_status(Runtime& rt, std::int64_t order_id, std::string_view reason) {
  auto in = rt.store->status_inputs(order_id);
  if (!in) return fail(ErrorKind::kNotFound, fmt::format("order id {} vanished", order_id));
  std::vector<Store::StatusChange> change;
  add_change(change, order_id, *in);
  rt.store->set_order_statuses(change, rt.actor, reason, rt.now());
  return {};
}

void refresh_statuses(Runtime& rt, std::span<const std::int64_t> ids, std::string_view reason) {
  std::vector<Store::StatusChange> changes;
  for (std::size_t at = 0; at < ids.size(); at += kStatusChunk) {
    changes.clear();
    const auto chunk = ids.subspan(at, std::min(kStatusChunk, ids.size() - at));
    for (const auto& [id, in] : rt.store->status_inputs(chunk)) add_change(changes, id, in);
    rt.store->set_order_statuses(changes, rt.actor, reason, rt.now());
  }
}

bool in_scope(Scope only, std::string_view id) {
  return only.empty() || std::find(only.begin(), only.end(), id) != only.end();
}

RunReport run_cycle(Runtime& rt, const std::function<void(RunReport&)>& work) {
  RunReport r;
  try {
    if (work) work(r);
    r.add(raise_alerts(rt));
    r.add(deliver_due(rt));
  } catch (const StoreError& e) {
    r.problem(fmt::format("state database error: {}", e.what()));
  } catch (const std::exception& e) {
    r.problem(internal_error(e));
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
