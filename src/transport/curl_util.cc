#include "transport/curl_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>

#include "util/limits.h"
#include "util/text.h"

namespace orderd::curl {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

void Slist::add(const std::string& line) {
  curl_slist* grown = curl_slist_append(list_.get(), line.c_str());
  if (grown) {
    (void)list_.release();  // curl_slist_append returned the same list, grown
    list_.reset(grown);
  }
}

Easy::Easy() {
  global_init();
  handle_.reset(curl_easy_init());
}

void Easy::prepare(const Link& link, const char* protocols, const std::string& user,
                   const std::string& password) {
  CURL* h = handle_.get();
  curl_easy_reset(h);  // keeps the live connection, the TLS session and DNS caches
  errbuf_[0] = '\0';
  body_.clear();
  too_big_ = false;
  replies_.clear();
  upload_ = {};
  upload_pos_ = 0;
  set(CURLOPT_ERRORBUFFER, errbuf_);
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_PROTOCOLS_STR, protocols);
  set(CURLOPT_REDIR_PROTOCOLS_STR, protocols);
  // link.timeout bounds the connect, each server answer, and any stall of a
  // transfer (less than 1 byte/s for that long); a big file may take longer.
  const long timeout = link.timeout > 0 ? link.timeout : 30;
  set(CURLOPT_CONNECTTIMEOUT, timeout);
  set(CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout);
  set(CURLOPT_LOW_SPEED_LIMIT, 1L);
  set(CURLOPT_LOW_SPEED_TIME, timeout);
  set(CURLOPT_SSL_VERIFYPEER, link.verify_tls ? 1L : 0L);
  set(CURLOPT_SSL_VERIFYHOST, link.verify_tls ? 2L : 0L);
  if (!link.ca_file.empty()) set(CURLOPT_CAINFO, link.ca_file.c_str());
  if (!user.empty()) {
    set(CURLOPT_USERNAME, user.c_str());
    set(CURLOPT_PASSWORD, password.c_str());
  }
  set(CURLOPT_WRITEFUNCTION, &Easy::on_body);
  set(CURLOPT_WRITEDATA, this);
  set(CURLOPT_HEADERFUNCTION, &Easy::on_reply);
  set(CURLOPT_HEADERDATA, this);
}

void Easy::upload_from(std::string_view data) {
  upload_ = data;
  upload_pos_ = 0;
  set(CURLOPT_READFUNCTION, &Easy::on_read);
  set(CURLOPT_READDATA, this);
}

CURLcode Easy::perform() {
  return curl_easy_perform(handle_.get());
}

std::size_t Easy::on_body(char* p, std::size_t size, std::size_t n, void* self) {
  // Nothing may throw through libcurl: a body past the limit, or memory
  // that runs out, ends the transfer (CURLE_WRITE_ERROR) instead.
  auto* e = static_cast<Easy*>(self);
  const std::size_t k = size * n;
  if (e->body_.size() + k > limits::kFileBytes) {
    e->too_big_ = true;
    return 0;
  }
  try {
    e->body_.append(p, k);
  } catch (const std::exception&) {
    return 0;  // CURLE_WRITE_ERROR: libcurl's own words
  }
  return k;
}

std::size_t Easy::on_reply(char* p, std::size_t size, std::size_t n, void* self) {
  auto* e = static_cast<Easy*>(self);
  if (e->replies_.size() < 10000) e->replies_.emplace_back(p, size * n);
  return size * n;
}

std::size_t Easy::on_read(char* p, std::size_t size, std::size_t n, void* self) {
  auto* e = static_cast<Easy*>(self);
  const std::size_t k = std::min(size * n, e->upload_.size() - e->upload_pos_);
  std::copy_n(e->upload_.data() + e->upload_pos_, k, p);
  e->upload_pos_ += k;
  return k;
}

std::string Easy::last_reply() const {
  // The answer that failed, not the goodbye that follows it when libcurl
  // closes the connection (FTP/SMTP "221", IMAP "* BYE" and "OK Logout").
  const long code = response_code();
  const std::string code_text = std::to_string(code);
  for (auto it = replies_.rbegin(); it != replies_.rend(); ++it) {
    const auto line = trim(*it);
    if (line.empty() || line.starts_with("221") || line.starts_with("* BYE") ||
        line.find(" OK Logout") != std::string_view::npos)
      continue;
    if (code >= 400 && code < 600 && !line.starts_with(code_text)) continue;
    return std::string(line.substr(0, 300));
  }
  return "";
}

long Easy::response_code() const {
  long code = 0;
  curl_easy_getinfo(handle_.get(), CURLINFO_RESPONSE_CODE, &code);
  return code;
}

namespace {

// How each libcurl failure reads and whether a retry may fix it. `connection`
// rows are about reaching the server at all and read "HEAD TAIL" with the
// place named inside; the others read "WHERE: DOING: HEAD TAIL".
// Placeholders: {where}, {user}, {timeout}, {detail} (libcurl's words),
// {said} (the server's last reply, or libcurl's words when it said nothing).
struct Row {
  CURLcode code;
  ErrorKind kind;
  bool connection;
  std::string_view head, tail;
};

constexpr Row kRows[] = {
    {CURLE_COULDNT_RESOLVE_HOST, ErrorKind::kTransient, true, "cannot resolve the host of {where}",
     " ({detail})"},
    {CURLE_COULDNT_CONNECT, ErrorKind::kTransient, true, "cannot connect to {where}",
     " ({detail}); is the server up and the port right?"},
    {CURLE_LOGIN_DENIED, ErrorKind::kPermanent, true, "login failed for user {user} at {where}",
     " ({said}); check user and the password"},
    {CURLE_PEER_FAILED_VERIFICATION, ErrorKind::kPermanent, true,
     "the TLS certificate of {where} is not trusted",
     " ({detail}); set ca_file to the CA that signed the server's certificate"},
    {CURLE_SSL_CACERT_BADFILE, ErrorKind::kPermanent, true, "cannot use ca_file for {where}",
     " ({detail})"},
    {CURLE_USE_SSL_FAILED, ErrorKind::kPermanent, true, "{where} does not offer TLS",
     " ({said}); orderd never sends a login or a document in clear text"},
    {CURLE_SSL_CONNECT_ERROR, ErrorKind::kTransient, true, "the TLS handshake with {where} failed",
     " ({detail})"},
    {CURLE_OPERATION_TIMEDOUT, ErrorKind::kTransient, false, "no answer within {timeout} s", ""},
    {CURLE_SEND_ERROR, ErrorKind::kTransient, false, "connection lost", " ({detail})"},
    {CURLE_RECV_ERROR, ErrorKind::kTransient, false, "connection lost", " ({detail})"},
    {CURLE_GOT_NOTHING, ErrorKind::kTransient, false, "connection lost",
     " (the server closed it without an answer)"},
    {CURLE_PARTIAL_FILE, ErrorKind::kTransient, false, "connection lost mid-transfer",
     " ({detail})"},
    {CURLE_FTP_ACCEPT_TIMEOUT, ErrorKind::kTransient, false, "the data connection failed",
     " ({detail})"},
    {CURLE_FTP_WEIRD_PASV_REPLY, ErrorKind::kTransient, false, "passive mode failed", " ({said})"},
    {CURLE_FTP_CANT_GET_HOST, ErrorKind::kTransient, false, "passive mode failed", " ({detail})"},
    {CURLE_REMOTE_FILE_NOT_FOUND, ErrorKind::kNotFound, false, "not found", " ({said})"},
    {CURLE_REMOTE_ACCESS_DENIED, ErrorKind::kPermanent, false, "access denied", " ({said})"},
    {CURLE_URL_MALFORMAT, ErrorKind::kConfig, false, "bad address", " ({detail})"},
    {CURLE_UNSUPPORTED_PROTOCOL, ErrorKind::kConfig, false, "unsupported address", " ({detail})"},
};

std::string fill(std::string_view text, const Easy& easy, const Place& place) {
  std::string out(text);
  auto replace = [&](std::string_view key, const std::string& value) {
    for (auto at = out.find(key); at != std::string::npos; at = out.find(key, at + value.size()))
      out.replace(at, key.size(), value);
  };
  std::string detail = easy.detail();
  if (detail.empty()) detail = "no detail from libcurl";
  const std::string reply = easy.last_reply();
  replace("{where}", place.where);
  replace("{user}", place.user);
  replace("{timeout}", std::to_string(place.timeout));
  replace("{said}", reply.empty() ? detail : fmt::format("the server said \"{}\"", reply));
  replace("{detail}", detail);
  return out;
}

}  // namespace

Error failure(const Easy& easy, CURLcode rc, const Place& place, std::string_view doing) {
  // libcurl reports a refused SMTP recipient or sender as a send error; the
  // server's reply code tells it from a lost connection.
  const bool refused = (rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR) &&
                       easy.response_code() >= 400 && easy.response_code() < 600;
  if (easy.body_too_big()) return file_too_big(place.where, doing);
  for (const auto& row : kRows) {
    if (refused) break;
    if (row.code != rc) continue;
    const auto head = fill(row.head, easy, place), tail = fill(row.tail, easy, place);
    if (row.connection) return Error(row.kind, head + tail);
    return Error(row.kind, fmt::format("{}: {}: {}{}", place.where, doing, head, tail));
  }
  // Anything else: the server's reply code decides (FTP and SMTP: 4xx means
  // "try again later", 5xx "will not work"); without one, retry.
  const long code = easy.response_code();
  const std::string reply = easy.last_reply();
  const ErrorKind kind = code >= 500 && code < 600 ? ErrorKind::kPermanent : ErrorKind::kTransient;
  const std::string why =
      !reply.empty()
          ? fmt::format("the server said \"{}\"", reply)
          : (easy.detail().empty() ? std::string(curl_easy_strerror(rc)) : easy.detail());
  return Error(kind, fmt::format("{}: {}: {}{}", place.where, doing, why,
                                 kind == ErrorKind::kTransient ? "" : ""));
}

std::string without_credentials(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const auto host_end = url.find_first_of("/?#", scheme + 3);
  const auto at = url.substr(0, host_end).rfind('@');
  if (at == std::string_view::npos || at < scheme) return std::string(url);
  return std::string(url.substr(0, scheme + 3)) + std::string(url.substr(at + 1));
}

}  // namespace orderd::curl
