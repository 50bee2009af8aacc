// Shared libcurl plumbing for the ftp, http and email transports: one easy
// handle per transport object (so its connection is reused from one file to
// the next), the options every request shares (timeouts, TLS, login), the
// capture of what the server said, and the one table that turns a failed
// request into an Error in an operator's words, transient or not.
//
// Not thread-safe: an Easy belongs to one transport, used by one thread.
// Secrets (passwords, tokens) are handed to libcurl and never appear in an
// error text; URLs passed here must not carry credentials.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "transport/options.h"
#include "util/error.h"

namespace orderd::curl {

// curl_global_init, once per process; called by Easy's constructor.
void global_init();

// An owned curl_slist (headers, quote commands, recipients).
class Slist {
 public:
  void add(const std::string& line);
  curl_slist* get() const { return list_.get(); }

 private:
  struct Free {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
  };
  std::unique_ptr<curl_slist, Free> list_;
};

// Where requests go, for messages: "ftp 127.0.0.1:2121" and the login name.
struct Place {
  std::string where;  // protocol, host and port: "ftp 127.0.0.1:2121"
  std::string user;   // "" when there is no login
  int timeout = 30;   // seconds, for "no answer within N s"
};

// What every request of a transport shares: the timeout (connect, each
// answer, and a stall) and how the server's certificate is checked.
struct Link {
  int timeout = 30;  // seconds
  bool verify_tls = true;
  std::filesystem::path ca_file;  // empty: the system's CAs
};

// One reusable libcurl easy handle. Each request starts with prepare(), which
// clears the options of the previous request but keeps the live connection.
class Easy {
 public:
  Easy();
  Easy(const Easy&) = delete;
  Easy& operator=(const Easy&) = delete;

  CURL* get() const { return handle_.get(); }
  template <class T>
  void set(CURLoption opt, T value) {
    curl_easy_setopt(handle_.get(), opt, value);
  }

  // Resets the handle and sets what every request shares: `protocols` (the
  // only ones allowed, "ftp" or "http,https"), timeouts and TLS
  // verification from `link`, the login (when `user` is not empty), and the
  // capture of the body and of the server's replies.
  void prepare(const Link& link, const char* protocols, const std::string& user,
               const std::string& password);

  // Sends `data` as the upload (ftp STOR, smtp) or the POST body; `data`
  // must outlive perform().
  void upload_from(std::string_view data);

  CURLcode perform();

  // What the last request received: the body (downloads, listings, IMAP
  // untagged answers) and the server's reply lines (FTP/SMTP/IMAP control
  // lines, HTTP status and headers).
  const std::string& body() const { return body_; }
  std::string take_body() { return std::move(body_); }
  // The last reply line, e.g. "550 Not enough privileges." ("" if none).
  std::string last_reply() const;
  long response_code() const;
  // libcurl's detail for the last failure ("" if none).
  std::string detail() const { return errbuf_; }
  // Whether the last request was stopped because its body passed
  // limits::kFileBytes (a remote file, or a reply, orderd will not hold).
  bool body_too_big() const { return too_big_; }

 private:
  static std::size_t on_body(char* p, std::size_t size, std::size_t n, void* self);
  static std::size_t on_reply(char* p, std::size_t size, std::size_t n, void* self);
  static std::size_t on_read(char* p, std::size_t size, std::size_t n, void* self);

  struct Free {
    void operator()(CURL* h) const { curl_easy_cleanup(h); }
  };
  std::unique_ptr<CURL, Free> handle_;
  char errbuf_[CURL_ERROR_SIZE] = {};
  std::string body_;
  bool too_big_ = false;
  std::vector<std::string> replies_;
  std::string_view upload_;
  std::size_t upload_pos_ = 0;
};

// The Error for a failed request, from the one table in curl_util.cc: what
// failed (`doing`, e.g. "cannot write .x.part in remote folder out"), where,
// and why in the server's or libcurl's words. Connection-level failures
// (cannot connect, login refused, untrusted certificate) are worded without
// `doing`, since they are the same whatever was being done. Transient when a
// retry may fix it (network, timeouts, 4xx replies), permanent otherwise.
Error failure(const Easy& easy, CURLcode rc, const Place& place, std::string_view doing);

// "user:pass@" removed from a URL, for messages.
std::string without_credentials(std::string_view url);

}  // namespace orderd::curl
