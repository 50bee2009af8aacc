// A real OpenSSH sshd on loopback for the sftp tests and bench: throwaway
// host and user keys in a temporary folder, a system account for the logins
// (created once, with a random password kept in a root-only file), and an
// upload folder that account owns. sshd and useradd need root:
// sshd_unavailable() says why the server cannot run here, for a skip message.
// Header-only and free of doctest, so the bench can include it too.
// Not thread-safe; one SshdServer per test.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <shadow.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "servers.h"

extern char** environ;

namespace orderd::test {

inline constexpr const char* kSftpUser = "orderd-sftp-test";
inline const std::filesystem::path kSftpPasswordFile = "/var/lib/orderd-sftp-test/password";

// Why no sshd can be started here; "" when it can.
inline std::string sshd_unavailable() {
  if (::geteuid() != 0) return "sshd needs root (the tests run it on loopback as root)";
  for (const char* p :
       {"/usr/sbin/sshd", "/usr/bin/ssh-keygen", "/usr/sbin/useradd", "/usr/sbin/chpasswd"})
    if (::access(p, X_OK) != 0)
      return std::string(p) + " is missing (apt-get install openssh-server)";
  return "";
}

using servers::free_port;
inline std::string read_text(const std::filesystem::path& p) {
  return servers::read_all(p);
}

inline void write_text(const std::filesystem::path& p, const std::string& text, mode_t mode) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
  ::chmod(p.c_str(), mode);
}

// Runs argv[0] (a path) with stdout and stderr to `log`; returns its exit code.
inline int run_logged(const std::vector<std::string>& argv, const std::string& log = "/dev/null") {
  return servers::run_quiet(argv, log);
}

using servers::connect_loopback;

// The test account, unlocked, with the password from the root-only file
// (made once with a random password; every process after that reads it).
inline std::string ensure_sftp_user() {
  static std::once_flag once;
  static std::string password;
  std::call_once(once, [] {
    bool fresh = false;
    if (!::getpwnam(kSftpUser)) {
      run_logged({"/usr/sbin/useradd", "-M", "-d", "/nonexistent", "-s", "/bin/sh", kSftpUser});
      if (!::getpwnam(kSftpUser)) throw std::runtime_error("cannot create user orderd-sftp-test");
      fresh = true;
    }
    std::filesystem::create_directories(kSftpPasswordFile.parent_path());
    ::chmod(kSftpPasswordFile.parent_path().c_str(), 0700);
    if (!std::filesystem::exists(kSftpPasswordFile)) {
      // Written beside, then linked into place: a second process never reads half.
      std::string pw;
      std::ifstream rnd("/dev/urandom", std::ios::binary);
      for (int i = 0; i < 18; ++i) pw += "0123456789abcdefghijklmnopqrstuvwxyz"[rnd.get() % 36];
      const auto tmp = kSftpPasswordFile.string() + "." + std::to_string(::getpid());
      write_text(tmp, pw + "\n", 0600);
      fresh |= ::link(tmp.c_str(), kSftpPasswordFile.c_str()) == 0;
      ::unlink(tmp.c_str());
    }
    password = read_text(kSftpPasswordFile);
    if (auto nl = password.find('\n'); nl != std::string::npos) password.resize(nl);
    const spwd* sp = ::getspnam(kSftpUser);
    const bool locked = !sp || !sp->sp_pwdp || sp->sp_pwdp[0] == '!' || sp->sp_pwdp[0] == '*' ||
                        sp->sp_pwdp[0] == '\0';
    if (!fresh && !locked) return;
    for (int attempt = 0; attempt < 10; ++attempt) {  // /etc/shadow may be locked a moment
      FILE* p = ::popen("/usr/sbin/chpasswd 2>/dev/null", "w");
      if (p) {
        std::fprintf(p, "%s:%s\n", kSftpUser, password.c_str());
        if (::pclose(p) == 0) return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    throw std::runtime_error("chpasswd failed for user orderd-sftp-test");
  });
  return password;
}

class SshdServer {
 public:
  // Prepares keys, account, folders and config, and starts sshd unless
  // `start_now` is false. Throws std::runtime_error when something fails.
  explicit SshdServer(bool start_now = true) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "orderd-sshd-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    ::chmod(dir_.c_str(), 0755);
    password_ = ensure_sftp_user();
    const passwd* pw = ::getpwnam(kSftpUser);
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;
    keygen(dir_ / "host_key");
    keygen(dir_ / "user_key");
    write_text(dir_ / "authorized_keys", read_text(dir_ / "user_key.pub"), 0644);
    write_text(dir_ / "password", password_ + "\n", 0600);
    std::filesystem::create_directories(upload());
    own(upload());
    port_ = free_port();
    write_text(dir_ / "known_hosts", host_key_line() + "\n", 0644);
    write_text(dir_ / "sshd_config",
               "Port " + std::to_string(port_) +
                   "\n"
                   "ListenAddress 127.0.0.1\n"
                   "HostKey " +
                   (dir_ / "host_key").string() +
                   "\n"
                   "AuthorizedKeysFile " +
                   (dir_ / "authorized_keys").string() +
                   "\n"
                   "PidFile " +
                   (dir_ / "sshd.pid").string() +
                   "\n"
                   "AllowUsers " +
                   kSftpUser +
                   "\n"
                   "PasswordAuthentication yes\n"
                   "PubkeyAuthentication yes\n"
                   "KbdInteractiveAuthentication no\n"
                   "PermitRootLogin no\n"
                   "UsePAM no\n"
                   "StrictModes no\n"
                   "UseDNS no\n"
                   "MaxStartups 50\n"
                   "Subsystem sftp internal-sftp\n",
               0644);
    if (start_now) start();
  }
  SshdServer(const SshdServer&) = delete;
  SshdServer& operator=(const SshdServer&) = delete;
  ~SshdServer() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void start() {
    if (pid_ > 0) return;
    std::filesystem::create_directories("/run/sshd");  // sshd's privilege separation folder
    ::chmod("/run/sshd", 0755);
    const std::string config = (dir_ / "sshd_config").string();
    pid_ =
        servers::spawn({"/usr/sbin/sshd", "-D", "-e", "-f", config}, (dir_ / "sshd.log").string());
    if (pid_ < 0) {
      pid_ = -1;
      throw std::runtime_error("cannot start /usr/sbin/sshd");
    }
    for (int i = 0; i < 100; ++i) {  // up to 5 s
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("sshd exited at start: " + log_text());
      }
      if (const int fd = connect_loopback(port_); fd >= 0) {
        ::close(fd);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop();
    throw std::runtime_error("sshd did not listen on port " + std::to_string(port_) + ": " +
                             log_text());
  }

  // Stops listening. Sessions already open live on until their client leaves.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }

  int port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path upload() const { return dir_ / "upload"; }
  std::filesystem::path user_key() const { return dir_ / "user_key"; }
  std::filesystem::path known_hosts() const { return dir_ / "known_hosts"; }
  const std::string& password() const { return password_; }
  std::string log_text() const { return read_text(dir_ / "sshd.log"); }

  // Gives `p` to the test account (so it, not root, can write there).
  void own(const std::filesystem::path& p) const { ::chown(p.c_str(), uid_, gid_); }

  // The known_hosts line for this server's key, reached on `port` (default: its own).
  std::string host_key_line(int port = 0) const { return key_line(dir_ / "host_key.pub", port); }
  // Adds a host key of `type` ("ecdsa", "rsa") to the server, before start();
  // returns its known_hosts line.
  std::string add_host_key(const std::string& type) {
    const auto key = dir_ / ("host_key_" + type);
    keygen(key, type);
    add_config("HostKey " + key.string());
    return key_line(key.string() + ".pub", 0);
  }
  // Appends a line to sshd_config, before start().
  void add_config(const std::string& line) {
    std::ofstream(dir_ / "sshd_config", std::ios::app) << line << "\n";
  }
  // A line for the same host with a key the server does not have.
  std::string other_host_key_line() {
    keygen(dir_ / "other_host_key");
    return key_line(dir_ / "other_host_key.pub", 0);
  }
  // "SHA256:..." as ssh-keygen -l prints it.
  std::string fingerprint() const {
    const auto out = dir_ / "fingerprint.txt";
    run_logged({"/usr/bin/ssh-keygen", "-l", "-f", (dir_ / "host_key.pub").string()}, out.string());
    std::istringstream in(read_text(out));
    std::string bits, fp;
    in >> bits >> fp;
    return fp;
  }

  // A transport block for this server: key (default) or password login.
  TransportConfig config(bool password_login = false) const {
    TransportConfig c;
    c.where.text = "test.yaml:1:1: suppliers.acme.transport";
    c.type = "sftp";
    c.set("host", "127.0.0.1");
    c.set("port", port_);
    c.set("user", kSftpUser);
    c.set("path", upload());
    c.set("known_hosts", known_hosts());
    c.timeout = 10;
    if (password_login)
      c.set("password_file", dir_ / "password");
    else
      c.set("key_file", user_key());
    return c;
  }

 private:
  void keygen(const std::filesystem::path& key, const std::string& type = "ed25519") const {
    if (run_logged({"/usr/bin/ssh-keygen", "-q", "-t", type, "-N", "", "-C", "orderd-test", "-f",
                    key.string()}) != 0)
      throw std::runtime_error("ssh-keygen failed for " + key.string());
  }
  std::string key_line(const std::filesystem::path& pub, int port) const {
    std::istringstream in(read_text(pub));
    std::string type, key;
    in >> type >> key;
    return "[127.0.0.1]:" + std::to_string(port ? port : port_) + " " + type + " " + key;
  }

  std::filesystem::path dir_;
  std::string password_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace orderd::test
