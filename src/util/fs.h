// Small file-system helpers with the durability orderd relies on: a file that
// is written is fsynced before it is renamed into place, and the folder is
// fsynced after, so a crash leaves either the old state or the new one.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"

namespace orderd {

namespace fs = std::filesystem;

// Reads a whole file. Errors name the path.
Result<std::string> read_file(const fs::path& path);

// Writes `data` to `path` through a temporary file in the same folder
// (".<name>.tmp"), fsyncs it, renames it over `path` and fsyncs the folder.
Status write_file_atomic(const fs::path& path, std::string_view data);

// rename(2) with folder fsync. Fails (kConflict) if `to` exists and
// `no_replace` is set; uses renameat2(RENAME_NOREPLACE) so the check is atomic.
Status move_file(const fs::path& from, const fs::path& to, bool no_replace = false);

// Creates the folder and its parents; errors name the path.
Status ensure_dir(const fs::path& dir);

// Regular files directly in `dir`, sorted by name, skipping names that start
// with '.' or end in ".tmp"/".part" (files still being written). A missing
// folder yields an empty list.
std::vector<fs::path> list_ready_files(const fs::path& dir);

// A name in `dir` that does not exist yet: `name`, else `name.1`, `name.2`...
fs::path unique_path(const fs::path& dir, const std::string& name);

}  // namespace orderd
