#include "console/http_server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <microhttpd.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/fs.h"

namespace orderd {

std::string HttpRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string HttpRequest::arg(const std::string& name) const {
  if (auto it = form.find(name); it != form.end()) return it->second;
  if (auto it = query.find(name); it != query.end()) return it->second;
  return {};
}

HttpResponse HttpResponse::redirect(std::string to) {
  HttpResponse r;
  r.status = 303;
  r.headers.emplace_back("Location", std::move(to));
  return r;
}

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string url_encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::map<std::string, std::string> parse_form(std::string_view body) {
  std::map<std::string, std::string> out;
  while (!body.empty()) {
    auto amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    out[url_decode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1));
  }
  return out;
}

namespace {

constexpr std::size_t kMaxBody = 256 * 1024;  // a form; nothing bigger is posted

struct Pending {
  std::string body;
  bool too_big = false;
};

}  // namespace

struct HttpServer::Impl {
  HttpHandler handler;
  MHD_Daemon* daemon = nullptr;
  bool tls = false;
  std::string cert, key;
  std::filesystem::path socket_path;

  // No exception may cross into libmicrohttpd's C: one ends the connection.
  static MHD_Result on_request(void* cls, MHD_Connection* c, const char* url, const char* method,
                               const char* version, const char* upload, size_t* upload_size,
                               void** con_cls) {
    try {
      return serve(static_cast<Impl*>(cls), c, url, method, version, upload, upload_size, con_cls);
    } catch (...) {
      return MHD_NO;
    }
  }

  static MHD_Result serve(Impl* self, MHD_Connection* c, const char* url, const char* method,
                          const char*, const char* upload, size_t* upload_size, void** con_cls) {
    if (!*con_cls) {
      *con_cls = new Pending;
      return MHD_YES;
    }
    auto* p = static_cast<Pending*>(*con_cls);
    if (*upload_size) {
      if (p->body.size() + *upload_size > kMaxBody)
        p->too_big = true;
      else
        p->body.append(upload, *upload_size);
      *upload_size = 0;
      return MHD_YES;
    }
    HttpRequest req;
    req.method = method;
    req.path = url;
    req.tls = self->tls;
    auto collect = [](void* into, MHD_ValueKind, const char* k, const char* v) -> MHD_Result {
      (*static_cast<std::map<std::string, std::string>*>(into))[k] = v ? v : "";
      return MHD_YES;
    };
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect, &req.query);
    MHD_get_connection_values(c, MHD_COOKIE_KIND, collect, &req.cookies);
    std::map<std::string, std::string> raw;
    MHD_get_connection_values(c, MHD_HEADER_KIND, collect, &raw);
    for (auto& [k, v] : raw) {
      std::string lower = k;
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      req.headers[lower] = v;
    }
    req.client = "local";
    if (const auto* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        info && info->client_addr && info->client_addr->sa_family != AF_UNIX) {
      char host[NI_MAXHOST] = "";
      const socklen_t len =
          info->client_addr->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
      if (getnameinfo(info->client_addr, len, host, sizeof host, nullptr, 0, NI_NUMERICHOST) == 0)
        req.client = host;
    }
    HttpResponse res;
    if (p->too_big) {
      res.status = 413;
      res.content_type = "text/plain; charset=utf-8";
      res.body = "the form is too big\n";
    } else {
      if (req.header("content-type").starts_with("application/x-www-form-urlencoded"))
        req.form = parse_form(p->body);
      try {
        res = self->handler(req);
      } catch (const std::exception& e) {
        res = {};
        res.status = 500;
        res.content_type = "text/plain; charset=utf-8";
        res.body = fmt::format("internal error: {}\n", e.what());
      }
    }
    MHD_Response* r =
        MHD_create_response_from_buffer(res.body.size(), res.body.data(), MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    // A header MHD refuses (a newline in it) must not leave, say, a
    // redirect without its Location: nothing is sent but an error.
    bool headers_ok =
        MHD_add_response_header(r, "Content-Type", res.content_type.c_str()) == MHD_YES;
    for (const auto& [k, v] : res.headers)
      headers_ok = headers_ok && MHD_add_response_header(r, k.c_str(), v.c_str()) == MHD_YES;
    if (!headers_ok) {
      MHD_destroy_response(r);
      static constexpr char kBad[] = "internal error: a response header was refused\n";
      r = MHD_create_response_from_buffer(sizeof kBad - 1, const_cast<char*>(kBad),
                                          MHD_RESPMEM_PERSISTENT);
      if (!r) return MHD_NO;
      res.status = 500;
    }
    const MHD_Result ok = MHD_queue_response(c, static_cast<unsigned>(res.status), r);
    MHD_destroy_response(r);
    return ok;
  }

  static void on_done(void*, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode) {
    delete static_cast<Pending*>(*con_cls);
    *con_cls = nullptr;
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  if (impl_->daemon) MHD_stop_daemon(impl_->daemon);
  if (!impl_->socket_path.empty()) ::unlink(impl_->socket_path.c_str());
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(const ConsoleConfig& cfg,
                                                      HttpHandler handler) {
  auto impl = std::make_unique<Impl>();
  impl->handler = std::move(handler);
  // poll(), not select(): a service with many files open has descriptors past 1023.
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
  if (cfg.tls()) {
    auto cert = read_file(cfg.cert_file, 1 << 20);
    if (!cert) return std::unexpected(cert.error());
    auto key = read_file(cfg.key_file, 1 << 20);
    if (!key) return std::unexpected(key.error());
    impl->cert = std::move(*cert);
    impl->key = std::move(*key);
    impl->tls = true;
    flags |= MHD_USE_TLS;
  }
  int fd = -1;
  sockaddr_storage addr{};
  if (cfg.unix_socket()) {
    sockaddr_un un{};
    if (cfg.listen.size() >= sizeof un.sun_path)
      return fail(
          ErrorKind::kConfig,
          fmt::format("console.listen: {} is longer than a socket path may be", cfg.listen));
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    un.sun_family = AF_UNIX;
    std::memcpy(un.sun_path, cfg.listen.c_str(), cfg.listen.size());
    ::unlink(cfg.listen.c_str());  // a socket left by a crash
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&un), sizeof un) != 0 ||
        ::chmod(cfg.listen.c_str(), 0660) != 0 || ::listen(fd, 64) != 0) {
      const std::string why = std::strerror(errno);
      if (fd >= 0) ::close(fd);
      return fail(ErrorKind::kIo, fmt::format("console: cannot listen on {}: {}", cfg.listen, why));
    }
    impl->socket_path = cfg.listen;
  } else {
    const auto where = parse_listen(cfg.listen);
    if (!where) return fail(ErrorKind::kConfig, fmt::format("console.listen: '{}'", cfg.listen));
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    const std::string port = std::to_string(where->port);
    if (int rc = getaddrinfo(where->host.c_str(), port.c_str(), &hints, &res); rc != 0 || !res)
      return fail(ErrorKind::kConfig, fmt::format("console.listen: cannot resolve {}: {}",
                                                  where->host, gai_strerror(rc)));
    std::memcpy(&addr, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    if (addr.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
  }
  std::vector<MHD_OptionItem> opts;
  opts.push_back(
      {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&Impl::on_done), nullptr});
  opts.push_back({MHD_OPTION_CONNECTION_TIMEOUT, 60, nullptr});
  opts.push_back({MHD_OPTION_CONNECTION_LIMIT, 64, nullptr});
  opts.push_back({MHD_OPTION_PER_IP_CONNECTION_LIMIT, 32, nullptr});
  if (fd >= 0)
    opts.push_back({MHD_OPTION_LISTEN_SOCKET, fd, nullptr});
  else
    opts.push_back({MHD_OPTION_SOCK_ADDR, 0, &addr});
  if (impl->tls) {
    opts.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, impl->cert.data()});
    opts.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, impl->key.data()});
  }
  opts.push_back({MHD_OPTION_END, 0, nullptr});
  impl->daemon = MHD_start_daemon(flags, 0, nullptr, nullptr, &Impl::on_request, impl.get(),
                                  MHD_OPTION_ARRAY, opts.data(), MHD_OPTION_END);
  if (!impl->daemon) {
    // A socket handed over with MHD_OPTION_LISTEN_SOCKET is closed by MHD
    // when it fails to start; closing it again could close another file.
    return fail(ErrorKind::kIo,
                fmt::format("console: cannot listen on {} ({}): is another program on that "
                            "port, or the certificate or key not PEM?",
                            cfg.listen, std::strerror(errno)));
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

}  // namespace orderd
