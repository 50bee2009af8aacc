// email through libcurl: documents go out by SMTP (smtp:// with STARTTLS
// required, or smtps://), tracking comes in by IMAP (imap:// with STARTTLS
// required, or imaps://), each attachment of a message being one file.
//
// Out: one message per document, From `from`, To `to`, the subject from
// `subject`, the document attached and/or as the text (`body`).
// Its Message-ID is made from the document's name and SHA-256, so a resend
// after an interrupted run carries the same Message-ID and the receiver (or
// its mail system) can recognise the repeat: SMTP gives no way to ask a
// mailbox what it holds, so check() answers kAbsent.
//
// In: list() gives the UIDs of messages to take (imap_after flag: those not
// \Seen; move: all not \Deleted), fetch() one message's attachments, and
// take_done() flags it \Seen or moves it to archive_path.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <optional>

#include "transport/curl_util.h"
#include "transport/transport.h"
#include "util/hash.h"
#include "util/text.h"

namespace orderd {
namespace {

// ---- A small MIME reader: enough to find the attachments of a message ----

struct Part {
  std::map<std::string, std::string> headers;  // lower-case name -> unfolded value
  std::string_view body;
};

Part split_part(std::string_view raw) {
  Part p;
  std::string* last = nullptr;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    const auto nl = raw.find('\n', pos);
    const auto end = nl == std::string_view::npos ? raw.size() : nl;
    auto line = raw.substr(pos, end - pos);
    pos = nl == std::string_view::npos ? raw.size() : nl + 1;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) break;  // the blank line: the body follows
    if ((line.front() == ' ' || line.front() == '\t') && last) {
      *last += " " + std::string(trim(line));  // a folded header continues
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    last = &(p.headers[to_lower(trim(line.substr(0, colon)))] =
                 std::string(trim(line.substr(colon + 1))));
  }
  p.body = raw.substr(std::min(pos, raw.size()));
  return p;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string decode_base64(std::string_view s) {
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (const char c : s) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    if (c >= '0' && c <= '9') v = c - '0' + 52;
    if (c == '+') v = 62;
    if (c == '/') v = 63;
    if (c == '=') break;
    if (v < 0) continue;  // line breaks and other noise
    bits = (bits << 6) | static_cast<unsigned>(v);
    if (++count == 4) {
      out += static_cast<char>((bits >> 16) & 0xff);
      out += static_cast<char>((bits >> 8) & 0xff);
      out += static_cast<char>(bits & 0xff);
      bits = 0;
      count = 0;
    }
  }
  if (count == 2) out += static_cast<char>((bits >> 4) & 0xff);
  if (count == 3) {
    out += static_cast<char>((bits >> 10) & 0xff);
    out += static_cast<char>((bits >> 2) & 0xff);
  }
  return out;
}

// Quoted-printable (RFC 2045 6.7); `underscore_space` for RFC 2047's Q.
std::string decode_qp(std::string_view s, bool underscore_space = false) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '=') {
      if (i + 2 < s.size() && s[i + 1] == '\r' && s[i + 2] == '\n') {
        i += 2;  // soft line break
      } else if (i + 1 < s.size() && s[i + 1] == '\n') {
        i += 1;
      } else if (i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
        out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
        i += 2;
      } else {
        out += c;
      }
    } else if (c == '_' && underscore_space) {
      out += ' ';
    } else if (c == ' ' || c == '\t') {
      // Trailing blanks before a line break were added in transport.
      const auto next = s.find_first_not_of(" \t", i);
      if (next != std::string_view::npos && s[next] != '\r' && s[next] != '\n')
        out.append(s.substr(i, next - i));
      i = (next == std::string_view::npos ? s.size() : next) - 1;
    } else {
      out += c;
    }
  }
  return out;
}

// RFC 2047 encoded words ("=?UTF-8?B?...?=") decoded; the bytes are kept
// in their charset (UTF-8 in practice).
std::string decode_words(std::string_view s) {
  std::string out;
  bool after_word = false;
  while (!s.empty()) {
    const auto start = s.find("=?");
    std::size_t q1 = start == std::string_view::npos ? start : s.find('?', start + 2);
    std::size_t q2 = q1 == std::string_view::npos ? q1 : s.find('?', q1 + 1);
    std::size_t end = q2 == std::string_view::npos ? q2 : s.find("?=", q2 + 1);
    if (end == std::string_view::npos || q2 != q1 + 2) {
      out.append(s);
      break;
    }
    const auto between = s.substr(0, start);
    if (!(after_word && trim(between).empty())) out.append(between);  // blanks between words go
    const char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(s[q1 + 1])));
    const auto text = s.substr(q2 + 1, end - q2 - 1);
    out += enc == 'B' ? decode_base64(text) : decode_qp(text, true);
    after_word = true;
    s.remove_prefix(end + 2);
  }
  return out;
}

// "attachment; filename=\"a.csv\"" -> value "attachment", params {filename: a.csv}.
// RFC 2231 forms (name*=utf-8''a%20b.csv, name*0= name*1=) are joined and decoded.
struct HeaderValue {
  std::string value;
  std::map<std::string, std::string> params;
};

HeaderValue parse_header_value(std::string_view v) {
  HeaderValue out;
  std::vector<std::string> pieces;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (quoted && c == '\\' && i + 1 < v.size()) {
      cur += v[++i];
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ';' && !quoted) {
      pieces.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  pieces.push_back(cur);
  out.value = to_lower(trim(pieces[0]));
  std::map<std::string, std::map<int, std::pair<bool, std::string>>> continued;
  for (std::size_t i = 1; i < pieces.size(); ++i) {
    const auto eq = pieces[i].find('=');
    if (eq == std::string::npos) continue;
    std::string key = to_lower(trim(std::string_view(pieces[i]).substr(0, eq)));
    const std::string val(trim(std::string_view(pieces[i]).substr(eq + 1)));
    const bool extended = key.ends_with('*');
    if (extended) key.pop_back();
    int index = 0;
    if (const auto star = key.find('*'); star != std::string::npos) {
      index = static_cast<int>(parse_quantity(key.substr(star + 1)).value_or(0));
      key.resize(star);
    }
    continued[key][index] = {extended, val};
  }
  for (const auto& [key, segments] : continued) {
    std::string joined;
    for (const auto& [index, seg] : segments) {
      std::string_view text = seg.second;
      if (seg.first) {  // charset'language'percent-encoded (charset only in the first)
        if (index == 0)
          if (const auto a = text.find('\''), b = text.find('\'', a + 1);
              a != std::string_view::npos && b != std::string_view::npos)
            text.remove_prefix(b + 1);
        for (std::size_t i = 0; i < text.size(); ++i) {
          if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
              hex_value(text[i + 2]) >= 0) {
            joined += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
          } else {
            joined += text[i];
          }
        }
      } else {
        joined += text;
      }
    }
    out.params[key] = joined;
  }
  return out;
}

// The parts of a multipart body between its "--boundary" lines.
std::vector<std::string_view> split_multipart(std::string_view body, std::string_view boundary) {
  const std::string delimiter = "--" + std::string(boundary);
  std::vector<std::string_view> parts;
  std::optional<std::size_t> open;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const auto nl = body.find('\n', pos);
    auto line = body.substr(pos, (nl == std::string_view::npos ? body.size() : nl) - pos);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.starts_with(delimiter)) {
      auto rest = line.substr(delimiter.size());
      const bool close = rest.starts_with("--");
      if (close) rest.remove_prefix(2);
      if (trim(rest).empty()) {
        if (open) {  // the line break before a delimiter belongs to it
          std::size_t end = pos;
          if (end > *open && body[end - 1] == '\n') --end;
          if (end > *open && body[end - 1] == '\r') --end;
          parts.push_back(body.substr(*open, end - *open));
        }
        if (close) return parts;
        open = nl == std::string_view::npos ? body.size() : nl + 1;
      }
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  if (open) parts.push_back(body.substr(*open));  // no closing delimiter: keep what came
  return parts;
}

std::string header(const Part& p, const std::string& name) {
  const auto it = p.headers.find(name);
  return it == p.headers.end() ? "" : it->second;
}

// Appends the attachments found in `raw` (a message or a part) to `out`.
void collect_attachments(std::string_view raw, std::vector<Fetched>& out, int depth = 0) {
  const Part part = split_part(raw);
  const auto type = parse_header_value(header(part, "content-type"));
  if (type.value.starts_with("multipart/") && depth < 20) {
    const auto b = type.params.find("boundary");
    if (b != type.params.end() && !b->second.empty()) {
      for (const auto sub : split_multipart(part.body, b->second))
        collect_attachments(sub, out, depth + 1);
      return;
    }
  }
  const auto disposition = parse_header_value(header(part, "content-disposition"));
  std::string name = disposition.params.contains("filename") ? disposition.params.at("filename")
                     : type.params.contains("name")          ? type.params.at("name")
                                                             : "";
  // Text without a file name is the message itself, not an attachment.
  if (disposition.value != "attachment" && name.empty()) return;
  name = decode_words(name);
  if (const auto slash = name.find_last_of("/\\"); slash != std::string::npos)
    name = name.substr(slash + 1);
  if (name.empty()) name = fmt::format("attachment-{}", out.size() + 1);
  const auto encoding = to_lower(trim(header(part, "content-transfer-encoding")));
  std::string content = encoding == "base64"             ? decode_base64(part.body)
                        : encoding == "quoted-printable" ? decode_qp(part.body)
                                                         : std::string(part.body);
  out.push_back({std::move(name), std::move(content)});
}

// ---- Building the outgoing message ----

std::string one_line(std::string_view s) {
  std::string out;
  for (const char c : s) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

// A header text as RFC 2047 base64 words when it is not plain ASCII.
std::string header_text(std::string_view s) {
  const bool ascii =
      std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return std::string(s);
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  // Words of at most 45 bytes (60 base64 characters, 72 with the marks,
  // within RFC 2047's 75), each holding whole characters; a reader joins
  // adjacent encoded words without the space between them.
  std::string out;
  while (!s.empty()) {
    const std::string_view part = utf8_prefix(s, 45).empty() ? s.substr(0, 1) : utf8_prefix(s, 45);
    s.remove_prefix(part.size());
    std::string b64;
    for (std::size_t i = 0; i < part.size(); i += 3) {
      unsigned v = static_cast<unsigned char>(part[i]) << 16;
      if (i + 1 < part.size()) v |= static_cast<unsigned char>(part[i + 1]) << 8;
      if (i + 2 < part.size()) v |= static_cast<unsigned char>(part[i + 2]);
      b64 += kAlphabet[(v >> 18) & 63];
      b64 += kAlphabet[(v >> 12) & 63];
      b64 += i + 1 < part.size() ? kAlphabet[(v >> 6) & 63] : '=';
      b64 += i + 2 < part.size() ? kAlphabet[v & 63] : '=';
    }
    out += (out.empty() ? "" : " ") + std::string("=?UTF-8?B?") + b64 + "?=";
  }
  return out;
}

// The partner id from the config place ("...: suppliers.acme.transport").
std::string party_of(const TransportConfig& cfg) {
  for (const std::string_view key : {"suppliers.", "channels.", "alerts.sinks."}) {
    const auto at = cfg.where.text.find(key);
    if (at == std::string::npos) continue;
    const auto start = at + key.size();
    const auto end = cfg.where.text.find_first_of(".: ", start);
    return cfg.where.text.substr(start, end == std::string::npos ? end : end - start);
  }
  return "";
}

// "smtp 127.0.0.1:2525" from "smtp://127.0.0.1:2525/...", for messages.
std::string where_of(std::string_view url) {
  const auto clean = curl::without_credentials(url);
  const auto scheme_end = clean.find("://");
  if (scheme_end == std::string::npos) return clean;
  const auto host_end = clean.find('/', scheme_end + 3);
  return clean.substr(0, scheme_end) + " " +
         clean.substr(scheme_end + 3,
                      host_end == std::string::npos ? host_end : host_end - scheme_end - 3);
}

struct MimeFree {
  void operator()(curl_mime* m) const { curl_mime_free(m); }
};

// An IMAP quoted string.
std::string imap_quote(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

struct EmailOptions {
  std::string smtp_url, imap_url;
  std::string user;
  std::filesystem::path password_file;
  std::string password_env;
  std::string from;
  std::vector<std::string> to;
  std::string subject = "{name}";
  std::string body = "attachment";  // attachment, body or both
  bool starttls = true;
  std::string imap_after = "flag";  // flag (\\Seen) or move (to archive_path)
  bool verify_tls = true;
  std::filesystem::path ca_file;
};

using enum OptionType;

constexpr Option<EmailOptions> kOptions[] = {
    {{"smtp_url", kText, "required to send",
      "smtp://host:587 (STARTTLS required) or smtps://host:465", false, "", 0, 0},
     &EmailOptions::smtp_url},
    {{"imap_url", kText, "required to pull",
      "imap://host:143/INBOX (STARTTLS required) or imaps://host/INBOX", false, "", 0, 0},
     &EmailOptions::imap_url},
    {{"user", kText, "none", "login name", false, "", 0, 0}, &EmailOptions::user},
    password_file_option(&EmailOptions::password_file),
    password_option(&EmailOptions::password_env),
    {{"from", kText, "required to send", "sender address", false, "", 0, 0}, &EmailOptions::from},
    {{"to", kList, "required to send", "recipient addresses", false, "", 0, 0}, &EmailOptions::to},
    {{"subject", kText, "{name}",
      "subject; {name} is the file name, {party} the id, {title} the document's first line", false,
      "", 0, 0},
     &EmailOptions::subject},
    {{"body", kText, "attachment", "attachment (the document attached), body (as the text) or both",
      false, "attachment|body|both", 0, 0},
     &EmailOptions::body},
    {{"starttls", kBool, "true",
      "smtp:// must upgrade with STARTTLS; false for a relay that offers none (a local MTA), "
      "never with a login; warned about when the host is not this machine",
      false, "", 0, 0},
     &EmailOptions::starttls},
    {{"imap_after", kText, "flag",
      "imap: flag (mark taken messages \\Seen and skip seen ones) or move (to archive_path)", false,
      "flag|move", 0, 0},
     &EmailOptions::imap_after},
    verify_tls_option(&EmailOptions::verify_tls),
    ca_file_option(&EmailOptions::ca_file),
};
constexpr auto kKeys = specs_of(kOptions);

class EmailTransport final : public Transport {
 public:
  EmailTransport(const TransportConfig& cfg, EmailOptions o, std::string password)
      : cfg_(cfg), o_(std::move(o)), password_(std::move(password)) {
    link_ = {cfg.timeout, o_.verify_tls, o_.ca_file};
    smtp_.where = where_of(o_.smtp_url);
    imap_.where = where_of(o_.imap_url);
    smtp_.user = imap_.user = o_.user;
    smtp_.timeout = imap_.timeout = cfg.timeout;
    mailbox_url_ = o_.imap_url;
    while (mailbox_url_.ends_with('/')) mailbox_url_.pop_back();
  }

  std::string describe() const override {
    std::string to;
    for (const auto& t : o_.to) to += (to.empty() ? "" : ", ") + t;
    if (!o_.smtp_url.empty()) return fmt::format("email to {} via {}", to, smtp_.where);
    return fmt::format("email {}", curl::without_credentials(o_.imap_url));
  }

  Result<Delivered> deliver(std::string_view name, std::string_view content) override {
    if (o_.smtp_url.empty())
      return fail(ErrorKind::kConfig,
                  fmt::format("{}.smtp_url: sending email needs smtp_url", cfg_.where.text));
    prepare(o_.smtp_url, "smtp,smtps");
    const std::string sha = sha256_hex(content);
    curl::Slist rcpt, headers;
    for (const auto& t : o_.to) rcpt.add("<" + one_line(t) + ">");
    // Each placeholder replaced once, left to right: a value holding a
    // placeholder's text (a file named "{name}") is not expanded again.
    const std::string title(utf8_prefix(content.substr(0, content.find('\n')), 200));
    const std::pair<std::string_view, std::string> values[] = {
        {"{name}", std::string(name)}, {"{party}", party_of(cfg_)}, {"{title}", title}};
    std::string subject;
    for (std::size_t at = 0; at < o_.subject.size();) {
      bool replaced = false;
      for (const auto& [key, value] : values)
        if (std::string_view(o_.subject).substr(at).starts_with(key)) {
          subject += value;
          at += key.size();
          replaced = true;
          break;
        }
      if (!replaced) subject += o_.subject[at++];
    }
    std::string to_header;
    for (const auto& t : o_.to) to_header += (to_header.empty() ? "" : ", ") + one_line(t);
    headers.add("Date: " + rfc5322_now());
    headers.add("From: " + one_line(o_.from));
    headers.add("To: " + to_header);
    headers.add("Subject: " + header_text(one_line(subject)));
    headers.add("Message-ID: " + message_id(name, sha));
    headers.add("X-Orderd-Document: " + header_text(one_line(name)));

    std::unique_ptr<curl_mime, MimeFree> mime(curl_mime_init(easy_.get()));
    const bool attach = o_.body != "body";
    const bool inline_text = o_.body != "attachment";
    const std::string note = fmt::format("{} is attached.\r\n", name);
    curl_mimepart* text = curl_mime_addpart(mime.get());
    if (inline_text)
      curl_mime_data(text, content.data(), content.size());
    else
      curl_mime_data(text, note.c_str(), CURL_ZERO_TERMINATED);
    curl_mime_type(text, "text/plain; charset=utf-8");
    curl_mime_encoder(text, "quoted-printable");
    if (attach) {
      curl_mimepart* file = curl_mime_addpart(mime.get());
      curl_mime_data(file, content.data(), content.size());
      curl_mime_filename(file, std::string(name).c_str());
      curl_mime_type(file, document_content_type(name));
      curl_mime_encoder(file, "base64");
    }
    const std::string from = "<" + one_line(o_.from) + ">";
    easy_.set(CURLOPT_MAIL_FROM, from.c_str());
    easy_.set(CURLOPT_MAIL_RCPT, rcpt.get());
    easy_.set(CURLOPT_HTTPHEADER, headers.get());
    easy_.set(CURLOPT_MIMEPOST, mime.get());
    const CURLcode rc = easy_.perform();
    if (rc != CURLE_OK)
      return std::unexpected(curl::failure(easy_, rc, smtp_, fmt::format("cannot send {}", name)));
    return {};
  }

  // See the file comment: a mailbox cannot be asked; a repeat carries the
  // same Message-ID.
  Result<Presence> check(std::string_view, std::string_view) override { return Presence::kAbsent; }

  bool needs_settle() const override { return false; }
  bool can_check() const override { return false; }

  Result<std::vector<RemoteFile>> list() override {
    if (auto s = need_imap(); !s) return std::unexpected(s.error());
    const bool move = o_.imap_after == "move";
    auto answer = imap_command(move ? "UID SEARCH UNDELETED" : "UID SEARCH UNSEEN",
                               "cannot search the mailbox");
    if (!answer) return std::unexpected(answer.error());
    std::vector<RemoteFile> out;
    std::size_t pos = 0;
    while ((pos = answer->find("* SEARCH", pos)) != std::string::npos) {
      pos += 8;
      const auto end = answer->find('\n', pos);
      std::string_view rest(answer->data() + pos,
                            (end == std::string::npos ? answer->size() : end) - pos);
      while (!(rest = trim(rest)).empty()) {
        const auto sp = rest.find(' ');
        const auto uid = rest.substr(0, sp);
        if (parse_quantity(uid)) out.push_back({std::string(uid), -1, 0});
        rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp);
      }
    }
    return out;
  }

  Result<std::vector<Fetched>> fetch(const RemoteFile& f) override {
    if (auto s = need_imap(); !s) return std::unexpected(s.error());
    if (!parse_quantity(f.name))
      return fail(ErrorKind::kInvalid,
                  fmt::format("{}: '{}' is not a message UID", describe(), f.name));
    prepare(mailbox_url_ + "/;UID=" + f.name, "imap,imaps");
    const CURLcode rc = easy_.perform();
    if (rc != CURLE_OK)
      return std::unexpected(
          curl::failure(easy_, rc, imap_, fmt::format("cannot fetch message UID {}", f.name)));
    const std::string message = easy_.take_body();
    if (o_.imap_after != "move") {
      // FETCH marked it \Seen; it is only taken once the local copy is
      // committed (take_done), so unmark it until then.
      auto unseen = imap_command(fmt::format("UID STORE {} -FLAGS.SILENT (\\Seen)", f.name),
                                 fmt::format("cannot keep message UID {} unread", f.name));
      if (!unseen) return std::unexpected(unseen.error());
    }
    std::vector<Fetched> out;
    collect_attachments(message, out);
    return out;
  }

  Status take_done(const RemoteFile& f) override {
    if (auto s = need_imap(); !s) return std::unexpected(s.error());
    if (!parse_quantity(f.name))
      return fail(ErrorKind::kInvalid,
                  fmt::format("{}: '{}' is not a message UID", describe(), f.name));
    // UID commands on a UID that is gone do nothing and succeed: idempotent.
    if (o_.imap_after != "move")
      return done(imap_command(fmt::format("UID STORE {} +FLAGS.SILENT (\\Seen)", f.name),
                               fmt::format("cannot flag message UID {} as read", f.name)));
    const auto doing =
        fmt::format("cannot move message UID {} to folder {}", f.name, cfg_.archive_path);
    auto moved = move_to_archive(f.name, doing);
    if (!moved && moved.error().message().find("TRYCREATE") != std::string::npos) {
      auto created = imap_command("CREATE " + imap_quote(cfg_.archive_path), doing);
      if (!created) return std::unexpected(created.error());
      moved = move_to_archive(f.name, doing);
    }
    return moved;
  }

 private:
  static Status done(const Result<std::string>& r) {
    if (!r) return std::unexpected(r.error());
    return {};
  }

  Status need_imap() const {
    if (!o_.imap_url.empty()) return {};
    return fail(ErrorKind::kConfig,
                fmt::format("{}.imap_url: pulling email needs imap_url", cfg_.where.text));
  }

  void prepare(const std::string& url, const char* protocols) {
    easy_.prepare(link_, protocols, o_.user, password_);
    easy_.set(CURLOPT_URL, url.c_str());
    // smtp:// and imap:// must upgrade with STARTTLS; smtps:// and imaps:// are TLS from the
    // start; starttls: false (a relay, no login: the config checks it) sends in clear text.
    easy_.set(CURLOPT_USE_SSL, static_cast<long>(o_.starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
  }

  // Runs one IMAP command in the configured mailbox; returns its untagged answers.
  Result<std::string> imap_command(const std::string& command, const std::string& doing) {
    prepare(mailbox_url_, "imap,imaps");
    easy_.set(CURLOPT_CUSTOMREQUEST, command.c_str());
    const CURLcode rc = easy_.perform();
    if (rc != CURLE_OK) return std::unexpected(curl::failure(easy_, rc, imap_, doing));
    return easy_.take_body();
  }

  // UID MOVE where the server has it, else COPY, flag \Deleted, expunge.
  Status move_to_archive(const std::string& uid, const std::string& doing) {
    if (!capabilities_) {
      auto caps = imap_command("CAPABILITY", "cannot ask the server's capabilities");
      if (!caps) return std::unexpected(caps.error());
      capabilities_ = " " + *caps + " ";
    }
    const auto has = [&](std::string_view cap) {
      return capabilities_->find(fmt::format(" {} ", cap)) != std::string::npos;
    };
    const auto box = imap_quote(cfg_.archive_path);
    if (has("MOVE")) return done(imap_command(fmt::format("UID MOVE {} {}", uid, box), doing));
    if (auto s = done(imap_command(fmt::format("UID COPY {} {}", uid, box), doing)); !s) return s;
    if (auto s =
            done(imap_command(fmt::format("UID STORE {} +FLAGS.SILENT (\\Deleted)", uid), doing));
        !s)
      return s;
    return done(imap_command(has("UIDPLUS") ? "UID EXPUNGE " + uid : "EXPUNGE", doing));
  }

  std::string message_id(std::string_view name, const std::string& sha) const {
    std::string safe;
    for (const char c : name)
      safe += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')
                  ? c
                  : '_';
    const auto at = o_.from.rfind('@');
    std::string domain = at == std::string::npos ? "orderd.invalid" : o_.from.substr(at + 1);
    domain = one_line(domain);
    if (domain.ends_with('>')) domain.pop_back();
    return fmt::format("<orderd.{}.{}@{}>", safe, sha.substr(0, 24), domain);
  }

  static std::string rfc5322_now() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", kDays[tm.tm_wday], tm.tm_mday,
                       kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  }

  TransportConfig cfg_;
  EmailOptions o_;
  curl::Link link_;
  std::string password_;
  std::string mailbox_url_;
  curl::Place smtp_, imap_;
  curl::Easy easy_;
  std::optional<std::string> capabilities_;
};

Result<std::unique_ptr<Transport>> make(const TransportConfig& cfg) {
  auto o = bind(cfg, kOptions);
  std::string password;
  if (!o.user.empty()) {
    auto p = read_secret(o.password_file, o.password_env, "email password");
    if (!p) return std::unexpected(p.error().with_context(cfg.where.text));
    password = std::move(*p);
  }
  std::unique_ptr<Transport> t =
      std::make_unique<EmailTransport>(cfg, std::move(o), std::move(password));
  return t;
}

// The host of smtp://host:port/..., without brackets.
std::string_view url_host(std::string_view url) {
  if (auto at = url.find("://"); at != std::string_view::npos) url.remove_prefix(at + 3);
  url = url.substr(0, url.find_first_of("/"));
  if (url.starts_with('[')) return url.substr(1, url.find(']') - 1);
  return url.substr(0, url.find(':'));
}

void check(const TransportConfig& cfg, TransportUse use, TransportFindings& out) {
  const auto o = bind(cfg, kOptions);
  if (use == TransportUse::kPull) {
    if (o.imap_url.empty())
      out.errors.push_back(cfg.where_of("imap_url") + ": pulling email needs imap_url");
  } else {
    if (o.smtp_url.empty())
      out.errors.push_back(cfg.where_of("smtp_url") + ": sending email needs smtp_url");
    if (o.from.empty())
      out.errors.push_back(cfg.where_of("from") + ": sending email needs from (an address)");
    if (o.to.empty())
      out.errors.push_back(cfg.where_of("to") + ": sending email needs to (the addresses)");
  }
  if (o.imap_after == "move" && cfg.archive_path.empty())
    out.errors.push_back(cfg.where_of("archive_path") +
                         ": imap_after: move needs archive_path (a mailbox)");
  if (o.starttls) return;
  // Plain text is for a relay on this machine (or one that trusts it by
  // address), the ordinary Unix way to send mail: never with a password.
  if (!o.user.empty() || !o.password_file.empty() || !o.password_env.empty())
    out.errors.push_back(cfg.where_of("starttls") +
                         ": false sends in clear text: never with a login (user/password); drop "
                         "the login for a local relay, or keep starttls");
  if (o.smtp_url.starts_with("smtps://") || o.imap_url.starts_with("imaps://"))
    out.errors.push_back(
        cfg.where_of("starttls") +
        ": false is for smtp:// (a relay); smtps:// and imaps:// are TLS from the start");
  // Mail in clear text to another machine crosses a network unprotected.
  const auto host = url_host(o.smtp_url);
  if (!o.smtp_url.empty() && host != "localhost" && !host.starts_with("127.") && host != "::1")
    out.warnings.push_back(fmt::format(
        "{}.starttls: false sends to {}, not this machine, in clear text; use it only for a relay "
        "on a network you trust",
        cfg.where.text, host));
}

}  // namespace

const TransportKind kEmailTransport = {
    "email", "SMTP out (each document a message), IMAP in (each attachment a file)",
    true,    kKeys,
    make,    check};

}  // namespace orderd
