// The local-folder transport: writes a hidden temporary file, fsyncs it and
// renames it into place without replacing anything.
#include <fmt/format.h>

#include "transport/transport.h"
#include "util/fs.h"
#include "util/hash.h"

namespace orderd {
namespace {

class DirTransport final : public Transport {
 public:
  explicit DirTransport(std::filesystem::path dir) : dir_(std::move(dir)) {}

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

 private:
  std::filesystem::path dir_;
};

}  // namespace

Result<std::unique_ptr<Transport>> make_dir_transport(const TransportConfig& cfg) {
  return std::make_unique<DirTransport>(cfg.path);
}

}  // namespace orderd
