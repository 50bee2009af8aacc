// The SFTP transport (libssh2). One connection (TCP, SSH session, SFTP
// channel) serves a Transport object for its whole life: it is opened on first
// use, and opened once more when a connection kept from an earlier call turns
// out to have dropped. The session is in blocking mode with the timeout as the
// limit for every call, so no call hangs longer than that.
//
// The server's host key must be in the known_hosts file (OpenSSH format); an
// unknown or changed key is refused before anything is sent. deliver() writes
// ".NAME.part" and renames it to NAME without replacing anything (SFTP v3
// RENAME, which OpenSSH implements as link+unlink); the server's replies to
// each write, the close and the rename are the proof of delivery.
#include "transport/sftp.h"

#include <fmt/format.h>
#include <libssh2.h>
#include <libssh2_sftp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <type_traits>

#include "transport/transport.h"
#include "util/fs.h"
#include "util/hash.h"
#include "util/limits.h"

namespace orderd {
namespace {

constexpr int kDefaultPort = 22;

// What the sftp code reads: the transport's own keys (its options table,
// below) and the block's place, timeout and pull archive folder.
struct SftpSettings {
  Where where;
  int timeout = 30;
  std::string archive_path;
  std::string host;
  int port = 0;  // 22
  std::string user;
  std::string path;  // the remote folder; empty: the login folder
  std::filesystem::path password_file;
  std::string password_env;
  std::filesystem::path key_file;
  std::filesystem::path key_passphrase_file;
  std::filesystem::path known_hosts;
};

using enum OptionType;

constexpr Option<SftpSettings> kOptions[] = {
    host_option(&SftpSettings::host),
    port_option(&SftpSettings::port, "22"),
    user_option(&SftpSettings::user),
    remote_path_option(&SftpSettings::path),
    {{"key_file", kFile, "none", "private key file (OpenSSH or PEM)", false, "", 0, 0},
     &SftpSettings::key_file},
    {{"key_passphrase_file", kFile, "none", "file holding the key's passphrase", false, "", 0, 0},
     &SftpSettings::key_passphrase_file},
    password_file_option(&SftpSettings::password_file),
    password_option(&SftpSettings::password_env),
    {{"known_hosts", kPath, "<state_dir>/known_hosts",
      "trusted host keys (OpenSSH format); `orderctl trust-host` adds one", false, "", 0, 0},
     &SftpSettings::known_hosts},
};
constexpr auto kKeys = specs_of(kOptions);

SftpSettings settings_of(const TransportConfig& cfg) {
  auto s = bind(cfg, kOptions);
  s.where = cfg.where;
  s.timeout = cfg.timeout;
  s.archive_path = cfg.archive_path;
  return s;
}

void init_libssh2() {
  static std::once_flag once;
  std::call_once(once, [] { libssh2_init(0); });
}

std::string base64(const unsigned char* p, std::size_t n, bool pad) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < n; i += 3) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) |
                            (i + 1 < n ? std::uint32_t{p[i + 1]} << 8 : 0u) |
                            (i + 2 < n ? std::uint32_t{p[i + 2]} : 0u);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (i + 1 < n) out += kAlphabet[(v >> 6) & 63];
    if (i + 2 < n) out += kAlphabet[v & 63];
  }
  if (pad)
    while (out.size() % 4) out += '=';
  return out;
}

// "acme" from "orderd.yaml:40:5: suppliers.acme.transport", for advice.
std::string party_of(const std::string& where) {
  const auto colon = where.rfind(": ");
  const std::string path = colon == std::string::npos ? where : where.substr(colon + 2);
  const auto dot = path.find('.');
  if (dot != std::string::npos) {
    const auto head = path.substr(0, dot);
    if (head == "suppliers" || head == "channels") {
      const auto end = path.find('.', dot + 1);
      return path.substr(dot + 1, end == std::string::npos ? end : end - dot - 1);
    }
  }
  return "SUPPLIER";
}

int port_of(const SftpSettings& cfg) {
  return cfg.port > 0 ? cfg.port : kDefaultPort;
}

// How known_hosts names the server: "host" on port 22, else "[host]:port".
std::string known_hosts_name(const SftpSettings& cfg) {
  const int port = port_of(cfg);
  return port == kDefaultPort ? cfg.host : fmt::format("[{}]:{}", cfg.host, port);
}

std::string join(const std::string& dir, std::string_view name) {
  if (dir.empty()) return std::string(name);
  return dir.back() == '/' ? dir + std::string(name) : dir + "/" + std::string(name);
}

// libssh2's host key types, their names in known_hosts and their knownhost masks.
struct KeyType {
  int hostkey_type;
  int knownhost_mask;
  const char* name;
};
constexpr KeyType kKeyTypes[] = {
    {LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_KNOWNHOST_KEY_ED25519, "ssh-ed25519"},
    {LIBSSH2_HOSTKEY_TYPE_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_256, "ecdsa-sha2-nistp256"},
    {LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_384, "ecdsa-sha2-nistp384"},
    {LIBSSH2_HOSTKEY_TYPE_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_ECDSA_521, "ecdsa-sha2-nistp521"},
    {LIBSSH2_HOSTKEY_TYPE_RSA, LIBSSH2_KNOWNHOST_KEY_SSHRSA, "ssh-rsa"},
    {LIBSSH2_HOSTKEY_TYPE_DSS, LIBSSH2_KNOWNHOST_KEY_SSHDSS, "ssh-dss"},
};

// How the server's SFTP status codes are reported, and whether a retry can
// help. Everything not listed is transient.
struct SftpStatus {
  unsigned long code;
  ErrorKind kind;
  const char* words;
};
constexpr SftpStatus kSftpStatuses[] = {
    {LIBSSH2_FX_NO_SUCH_FILE, ErrorKind::kTransient, "no such file or folder"},
    {LIBSSH2_FX_NO_SUCH_PATH, ErrorKind::kTransient, "no such folder"},
    {LIBSSH2_FX_PERMISSION_DENIED, ErrorKind::kPermanent,
     "permission denied (the supplier must give this account write access there)"},
    {LIBSSH2_FX_WRITE_PROTECT, ErrorKind::kPermanent, "the folder is write-protected"},
    {LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM, ErrorKind::kTransient, "the server's disk is full"},
    {LIBSSH2_FX_QUOTA_EXCEEDED, ErrorKind::kTransient, "the account's quota is used up"},
    {LIBSSH2_FX_FILE_ALREADY_EXISTS, ErrorKind::kConflict, "a file of that name exists"},
    {LIBSSH2_FX_FAILURE, ErrorKind::kTransient,
     "the server reported a failure (OpenSSH says this for a full disk, among others)"},
    {LIBSSH2_FX_OP_UNSUPPORTED, ErrorKind::kPermanent, "the server does not support this"},
    {LIBSSH2_FX_NOT_A_DIRECTORY, ErrorKind::kPermanent, "a path part is not a folder"},
};

// A TCP socket, closed on destruction.
class Socket {
 public:
  explicit Socket(int fd = -1) : fd_(fd) {}
  Socket(Socket&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Socket& operator=(Socket&& o) noexcept {
    std::swap(fd_, o.fd_);
    return *this;
  }
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Connects to host:port, each address in turn, within `timeout` seconds each.
Result<Socket> tcp_connect(const std::string& host, int port, int timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const auto port_text = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), port_text.c_str(), &hints, &found); rc != 0)
    return fail(ErrorKind::kTransient,
                fmt::format("cannot resolve SFTP host {}: {}", host, ::gai_strerror(rc)));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, ::freeaddrinfo);
  std::string why = "no address";
  for (const addrinfo* ai = found; ai; ai = ai->ai_next) {
    Socket s(
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
    if (s.fd() < 0) {
      why = std::strerror(errno);
      continue;
    }
    int err = ::connect(s.fd(), ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (err == EINPROGRESS) {
      pollfd p{s.fd(), POLLOUT, 0};
      int n = 0;
      while ((n = ::poll(&p, 1, timeout * 1000)) < 0 && errno == EINTR) {
      }
      if (n == 0) {
        why = fmt::format("no answer within {} s", timeout);
        continue;
      }
      socklen_t len = sizeof err;
      if (::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    }
    if (err != 0) {
      why = std::strerror(err);
      continue;
    }
    // Requests are small and each waits for its reply: do not let Nagle hold them.
    const int one = 1;
    ::setsockopt(s.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return s;
  }
  return fail(ErrorKind::kTransient,
              fmt::format("cannot connect to SFTP server {}:{}: {} (is it up, and is the port "
                          "right?)",
                          host, port, why));
}

struct SessionFree {
  void operator()(LIBSSH2_SESSION* s) const { libssh2_session_free(s); }
};
struct KnownHostsFree {
  void operator()(LIBSSH2_KNOWNHOSTS* k) const { libssh2_knownhost_free(k); }
};

// One TCP connection with its SSH session and, once logged in, its SFTP
// channel. Holds `cfg` by reference: the caller keeps it alive. Not movable
// (libssh2 keeps a pointer to it for the keyboard-interactive callback).
class Connection {
 public:
  explicit Connection(const SftpSettings& cfg) : cfg_(cfg) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    if (sftp_) libssh2_sftp_shutdown(sftp_);
    if (session_ && !broken_) libssh2_session_disconnect(session_.get(), "orderd is done");
  }

  LIBSSH2_SESSION* session() const { return session_.get(); }
  LIBSSH2_SFTP* sftp() const { return sftp_; }
  bool broken() const { return broken_; }
  std::string where() const {
    return fmt::format("sftp {}@{}:{}", cfg_.user, cfg_.host, port_of(cfg_));
  }

  // TCP connect and SSH handshake, host key not yet checked.
  static Result<std::unique_ptr<Connection>> start(const SftpSettings& cfg);
  // How the server's key compares with known_hosts: LIBSSH2_KNOWNHOST_CHECK_*.
  int check_host_key() const;
  // Refuses a host key that known_hosts does not list, or lists differently.
  Status verify_host_key();
  // Logs in with the key or the password, then opens the SFTP channel.
  Status login();
  SftpHostKey host_key() const;

  // The error for libssh2 call result `rc` while `doing` (which names the file
  // and folder). SFTP status codes keep the connection; any other failure
  // marks it broken.
  Error error(int rc, std::string_view doing) {
    if (rc == LIBSSH2_ERROR_SFTP_PROTOCOL) {
      const unsigned long code = libssh2_sftp_last_error(sftp_);
      for (const auto& row : kSftpStatuses)
        if (row.code == code)
          return Error(row.kind, fmt::format("{}: {}: {}", where(), doing, row.words));
      return Error(ErrorKind::kTransient,
                   fmt::format("{}: {}: SFTP status {}", where(), doing, code));
    }
    // Whatever state the session is in now, it is not used again; shutting the
    // socket makes the remaining goodbyes fail at once instead of waiting.
    broken_ = true;
    ::shutdown(socket_.fd(), SHUT_RDWR);
    if (rc == LIBSSH2_ERROR_TIMEOUT)
      return Error(ErrorKind::kTransient,
                   fmt::format("{}: no answer from the server within {} s while {}", where(),
                               cfg_.timeout, doing));
    return Error(ErrorKind::kTransient,
                 fmt::format("{}: connection lost while {}: {}", where(), doing, last_error()));
  }
  Error error_now(std::string_view doing) {
    return error(libssh2_session_last_errno(session_.get()), doing);
  }
  // The SFTP status of a failed call, or 0 when it was not one.
  unsigned long status_of(int rc) const {
    return rc == LIBSSH2_ERROR_SFTP_PROTOCOL ? libssh2_sftp_last_error(sftp_) : 0;
  }

  std::string password_;  // for the keyboard-interactive callback, during login only

 private:
  std::string last_error() const {
    char* msg = nullptr;
    libssh2_session_last_error(session_.get(), &msg, nullptr, 0);
    return msg && *msg ? msg : "unknown libssh2 error";
  }
  std::string host_key_types() const;
  Status login_with_key();
  Status login_with_password();

  const SftpSettings& cfg_;
  Socket socket_;
  std::unique_ptr<LIBSSH2_SESSION, SessionFree> session_;
  std::unique_ptr<LIBSSH2_KNOWNHOSTS, KnownHostsFree> known_;
  LIBSSH2_SFTP* sftp_ = nullptr;
  bool broken_ = false;
};

LIBSSH2_USERAUTH_KBDINT_RESPONSE_FUNC(answer_with_password) {
  (void)name, (void)name_len, (void)instruction, (void)instruction_len, (void)prompts;
  const auto* c = static_cast<const Connection*>(*abstract);
  for (int i = 0; i < num_prompts; ++i) {
    responses[i].text = ::strdup(c->password_.c_str());
    responses[i].length = static_cast<unsigned>(c->password_.size());
  }
}

// The host key types to ask for, those known_hosts holds for this server
// first, so that a server with several keys presents the one we know.
std::string Connection::host_key_types() const {
  std::vector<std::string> order;
  const std::string name = known_hosts_name(cfg_);
  libssh2_knownhost* k = nullptr;
  while (known_ && libssh2_knownhost_get(known_.get(), &k, k) == 0) {
    if (!k->name || (k->name != name && k->name != cfg_.host)) continue;
    for (const auto& t : kKeyTypes)
      if ((k->typemask & LIBSSH2_KNOWNHOST_KEY_MASK) == t.knownhost_mask) order.push_back(t.name);
  }
  for (const auto& t : kKeyTypes) order.push_back(t.name);
  std::string out;
  for (const auto& n : order)
    if (out.find(n) == std::string::npos) out += (out.empty() ? "" : ",") + n;
  return out;
}

Result<std::unique_ptr<Connection>> Connection::start(const SftpSettings& cfg) {
  init_libssh2();
  auto c = std::make_unique<Connection>(cfg);
  auto sock = tcp_connect(cfg.host, port_of(cfg), cfg.timeout);
  if (!sock) return std::unexpected(sock.error());
  c->socket_ = std::move(*sock);
  c->session_.reset(libssh2_session_init_ex(nullptr, nullptr, nullptr, c.get()));
  if (!c->session_) return fail(ErrorKind::kTransient, c->where() + ": out of memory");
  libssh2_session_set_blocking(c->session_.get(), 1);
  libssh2_session_set_timeout(c->session_.get(), static_cast<long>(cfg.timeout) * 1000);

  // known_hosts, read line by line: a line libssh2 cannot parse (a key type it
  // does not know, a marker) is skipped instead of hiding the whole file.
  c->known_.reset(libssh2_knownhost_init(c->session_.get()));
  std::error_code ec;
  if (c->known_ && !cfg.known_hosts.empty() && std::filesystem::exists(cfg.known_hosts, ec)) {
    auto text = read_file(cfg.known_hosts);
    if (!text)
      return fail(ErrorKind::kConfig,
                  fmt::format("cannot read known_hosts file {}: {}", cfg.known_hosts.string(),
                              text.error().message()));
    std::size_t at = 0;
    while (at < text->size()) {
      auto nl = text->find('\n', at);
      if (nl == std::string::npos) nl = text->size();
      std::string line = text->substr(at, nl - at);
      at = nl + 1;
      if (line.empty() || line[0] == '#' || line[0] == '@') continue;
      (void)libssh2_knownhost_readline(c->known_.get(), line.c_str(), line.size(),
                                       LIBSSH2_KNOWNHOST_FILE_OPENSSH);
    }
  }
  const auto types = c->host_key_types();
  libssh2_session_method_pref(c->session_.get(), LIBSSH2_METHOD_HOSTKEY, types.c_str());

  if (int rc = libssh2_session_handshake(c->session_.get(), c->socket_.fd()); rc != 0) {
    auto e = c->error(rc, "greeting the server (SSH handshake)");
    // No algorithms in common: retrying cannot help. libssh2 1.10 signs RSA
    // with SHA-1 only, which OpenSSH 8.8 and later refuse.
    if (rc == LIBSSH2_ERROR_KEX_FAILURE)
      return fail(ErrorKind::kPermanent,
                  fmt::format("{}: no SSH algorithms in common with the server ({}); orderd needs "
                              "the server to offer an ed25519 or ECDSA host key (RSA works only "
                              "with SHA-1 signatures): ask the supplier",
                              c->where(), c->last_error()));
    return std::unexpected(e);
  }
  return c;
}

SftpHostKey Connection::host_key() const {
  SftpHostKey k;
  std::size_t len = 0;
  int type = 0;
  const char* key = libssh2_session_hostkey(session_.get(), &len, &type);
  k.type = "unknown";
  for (const auto& t : kKeyTypes)
    if (t.hostkey_type == type) k.type = t.name;
  if (key)
    k.line = fmt::format("{} {} {}", known_hosts_name(cfg_), k.type,
                         base64(reinterpret_cast<const unsigned char*>(key), len, true));
  if (const char* h = libssh2_hostkey_hash(session_.get(), LIBSSH2_HOSTKEY_HASH_SHA256))
    k.fingerprint = "SHA256:" + base64(reinterpret_cast<const unsigned char*>(h), 32, false);
  return k;
}

int Connection::check_host_key() const {
  std::size_t len = 0;
  int type = 0;
  const char* key = libssh2_session_hostkey(session_.get(), &len, &type);
  if (!key || !known_) return LIBSSH2_KNOWNHOST_CHECK_FAILURE;
  int mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW;
  for (const auto& t : kKeyTypes)
    if (t.hostkey_type == type) mask |= t.knownhost_mask;
  libssh2_knownhost* found = nullptr;
  int check = libssh2_knownhost_checkp(known_.get(), cfg_.host.c_str(), port_of(cfg_), key, len,
                                       mask, &found);
  // libssh2 also compares "[host]:port" servers with a plain "host" line; that
  // line is the port 22 server's, so a different key there says nothing.
  if (check == LIBSSH2_KNOWNHOST_CHECK_MISMATCH && port_of(cfg_) != kDefaultPort && found &&
      found->name && found->name == cfg_.host)
    check = LIBSSH2_KNOWNHOST_CHECK_NOTFOUND;
  return check;
}

Status Connection::verify_host_key() {
  const int check = check_host_key();
  if (check == LIBSSH2_KNOWNHOST_CHECK_MATCH) return {};
  if (check == LIBSSH2_KNOWNHOST_CHECK_FAILURE)
    return fail(ErrorKind::kPermanent,
                fmt::format("{}: cannot check the server's host key: {}", where(), last_error()));

  const auto k = host_key();
  const std::string file =
      cfg_.known_hosts.empty() ? "the known_hosts file" : cfg_.known_hosts.string();
  const std::string party = party_of(cfg_.where.text);
  if (check == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
    return fail(ErrorKind::kPermanent,
                fmt::format("{}: host key for {}:{} CHANGED: the server now presents {} key {}, "
                            "not the key trusted in {}. This is a possible man-in-the-middle "
                            "attack; nothing was sent. If the supplier really changed its key, "
                            "remove the old line for {} from {} and run `orderctl trust-host {}`",
                            where(), cfg_.host, port_of(cfg_), k.type, k.fingerprint, file,
                            known_hosts_name(cfg_), file, party));
  return fail(ErrorKind::kPermanent,
              fmt::format("{}: the server's host key is not known: {} key {}; run `orderctl "
                          "trust-host {}` (or add it to {}) if this is the supplier's key (compare "
                          "the fingerprint with the one the supplier gives you)",
                          where(), k.type, k.fingerprint, party, file));
}

Status Connection::login_with_key() {
  auto passphrase = read_secret(cfg_.key_passphrase_file, "", "sftp key passphrase");
  if (!passphrase) return std::unexpected(passphrase.error());
  const int rc = libssh2_userauth_publickey_fromfile_ex(
      session_.get(), cfg_.user.c_str(), static_cast<unsigned>(cfg_.user.size()), nullptr,
      cfg_.key_file.c_str(), passphrase->empty() ? nullptr : passphrase->c_str());
  if (rc == 0) return {};
  const auto hp = fmt::format("{}:{}", cfg_.host, port_of(cfg_));
  if (rc == LIBSSH2_ERROR_FILE)
    return fail(ErrorKind::kPermanent,
                fmt::format("{}: cannot use the private key {}: {} (is it an OpenSSH or PEM "
                            "private key, and is key_passphrase_file right?)",
                            where(), cfg_.key_file.string(), last_error()));
  if (rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED || rc == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED) {
    // libssh2 1.10 signs with RSA/SHA-1 only, which OpenSSH 8.8 and later refuse.
    auto pub = read_file(cfg_.key_file.string() + ".pub");
    auto priv = read_file(cfg_.key_file);
    const bool rsa = (pub && pub->starts_with("ssh-rsa")) ||
                     (priv && priv->find("BEGIN RSA PRIVATE KEY") != std::string::npos);
    return fail(ErrorKind::kPermanent,
                fmt::format("authentication failed for user {} at {} (key {}): {}", cfg_.user, hp,
                            cfg_.key_file.string(),
                            rsa ? "it is an RSA key, which orderd can only sign with SHA-1 and "
                                  "current OpenSSH servers refuse; make an ed25519 key "
                                  "(ssh-keygen -t ed25519) and send the supplier its public key"
                                : "the server does not accept this key; send the supplier its "
                                  "public key"));
  }
  return std::unexpected(error(rc, "logging in"));
}

Status Connection::login_with_password() {
  auto password = read_secret(cfg_.password_file, cfg_.password_env, "sftp password");
  if (!password) return std::unexpected(password.error());
  if (password->empty())
    return fail(ErrorKind::kConfig,
                fmt::format("{}: neither key_file nor a password is set", cfg_.where.text));
  const auto hp = fmt::format("{}:{}", cfg_.host, port_of(cfg_));
  const auto ulen = static_cast<unsigned>(cfg_.user.size());
  const char* methods = libssh2_userauth_list(session_.get(), cfg_.user.c_str(), ulen);
  if (!methods) {
    if (libssh2_userauth_authenticated(session_.get())) return {};
    return std::unexpected(error_now("logging in"));
  }
  const std::string offered = methods;
  int rc = 0;
  if (offered.find("password") != std::string::npos) {
    rc = libssh2_userauth_password_ex(session_.get(), cfg_.user.c_str(), ulen, password->c_str(),
                                      static_cast<unsigned>(password->size()), nullptr);
  } else if (offered.find("keyboard-interactive") != std::string::npos) {
    password_ = *password;
    rc = libssh2_userauth_keyboard_interactive_ex(session_.get(), cfg_.user.c_str(), ulen,
                                                  answer_with_password);
    std::fill(password_.begin(), password_.end(), '\0');
    password_.clear();
  } else {
    return fail(ErrorKind::kPermanent,
                fmt::format("{} does not take a password for user {} (it offers: {}); set "
                            "key_file instead",
                            hp, cfg_.user, offered));
  }
  std::fill(password->begin(), password->end(), '\0');
  if (rc == 0) return {};
  if (rc == LIBSSH2_ERROR_AUTHENTICATION_FAILED || rc == LIBSSH2_ERROR_PASSWORD_EXPIRED)
    return fail(
        ErrorKind::kPermanent,
        fmt::format("authentication failed for user {} at {} (password){}; check the "
                    "password the supplier gave you",
                    cfg_.user, hp,
                    rc == LIBSSH2_ERROR_PASSWORD_EXPIRED ? ": the password has expired" : ""));
  return std::unexpected(error(rc, "logging in"));
}

Status Connection::login() {
  auto s = cfg_.key_file.empty() ? login_with_password() : login_with_key();
  if (!s) return s;
  sftp_ = libssh2_sftp_init(session_.get());
  if (sftp_) return {};
  const int rc = libssh2_session_last_errno(session_.get());
  if (rc == LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED || rc == LIBSSH2_ERROR_CHANNEL_FAILURE)
    return fail(ErrorKind::kPermanent,
                fmt::format("{}: the login worked but the server offers no SFTP to this account: "
                            "{}; ask the supplier",
                            where(), last_error()));
  return std::unexpected(error(rc, "starting SFTP"));
}

Result<std::unique_ptr<Connection>> open_connection(const SftpSettings& cfg) {
  auto c = Connection::start(cfg);
  if (!c) return c;
  if (auto s = (*c)->verify_host_key(); !s) return std::unexpected(s.error());
  if (auto s = (*c)->login(); !s) return std::unexpected(s.error());
  return c;
}

// An open remote file or folder, closed on destruction unless close() was called.
class Handle {
 public:
  explicit Handle(LIBSSH2_SFTP_HANDLE* h) : h_(h) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (h_) libssh2_sftp_close_handle(h_);
  }
  LIBSSH2_SFTP_HANDLE* get() const { return h_; }
  int close() { return libssh2_sftp_close_handle(std::exchange(h_, nullptr)); }

 private:
  LIBSSH2_SFTP_HANDLE* h_;
};

int sftp_stat(Connection& c, const std::string& path, LIBSSH2_SFTP_ATTRIBUTES* attrs) {
  return libssh2_sftp_stat_ex(c.sftp(), path.data(), static_cast<unsigned>(path.size()),
                              LIBSSH2_SFTP_STAT, attrs);
}
int sftp_rename(Connection& c, const std::string& from, const std::string& to) {
  // Without OVERWRITE: the rename fails when `to` exists.
  return libssh2_sftp_rename_ex(c.sftp(), from.data(), static_cast<unsigned>(from.size()),
                                to.data(), static_cast<unsigned>(to.size()),
                                LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE);
}
int sftp_unlink(Connection& c, const std::string& path) {
  return libssh2_sftp_unlink_ex(c.sftp(), path.data(), static_cast<unsigned>(path.size()));
}

// Writes `content` to `path` (created or truncated), closing it to learn the
// server's verdict.
Status upload(Connection& c, const std::string& path, std::string_view content,
              std::string_view doing) {
  Handle h(libssh2_sftp_open_ex(c.sftp(), path.data(), static_cast<unsigned>(path.size()),
                                LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC, 0644,
                                LIBSSH2_SFTP_OPENFILE));
  if (!h.get()) return std::unexpected(c.error_now(doing));
  std::size_t done = 0;
  while (done < content.size()) {
    // libssh2 splits a large buffer into packets and keeps several in flight.
    const auto n = libssh2_sftp_write(h.get(), content.data() + done, content.size() - done);
    if (n < 0) return std::unexpected(c.error(static_cast<int>(n), doing));
    done += static_cast<std::size_t>(n);
  }
  if (int rc = h.close(); rc != 0) return std::unexpected(c.error(rc, doing));
  return {};
}

// The whole of `path`.
Result<std::string> download(Connection& c, const std::string& path, std::string_view doing) {
  Handle h(libssh2_sftp_open_ex(c.sftp(), path.data(), static_cast<unsigned>(path.size()),
                                LIBSSH2_FXF_READ, 0, LIBSSH2_SFTP_OPENFILE));
  if (!h.get()) return std::unexpected(c.error_now(doing));
  std::string out;
  // A large buffer lets libssh2 ask for many chunks ahead.
  std::string buf(256 * 1024, '\0');
  for (;;) {
    const auto n = libssh2_sftp_read(h.get(), buf.data(), buf.size());
    if (n < 0) return std::unexpected(c.error(static_cast<int>(n), doing));
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > limits::kFileBytes)
      return std::unexpected(file_too_big(c.where(), doing));
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  return out;
}

Result<Presence> check_with(Connection& c, const std::string& path, std::string_view sha256) {
  LIBSSH2_SFTP_ATTRIBUTES attrs{};
  if (int rc = sftp_stat(c, path, &attrs); rc != 0) {
    const auto status = c.status_of(rc);
    if (status == LIBSSH2_FX_NO_SUCH_FILE || status == LIBSSH2_FX_NO_SUCH_PATH)
      return Presence::kAbsent;
    return std::unexpected(c.error(rc, fmt::format("looking for {}", path)));
  }
  auto data = download(c, path, fmt::format("reading {} to compare it", path));
  if (!data) return std::unexpected(data.error());
  return sha256_hex(*data) == sha256 ? Presence::kSame : Presence::kDifferent;
}

class SftpTransport final : public Transport {
 public:
  explicit SftpTransport(SftpSettings cfg) : cfg_(std::move(cfg)) {}

  Result<Delivered> deliver(std::string_view name, std::string_view content) override {
    return with_connection([&](Connection& c) -> Result<Delivered> {
      const auto final_path = join(cfg_.path, name);
      const auto part = join(cfg_.path, "." + std::string(name) + ".part");
      if (auto s = upload(c, part, content,
                          fmt::format("cannot write {} in remote folder {}", part, folder()));
          !s) {
        if (!c.broken()) (void)sftp_unlink(c, part);
        return std::unexpected(s.error());
      }
      if (int rc = sftp_rename(c, part, final_path); rc != 0) {
        auto err = c.error(rc, fmt::format("cannot rename {} to {}", part, final_path));
        if (c.broken()) return std::unexpected(err);
        (void)sftp_unlink(c, part);
        // Most often the name is taken: by this very file after a lost reply
        // (delivered), or by another one (never overwritten).
        auto present = check_with(c, final_path, sha256_hex(content));
        if (!present) return std::unexpected(present.error());
        if (*present == Presence::kSame) return Delivered{};
        if (*present == Presence::kDifferent)
          return fail(ErrorKind::kConflict,
                      fmt::format("{}: remote folder {} already holds a different file named {}; "
                                  "it was not overwritten: ask the supplier to move it away, "
                                  "then retry",
                                  c.where(), folder(), name));
        return std::unexpected(err);
      }
      // Renamed: in place, whole. The server acknowledged every byte
      // written, the close and the rename; a stat to compare its size
      // would cost a fifth more round trips for what those already said.
      return Delivered{};
    });
  }

  Result<Presence> check(std::string_view name, std::string_view sha256) override {
    return with_connection(
        [&](Connection& c) { return check_with(c, join(cfg_.path, name), sha256); });
  }

  std::string describe() const override {
    return fmt::format("sftp {}@{}:{} {}", cfg_.user, cfg_.host, port_of(cfg_), folder());
  }

  Result<std::vector<RemoteFile>> list() override {
    return with_connection([&](Connection& c) -> Result<std::vector<RemoteFile>> {
      const std::string dir = cfg_.path.empty() ? "." : cfg_.path;
      const auto doing = fmt::format("cannot list remote folder {}", folder());
      Handle h(libssh2_sftp_open_ex(c.sftp(), dir.data(), static_cast<unsigned>(dir.size()), 0, 0,
                                    LIBSSH2_SFTP_OPENDIR));
      if (!h.get()) return std::unexpected(c.error_now(doing));
      std::vector<RemoteFile> out;
      char name[4096];
      for (;;) {
        LIBSSH2_SFTP_ATTRIBUTES a{};
        const int n = libssh2_sftp_readdir_ex(h.get(), name, sizeof name, nullptr, 0, &a);
        if (n < 0) return std::unexpected(c.error(n, doing));
        if (n == 0) break;
        const std::string_view entry(name, static_cast<std::size_t>(n));
        if (is_being_written(entry)) continue;
        if ((a.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) && !LIBSSH2_SFTP_S_ISREG(a.permissions))
          continue;
        RemoteFile f;
        f.name = std::string(entry);
        if (a.flags & LIBSSH2_SFTP_ATTR_SIZE) f.size = static_cast<std::int64_t>(a.filesize);
        if (a.flags & LIBSSH2_SFTP_ATTR_ACMODTIME) f.mtime = static_cast<std::int64_t>(a.mtime);
        out.push_back(std::move(f));
      }
      return out;
    });
  }

  Result<std::vector<Fetched>> fetch(const RemoteFile& f) override {
    return with_connection([&](Connection& c) -> Result<std::vector<Fetched>> {
      const auto path = join(cfg_.path, f.name);
      auto data = download(c, path, fmt::format("cannot read {}", path));
      if (!data) return std::unexpected(data.error());
      return std::vector<Fetched>{Fetched{f.name, std::move(*data)}};
    });
  }

  Status take_done(const RemoteFile& f) override {
    return with_connection([&](Connection& c) -> Status {
      const auto path = join(cfg_.path, f.name);
      if (cfg_.archive_path.empty()) {
        const int rc = sftp_unlink(c, path);
        if (rc == 0 || c.status_of(rc) == LIBSSH2_FX_NO_SUCH_FILE) return {};
        return std::unexpected(c.error(rc, fmt::format("cannot delete {}", path)));
      }
      auto to = join(cfg_.archive_path, f.name);
      int rc = sftp_rename(c, path, to);
      if (rc == 0) return {};
      const auto err =
          c.error(rc, fmt::format("cannot move {} to archive folder {}", path, cfg_.archive_path));
      if (c.broken()) return std::unexpected(err);
      LIBSSH2_SFTP_ATTRIBUTES attrs{};
      if (int st = sftp_stat(c, path, &attrs);
          st != 0 && c.status_of(st) == LIBSSH2_FX_NO_SUCH_FILE)
        return {};  // taken before (a retry after a lost reply)
      if (sftp_stat(c, to, &attrs) != 0) return std::unexpected(err);
      // The archive already holds that name: keep both.
      to += fmt::format(".{}", std::time(nullptr));
      if (rc = sftp_rename(c, path, to); rc != 0)
        return std::unexpected(c.error(rc, fmt::format("cannot move {} to {}", path, to)));
      return {};
    });
  }

 private:
  std::string folder() const { return cfg_.path.empty() ? "(login folder)" : cfg_.path; }

  // Runs `op` on the connection, opening it if needed. A connection kept from
  // an earlier call may have been closed by the server meanwhile: then a new
  // one is opened and `op` runs once more (every op here can safely repeat).
  template <class F>
  auto with_connection(F&& op) -> std::invoke_result_t<F&, Connection&> {
    const bool reused = conn_ != nullptr;
    if (!conn_) {
      auto c = open_connection(cfg_);
      if (!c) return std::unexpected(c.error());
      conn_ = std::move(*c);
    }
    auto r = op(*conn_);
    if (r || !conn_->broken()) return r;
    conn_.reset();
    if (!reused) return r;
    auto c = open_connection(cfg_);
    if (!c) return std::unexpected(c.error());
    conn_ = std::move(*c);
    r = op(*conn_);
    if (!r && conn_->broken()) conn_.reset();
    return r;
  }

  SftpSettings cfg_;
  std::unique_ptr<Connection> conn_;
};

Result<std::unique_ptr<Transport>> make(const TransportConfig& cfg) {
  auto s = settings_of(cfg);
  if (s.host.empty()) return fail(ErrorKind::kConfig, cfg.where.text + ".host: required for sftp");
  if (s.user.empty()) return fail(ErrorKind::kConfig, cfg.where.text + ".user: required for sftp");
  std::unique_ptr<Transport> t = std::make_unique<SftpTransport>(std::move(s));
  return t;
}

void check(const TransportConfig& cfg, TransportUse, TransportFindings& out) {
  const auto s = settings_of(cfg);
  if (s.key_file.empty() && s.password_file.empty() && s.password_env.empty())
    out.errors.push_back(cfg.where.text +
                         ".password_file: an sftp transport needs key_file, password_file or "
                         "password: ${VAR}");
}

}  // namespace

const TransportKind kSftpTransport = {
    "sftp", "SFTP (SSH), the server's key checked against known_hosts", true, kKeys, make, check};

SftpServer sftp_server(const TransportConfig& block) {
  const auto s = settings_of(block);
  return {s.host, port_of(s), s.known_hosts};
}

Result<SftpHostKey> sftp_host_key(const TransportConfig& block) {
  const SftpSettings cfg = settings_of(block);  // the connection keeps a reference
  auto c = Connection::start(cfg);
  if (!c) return std::unexpected(c.error());
  auto k = (*c)->host_key();
  if (k.line.empty())
    return fail(ErrorKind::kPermanent, (*c)->where() + ": the server sent no host key");
  return k;
}

Result<std::string> sftp_host_key_line(const TransportConfig& cfg) {
  auto k = sftp_host_key(cfg);
  if (!k) return std::unexpected(k.error());
  return k->line;
}

Status sftp_trust_host(const TransportConfig& block, const std::filesystem::path& known_hosts,
                       std::string_view expected_fingerprint) {
  const SftpSettings cfg = settings_of(block);
  SftpSettings with_file = cfg;
  with_file.known_hosts = known_hosts;
  auto c = Connection::start(with_file);
  if (!c) return std::unexpected(c.error());
  const auto k = (*c)->host_key();
  if (k.line.empty())
    return fail(ErrorKind::kPermanent, (*c)->where() + ": the server sent no host key");
  if (!expected_fingerprint.empty() && k.fingerprint != expected_fingerprint)
    return fail(ErrorKind::kRefused,
                fmt::format("{}: the server now presents {} key {}, not {}: nothing recorded",
                            (*c)->where(), k.type, k.fingerprint, expected_fingerprint));
  const int check = (*c)->check_host_key();
  if (check == LIBSSH2_KNOWNHOST_CHECK_MATCH) return {};  // already trusted
  if (check == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
    return fail(ErrorKind::kRefused,
                fmt::format("{} already trusts a different key for {}; if the supplier really "
                            "changed its key (now {} {}), remove that line first",
                            known_hosts.string(), known_hosts_name(cfg), k.type, k.fingerprint));
  std::string text;
  std::error_code ec;
  if (std::filesystem::exists(known_hosts, ec)) {
    auto old = read_file(known_hosts);
    if (!old) return std::unexpected(old.error());
    text = std::move(*old);
    if (!text.empty() && text.back() != '\n') text += '\n';
  } else if (known_hosts.has_parent_path()) {
    if (auto s = ensure_dir(known_hosts.parent_path()); !s) return s;
  }
  text += k.line + "\n";
  return write_file_atomic(known_hosts, text);
}

}  // namespace orderd
