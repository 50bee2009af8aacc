// HTTP(S) POST through libcurl: each document is one POST of its bytes to
// the url, with its name in X-Orderd-Document, the headers, and a bearer
// token when token_file or token names one. A 2xx answer is a delivery.
//
// An HTTP endpoint cannot be asked whether it already has a document, so
// check() answers kAbsent and an interrupted delivery is sent again. What
// makes that safe is the receiver's: the repeat carries the same document
// name (X-Orderd-Document), the same PO numbers and, for X12, the same
// interchange and group control numbers, by which the supplier recognises
// a repeat.
#include <fmt/format.h>

#include "transport/curl_util.h"
#include "transport/transport.h"
#include "util/text.h"

namespace orderd {
namespace {

// Which answers a retry may fix (fluent-bit's out_http rule): 408 and 429
// and every 5xx are the server's passing trouble; any other 4xx (and a 3xx,
// since orderd does not re-POST to another address) will not change.
ErrorKind kind_of_status(long status) {
  if (status == 408 || status == 429 || status >= 500) return ErrorKind::kTransient;
  return ErrorKind::kPermanent;
}

// The start of an answer's body, on one line, for an error message.
std::string body_excerpt(std::string_view body) {
  std::string out;
  for (const char c : body.substr(0, 200)) out += (c == '\r' || c == '\n' || c == '\t') ? ' ' : c;
  out = std::string(trim(out));
  if (body.size() > 200) out += "...";
  return out;
}

struct HttpOptions {
  std::string url;
  Headers headers;
  std::filesystem::path token_file;
  std::string token_env;
  bool verify_tls = true;
  std::filesystem::path ca_file;
};

using enum OptionType;

constexpr Option<HttpOptions> kOptions[] = {
    {{"url", kText, "required", "the URL each document is POSTed to", true, "", 0, 0},
     &HttpOptions::url},
    {{"headers", kMap, "{}",
      "extra request headers (name: value; the name an HTTP token, the value one line)", false, "",
      0, 0},
     &HttpOptions::headers},
    {{"token_file", kFile, "none", "file holding a bearer token (Authorization header)", false, "",
      0, 0},
     &HttpOptions::token_file},
    {{"token", kSecret, "none", "only as ${ENV_VAR}: the bearer token from the environment", false,
      "", 0, 0},
     &HttpOptions::token_env},
    {{"verify_tls", kBool, "true", "https: verify the server's certificate and name", false, "", 0,
      0},
     &HttpOptions::verify_tls},
    {{"ca_file", kFile, "system CAs", "https: CA bundle to verify the server with", false, "", 0,
      0},
     &HttpOptions::ca_file},
};
constexpr auto kKeys = specs_of(kOptions);

class HttpTransport final : public Transport {
 public:
  HttpTransport(const TransportConfig& cfg, HttpOptions o) : cfg_(cfg), o_(std::move(o)) {
    shown_url_ = curl::without_credentials(o_.url);
    place_.where = shown_url_;
    place_.timeout = cfg.timeout;
    link_ = {cfg.timeout, o_.verify_tls, o_.ca_file};
  }

  std::string describe() const override { return "http POST " + shown_url_; }

  Result<Delivered> deliver(std::string_view name, std::string_view content) override {
    if (name.find_first_of("\r\n") != std::string_view::npos)
      return fail(ErrorKind::kInvalid, fmt::format("{}: bad document name", describe()));
    auto token = read_secret(o_.token_file, o_.token_env, "HTTP bearer token");
    if (!token) return std::unexpected(token.error().with_context(cfg_.where.text));

    easy_.prepare(link_, "http,https", "", "");
    curl::Slist headers;
    headers.add(std::string("Content-Type: ") + document_content_type(name));
    headers.add(fmt::format("X-Orderd-Document: {}", name));
    for (const auto& [key, value] : o_.headers) headers.add(key + ": " + value);
    if (!token->empty()) headers.add("Authorization: Bearer " + *token);
    headers.add("Expect:");  // no 100-continue round trip
    easy_.set(CURLOPT_URL, o_.url.c_str());
    easy_.set(CURLOPT_POST, 1L);
    easy_.set(CURLOPT_POSTFIELDS, content.data());
    easy_.set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(content.size()));
    easy_.set(CURLOPT_HTTPHEADER, headers.get());
    easy_.set(CURLOPT_FOLLOWLOCATION, 0L);
    const CURLcode rc = easy_.perform();
    if (rc != CURLE_OK)
      return std::unexpected(curl::failure(easy_, rc, place_, fmt::format("cannot POST {}", name)));
    const long status = easy_.response_code();
    if (status >= 200 && status < 300) return {};
    const auto kind = kind_of_status(status);
    const auto excerpt = body_excerpt(easy_.body());
    return fail(kind, fmt::format("HTTP {} from {} for {}{}", status, shown_url_, name,
                                  excerpt.empty() ? "" : ": " + excerpt));
  }

  // See the file comment: the receiver recognises a repeat, orderd cannot ask.
  Result<Presence> check(std::string_view, std::string_view) override { return Presence::kAbsent; }
  bool can_check() const override { return false; }

 private:
  TransportConfig cfg_;
  HttpOptions o_;
  curl::Link link_;
  std::string shown_url_;
  curl::Place place_;
  curl::Easy easy_;
};

Result<std::unique_ptr<Transport>> make(const TransportConfig& cfg) {
  auto o = bind(cfg, kOptions);
  if (o.url.empty())
    return fail(ErrorKind::kConfig, cfg.where.text + ".url: the http transport needs a url");
  std::unique_ptr<Transport> t = std::make_unique<HttpTransport>(cfg, std::move(o));
  return t;
}

}  // namespace

const TransportKind kHttpTransport = {
    "http", "an HTTP(S) POST of each document", false, kKeys, make, nullptr};

}  // namespace orderd
