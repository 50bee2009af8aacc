// FTP and FTPS (explicit TLS: AUTH TLS on the ftp port, then PROT P for the
// data) through libcurl, passive mode. One easy handle per transport object,
// so a run's files share one control connection.
//
// deliver() checks NAME first (a repeat of the same content counts as
// delivered, different content is a kConflict), then uploads .NAME.part and
// renames it with RNFR/RNTO in the same request's POSTQUOTE: libcurl only
// sends those after the upload completed, so a cut connection leaves at most
// the .part, never a partial NAME. Paths are given whole to every command
// (CURLFTPMETHOD_NOCWD): nothing depends on the server's current folder.
#include <fmt/format.h>

#include <ctime>
#include <optional>

#include "transport/curl_util.h"
#include "transport/transport.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/text.h"

namespace orderd {
namespace {

bool hidden_or_partial(std::string_view name) {
  return name.empty() || is_being_written(name);
}

// "20240501123000" or "20240501123000.123" (UTC) as seconds since the epoch.
std::int64_t parse_ftp_time(std::string_view s) {
  if (s.size() < 14) return 0;
  std::tm tm{};
  auto num = [&](std::size_t at, std::size_t len) {
    int v = 0;
    for (std::size_t i = at; i < at + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(8, 2);
  tm.tm_min = num(10, 2);
  tm.tm_sec = num(12, 2);
  if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 0 || tm.tm_hour < 0 || tm.tm_min < 0 ||
      tm.tm_sec < 0)
    return 0;
  return static_cast<std::int64_t>(::timegm(&tm));
}

// One MLSD line, "type=file;size=12;modify=20240501123000; name", as a
// regular file's entry (nothing for folders and links).
std::optional<RemoteFile> parse_mlsd_line(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  const auto space = line.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  RemoteFile f;
  f.name = std::string(line.substr(space + 1));
  bool file = false;
  std::string_view facts = line.substr(0, space);
  while (!facts.empty()) {
    const auto semi = facts.find(';');
    const auto fact = facts.substr(0, semi);
    facts = semi == std::string_view::npos ? std::string_view() : facts.substr(semi + 1);
    const auto eq = fact.find('=');
    if (eq == std::string_view::npos) continue;
    const auto key = to_lower(fact.substr(0, eq));
    const auto value = fact.substr(eq + 1);
    if (key == "type") file = iequals(value, "file");
    if (key == "size") f.size = parse_quantity(value).value_or(-1);
    if (key == "modify") f.mtime = parse_ftp_time(value);
  }
  if (!file) return std::nullopt;
  return f;
}

struct FtpOptions {
  std::string host;
  int port = 0;  // 21
  std::string user;
  std::string path;  // the remote folder; empty: the login folder
  std::filesystem::path password_file;
  std::string password_env;
  bool verify_tls = true;
  std::filesystem::path ca_file;
};

using enum OptionType;

// ftps takes every row; ftp the rows before the TLS ones.
constexpr Option<FtpOptions> kOptions[] = {
    host_option(&FtpOptions::host),
    port_option(&FtpOptions::port, "21"),
    user_option(&FtpOptions::user),
    remote_path_option(&FtpOptions::path),
    password_file_option(&FtpOptions::password_file),
    password_option(&FtpOptions::password_env),
    verify_tls_option(&FtpOptions::verify_tls),
    ca_file_option(&FtpOptions::ca_file),
};
constexpr auto kKeys = specs_of(kOptions);
constexpr std::size_t kPlainKeys = 6;

class FtpTransport final : public Transport {
 public:
  FtpTransport(const TransportConfig& cfg, FtpOptions o, std::string password)
      : cfg_(cfg), o_(std::move(o)), password_(std::move(password)) {
    const int port = o_.port ? o_.port : 21;
    const auto host = o_.host.find(':') != std::string::npos ? "[" + o_.host + "]" : o_.host;
    base_url_ = fmt::format("ftp://{}:{}/", host, port);
    place_.where = fmt::format("{} {}:{}", cfg.type, o_.host, port);
    place_.user = o_.user;
    place_.timeout = cfg.timeout;
    link_ = {cfg.timeout, o_.verify_tls, o_.ca_file};
  }

  std::string describe() const override {
    return fmt::format("{} {}@{}:{} {}", cfg_.type, o_.user, o_.host, o_.port ? o_.port : 21,
                       folder());
  }

  Result<Delivered> deliver(std::string_view name, std::string_view content) override {
    if (name.empty() || name.find_first_of("/\r\n") != std::string_view::npos)
      return fail(ErrorKind::kInvalid, fmt::format("{}: bad file name '{}'", describe(), name));
    const std::string final_path = path_of(name);
    const std::string part_path = path_of("." + std::string(name) + ".part");
    // A file already there: the same content is a delivery (a retry after a
    // lost answer), anything else is never overwritten.
    auto present = check(name, sha256_hex(content));
    if (!present) return std::unexpected(present.error());
    if (*present == Presence::kSame) return {};
    if (*present == Presence::kDifferent)
      return fail(ErrorKind::kConflict,
                  fmt::format("{}: remote folder {} already holds a different file named {}; "
                              "not overwritten (ask the receiver to move it away, then retry)",
                              place_.where, folder(), name));

    prepare();
    curl::Slist rename;
    rename.add("RNFR " + part_path);
    rename.add("RNTO " + final_path);
    easy_.set(CURLOPT_URL, url_of(part_path).c_str());
    easy_.set(CURLOPT_UPLOAD, 1L);
    easy_.set(CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(content.size()));
    easy_.set(CURLOPT_POSTQUOTE, rename.get());
    easy_.upload_from(content);
    if (const CURLcode rc = easy_.perform(); rc != CURLE_OK) {
      if (rc == CURLE_QUOTE_ERROR)
        return std::unexpected(curl::failure(
            easy_, rc, place_,
            fmt::format("cannot rename {} to {} in remote folder {}", part_path, name, folder())));
      return std::unexpected(
          curl::failure(easy_, rc, place_,
                        fmt::format("cannot write {} in remote folder {}", part_path, folder())));
    }
    auto size = size_of(final_path, fmt::format("cannot check {} after writing it", final_path));
    if (!size) return std::unexpected(size.error());
    if (*size && **size != static_cast<std::int64_t>(content.size()))
      return fail(ErrorKind::kTransient,
                  fmt::format("{}: {} has {} bytes at the server after writing {}", place_.where,
                              final_path, **size, content.size()));
    return {};
  }

  Result<Presence> check(std::string_view name, std::string_view sha256) override {
    const std::string path = path_of(name);
    auto size = size_of(path, fmt::format("cannot look for {}", path));
    if (!size) return std::unexpected(size.error());
    if (!*size) return Presence::kAbsent;
    auto data = download(path, fmt::format("cannot read {} to compare it", path));
    if (!data) return std::unexpected(data.error());
    return sha256_hex(*data) == sha256 ? Presence::kSame : Presence::kDifferent;
  }

  Result<std::vector<RemoteFile>> list() override {
    const auto doing = fmt::format("cannot list remote folder {}", folder());
    if (mlsd_) {
      prepare();
      easy_.set(CURLOPT_URL, dir_url().c_str());
      easy_.set(CURLOPT_CUSTOMREQUEST, "MLSD");
      const CURLcode rc = easy_.perform();
      if (rc == CURLE_OK) {
        std::vector<RemoteFile> out;
        for (const auto& line : split_lines(easy_.body()))
          if (auto f = parse_mlsd_line(line); f && !hidden_or_partial(f->name))
            out.push_back(std::move(*f));
        return out;
      }
      // 500-504: the server does not know MLSD; anything else is a real failure.
      const long code = easy_.response_code();
      if (code < 500 || code > 504) return std::unexpected(curl::failure(easy_, rc, place_, doing));
      mlsd_ = false;
    }
    // Without MLSD: the names (NLST), then each one's size and time (SIZE,
    // MDTM). A folder has neither and is skipped.
    prepare();
    easy_.set(CURLOPT_URL, dir_url().c_str());
    easy_.set(CURLOPT_DIRLISTONLY, 1L);
    if (const CURLcode rc = easy_.perform(); rc != CURLE_OK)
      return std::unexpected(curl::failure(easy_, rc, place_, doing));
    std::vector<RemoteFile> out;
    for (auto name : split_lines(easy_.body())) {
      if (const auto slash = name.rfind('/'); slash != std::string_view::npos)
        name = name.substr(slash + 1);  // some servers answer NLST with paths
      if (hidden_or_partial(name)) continue;
      RemoteFile f{std::string(name), -1, 0};
      auto size = size_of(path_of(name), doing, &f.mtime);
      if (!size) return std::unexpected(size.error());
      if (!*size) continue;
      f.size = **size;
      out.push_back(std::move(f));
    }
    return out;
  }

  Result<std::vector<Fetched>> fetch(const RemoteFile& f) override {
    const auto path = path_of(f.name);
    auto data = download(path, fmt::format("cannot read {}", path));
    if (!data) return std::unexpected(data.error());
    std::vector<Fetched> out;
    out.push_back({f.name, std::move(*data)});
    return out;
  }

  Status take_done(const RemoteFile& f) override {
    const auto path = path_of(f.name);
    std::vector<std::string> commands;
    std::string doing;
    if (cfg_.archive_path.empty()) {
      commands = {"DELE " + path};
      doing = fmt::format("cannot delete {}", path);
    } else {
      // Never overwrite an earlier file of the same name in the archive.
      std::string to = cfg_.archive_path + "/" + f.name;
      auto there = size_of(to, fmt::format("cannot look for {}", to));
      if (!there) return std::unexpected(there.error());
      if (*there) to += fmt::format(".{}", std::time(nullptr));
      commands = {"RNFR " + path, "RNTO " + to};
      doing = fmt::format("cannot move {} to archive folder {}", path, cfg_.archive_path);
    }
    prepare();
    curl::Slist quote;
    for (const auto& c : commands) quote.add(c);
    easy_.set(CURLOPT_URL, base_url_.c_str());
    easy_.set(CURLOPT_NOBODY, 1L);
    easy_.set(CURLOPT_QUOTE, quote.get());
    const CURLcode rc = easy_.perform();
    if (rc == CURLE_OK) return {};
    const Error err = curl::failure(easy_, rc, place_, doing);
    // Already gone (taken by an earlier run that stopped before recording
    // it): done.
    auto still = size_of(path, fmt::format("cannot look for {}", path));
    if (still && !*still) return {};
    return std::unexpected(err);
  }

 private:
  static std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> out;
    while (!text.empty()) {
      const auto nl = text.find('\n');
      auto line = text.substr(0, nl);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!line.empty()) out.push_back(line);
      text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    }
    return out;
  }

  std::string folder() const { return o_.path.empty() ? "(login folder)" : o_.path; }

  // NAME's path as the server sees it: relative to the login folder unless
  // the path is absolute.
  std::string path_of(std::string_view name) const {
    if (o_.path.empty()) return std::string(name);
    std::string dir = o_.path;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    return dir == "/" ? "/" + std::string(name) : dir + "/" + std::string(name);
  }

  // The URL for a server path: each segment escaped, and a leading "/" as
  // %2F, which libcurl sends as an absolute path.
  std::string url_of(std::string_view path) const {
    std::string url = base_url_;
    if (path.starts_with('/')) {
      url += "%2F";
      path.remove_prefix(1);
    }
    bool first = true;
    while (true) {
      const auto slash = path.find('/');
      const auto seg = path.substr(0, slash);
      char* escaped = curl_easy_escape(easy_.get(), seg.data(), static_cast<int>(seg.size()));
      url += (first ? "" : "/") + std::string(escaped ? escaped : "");
      curl_free(escaped);
      first = false;
      if (slash == std::string_view::npos) break;
      path.remove_prefix(slash + 1);
    }
    return url;
  }

  // The URL of the folder holding `path` ("…/folder/"; the login folder's
  // for a bare name).
  std::string folder_url_of(const std::string& path) const {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return base_url_;
    std::string u = url_of(path.substr(0, slash + 1) + "x");
    u.pop_back();
    return u;
  }
  std::string dir_url() const { return folder_url_of(path_of("x")); }

  void prepare() {
    easy_.prepare(link_, "ftp", o_.user, password_);
    easy_.set(CURLOPT_FTP_FILEMETHOD, static_cast<long>(CURLFTPMETHOD_NOCWD));
    easy_.set(CURLOPT_USE_SSL,
              static_cast<long>(cfg_.type == "ftps" ? CURLUSESSL_ALL : CURLUSESSL_NONE));
  }

  // The size of the file at `path`, or nothing when there is none (or it is
  // a folder). With `mtime`, its modification time too.
  Result<std::optional<std::int64_t>> size_of(const std::string& path, const std::string& doing,
                                              std::int64_t* mtime = nullptr) {
    prepare();
    easy_.set(CURLOPT_URL, url_of(path).c_str());
    easy_.set(CURLOPT_NOBODY, 1L);
    easy_.set(CURLOPT_FILETIME, 1L);  // MDTM: libcurl reports a 550 as "no such file"
    const CURLcode rc = easy_.perform();
    if (rc == CURLE_REMOTE_FILE_NOT_FOUND) return std::nullopt;
    if (rc != CURLE_OK) return std::unexpected(curl::failure(easy_, rc, place_, doing));
    curl_off_t size = -1, time = -1;
    curl_easy_getinfo(easy_.get(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &size);
    curl_easy_getinfo(easy_.get(), CURLINFO_FILETIME_T, &time);
    if (mtime && time > 0) *mtime = time;
    if (size >= 0) return std::optional<std::int64_t>(size);
    // No SIZE answer: a folder, a missing file on a server without MDTM, or
    // a server without SIZE. The folder's listing decides.
    return in_listing(path, doing);
  }

  Result<std::optional<std::int64_t>> in_listing(const std::string& path,
                                                 const std::string& doing) {
    const auto slash = path.rfind('/');
    const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    prepare();
    easy_.set(CURLOPT_URL, folder_url_of(path).c_str());
    easy_.set(CURLOPT_DIRLISTONLY, 1L);
    const CURLcode rc = easy_.perform();
    if (rc != CURLE_OK) return std::unexpected(curl::failure(easy_, rc, place_, doing));
    for (auto line : split_lines(easy_.body())) {
      if (const auto s = line.rfind('/'); s != std::string_view::npos) line = line.substr(s + 1);
      if (line == name) return std::optional<std::int64_t>(-1);  // there, size unknown
    }
    return std::nullopt;
  }

  Result<std::string> download(const std::string& path, const std::string& doing) {
    prepare();
    easy_.set(CURLOPT_URL, url_of(path).c_str());
    const CURLcode rc = easy_.perform();
    if (rc != CURLE_OK) return std::unexpected(curl::failure(easy_, rc, place_, doing));
    return easy_.take_body();
  }

  TransportConfig cfg_;
  FtpOptions o_;
  curl::Link link_;
  std::string password_;
  std::string base_url_;
  curl::Place place_;
  curl::Easy easy_;
  bool mlsd_ = true;  // until the server says it does not know MLSD
};

Result<std::unique_ptr<Transport>> make(const TransportConfig& cfg) {
  auto o = bind(cfg, kOptions);
  if (o.host.empty() || o.user.empty())
    return fail(ErrorKind::kConfig,
                cfg.where.text + ": an ftp or ftps transport needs a host and a user");
  auto password = read_secret(o.password_file, o.password_env, "FTP password");
  if (!password) return std::unexpected(password.error().with_context(cfg.where.text));
  std::unique_ptr<Transport> t =
      std::make_unique<FtpTransport>(cfg, std::move(o), std::move(*password));
  return t;
}

}  // namespace

const TransportKind kFtpTransport = {"ftp", "FTP in clear text, passive mode",
                                     true,  std::span(kKeys.data(), kPlainKeys),
                                     make,  nullptr};
const TransportKind kFtpsTransport = {
    "ftps", "FTP with explicit TLS (AUTH TLS, then PROT P)", true, kKeys, make, nullptr};

}  // namespace orderd
