// Transports deliver documents to a supplier or channel. Every transport is
// one file implementing this interface and listed in registry.cc.
//
// Contract for deliver(): the receiver never sees a partial file under the
// final name, and a file already present under that name with the same
// content counts as delivered (a retry after a lost reply), while different
// content is a kConflict that is never overwritten. Errors are kTransient
// (retry later) or kPermanent/kConflict (give up, tell the operator), and
// their text names the destination. Once the final name is visible at the
// destination the document is delivered: nothing after that may turn into
// an error (it would be sent again), only into Delivered::warning. Not thread-safe; one per run.
//
// Pull side (a channel's `source:`, a supplier's `tracking.pull:`): list()
// the remote folder, fetch() an entry whole, and only after the local copy
// is committed, take_done() moves it to archive_path or deletes it. A
// transport that cannot be pulled from keeps the default methods.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "util/error.h"

namespace orderd {

enum class Presence { kAbsent, kSame, kDifferent };

// A delivery that happened: the receiver has the file under its final name.
// `warning` is what did not go right after that point (a folder fsync that
// failed): reported, never a reason to send again.
struct Delivered {
  std::string warning;
};

// One entry of a remote listing: a file, or (imap) a message.
struct RemoteFile {
  std::string name;        // file name in the folder; imap: the message's UID
  std::int64_t size = -1;  // bytes; -1 unknown
  std::int64_t mtime = 0;  // changes when the file does (seconds; dir: ns); 0 unknown
};

// What fetch() brings: one file, or each attachment of a message.
struct Fetched {
  std::string name;
  std::string content;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<Delivered> deliver(std::string_view name, std::string_view content) = 0;
  // Whether `name` is at the destination, and whether its SHA-256 is `sha256`.
  virtual Result<Presence> check(std::string_view name, std::string_view sha256) = 0;
  // "dir /srv/out/acme", for messages.
  virtual std::string describe() const = 0;

  // Entries ready to look at: regular files, not hidden, not *.part/*.tmp.
  virtual Result<std::vector<RemoteFile>> list();
  virtual Result<std::vector<Fetched>> fetch(const RemoteFile& f);
  // After the local copy is committed: moves `f` to archive_path (or deletes
  // it; imap: flags or moves the message). Idempotent.
  virtual Status take_done(const RemoteFile& f);
  // Whether a listed entry can still be growing (files) or not (messages).
  virtual bool needs_settle() const { return true; }
};

using MakeTransport = Result<std::unique_ptr<Transport>> (*)(const TransportConfig& cfg);

// Creates the transport `cfg.type` names; unknown types list the known ones.
Result<std::unique_ptr<Transport>> make_transport(const TransportConfig& cfg);
bool known_transport(std::string_view type);
std::string known_transports();

// The MIME type of a document by its name (.csv, .xml, .edi/.x12/.850).
const char* document_content_type(std::string_view name);

// Reads the secret a transport names (password_file or ${VAR}); "" if none.
Result<std::string> read_secret(const std::filesystem::path& file, const std::string& env,
                                std::string_view what);

Result<std::unique_ptr<Transport>> make_dir_transport(const TransportConfig& cfg);
Result<std::unique_ptr<Transport>> make_sftp_transport(const TransportConfig& cfg);
Result<std::unique_ptr<Transport>> make_ftp_transport(const TransportConfig& cfg);  // ftp, ftps
Result<std::unique_ptr<Transport>> make_http_transport(const TransportConfig& cfg);
Result<std::unique_ptr<Transport>> make_email_transport(const TransportConfig& cfg);

}  // namespace orderd
