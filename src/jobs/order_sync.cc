// Order sync: channel exports in the spool -> orders in the store.
#include <fmt/format.h>

#include <algorithm>

#include "channels/formats.h"
#include "core/status.h"
#include "core/transitions.h"
#include "jobs/history.h"
#include "jobs/intake.h"
#include "util/crashpoint.h"
#include "util/text.h"

namespace orderd {
namespace {

struct ImportCounts {
  int added = 0, updated = 0, unchanged = 0, ignored = 0;
};

// Imports one order of `channel`.
void import_one(Runtime& rt, Order& o, std::string_view file, ImportCounts& n) {
  const std::string fp = o.fingerprint();
  const auto key = rt.store->find_order_key(o.channel, o.ext_id);
  const std::int64_t now = rt.now();
  const ImportAction action = import_action(key ? &*key : nullptr, fp, o.canceled_in_channel);
  if (action == ImportAction::kUnchanged) {
    ++n.unchanged;
    return;
  }
  if (action == ImportAction::kReport) {
    ++n.ignored;
    // What changed, field by field: an address change must reach the
    // supplier by hand. The operator's own values are not "changes".
    auto stored = rt.store->load_order(key->id);
    Order incoming = o;
    incoming.id = key->id;
    apply_overrides(incoming, rt.store->load_overrides(key->id));
    const auto changes = stored ? order_changes(*stored, incoming) : std::vector<std::string>{};
    rt.store->add_event(
        key->id, 0, fmt::format("channel:{}", o.channel), "channel_change_ignored", "", "",
        fmt::format("the order changed in the channel ({}) after it was {}; not applied, tell the "
                    "supplier by hand: {}",
                    file, to_string(key->status),
                    changes.empty() ? "(nothing orderd sends changed)"
                                    : fmt::format("{}", fmt::join(changes, "; "))),
        now);
    // Seen: the same export again is unchanged, not a second report.
    rt.store->set_order_fingerprint(key->id, fp);
    return;
  }
  if (key) {
    o.id = key->id;
    apply_overrides(o, rt.store->load_overrides(o.id));
  }
  o.messages = o.canceled_in_channel ? std::vector<std::string>{"canceled in the channel"}
                                     : verify_order(o, rt.rules);
  o.state = verified_state(o.canceled_in_channel, o.messages);
  o.status = derive_status(o.state, {}, {});
  const std::string actor = fmt::format("channel:{}", o.channel);
  if (action == ImportAction::kAdd) {
    rt.store->insert_order(o, fp, now);
    rt.store->add_event(o.id, 0, actor, "imported", "", to_string(o.status),
                        fmt::format("imported from {}", file), now);
    ++n.added;
  } else {
    rt.store->replace_order(o, fp, now);
    rt.store->add_event(
        o.id, 0, actor, "updated", to_string(key->status), to_string(o.status),
        fmt::format("updated from {} (changed in the channel before processing)", file), now);
    ++n.updated;
  }
}

}  // namespace

RunReport sync_orders(Runtime& rt, std::string_view trigger, Scope only) {
  RunLock lock(rt);
  return recorded_run(rt, "orders", trigger, [&](RunReport& report) {
    std::vector<PullSource> remotes;
    for (const auto& ch : rt.cfg->channels)
      if (ch.source && in_scope(only, ch.id)) remotes.push_back({"orders", ch.id, &*ch.source});
    if (!remotes.empty()) report.add(pull_remotes(rt, remotes));
    for (const auto& ch : rt.cfg->channels) {
      const OrderFormat* fmt_ = find_order_format(ch.format);
      if (!fmt_ || !in_scope(only, ch.id)) continue;
      take_inbound(
          rt, "orders", ch.id,
          [&](std::string_view name, std::string& data, std::int64_t,
              RunReport& r) -> Result<std::string> {
            // Bytes that are not UTF-8 become U+FFFD; the orders they land in
            // wait in needs_resolve (verify_order) for a person to say what
            // the field holds.
            if (!valid_utf8(data)) {  // the fast check first: most files are clean
              const auto bad = invalid_utf8(data, 6);
              std::string where;
              for (std::size_t k = 0; k < bad.size() && k < 5; ++k) {
                const auto [line, column] = line_column(data, bad[k]);
                where += fmt::format("{}line {}, column {} ({})", k ? "; " : "", line, column,
                                     hex_bytes(data, bad[k]));
              }
              r.problem(fmt::format(
                  "{}: bytes that are not UTF-8 at {}{}; replaced by '{}', and each order holding "
                  "them waits in needs_resolve until the field is set (orderctl resolve); export "
                  "the file as UTF-8",
                  name, where, bad.size() > 5 ? " and more" : "", kReplacementChar));
              data = to_valid_utf8(data);
            }
            crashpoint("order_sync.read");
            // One order at a time, as the reader hands them on: the file's
            // transaction rolls back should a later one be refused.
            std::vector<std::string> too_big;
            ImportCounts n;
            auto read = fmt_->read(data, [&](Order& o) -> Status {
              for (auto& why : order_limits(o)) too_big.push_back(std::move(why));
              if (!too_big.empty()) return {};  // the file is refused: only the limits now
              o.channel = ch.id;
              import_one(rt, o, name, n);
              return {};
            });
            if (!read) return std::unexpected(read.error());
            if (!too_big.empty())
              return fail(ErrorKind::kInvalid,
                          fmt::format("{} (docs/formats.md, \"Limits\"); fix the export and drop "
                                      "it again",
                                      fmt::join(too_big, "; ")));
            r.changed += n.added + n.updated;
            for (auto& note : read->notes) r.lines.push_back(std::move(note));
            return fmt::format(
                "{} orders: {} new, {} updated, {} unchanged, {} changed after processing (not "
                "applied)",
                read->orders, n.added, n.updated, n.unchanged, n.ignored);
          },
          report);
    }
    // Every ready order that qualifies, not only this run's: a run killed
    // between import and processing is completed by the next one.
    std::vector<std::string> channels, suppliers;
    for (const auto& c : rt.cfg->channels)
      if (c.auto_process) channels.push_back(c.id);
    for (const auto& s : rt.cfg->suppliers)
      if (s.auto_process) suppliers.push_back(s.id);
    if (!channels.empty() || !suppliers.empty()) {
      auto ids = rt.store->auto_process_candidates(channels, suppliers);
      if (!ids.empty()) report.add(process_orders(rt, ids));
    }
  });
}

}  // namespace orderd
