#include "jobs/intake.h"

#include <fmt/format.h>

#include "util/crashpoint.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/lifecycle.h"

namespace orderd {

void take_inbound(Runtime& rt, std::string_view kind, std::string_view source,
                  const ApplyFile& apply, RunReport& report, const OnRejected& rejected) {
  for (const auto& path : rt.spool.claim(kind, source)) {
    heartbeat();
    if (stop_requested()) break;  // claimed files are read first at the next start
    const std::string name = path.filename().string();
    ++report.files;
    auto data = read_file(path);
    if (!data) {
      report.lines.push_back(fmt::format("{}: {}; left in {} for the next run", name,
                                         data.error().message(), path.parent_path().string()));
      ++report.failed;
      continue;
    }
    InboundFile f{0,  std::string(kind), std::string(source), name, sha256_hex(*data), "", "", "",
                  "", rt.now()};
    auto record_and_archive = [&](std::string state, std::string summary) -> std::int64_t {
      Txn txn(*rt.store);
      if (!txn.begin()) return 0;
      f.state = std::move(state);
      f.summary = std::move(summary);
      auto id = rt.store->add_inbound_file(f);
      if (f.state == "quarantined" && rejected) rejected(name, *data, report);
      if (!txn.commit()) return 0;
      return id;
    };
    if (auto dup = rt.store->find_accepted_file(kind, source, f.sha256)) {
      auto id = record_and_archive("duplicate",
                                   fmt::format("same content as file #{}; nothing applied", *dup));
      if (auto a = rt.spool.archive(path, kind, source, id, rt.now()); a) {
        report.lines.push_back(
            fmt::format("{}: already imported as file #{}; archived without effect", name, *dup));
      }
      continue;
    }
    Txn txn(*rt.store);
    if (auto s = txn.begin(); !s) {
      report.lines.push_back(fmt::format("{}: {}", name, s.error().message()));
      ++report.failed;
      return;
    }
    f.state = "accepted";
    const std::int64_t file_id = rt.store->add_inbound_file(f);
    RunReport local;
    Result<std::string> applied = fail(ErrorKind::kIo, "not applied");
    try {
      applied = apply(name, *data, file_id, local);
    } catch (const StoreError& e) {
      applied = fail(ErrorKind::kIo, e.what());
    }
    if (!applied) {
      rt.store->rollback();
      const std::string reason = fmt::format("{}: {}", name, applied.error().message());
      f.error = reason;
      f.state = "quarantined";
      record_and_archive("quarantined", "");
      auto q = rt.spool.quarantine(path, kind, source, reason);
      report.lines.push_back(fmt::format("{} -> quarantined{}", reason,
                                         q ? fmt::format(" ({})", q->string()) : std::string()));
      ++report.failed;
      continue;
    }
    crashpoint("intake.before_commit");
    if (auto s = txn.commit(); !s) {
      report.lines.push_back(
          fmt::format("{}: {}; left for the next run", name, s.error().message()));
      ++report.failed;
      continue;
    }
    crashpoint("intake.after_commit");
    report.add(std::move(local));
    report.lines.push_back(fmt::format("{}: {}", name, *applied));
    if (auto a = rt.spool.archive(path, kind, source, file_id, rt.now()); a) {
      Txn t2(*rt.store);
      if (t2.begin()) {
        rt.store->set_inbound_archive(file_id, a->string());
        (void)t2.commit();
      }
    } else {
      report.lines.push_back(fmt::format("{}: {}", name, a.error().message()));
    }
  }
}

}  // namespace orderd
