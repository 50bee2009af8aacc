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

}  // namespace

RunReport pull_remote(Runtime& rt, std::string_view kind, std::string_view source,
                      const TransportConfig& tc) {
  RunReport report;
  auto made = make_transport(tc);
  if (!made) {
    report.lines.push_back(fmt::format("pull {}/{}: {}", kind, source, made.error().message()));
    ++report.failed;
    return report;
  }
  Transport& t = **made;
  const std::string where = t.describe();
  auto failed = [&](const std::string& what, const Error& e) {
    report.lines.push_back(
        fmt::format("pull {}/{} from {}: {}{}", kind, source, where, what, e.message()));
    ++report.failed;
  };
  auto first = t.list();
  if (!first) {
    failed("", first.error());
    return report;
  }
  std::vector<RemoteFile> ready;
  std::set<std::string> markers;
  for (const auto& f : *first)
    if (is_marker(f.name, tc.done_suffix)) markers.insert(f.name);
  if (!tc.done_suffix.empty()) {
    for (const auto& f : *first)
      if (!is_marker(f.name, tc.done_suffix) && markers.contains(f.name + tc.done_suffix))
        ready.push_back(f);
  } else if (!t.needs_settle() || first->empty()) {
    ready = *first;
  } else {
    // Two looks: an entry whose size or time moved is still being written.
    if (tc.settle > 0 && !stop_requested())
      std::this_thread::sleep_for(std::chrono::seconds(tc.settle));
    auto second = t.list();
    if (!second) {
      failed("", second.error());
      return report;
    }
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> before;
    for (const auto& f : *first) before[f.name] = {f.size, f.mtime};
    for (const auto& f : *second) {
      auto it = before.find(f.name);
      if (it != before.end() && it->second == std::make_pair(f.size, f.mtime)) ready.push_back(f);
    }
  }
  const auto inbound = rt.spool.inbound(kind, source);
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
      if (name.empty() || name.front() == '.') name = "pulled" + name;
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
  return report;
}

}  // namespace orderd
