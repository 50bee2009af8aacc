#include "spool/spool.h"

#include <fmt/format.h>

#include <algorithm>

#include "util/fs.h"
#include "util/text.h"

namespace orderd {

std::filesystem::path Spool::inbound(std::string_view kind, std::string_view source) const {
  return root_ / "inbound" / kind / source;
}

Status Spool::prepare(std::string_view kind, std::string_view source) const {
  return ensure_dir(inbound(kind, source));
}

namespace {

std::filesystem::path reading_mark(const std::filesystem::path& claimed) {
  return claimed.parent_path() / fmt::format(".{}.reading", claimed.filename().string());
}

// Counts of unfinished reads whose file is gone (killed between archiving
// it and forgetting its count), and the temporary files of counts being
// written when orderd was killed. Only a run under the run lock writes
// here, and none is writing now.
void forget_stale_reads(const std::filesystem::path& claimed_dir) {
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(claimed_dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const std::string n = it->path().filename().string();
    const bool mark = n.size() > 9 && n[0] == '.' && n[1] != '.' && n.ends_with(".reading");
    const bool torn = n.starts_with("..") && n.ends_with(".tmp") && n.find(".reading.") != n.npos;
    std::error_code e2;
    if (torn ||
        (mark && !std::filesystem::exists(claimed_dir / n.substr(1, n.size() - 9), e2) && !e2))
      std::filesystem::remove(it->path(), e2);
  }
}

}  // namespace

Spool::Reads Spool::begin_read(const std::filesystem::path& claimed) const {
  const auto mark = reading_mark(claimed);
  const std::string name = claimed.filename().string();
  Reads out;
  std::error_code ec;
  if (std::filesystem::exists(mark, ec)) {
    if (auto text = read_file(mark, 64); !text) {
      out.warning = fmt::format("{}: {}; its unfinished reads are counted afresh", name,
                                text.error().message());
    } else {
      try {
        out.count = std::clamp(std::stoi(*text), 0, 1000) + 1;
      } catch (const std::exception&) {
        // Not a number (written by hand?): counted afresh.
      }
    }
  }
  // Not fsynced: it only has to outlive the process, not a power cut.
  if (auto s = write_file_atomic(mark, std::to_string(out.count), Durable::kLater); !s)
    out.warning = fmt::format(
        "{}: its count of unfinished reads cannot be kept ({}); it is read all the same, but "
        "were reading it to stop orderd every time, it would not be set aside",
        name, s.error().message());
  return out;
}

void Spool::end_read(const std::filesystem::path& claimed) const {
  std::error_code ec;
  std::filesystem::remove(reading_mark(claimed), ec);
}

Claimed Spool::claim(std::string_view kind, std::string_view source) const {
  Claimed out;
  const auto claimed_dir = root_ / "claimed" / kind / source;
  auto left = list_ready_files(claimed_dir);
  if (!left)
    out.problems.push_back(
        fmt::format("{}; files left there by an interrupted run wait until it "
                    "can be read (check the disk)",
                    left.error().message()));
  else
    out.files = std::move(*left);
  forget_stale_reads(claimed_dir);
  auto ready = list_ready_files(inbound(kind, source));
  if (!ready) {
    out.problems.push_back(fmt::format(
        "{}; its files wait until it can be read (check the disk and the folder's permissions)",
        ready.error().message()));
    return out;
  }
  if (ready->empty()) return out;
  if (auto s = ensure_dir(claimed_dir); !s) {
    out.problems.push_back(fmt::format("{}; the files in {} wait for the next run",
                                       s.error().message(), inbound(kind, source).string()));
    return out;
  }
  for (const auto& p : *ready) {
    const auto to = claimed_dir / p.filename();
    // A count left by an earlier file of that name (killed between its
    // archiving and forgetting its count) is not this file's.
    if (std::error_code ec; !std::filesystem::exists(to, ec) && !ec) end_read(to);
    // no_replace: a same-named file still in claimed/ is read first; this one waits.
    auto moved = move_file(p, to, /*no_replace=*/true);
    if (moved) {
      out.files.push_back(to);
      if (!moved->warning.empty()) out.problems.push_back(moved->warning);
    } else if (moved.error().kind() != ErrorKind::kConflict) {
      out.problems.push_back(
          fmt::format("{} cannot be claimed: {}; it stays in {} for the next run",
                      p.filename().string(), moved.error().message(), p.parent_path().string()));
    }
  }
  return out;
}

Result<Placed> Spool::archive(const std::filesystem::path& claimed, std::string_view kind,
                              std::string_view source, std::int64_t file_id,
                              std::int64_t now) const {
  const auto dir = root_ / "archive" / kind / source / iso_time(now).substr(0, 10);
  if (auto s = ensure_dir(dir); !s) return std::unexpected(s.error());
  const auto to = unique_path(dir, fmt::format("{}-{}", file_id, claimed.filename().string()));
  auto moved = move_file(claimed, to);
  if (!moved) return std::unexpected(moved.error());
  return Placed{to, moved->warning};
}

Result<Placed> Spool::quarantine(const std::filesystem::path& claimed, std::string_view kind,
                                 std::string_view source, std::string_view reason) const {
  const auto dir = root_ / "quarantine" / kind / source;
  if (auto s = ensure_dir(dir); !s) return std::unexpected(s.error());
  const auto to = unique_path(dir, claimed.filename().string());
  // The reason first: a crash between the two leaves the file in claimed/,
  // to be read again, never a quarantined file without its reason.
  auto note =
      fmt::format("{}\n\nThe file was moved here from {}. Fix it and drop it into {} again.\n",
                  reason, inbound(kind, source).string(), inbound(kind, source).string());
  if (auto s = write_file_atomic(to.string() + ".error", note); !s)
    return std::unexpected(s.error());
  auto moved = move_file(claimed, to);
  if (!moved) return std::unexpected(moved.error());
  return Placed{to, moved->warning};
}

Result<std::optional<Placed>> Spool::retire_quarantined(std::string_view kind,
                                                        std::string_view source,
                                                        std::string_view name, std::int64_t file_id,
                                                        std::int64_t now) const {
  const auto q = root_ / "quarantine" / kind / source / std::string(name);
  std::error_code ec;
  if (!std::filesystem::exists(q, ec)) return std::optional<Placed>();
  const auto dir = root_ / "archive" / kind / source / iso_time(now).substr(0, 10);
  if (auto s = ensure_dir(dir); !s) return std::unexpected(s.error());
  const auto to = unique_path(dir, fmt::format("{}-{}.quarantined", file_id, name));
  auto moved = move_file(q, to);
  if (!moved) return std::unexpected(moved.error());
  std::string warning = moved->warning;
  const auto note = q.string() + ".error";
  if (std::filesystem::exists(note, ec)) {
    auto n = move_file(note, to.string() + ".error");
    if (!n) return std::unexpected(n.error());
    if (!n->warning.empty()) warning = n->warning;
  }
  return std::optional<Placed>(Placed{to, warning});
}

Status Spool::keep_delivered(std::string_view party, std::string_view name,
                             std::string_view content, Durable durable) const {
  const auto dir = root_ / "archive" / "outbound" / party;
  if (auto s = ensure_dir(dir); !s) return s;
  return write_file_atomic(dir / std::string(name), content, durable);
}

Status Spool::sync_delivered() const {
  return sync_filesystem(root_ / "archive" / "outbound");
}

std::filesystem::path Spool::mark_path() const {
  return root_ / "state.mark";
}

Result<std::optional<std::string>> Spool::read_mark() const {
  std::error_code ec;
  if (!std::filesystem::exists(mark_path(), ec) && !ec) return std::optional<std::string>();
  auto text = read_file(mark_path());
  if (!text) return std::unexpected(text.error());
  return std::optional<std::string>(std::move(*text));
}

Status Spool::write_mark(std::string_view text) const {
  if (auto s = ensure_dir(root_); !s) return s;
  return write_file_atomic(mark_path(), text);
}

bool Spool::has_history() const {
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root_ / "archive", ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) return true;
  return false;
}

std::optional<std::string> Spool::delivered_copy(std::string_view party,
                                                 std::string_view name) const {
  auto text = read_file(root_ / "archive" / "outbound" / party / std::string(name));
  if (!text) return std::nullopt;
  return std::move(*text);
}

}  // namespace orderd
