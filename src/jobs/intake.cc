#include "jobs/intake.h"

#include <fmt/format.h>

#include <new>

#include "jobs/history.h"
#include "jobs/state.h"
#include "util/crashpoint.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/lifecycle.h"
#include "util/limits.h"

namespace orderd {
namespace {

// A problem with `name` that leaves work for a later run: reported and counted.
void problem(RunReport& report, std::string text) {
  report.problem(std::move(text));
}

void warn_if(RunReport& report, const std::string& warning) {
  if (!warning.empty()) problem(report, warning);
}

}  // namespace

void take_inbound(Runtime& rt, std::string_view kind, std::string_view source,
                  const ApplyFile& apply, RunReport& report, const OnRejected& rejected) {
  auto claimed = rt.spool.claim(kind, source);
  for (auto& p : claimed.problems) problem(report, fmt::format("{} {}: {}", kind, source, p));
  for (const auto& path : claimed.files) {
    heartbeat();
    if (stop_requested()) break;  // claimed files are read first at the next start
    const std::string name = path.filename().string();
    const std::string left =
        fmt::format("it stays in {} for the next run", path.parent_path().string());
    ++report.files;
    // A file whose reads never finish (orderd was killed each time) is set
    // aside, so that it cannot stop the service at every start.
    const auto reads = rt.spool.begin_read(path);
    warn_if(report, reads.warning);
    struct Finished {
      const Spool& spool;
      const std::filesystem::path& path;
      bool keep = false;  // its count outlives this read (over its count, still in claimed/)
      ~Finished() {
        if (!keep) spool.end_read(path);
      }
    } finished{rt.spool, path};
    Result<std::string> data = std::string();  // read below, once it is known to be read
    InboundFile f{0, std::string(kind), std::string(source), name, "", "", "", "", "", rt.now()};
    // Records the file as `state` in its own transaction; 0 if it could not.
    // `answer`: a quarantined file that was read is answered to its sender
    // (`rejected`, an X12 997/TA1) in the same transaction.
    auto record = [&](std::string state, std::string summary, bool answer = false) -> std::int64_t {
      Txn txn(*rt.store);
      if (auto s = txn.begin(); !s) {
        problem(report,
                fmt::format("{}: not recorded as {}: {}", name, state, s.error().message()));
        return 0;
      }
      f.state = std::move(state);
      f.summary = std::move(summary);
      auto id = rt.store->add_inbound_file(f);
      if (answer && rejected) {
        // The rejection for the partner is a courtesy: a failure to write
        // it never keeps the file from its quarantine.
        try {
          crashpoint("intake.rejected");
          rejected(name, *data, report);
        } catch (const StoreError&) {
          throw;
        } catch (const std::exception& e) {
          problem(report, fmt::format("{}: no rejection sent back for it: {}", name,
                                      internal_error(e, "the file is quarantined all the same")));
        }
      }
      if (auto s = txn.commit(); !s) {
        problem(report,
                fmt::format("{}: not recorded as {}: {}", name, f.state, s.error().message()));
        return 0;
      }
      return id;
    };
    auto archive = [&](std::int64_t id) -> std::optional<std::filesystem::path> {
      auto a = rt.spool.archive(path, kind, source, id, rt.now());
      if (!a) {
        problem(report,
                fmt::format("{}: read, but cannot be archived: {}; {} and is recognised there as "
                            "read (nothing is applied twice)",
                            name, a.error().message(), left));
        return std::nullopt;
      }
      warn_if(report, a->warning);
      return a->path;
    };
    // Moved to quarantine/ with the reason beside it, reported either way.
    auto quarantined = [&](const std::string& reason) {
      auto q = rt.spool.quarantine(path, kind, source, reason);
      if (!q) {
        problem(report, fmt::format("{}; it cannot be quarantined ({}); {}", reason,
                                    q.error().message(), left));
        return false;
      }
      problem(report, fmt::format("{} -> quarantined ({})", reason, q->path.string()));
      warn_if(report, q->warning);
      return true;
    };
    // Set aside unread: quarantined with the reason, then recorded as such
    // (sync status, the console and the `quarantined` alert read it from
    // the state). One that cannot be moved stays in claimed/, reported, and
    // is not recorded as quarantined.
    auto set_aside = [&](const std::string& reason) {
      if (!quarantined(reason)) return;
      f.error = reason;
      record("quarantined", "");
    };
    // Archived without effect if its content was taken before.
    auto duplicate = [&]() {
      const auto dup = rt.store->find_accepted_file(kind, source, f.sha256);
      if (!dup) return false;
      const auto id =
          record("duplicate", fmt::format("same content as file #{}; nothing applied", *dup));
      if (id && archive(id))
        report.lines.push_back(
            fmt::format("{}: already imported as file #{}; archived without effect", name, *dup));
      return true;
    };
    if (reads.count > limits::kUnfinishedReads) {
      // Not read into memory again: that may be what stops orderd. Its
      // count stays until the file has left claimed/ (archived or
      // quarantined), whatever fails on the way, a state database error
      // included. Hashed as a stream, so that a file whose orders were
      // committed before those stops is known as a duplicate.
      finished.keep = true;
      f.sha256 = sha256_file_hex(path.string()).value_or("");
      if (f.sha256.empty() || !duplicate())
        set_aside(fmt::format(
            "{}: orderd stopped {} times while reading it and never finished (killed: out of "
            "memory, or a defect in orderd); it is not read again. Check its size and content "
            "against the format (docs/formats.md), and report it if it looks right",
            name, limits::kUnfinishedReads));
      std::error_code ec;
      finished.keep = std::filesystem::exists(path, ec) || ec;
      continue;
    }
    data = read_file(path, limits::kFileBytes);
    if (!data && data.error().kind() == ErrorKind::kInvalid) {
      set_aside(fmt::format("{}: {}", name, data.error().message()));  // too big to read at once
      continue;
    }
    if (!data) {
      problem(report, fmt::format("{}: {}; {}", name, data.error().message(), left));
      continue;
    }
    f.sha256 = sha256_hex(*data);
    if (duplicate()) continue;
    Txn txn(*rt.store);
    if (auto s = txn.begin(); !s) {
      problem(report, fmt::format("{}: {}; {}", name, s.error().message(), left));
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
    } catch (const std::bad_alloc&) {
      applied = fail(ErrorKind::kIo, "out of memory while reading it");
    } catch (const std::exception& e) {
      // A reader that throws is a defect in orderd; the file must not take
      // the service down at every start, so it is quarantined like bad input.
      applied = fail(ErrorKind::kInvalid,
                     fmt::format("orderd failed to read it ({}); this is a defect in orderd: "
                                 "report it with this file, then fix or remove the file",
                                 e.what()));
    }
    if (!applied) {
      rt.store->rollback();
      if (applied.error().kind() == ErrorKind::kIo) {
        // The state database failed, not the file: it is read again.
        problem(report, fmt::format("{}: {}; {}", name, applied.error().message(), left));
        continue;
      }
      const std::string reason = fmt::format("{}: {}", name, applied.error().message());
      f.error = reason;
      // Recorded (and its rejection sent) before the move: killed in
      // between, the next run reads it again and records it then; moved
      // first, it would sit in quarantine/ unrecorded and unanswered.
      record("quarantined", "", /*answer=*/true);
      quarantined(reason);
      continue;
    }
    crashpoint("intake.before_commit");
    if (auto s = txn.commit(); !s) {
      problem(report, fmt::format("{}: not saved: {}; {}", name, s.error().message(), left));
      continue;
    }
    crashpoint("intake.after_commit");
    report.add(std::move(local));
    report.lines.push_back(fmt::format("{}: {}", name, *applied));
    // The mark before the archive: were the database to lose this file's
    // rows, the next start would notice instead of losing its orders.
    if (auto m = mark_state(rt); !m) {
      problem(report, fmt::format("{}: {}; {} and is recognised there as read", name,
                                  m.error().message(), left));
      continue;
    }
    if (auto a = archive(file_id)) {
      Txn t2(*rt.store);
      auto s = t2.begin();
      if (s) {
        rt.store->set_inbound_archive(file_id, a->string());
        s = t2.commit();
      }
      if (!s)
        problem(report, fmt::format("{}: archived as {}, but the state database could not note "
                                    "where: {}",
                                    name, a->string(), s.error().message()));
      // A fixed copy of a file quarantined before: the old one is done with.
      if (auto old = rt.spool.retire_quarantined(kind, source, name, file_id, rt.now()); !old)
        problem(report, fmt::format("{}: its quarantined copy could not be archived: {}", name,
                                    old.error().message()));
      else if (*old) {
        report.lines.push_back(fmt::format("{}: the copy quarantined before is archived as {}",
                                           name, (*old)->path.string()));
        warn_if(report, (*old)->warning);
      }
    }
  }
}

}  // namespace orderd
