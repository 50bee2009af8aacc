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
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "transport/options.h"
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
  // Whether check() can tell a delivered file (http and email cannot: they
  // always answer kAbsent, so only orderd's own outbound copy can).
  virtual bool can_check() const { return true; }
};

using MakeTransport = Result<std::unique_ptr<Transport>> (*)(const TransportConfig& cfg);

enum class TransportUse { kDeliver, kPull };

// What a transport's own check finds in a block: errors refuse the
// configuration; warnings are printed by --check-config and logged.
struct TransportFindings {
  std::vector<std::string> errors, warnings;
};

// What a transport is, declared in its own file and listed in registry.cc:
// its type name, whether it can be pulled from, its own keys (a typed
// options table), the rules between them the table cannot say (one of two
// keys, a key needed only to send), and how to make one. config/ reads a
// transport block by this, and nothing else about transports.
struct TransportKind {
  std::string_view name;  // the `type:` that selects it
  std::string_view doc;   // one line for the reference
  bool can_pull = false;
  std::span<const OptionSpec> keys;
  MakeTransport make = nullptr;
  // What the table cannot say about a block read by `keys` (each finding
  // naming its place), for `use`; nullptr: nothing more.
  void (*check)(const TransportConfig& cfg, TransportUse use, TransportFindings& out) = nullptr;
};

// The keys every transport takes, and those of every one that can be pulled from.
std::span<const OptionSpec> common_transport_keys();
std::span<const OptionSpec> pull_transport_keys();

std::span<const TransportKind* const> transport_kinds();
const TransportKind* find_transport(std::string_view type);
std::string known_transports();

// Creates the transport `cfg.type` names; unknown types list the known ones.
Result<std::unique_ptr<Transport>> make_transport(const TransportConfig& cfg);

// The MIME type of a document by its name (.csv, .xml, .edi/.x12/.850).
const char* document_content_type(std::string_view name);

// Reads the secret a transport names (password_file or ${VAR}); "" if none.
Result<std::string> read_secret(const std::filesystem::path& file, const std::string& env,
                                std::string_view what);

extern const TransportKind kDirTransport;
extern const TransportKind kSftpTransport;
extern const TransportKind kFtpTransport;  // and kFtpsTransport, explicit TLS
extern const TransportKind kFtpsTransport;
extern const TransportKind kHttpTransport;
extern const TransportKind kEmailTransport;

}  // namespace orderd
