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
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace orderd {

class Spool {
 public:
  explicit Spool(std::filesystem::path root) : root_(std::move(root)) {}

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path inbound(std::string_view kind, std::string_view source) const;

  // Creates the inbound folder of a source so operators see where to drop.
  Status prepare(std::string_view kind, std::string_view source) const;

  // Files to read now: those left in claimed/ by an interrupted run first,
  // then every complete file in inbound/, each moved into claimed/. A file
  // another process claimed first is skipped.
  std::vector<std::filesystem::path> claim(std::string_view kind, std::string_view source) const;

  // Moves a claimed file to the archive; returns its new path.
  Result<std::filesystem::path> archive(const std::filesystem::path& claimed, std::string_view kind,
                                        std::string_view source, std::int64_t file_id,
                                        std::int64_t now) const;

  // Moves a claimed file to quarantine and writes `<name>.error` beside it.
  Result<std::filesystem::path> quarantine(const std::filesystem::path& claimed,
                                           std::string_view kind, std::string_view source,
                                           std::string_view reason) const;

  // Keeps a copy of a delivered document.
  Status keep_delivered(std::string_view party, std::string_view name,
                        std::string_view content) const;

 private:
  std::filesystem::path root_;
};

}  // namespace orderd
