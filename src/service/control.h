// The running service's control socket, <state_dir>/orderd.sock (AF_UNIX
// stream, mode 0660). orderctl connects, writes one request line ("sync
// orders", "sync tracking", "sync all", "status") and reads one JSON answer
// until the service closes the connection. When nothing listens, orderctl
// does the work itself: the run lock keeps both from touching the same
// files or POs at once.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "util/error.h"

namespace orderd {

std::filesystem::path control_socket_path(const Config& cfg);

// The service's answer; nullopt when no service listens on the socket.
// `timeout_seconds` > 0 gives up waiting for the answer after that long
// (kTransient): for requests that must not hold orderctl up.
std::optional<Result<std::string>> ask_service(const Config& cfg, std::string_view request,
                                               int timeout_seconds = 0);

// Server side: a listening, non-blocking, close-on-exec socket (a stale
// socket file from a killed service is replaced).
Result<int> listen_control(const Config& cfg);
// Reads one request line from an accepted connection (waits at most 2 s).
Result<std::string> read_request(int fd);
// Writes the whole answer (waits at most 10 s for a slow reader).
void write_answer(int fd, std::string_view answer);

}  // namespace orderd
