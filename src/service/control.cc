#include "service/control.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace orderd {
namespace {

Result<sockaddr_un> address(const std::filesystem::path& p) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  const std::string s = p.string();
  if (s.size() >= sizeof(a.sun_path))
    return fail(ErrorKind::kConfig,
                fmt::format("control socket path {} is longer than {} bytes; use a shorter "
                            "state_dir",
                            s, sizeof(a.sun_path) - 1));
  std::memcpy(a.sun_path, s.c_str(), s.size() + 1);
  return a;
}

void set_timeouts(int fd, int seconds) {
  timeval tv{seconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::filesystem::path control_socket_path(const Config& cfg) {
  return cfg.state_dir / "orderd.sock";
}

std::optional<Result<std::string>> ask_service(const Config& cfg, std::string_view request,
                                               int timeout_seconds) {
  auto a = address(control_socket_path(cfg));
  if (!a) return std::nullopt;
  Fd s{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) return std::nullopt;
  if (timeout_seconds > 0) set_timeouts(s.fd, timeout_seconds);
  if (::connect(s.fd, reinterpret_cast<const sockaddr*>(&*a), sizeof *a) != 0) {
    if (errno == EACCES)
      return Result<std::string>(
          fail(ErrorKind::kRefused,
               fmt::format("the service runs but {} is not open to you: run orderctl as the orderd "
                           "user or a member of its group",
                           control_socket_path(cfg).string())));
    return std::nullopt;  // ENOENT, ECONNREFUSED: no service
  }
  std::string line = std::string(request) + "\n";
  if (::send(s.fd, line.data(), line.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(line.size()))
    return std::nullopt;
  ::shutdown(s.fd, SHUT_WR);
  std::string answer;
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    if (n > 0) {
      answer.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  if (answer.empty())
    return Result<std::string>(fail(ErrorKind::kTransient,
                                    "the service closed the connection without answering; see "
                                    "`journalctl -u orderd`"));
  return Result<std::string>(std::move(answer));
}

Result<int> listen_control(const Config& cfg) {
  const auto path = control_socket_path(cfg);
  auto a = address(path);
  if (!a) return std::unexpected(a.error());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return fail(ErrorKind::kIo, fmt::format("socket: {}", std::strerror(errno)));
  // Only one service per state_dir runs (the caller holds the service lock),
  // so a socket file left here is stale.
  ::unlink(path.c_str());
  const mode_t old = ::umask(0117);
  const int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&*a), sizeof *a);
  ::umask(old);
  if (rc != 0 || ::listen(fd, 8) != 0) {
    const int err = errno;
    ::close(fd);
    return fail(ErrorKind::kIo,
                fmt::format("cannot listen on {}: {}", path.string(), std::strerror(err)));
  }
  return fd;
}

Result<std::string> read_request(int fd) {
  set_timeouts(fd, 2);
  std::string line;
  char buf[256];
  while (line.find('\n') == std::string::npos && line.size() < 4096) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    line.append(buf, static_cast<std::size_t>(n));
  }
  if (auto nl = line.find('\n'); nl != std::string::npos) line.resize(nl);
  if (line.empty()) return fail(ErrorKind::kInvalid, "empty request");
  return line;
}

void write_answer(int fd, std::string_view answer) {
  set_timeouts(fd, 10);
  while (!answer.empty()) {
    ssize_t n = ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    answer.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace orderd
