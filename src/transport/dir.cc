// The local-folder transport: writes a hidden temporary file, fsyncs it and
// renames it into place without replacing anything; pulled from, it takes
// the files another tool leaves in a folder.
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "transport/transport.h"
#include "util/fs.h"
#include "util/hash.h"

namespace orderd {
namespace {

class DirTransport final : public Transport {
 public:
  DirTransport(std::filesystem::path dir, std::filesystem::path archive)
      : dir_(std::move(dir)), archive_(std::move(archive)) {}

  Result<Delivered> deliver(std::string_view name, std::string_view content) override {
    if (auto s = ensure_dir(dir_); !s) return fail(ErrorKind::kTransient, s.error().message());
    const auto final_path = dir_ / std::string(name);
    const auto tmp = dir_ / ("." + std::string(name) + ".part");
    if (auto s = write_file_atomic(tmp, content); !s)
      return fail(ErrorKind::kTransient, s.error().message());
    auto moved = move_file(tmp, final_path, /*no_replace=*/true);
    if (moved) return Delivered{moved->warning};  // visible to the supplier: delivered
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    if (moved.error().kind() == ErrorKind::kConflict) {
      auto present = check(name, sha256_hex(content));
      if (present && *present == Presence::kSame) return Delivered{};
      return fail(ErrorKind::kConflict,
                  fmt::format("{} already holds a different file named {}; move it away or "
                              "rename it, then retry",
                              dir_.string(), name));
    }
    return fail(ErrorKind::kTransient, moved.error().message());
  }

  Result<Presence> check(std::string_view name, std::string_view sha256) override {
    const auto p = dir_ / std::string(name);
    std::error_code ec;
    if (!std::filesystem::exists(p, ec)) return Presence::kAbsent;
    auto data = read_file(p);
    if (!data) return fail(ErrorKind::kTransient, data.error().message());
    return sha256_hex(*data) == sha256 ? Presence::kSame : Presence::kDifferent;
  }

  std::string describe() const override { return fmt::format("folder {}", dir_.string()); }

  // Pulling from a local folder another tool fills: the same settle and
  // done-marker rules as the remote pulls (jobs/pull.cc).
  Result<std::vector<RemoteFile>> list() override {
    auto files = list_ready_files(dir_);
    if (!files) return fail(ErrorKind::kTransient, files.error().message());
    std::vector<RemoteFile> out;
    for (const auto& p : *files) {
      std::error_code ec;
      const auto size = std::filesystem::file_size(p, ec);
      struct stat st {};
      const bool have = ::stat(p.c_str(), &st) == 0;
      out.push_back(
          {p.filename().string(), ec ? -1 : static_cast<std::int64_t>(size),
           have ? static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec
                : 0});
    }
    return out;
  }

  Result<std::vector<Fetched>> fetch(const RemoteFile& f) override {
    auto data = read_file(dir_ / f.name);
    if (!data) return fail(ErrorKind::kTransient, data.error().message());
    return std::vector<Fetched>{{f.name, std::move(*data)}};
  }

  Status take_done(const RemoteFile& f) override {
    const auto from = dir_ / f.name;
    std::error_code ec;
    if (!std::filesystem::exists(from, ec)) return {};  // taken before: idempotent
    if (archive_.empty()) {
      if (::unlink(from.c_str()) != 0 && errno != ENOENT)
        return fail(ErrorKind::kTransient,
                    fmt::format("cannot remove {}: {}", from.string(), std::strerror(errno)));
      return sync_folder(dir_);
    }
    if (auto s = ensure_dir(archive_); !s) return fail(ErrorKind::kTransient, s.error().message());
    auto moved = move_file(from, unique_path(archive_, f.name));
    if (!moved) return fail(ErrorKind::kTransient, moved.error().message());
    return {};
  }

 private:
  std::filesystem::path dir_;
  std::filesystem::path archive_;  // pull: where taken files go; empty: removed
};

struct DirOptions {
  std::filesystem::path path;
};

constexpr Option<DirOptions> kOptions[] = {
    {{"path", OptionType::kPath, "required", "the local folder", true, "", 0, 0},
     &DirOptions::path},
};
constexpr auto kKeys = specs_of(kOptions);

Result<std::unique_ptr<Transport>> make(const TransportConfig& cfg) {
  const auto o = bind(cfg, kOptions);
  if (o.path.empty())
    return fail(ErrorKind::kConfig, cfg.where.text + ".path: the dir transport needs a path");
  std::filesystem::path archive;
  if (!cfg.archive_path.empty()) {
    archive = cfg.archive_path;
    if (archive.is_relative()) archive = o.path / archive;  // beside the files it takes
  }
  std::unique_ptr<Transport> t = std::make_unique<DirTransport>(o.path, archive);
  return t;
}

}  // namespace

const TransportKind kDirTransport = {
    "dir",  "a local folder (for a mounted share, or another tool's folder)", true, kKeys, make,
    nullptr};

}  // namespace orderd
