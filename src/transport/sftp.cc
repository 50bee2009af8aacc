// SFTP (libssh2). Being written (issue 4): until then the type is refused.
#include "transport/transport.h"

namespace orderd {

Result<std::unique_ptr<Transport>> make_sftp_transport(const TransportConfig& cfg) {
  return fail(ErrorKind::kConfig, cfg.where.text + ": the sftp transport is not built yet");
}

}  // namespace orderd
