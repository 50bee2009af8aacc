// FTP and FTPS (libcurl). Being written (issue 4): until then the type is refused.
#include "transport/transport.h"

namespace orderd {

Result<std::unique_ptr<Transport>> make_ftp_transport(const TransportConfig& cfg) {
  return fail(ErrorKind::kConfig, cfg.where.text + ": the ftp transport is not built yet");
}

}  // namespace orderd
