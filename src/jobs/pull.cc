// Pull: a remote folder (or mailbox) -> the spool's inbound folder. Nothing
// here parses; intake does that, with its duplicate check by content. So the
// order of steps is what makes a pull safe:
//   1. list twice, `settle` seconds apart, and take only entries whose size
//      and time did not change (or whose done-marker exists): a file the
//      supplier is still writing is left for the next run;
//   2. download whole into memory, write to inbound/ under a hidden name,
//      fsync, rename into place: a cut download leaves nothing behind;
//   3. only then archive or delete the remote entry. A crash between 2 and 3
//      downloads it again next time, and intake records it as a duplicate.
#include <fmt/format.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "jobs/intake.h"
#include "jobs/jobs.h"
#include "transport/transport.h"
#include "util/crashpoint.h"
#include "util/fs.h"
#include "util/lifecycle.h"

namespace orderd {
namespace {

bool is_marker(const std::string& name, const std::string& suffix) {
  return !suffix.empty() && name.size() > suffix.size() && name.ends_with(suffix);
}

// What failed at each source in this pull ("orders/shop" -> the first failure).
using Failures = std::map<std::string, std::string>;

// Records a failed step of pulling `src` from `where` ("" before it is known).
void pull_failed(RunReport& report, Failures& failures, const PullSource& src,
                 std::string_view where, std::string_view what, const Error& e) {
  report.problem(fmt::format("pull {}/{}{}{}: {}{}", src.kind, src.source,
                             where.empty() ? "" : " from ", where, what, e.message()));
  failures.try_emplace(
      fmt::format("{}/{}", src.kind, src.source),
      fmt::format("{}{}{}{}", where, where.empty() ? "" : ": ", what, e.message()));
}

// Downloads each ready entry into inbound/, then archives it at the source.
void fetch_ready(Runtime& rt, const PullSource& src, Transport& t, const std::string& where,
                 const std::vector<RemoteFile>& ready, RunReport& report, Failures& failures) {
  const TransportConfig& tc = *src.tc;
  auto failed = [&](const std::string& what, const Error& e) {
    pull_failed(report, failures, src, where, what, e);
  };
  const auto inbound = rt.spool.inbound(src.kind, src.source);
  for (const auto& f : ready) {
    if (stop_requested()) break;
    auto got = t.fetch(f);
    if (!got) {
      failed(fmt::format("{}: ", f.name), got.error());
      continue;
    }
    bool kept = true;
    for (const auto& file : *got) {
      // The remote name, made safe for a local folder.
      std::string name = file.name;
      for (auto& c : name)
        if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = '_';
      // Names that intake leaves alone (hidden, or temporary) would wait forever.
      if (name.empty() || name.front() == '.') name = "pulled" + name;
      if (is_being_written(name)) name += ".pulled";
      const auto dest = unique_path(inbound, name);
      if (auto s = write_file_atomic(dest, file.content); !s) {
        failed(fmt::format("{}: ", f.name), s.error());
        kept = false;
        break;
      }
      report.lines.push_back(
          fmt::format("pulled {} from {} into {}", file.name, where, dest.string()));
    }
    if (!kept) continue;
    crashpoint("pull.before_take_done");
    if (auto s = t.take_done(f); !s) {
      failed(fmt::format("{} was downloaded but not archived at the source (it will be "
                         "downloaded again and skipped as a duplicate): ",
                         f.name),
             s.error());
      continue;
    }
    if (!tc.done_suffix.empty()) (void)t.take_done({f.name + tc.done_suffix, -1, 0});
  }
}

// One source between its first look and the download.
struct Pending {
  PullSource src;
  std::unique_ptr<Transport> t;
  std::string where;
  std::vector<RemoteFile> first, ready;
  bool second_look = false;  // the entries must hold still until a second look
};

}  // namespace

RunReport pull_remotes(Runtime& rt, std::span<const PullSource> sources) {
  RunReport report;
  Failures failures;
  auto failed = [&](const Pending& p, const std::string& what, const Error& e) {
    pull_failed(report, failures, p.src, p.where, what, e);
  };
  // First look at every source; then one pause, however many there are.
  std::vector<Pending> pending;
  int settle = 0;
  for (const auto& src : sources) {
    Pending p{src, nullptr, "", {}, {}, false};
    auto made = make_transport(*src.tc);
    if (!made) {
      pull_failed(report, failures, src, "", "", made.error());
      continue;
    }
    p.t = std::move(*made);
    p.where = p.t->describe();
    auto first = p.t->list();
    if (!first) {
      failed(p, "", first.error());
      continue;
    }
    const auto& suffix = src.tc->done_suffix;
    if (!suffix.empty()) {
      std::set<std::string> markers;
      for (const auto& f : *first)
        if (is_marker(f.name, suffix)) markers.insert(f.name);
      for (const auto& f : *first)
        if (!is_marker(f.name, suffix) && markers.contains(f.name + suffix)) p.ready.push_back(f);
    } else if (!p.t->needs_settle() || first->empty()) {
      p.ready = std::move(*first);
    } else {
      p.first = std::move(*first);
      p.second_look = true;
      settle = std::max(settle, src.tc->settle);
    }
    pending.push_back(std::move(p));
  }
  if (settle > 0 && !stop_requested()) std::this_thread::sleep_for(std::chrono::seconds(settle));
  for (auto& p : pending) {
    if (stop_requested()) break;
    heartbeat();
    if (p.second_look) {
      // An entry whose size or time moved is still being written.
      auto second = p.t->list();
      if (!second) {
        failed(p, "", second.error());
        continue;
      }
      std::map<std::string, std::pair<std::int64_t, std::int64_t>> before;
      for (const auto& f : p.first) before[f.name] = {f.size, f.mtime};
      for (const auto& f : *second) {
        auto it = before.find(f.name);
        if (it != before.end() && it->second == std::make_pair(f.size, f.mtime))
          p.ready.push_back(f);
      }
    }
    fetch_ready(rt, p.src, *p.t, p.where, p.ready, report, failures);
  }
  // A source failing alerts once, until a pull of it succeeds.
  if (!stop_requested())
    for (const auto& src : sources) {
      const std::string ref = fmt::format("{}/{}", src.kind, src.source);
      if (auto f = failures.find(ref); f != failures.end())
        raise_alert_now(rt, pull_failed_alert(src.kind, src.source, f->second, rt.now()), report);
      else
        clear_alert_now(rt, "pull_failed", ref);
    }
  return report;
}

}  // namespace orderd
