// The real service as a subprocess for the tests: our own NOTIFY_SOCKET to
// see what orderd tells systemd, and `orderd -c CONFIG` in the background,
// killed when the test ends.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <thread>

#include "e2e_fixture.h"

namespace orderd::test {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

// Our own NOTIFY_SOCKET: a datagram socket collecting what orderd tells systemd.
class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~NotifySocket() { ::close(fd_); }
  std::string env() const { return "NOTIFY_SOCKET=" + path_.string(); }

  // Waits until a message containing `what` arrives; true if it did.
  bool wait_for(const std::string& what, std::chrono::milliseconds limit) {
    const auto end = Steady::now() + limit;
    for (;;) {
      for (const auto& m : messages)
        if (m.find(what) != std::string::npos) return true;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Steady::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) messages.emplace_back(buf, static_cast<std::size_t>(n));
    }
  }
  std::vector<std::string> messages;

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

// `orderd -c CONFIG` running in the background; killed when the test ends.
class Daemon {
 public:
  Daemon(const Install& in, const std::vector<std::string>& env = {})
      : log_(in.dir / "orderd.log") {
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
      const std::string b = bin("orderd");
      ::execl(b.c_str(), b.c_str(), "-c", in.config.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Daemon() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  void signal(int sig) const { ::kill(pid_, sig); }
  std::string log() const { return std::filesystem::exists(log_) ? slurp(log_) : ""; }

  // Sends SIGTERM; the exit code, or -1 if it did not exit within `limit`.
  int stop(std::chrono::milliseconds limit = 10s) {
    ::kill(pid_, SIGTERM);
    const auto end = Steady::now() + limit;
    while (Steady::now() < end) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }

  // Waits until the log holds `what`.
  bool wait_log(const std::string& what, std::chrono::milliseconds limit = 10s) const {
    const auto end = Steady::now() + limit;
    while (Steady::now() < end) {
      if (log().find(what) != std::string::npos) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
};

inline bool wait_until(const std::function<bool()>& ok, std::chrono::milliseconds limit) {
  const auto end = Steady::now() + limit;
  while (Steady::now() < end) {
    if (ok()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return ok();
}

}  // namespace orderd::test
