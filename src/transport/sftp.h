// SFTP helpers for the operator's `orderctl trust-host SUPPLIER`: fetch the
// server's host key (without logging in) and add it to a known_hosts file.
// The transport itself is made through make_sftp_transport() (transport.h).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "transport/options.h"
#include "util/error.h"

namespace orderd {

// The key an SFTP server presented.
struct SftpHostKey {
  std::string line;  // known_hosts line: "[host]:port ssh-ed25519 AAAA..." ("host ..." on 22)
  std::string type;  // "ssh-ed25519", "ecdsa-sha2-nistp256", ...
  std::string fingerprint;  // as OpenSSH shows it: "SHA256:" + unpadded base64
};

// Where an sftp block connects, and the file its host keys are trusted in.
struct SftpServer {
  std::string host;
  int port = 22;
  std::filesystem::path known_hosts;
};
SftpServer sftp_server(const TransportConfig& cfg);

// Connects to the block's host and port and returns the key it presents, unverified
// (the caller shows the fingerprint to the operator). Errors are kTransient
// (cannot connect) or kPermanent (not an SSH server).
Result<SftpHostKey> sftp_host_key(const TransportConfig& cfg);

// sftp_host_key(cfg)->line.
Result<std::string> sftp_host_key_line(const TransportConfig& cfg);

// Appends the server's key line to `known_hosts` (created 0644 with its folder
// if missing). Already trusted: nothing to do. A different key already listed
// for that host is refused (kRefused): the operator removes the old line first.
// With `expected_fingerprint` ("SHA256:..."), a server presenting another key
// on this connection is refused too (kRefused), so what is written is what the
// operator checked.
Status sftp_trust_host(const TransportConfig& cfg, const std::filesystem::path& known_hosts,
                       std::string_view expected_fingerprint = {});

}  // namespace orderd
