#include "util/fs.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

namespace orderd {
namespace {

Error io_error(std::string_view what, const fs::path& path, int err) {
  ErrorKind kind = (err == ENOSPC || err == EDQUOT || err == EINTR || err == EAGAIN)
                       ? ErrorKind::kTransient
                       : ErrorKind::kIo;
  return Error(kind, fmt::format("{} {}: {}", what, path.string(), std::strerror(err)));
}

Status fsync_dir(const fs::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(io_error("cannot open folder", dir, errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return std::unexpected(io_error("cannot fsync folder", dir, err));
  return {};
}

}  // namespace

Status sync_folder(const fs::path& dir) {
  return fsync_dir(dir);
}

Result<std::string> read_file(const fs::path& path, std::size_t most) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(io_error("cannot open", path, errno));
  std::string out;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    if (static_cast<std::uint64_t>(st.st_size) > most) {
      ::close(fd);
      return fail(ErrorKind::kInvalid,
                  fmt::format("the file is {} bytes, more than the {} MiB orderd reads at once; "
                              "split it into smaller files",
                              st.st_size, most >> 20));
    }
    out.reserve(static_cast<std::size_t>(st.st_size));
  }
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return std::unexpected(io_error("cannot read", path, err));
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

Status write_file_atomic(const fs::path& path, std::string_view data, Durable durable) {
  // A temporary name of this writer's own: two processes writing the same
  // file never rename each other's half-written copy.
  static std::atomic<unsigned> seq{0};
  fs::path tmp = path.parent_path() /
                 fmt::format(".{}.{}-{}.tmp", path.filename().string(), ::getpid(), seq++);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return std::unexpected(io_error("cannot create", tmp, errno));
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return std::unexpected(io_error("cannot write", tmp, err));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (durable == Durable::kNow && ::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return std::unexpected(io_error("cannot fsync", tmp, err));
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return std::unexpected(io_error("cannot rename into place", path, err));
  }
  if (durable == Durable::kLater) return {};
  return fsync_dir(path.parent_path());
}

Status sync_filesystem(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return std::unexpected(io_error("cannot open", dir, errno));
  const int rc = ::syncfs(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return std::unexpected(io_error("cannot sync the file system of", dir, err));
  return {};
}

Result<Moved> move_file(const fs::path& from, const fs::path& to, bool no_replace) {
  unsigned flags = no_replace ? RENAME_NOREPLACE : 0;
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), flags) != 0) {
    int err = errno;
    if (err == EEXIST)
      return fail(ErrorKind::kConflict, fmt::format("{} already exists", to.string()));
    return std::unexpected(io_error(fmt::format("cannot move {} to", from.string()), to, err));
  }
  Moved moved;
  auto s = fsync_dir(to.parent_path());
  if (s && from.parent_path() != to.parent_path()) s = fsync_dir(from.parent_path());
  if (!s)
    moved.warning = fmt::format("{} was moved to {}, but {}: the move may not survive a power cut",
                                from.string(), to.string(), s.error().message());
  return moved;
}

Status ensure_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return fail(ErrorKind::kIo,
                fmt::format("cannot create folder {}: {}", dir.string(), ec.message()));
  return {};
}

bool is_being_written(std::string_view name) {
  return name.starts_with('.') || name.ends_with(".tmp") || name.ends_with(".part");
}

Result<std::vector<fs::path>> list_ready_files(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  auto it = fs::directory_iterator(dir, ec);
  if (ec == std::errc::no_such_file_or_directory) return out;
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (is_being_written(it->path().filename().string())) continue;
    std::error_code ec2;
    if (!it->is_regular_file(ec2)) continue;
    out.push_back(it->path());
  }
  if (ec)
    return fail(ErrorKind::kIo,
                fmt::format("cannot read folder {}: {}", dir.string(), ec.message()));
  std::sort(out.begin(), out.end());
  return out;
}

fs::path unique_path(const fs::path& dir, const std::string& name) {
  fs::path p = dir / name;
  std::error_code ec;
  for (int i = 1; fs::exists(p, ec); ++i) p = dir / fmt::format("{}.{}", name, i);
  return p;
}

}  // namespace orderd
