// Small file-system helpers with the durability orderd relies on: a file that
// is written is fsynced before it is renamed into place, and the folder is
// fsynced after, so a crash leaves either the old state or the new one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace orderd {

namespace fs = std::filesystem;

// Reads a whole file. Errors name the path. A file of more than `most`
// bytes is not read: kInvalid, saying how big it is.
Result<std::string> read_file(const fs::path& path, std::size_t most = SIZE_MAX);

// Writes `data` to `path` through a temporary file in the same folder
// (".<name>.<pid>-<n>.tmp", created exclusively), fsyncs it, renames it over
// `path` and fsyncs the folder. With kLater, neither the file nor the
// folder is fsynced: the caller makes a group of such files durable at once
// with sync_filesystem() before it relies on them.
enum class Durable { kNow, kLater };
Status write_file_atomic(const fs::path& path, std::string_view data,
                         Durable durable = Durable::kNow);

// syncfs(2) of the file system holding `dir`: every file written there
// (data, names) is on disk when it returns. One journal commit for a group
// of files instead of one fsync each.
Status sync_filesystem(const fs::path& dir);

// A rename that happened. `warning` is empty when it will survive a power
// cut; otherwise it says why it may not (a folder's fsync failed), and the
// caller reports it: the file is at its new name either way.
struct Moved {
  std::string warning;
};

// rename(2) with folder fsync. Fails (kConflict) if `to` exists and
// `no_replace` is set; uses renameat2(RENAME_NOREPLACE) so the check is atomic.
// An error means the file did not move.
Result<Moved> move_file(const fs::path& from, const fs::path& to, bool no_replace = false);

// fsync(2) of a folder: the names created or removed in it survive a power cut.
Status sync_folder(const fs::path& dir);

// Creates the folder and its parents; errors name the path.
Status ensure_dir(const fs::path& dir);

// Whether a file of this name may still be being written: it starts with
// '.' or ends in ".tmp" or ".part" (docs/spool.md). Such files are left alone.
bool is_being_written(std::string_view name);

// Regular files directly in `dir`, sorted by name, skipping those still
// being written. A missing folder yields an empty list; a folder that cannot
// be read is an error naming it.
Result<std::vector<fs::path>> list_ready_files(const fs::path& dir);

// A name in `dir` that does not exist yet: `name`, else `name.1`, `name.2`...
fs::path unique_path(const fs::path& dir, const std::string& name);

}  // namespace orderd
