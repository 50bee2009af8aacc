#include "spool/spool.h"

#include <fmt/format.h>

#include "util/fs.h"
#include "util/text.h"

namespace orderd {

std::filesystem::path Spool::inbound(std::string_view kind, std::string_view source) const {
  return root_ / "inbound" / kind / source;
}

Status Spool::prepare(std::string_view kind, std::string_view source) const {
  return ensure_dir(inbound(kind, source));
}

std::vector<std::filesystem::path> Spool::claim(std::string_view kind,
                                                std::string_view source) const {
  const auto claimed_dir = root_ / "claimed" / kind / source;
  std::vector<std::filesystem::path> out = list_ready_files(claimed_dir);
  auto ready = list_ready_files(inbound(kind, source));
  if (ready.empty()) return out;
  if (!ensure_dir(claimed_dir)) return out;
  for (const auto& p : ready) {
    const auto to = claimed_dir / p.filename();
    // no_replace: a same-named file still in claimed/ is read first; this one waits.
    if (move_file(p, to, /*no_replace=*/true)) out.push_back(to);
  }
  return out;
}

Result<std::filesystem::path> Spool::archive(const std::filesystem::path& claimed,
                                             std::string_view kind, std::string_view source,
                                             std::int64_t file_id, std::int64_t now) const {
  const auto dir = root_ / "archive" / kind / source / iso_time(now).substr(0, 10);
  if (auto s = ensure_dir(dir); !s) return std::unexpected(s.error());
  const auto to = unique_path(dir, fmt::format("{}-{}", file_id, claimed.filename().string()));
  if (auto s = move_file(claimed, to); !s) return std::unexpected(s.error());
  return to;
}

Result<std::filesystem::path> Spool::quarantine(const std::filesystem::path& claimed,
                                                std::string_view kind, std::string_view source,
                                                std::string_view reason) const {
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
  if (auto s = move_file(claimed, to); !s) return std::unexpected(s.error());
  return to;
}

Status Spool::keep_delivered(std::string_view party, std::string_view name,
                             std::string_view content) const {
  const auto dir = root_ / "archive" / "outbound" / party;
  if (auto s = ensure_dir(dir); !s) return s;
  return write_file_atomic(dir / std::string(name), content);
}

}  // namespace orderd
