// The spool: folders that files move through, each move a rename(2).
// Layout (docs/spool.md):
//   inbound/<kind>/<source>/   operators and remote pulls drop files here
//   claimed/<kind>/<source>/   a run has taken the file and is reading it
//   archive/<kind>/<source>/<YYYY-MM-DD>/<file-id>-<name>   read and committed
//   quarantine/<kind>/<source>/<name> + <name>.error        could not be read
//   archive/outbound/<party>/<name>                          copies of documents delivered
// <kind> is "orders" (source = channel id) or "tracking" (source = supplier id).
// Not thread-safe; the run lock keeps one run at a time per spool.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"
#include "util/fs.h"

namespace orderd {

// Where a file went: its new path, and `warning` when the move may not
// survive a power cut (a folder fsync failed); the caller reports it.
struct Placed {
  std::filesystem::path path;
  std::string warning;
};

// What claim() took, and what it could not (each naming the path and what
// to do).
struct Claimed {
  std::vector<std::filesystem::path> files;
  std::vector<std::string> problems;
};

class Spool {
 public:
  explicit Spool(std::filesystem::path root) : root_(std::move(root)) {}

  std::filesystem::path inbound(std::string_view kind, std::string_view source) const;

  // Creates the inbound folder of a source so operators see where to drop.
  Status prepare(std::string_view kind, std::string_view source) const;

  // Files to read now: those left in claimed/ by an interrupted run first,
  // then every complete file in inbound/, each moved into claimed/. A file
  // another process claimed first is skipped; one that cannot be claimed
  // (the folder cannot be read, the rename fails) stays where it is and is
  // named in `problems`.
  Claimed claim(std::string_view kind, std::string_view source) const;

  // Reads of the claimed file that started and never finished, counting the
  // one starting now (`.NAME.reading` beside it holds the count; a process
  // killed while reading leaves it). end_read() forgets the count once the
  // read has finished, whatever its outcome.
  // `warning` says why the count could not be kept (the file is read all
  // the same).
  struct Reads {
    int count = 1;
    std::string warning;
  };
  Reads begin_read(const std::filesystem::path& claimed) const;
  void end_read(const std::filesystem::path& claimed) const;

  // Moves a claimed file to the archive.
  Result<Placed> archive(const std::filesystem::path& claimed, std::string_view kind,
                         std::string_view source, std::int64_t file_id, std::int64_t now) const;

  // Moves a claimed file to quarantine and writes `<name>.error` beside it.
  Result<Placed> quarantine(const std::filesystem::path& claimed, std::string_view kind,
                            std::string_view source, std::string_view reason) const;

  // After a file named `name` was read, its earlier quarantined copy (if
  // any) and its .error note move to the archive beside it, as
  // <file-id>-<name>.quarantined: the fixed copy replaced it. Nothing when
  // there is none.
  Result<std::optional<Placed>> retire_quarantined(std::string_view kind, std::string_view source,
                                                   std::string_view name, std::int64_t file_id,
                                                   std::int64_t now) const;

  // The outbound archive: a copy of each document as it was delivered,
  // written after the destination has it and before the state database
  // records it, so an interrupted run knows it was delivered even when the
  // receiver has already taken it away. Durable::kLater copies are durable
  // once sync_delivered() returns: one syncfs for a group of documents.
  Status keep_delivered(std::string_view party, std::string_view name, std::string_view content,
                        Durable durable = Durable::kNow) const;
  Status sync_delivered() const;
  // The state mark (docs/spool.md, "The state mark"): what the state
  // database had handed out before anything left. Nothing when there is none.
  Result<std::optional<std::string>> read_mark() const;
  Status write_mark(std::string_view text) const;
  std::filesystem::path mark_path() const;
  // Whether archive/ holds any file: the spool has seen work.
  bool has_history() const;

  // The archived copy of `name` for `party`, if there is one.
  std::optional<std::string> delivered_copy(std::string_view party, std::string_view name) const;

 private:
  std::filesystem::path root_;
};

}  // namespace orderd
