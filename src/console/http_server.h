// An HTTP(S) server for the console, on libmicrohttpd: a thread per
// connection (so a slow page holds up no other), requests handed whole to
// one handler. It knows nothing of orderd's pages.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "util/error.h"

namespace orderd {

struct HttpRequest {
  std::string method, path;  // path without the query
  std::map<std::string, std::string> query, form, cookies;
  std::string client;  // the peer's address ("local" on a Unix socket)
  bool tls = false;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string header(const std::string& lower_name) const;
  std::string arg(const std::string& name) const;  // form first, then query
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  static HttpResponse redirect(std::string to);  // 303 See Other
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  // Listens where `cfg` says (host:port, or a Unix socket made afresh,
  // mode 0660) and serves until destroyed. Errors name the address.
  static Result<std::unique_ptr<HttpServer>> start(const ConsoleConfig& cfg, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "a%20b+c" -> "a b c"; and the form "k=v&k2=v2" into its pairs.
std::string url_decode(std::string_view s);
std::string url_encode(std::string_view s);
std::map<std::string, std::string> parse_form(std::string_view body);

}  // namespace orderd
