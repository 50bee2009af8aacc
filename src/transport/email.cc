// email: SMTP out, IMAP in (libcurl). Being written (issue 4): until then the type is refused.
#include "transport/transport.h"

namespace orderd {

Result<std::unique_ptr<Transport>> make_email_transport(const TransportConfig& cfg) {
  return fail(ErrorKind::kConfig, cfg.where.text + ": the email transport is not built yet");
}

}  // namespace orderd
