// Real servers on loopback for the ftp, http and email transport tests: a
// child process per server (the Python scripts in tests/servers/, dovecot),
// started on a free 127.0.0.1 port and killed by the destructor even when a
// test fails; and a throwaway self-signed certificate for the TLS ones.
// Header-only and free of doctest. Not thread-safe; one Server per use.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace orderd::test::servers {

// Debian's interpreter, which has the python3-* server packages (a python3
// earlier on PATH, e.g. pyenv's, may not).
inline constexpr const char* kPython = "/usr/bin/python3";

inline std::string script(const std::string& name) {
  return std::string(ORDERD_SOURCE_DIR) + "/tests/servers/" + name;
}

inline std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Starts argv[0] (a path) with stdin from /dev/null and stdout and stderr
// appended to `log`; its pid, or -1 if it cannot start.
inline pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

// Runs argv (argv[0] a path), output to `log`; returns the exit code, -1 if
// it cannot start.
inline int run_quiet(const std::vector<std::string>& argv, const std::string& log = "/dev/null") {
  const pid_t pid = spawn(argv, log);
  if (pid < 0) return -1;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// "" when Debian's python3 can import `module`, else why not (for a skip message).
inline std::string python_missing(const std::string& module, const std::string& package) {
  if (::access(kPython, X_OK) != 0) return std::string(kPython) + " is missing";
  if (run_quiet({kPython, "-c", "import " + module}) != 0)
    return "python module " + module + " is missing (apt-get install " + package + ")";
  return "";
}

// A TCP port on 127.0.0.1 that nobody listens on right now.
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// A connected socket to 127.0.0.1:port, or -1.
inline int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
  ::close(fd);
  return -1;
}

inline bool port_accepts(int port) {
  const int fd = connect_loopback(port);
  if (fd >= 0) ::close(fd);
  return fd >= 0;
}

// A server child process. start() returns once `port` accepts connections
// and throws (with the server's log) when it exits or stays deaf for 10 s.
class Server {
 public:
  Server() = default;
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server() { stop(); }

  void start(const std::vector<std::string>& argv, int port, const std::filesystem::path& log) {
    stop();
    argv_ = argv;
    port_ = port;
    log_ = log;
    pid_ = spawn(argv_, log.string());
    if (pid_ < 0) {
      pid_ = -1;
      throw std::runtime_error("cannot start " + argv_[0]);
    }
    for (int i = 0; i < 200; ++i) {  // up to 10 s
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error(argv_[0] + " exited at start: " + read_all(log_));
      }
      if (port_accepts(port_)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop();
    throw std::runtime_error(argv_[0] + " did not listen on port " + std::to_string(port_) + ": " +
                             read_all(log_));
  }

  // Starts again with the same command and port.
  void restart() { start(std::vector<std::string>(argv_), port_, log_); }

  // SIGTERM, then SIGKILL if it is still there after 5 s.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }

  int port() const { return port_; }
  std::string log_text() const { return read_all(log_); }

 private:
  std::vector<std::string> argv_;
  int port_ = 0;
  std::filesystem::path log_;
  pid_t pid_ = -1;
};

// A self-signed certificate for 127.0.0.1 and localhost, made by openssl in
// `dir`: cert.pem (also the CA file to trust), key.pem, and both in one.pem.
struct TestCert {
  std::filesystem::path cert, key, both;
};

inline TestCert make_test_cert(const std::filesystem::path& dir) {
  TestCert c{dir / "cert.pem", dir / "key.pem", dir / "one.pem"};
  const int rc =
      run_quiet({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                 "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                 "-keyout", c.key.string(), "-out", c.cert.string()});
  if (rc != 0) throw std::runtime_error("openssl could not make a test certificate");
  std::ofstream(c.both) << read_all(c.key) << read_all(c.cert);
  return c;
}

// Why dovecot cannot run here ("" when it can): it needs root to switch to
// the mail user.
inline std::string dovecot_missing() {
  if (::access("/usr/sbin/dovecot", X_OK) != 0)
    return "/usr/sbin/dovecot is missing (apt-get install dovecot-imapd)";
  if (::geteuid() != 0) return "dovecot needs root (the tests run it on loopback as root)";
  return "";
}

// A dovecot IMAP server of its own: config, users, Maildir and runtime
// folders in a fresh folder; STARTTLS with `cert` (plain-text logins refused
// before it); one user "buyer" whose mail is owned by nobody.
class Dovecot {
 public:
  static constexpr const char* kUser = "buyer";
  static constexpr const char* kPassword = "imap-pw-7";

  explicit Dovecot(const TestCert& cert) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "orderd-imap-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    ::chmod(dir_.c_str(), 0755);  // the mail user must reach its Maildir
    for (const char* sub : {"new", "cur", "tmp"}) std::filesystem::create_directories(mail() / sub);
    give_to_mail_user(mail());
    for (const char* sub : {"new", "cur", "tmp"}) give_to_mail_user(mail() / sub);
    std::ofstream(dir_ / "users") << kUser << ":{PLAIN}" << kPassword << "::::::\n";
    std::ofstream(dir_ / "password") << kPassword << "\n";
    port_ = free_port();
    const std::string d = dir_.string();
    std::ofstream(dir_ / "dovecot.conf")
        << "protocols = imap\n"
        << "listen = 127.0.0.1\n"
        << "base_dir = " << d << "/run\n"
        << "state_dir = " << d << "/state\n"
        << "log_path = /dev/stderr\n"
        << "info_log_path = /dev/stderr\n"
        << "ssl = yes\n"
        << "ssl_cert = <" << cert.cert.string() << "\n"
        << "ssl_key = <" << cert.key.string() << "\n"
        << "ssl_dh = </usr/share/dovecot/dh.pem\n"
        << "disable_plaintext_auth = yes\n"
        << "auth_mechanisms = plain login\n"
        << "first_valid_uid = 1\n"
        << "passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u " << d
        << "/users\n}\n"
        << "userdb {\n  driver = static\n  args = uid=65534 gid=65534 home=" << d << "/home\n}\n"
        << "mail_location = maildir:" << d << "/mail\n"
        << "service imap-login {\n  inet_listener imap {\n    address = 127.0.0.1\n    port = "
        << port_ << "\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}\n"
        << "service anvil {\n  chroot =\n}\n";
  }
  Dovecot(const Dovecot&) = delete;
  Dovecot& operator=(const Dovecot&) = delete;
  ~Dovecot() {
    server_.stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void start() {
    server_.start({"/usr/sbin/dovecot", "-F", "-c", (dir_ / "dovecot.conf").string()}, port_,
                  dir_ / "dovecot.log");
  }

  // Delivers `message` into the INBOX as a new message file.
  void seed(const std::string& file, const std::string& message) const {
    const auto tmp = mail() / "tmp" / file;
    std::ofstream(tmp, std::ios::binary) << message;
    give_to_mail_user(tmp);
    std::filesystem::rename(tmp, mail() / "new" / file);
  }

  // The message files of `folder` ("" is the INBOX).
  std::vector<std::filesystem::path> messages(const std::string& folder = "") const {
    std::vector<std::filesystem::path> out;
    const auto base = folder.empty() ? mail() : mail() / ("." + folder);
    for (const char* sub : {"new", "cur"}) {
      std::error_code ec;
      for (const auto& e : std::filesystem::directory_iterator(base / sub, ec))
        out.push_back(e.path());
    }
    return out;
  }

  int port() const { return port_; }
  std::filesystem::path password_file() const { return dir_ / "password"; }
  std::filesystem::path mail() const { return dir_ / "mail"; }
  std::string log_text() const { return server_.log_text(); }

 private:
  static void give_to_mail_user(const std::filesystem::path& p) {
    if (::chown(p.c_str(), 65534, 65534) != 0)
      throw std::runtime_error("chown failed: " + p.string());
  }
  std::filesystem::path dir_;
  int port_ = 0;
  Server server_;
};

}  // namespace orderd::test::servers
