#include "console/console.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/output.h"
#include "console/http_server.h"
#include "console/render.h"
#include "console/users.h"
#include "core/fields.h"
#include "core/transitions.h"
#include "util/text.h"

namespace orderd {
namespace {

using json = nlohmann::json;
using Steady = std::chrono::steady_clock;

constexpr char kCookie[] = "orderd_session";
constexpr int kScoreDays = 30;
constexpr std::int64_t kScoresAge = 60;  // seconds a scorecard snapshot is shown
constexpr int kPageSize = 50;
constexpr int kLoginTries = 5;                 // failures per client or user ...
constexpr std::int64_t kLoginWindow = 5 * 60;  // ... in this many seconds

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  for (std::size_t got = 0; got < bytes;) {
    const ssize_t n = ::getrandom(raw.data() + got, bytes - got, 0);
    if (n > 0) got += static_cast<std::size_t>(n);
  }
  std::string out;
  for (unsigned char c : raw) out += fmt::format("{:02x}", c);
  return out;
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::int64_t mono_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(Steady::now().time_since_epoch()).count();
}

struct Session {
  std::string user, hash, csrf;  // hash: the user's when they logged in (passwd ends it)
  std::int64_t last_seen = 0;
  std::vector<json> flash;  // {text, problem}, shown once on the next page
};

struct Job {
  ConsoleAction action;
  std::string session;     // whose: an outcome no page waited for is their next flash
  bool abandoned = false;  // the page stopped waiting (under Impl::mu)
  std::promise<ConsoleOutcome> done;
};

// An action's outcome as the line shown on the next page.
json outcome_flash(const ConsoleAction& a, const ConsoleOutcome& out) {
  if (!out.refused.empty()) return {{"text", out.refused}, {"problem", true}};
  std::string lines;
  for (const auto& l : out.report.lines) lines += (lines.empty() ? "" : "\n") + l.text;
  if (lines.empty()) lines = "done";
  if (a.verb == ConsoleAction::kSyncOrders || a.verb == ConsoleAction::kSyncTracking)
    lines += fmt::format("\n{} files read, {} changed, {} failed", out.report.files,
                         out.report.changed, out.report.failed);
  return {{"text", lines}, {"problem", out.report.failed > 0}};
}

// An order's reference in links and forms: "channel:#1001".
std::string order_ref(const json& o) {
  return fmt::format("{}:{}", o.value("channel", ""), o.value("id", ""));
}

void add_refs(json& o) {
  const std::string ref = order_ref(o);
  o["ref"] = ref;
  o["ref_url"] = url_encode(ref);
  std::string anchor;
  for (char c : ref) anchor += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  o["anchor"] = anchor;
  auto field = [&](const char* group, const char* key) {
    const auto g = o.find(group);
    return g != o.end() && g->is_object() ? g->value(key, "") : std::string();
  };
  std::string customer = field("customer", "name");
  if (customer.empty()) customer = field("ship_to", "name");
  if (const auto email = field("customer", "email"); !email.empty())
    customer += customer.empty() ? email : " <" + email + ">";
  o["customer_line"] = customer;
}

}  // namespace

struct Console::Impl {
  std::mutex mu;
  std::shared_ptr<const Config> cfg;
  std::vector<std::unique_ptr<Runtime>> readers;  // idle read connections
  std::map<std::string, Session> sessions;
  std::map<std::string, std::pair<int, std::int64_t>> failures;  // client or user -> count, since
  std::deque<std::shared_ptr<Job>> jobs;
  bool stopping = false;
  std::string service_status;
  // The Suppliers page's scorecards: reading every PO of 30 days takes a
  // second with half a million of them, so a thread of the console's keeps
  // a snapshot, counted again every kScoresAge / 2 and at once after an
  // action (process, cancel, ...); a page shows the snapshot it has and
  // says whether a newer one is being counted. Only a page before the
  // first snapshot waits for one.
  struct Scores {
    std::int64_t at = 0;  // steady seconds
    bool stale = false;
    json list;
  };
  std::optional<Scores> scores;
  std::uint64_t changes = 0;  // actions run: a count begun before one is stale at its end
  std::condition_variable scores_cv;
  std::thread scorer;
  std::chrono::milliseconds action_wait{60000};
  int wake = -1;
  std::unique_ptr<HttpServer> server;

  ~Impl() {
    {
      std::lock_guard lock(mu);
      stopping = true;
      for (auto& j : jobs) j->done.set_value({"the service is stopping: nothing was done", {}});
      jobs.clear();
    }
    scores_cv.notify_all();
    if (scorer.joinable()) scorer.join();
    server.reset();  // joins the connection threads
    if (wake >= 0) ::close(wake);
  }

  std::shared_ptr<const Config> cfg_now() {
    std::lock_guard lock(mu);
    return cfg;
  }

  // ---- reading the state: one connection per concurrent page.
  template <typename F>
  auto with_reader(F&& f) {
    std::unique_ptr<Runtime> rt;
    std::shared_ptr<const Config> c;
    {
      std::lock_guard lock(mu);
      c = cfg;
      while (!readers.empty() && !rt) {
        rt = std::move(readers.back());
        readers.pop_back();
        if (rt->cfg != c) rt.reset();  // from before a reload
      }
    }
    if (!rt) {
      auto opened = open_runtime(c);
      if (!opened) throw StoreError(opened.error().message(), 0);
      rt = std::move(*opened);
      rt->actor = "console";
    }
    struct Back {
      Impl* self;
      std::unique_ptr<Runtime>& rt;
      ~Back() {
        std::lock_guard lock(self->mu);
        if (self->readers.size() < 8) self->readers.push_back(std::move(rt));
      }
    } back{this, rt};
    return f(*rt);
  }

  // ---- actions: handed to the service's loop, which runs them one by one.
  // Its outcome, or nothing if the service did not get to it in time (it
  // is in a long run): the action still waits and runs when that ends.
  std::optional<ConsoleOutcome> submit(ConsoleAction a, const std::string& session) {
    auto job = std::make_shared<Job>();
    job->action = std::move(a);
    job->session = session;
    auto fut = job->done.get_future();
    {
      std::lock_guard lock(mu);
      if (stopping) return ConsoleOutcome{"the service is stopping: nothing was done", {}};
      jobs.push_back(job);
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake, &one, sizeof one);
    if (fut.wait_for(action_wait) != std::future_status::ready) {
      std::lock_guard lock(mu);
      if (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        job->abandoned = true;  // its outcome goes to the session's next page
        return std::nullopt;
      }
    }
    return fut.get();
  }

  // ---- sessions
  static std::string token_of(const HttpRequest& req) {
    auto it = req.cookies.find(kCookie);
    return it == req.cookies.end() ? std::string() : it->second;
  }
  Session* session_of(const HttpRequest& req) {
    auto it = req.cookies.find(kCookie);
    if (it == req.cookies.end()) return nullptr;
    auto s = sessions.find(it->second);
    if (s == sessions.end()) return nullptr;
    if (mono_now() - s->second.last_seen > cfg->console.session_idle) {
      sessions.erase(s);
      return nullptr;
    }
    s->second.last_seen = mono_now();
    return &s->second;
  }

  static std::string cookie(const Config& c, const std::string& value, std::int64_t max_age) {
    return fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}", kCookie, value,
                       max_age, c.console.tls() ? "; Secure" : "");
  }

  bool limited(const std::string& key) {
    auto it = failures.find(key);
    if (it == failures.end()) return false;
    if (mono_now() - it->second.second > kLoginWindow) {
      failures.erase(it);
      return false;
    }
    return it->second.first >= kLoginTries;
  }
  void failed_login(const std::string& key) {
    auto& f = failures[key];
    if (f.first == 0) f.second = mono_now();
    ++f.first;
  }

  HttpResponse page(std::string_view title, std::string_view nav, const std::string& content,
                    Session* s, int status = 200) {
    json layout{{"title", title}, {"content", content}};
    if (s) {
      layout["user"] = s->user;
      layout["csrf"] = s->csrf;
      layout[fmt::format("nav_{}", nav)] = true;
      layout["flash"] = s->flash;
      s->flash.clear();
    }
    HttpResponse r;
    r.status = status;
    r.body = render_template("layout", layout);
    return r;
  }

  HttpResponse no_such_order(Session& s, const std::string& ref, std::string_view nav,
                             std::string_view back) {
    return page("Not found", nav,
                render_template("message", {{"title", "No such order"},
                                            {"text", fmt::format("No order {} here.", ref)},
                                            {"back", back}}),
                &s, 404);
  }
  HttpResponse handle(const HttpRequest& req);
  HttpResponse login(const HttpRequest& req);
  HttpResponse process_page(Session& s);
  // `typed`: the form as sent, when it was refused (what the person typed stays).
  HttpResponse resolve_page(Session& s, const std::string& ref, const std::string& error,
                            const std::map<std::string, std::string>* typed = nullptr);
  HttpResponse history_page(Session& s, const HttpRequest& req);
  HttpResponse order_page(Session& s, const std::string& ref);
  HttpResponse document(const HttpRequest& req);
  HttpResponse sync_page(Session& s);
  HttpResponse suppliers_page(Session& s);
  json compute_scores();  // and keeps them as the snapshot
  void keep_scores();     // the scorer thread
  HttpResponse alerts_page(Session& s, bool open_only);
  HttpResponse metrics();
  HttpResponse act(Session& s, const HttpRequest& req, const std::string& token);
  // A POST's Origin (sent by every current browser) names this site.
  bool same_origin(const HttpRequest& req) const {
    const std::string origin = req.header("origin");
    if (origin.empty()) return req.header("sec-fetch-site") != "cross-site";
    return origin == (req.tls ? "https://" : "http://") + req.header("host");
  }
};

namespace {

void secure_headers(HttpResponse& r) {
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                         "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                         "base-uri 'none'");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
}

HttpResponse text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

// Where a login may send its user back to: a path of this site only.
std::string safe_next(const std::string& next) {
  // Browsers drop tabs and newlines from a URL ("/\t/evil" is "//evil"):
  // nothing below a space, nor DEL, nor a backslash.
  const bool plain = std::none_of(next.begin(), next.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '\\';
  });
  if (plain && next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/login") &&
      !next.starts_with("/logout"))
    return next;
  return "/";
}

}  // namespace

HttpResponse Console::Impl::handle(const HttpRequest& req) {
  const auto t0 = Steady::now();
  HttpResponse r = [&]() -> HttpResponse {
    if (req.method == "GET" && req.path.starts_with("/static/")) {
      auto f = static_file(req.path.substr(8));
      if (!f) return text(404, "no such file\n");
      HttpResponse s;
      s.content_type = std::string(f->type);
      s.body = std::string(f->content);
      s.headers.emplace_back("Cache-Control", "max-age=3600");
      return s;
    }
    if (req.path == "/metrics" && req.method == "GET") return metrics();
    if (req.path == "/login") return login(req);
    if (req.method != "GET" && req.method != "POST") return text(405, "GET or POST only\n");
    if (req.method == "POST" && !same_origin(req))
      return text(403, "refused: the form was sent from another site\n");
    // A user removed or given a new password (orderctl user) is logged out
    // at their next page. A file that cannot be read now logs no one out.
    auto users = read_users(cfg_now()->console.users_file);
    std::unique_lock lock(mu);
    Session* s = session_of(req);
    if (s && users && std::none_of(users->begin(), users->end(), [&](const ConsoleUser& u) {
          return u.name == s->user && u.hash == s->hash;
        })) {
      sessions.erase(token_of(req));
      s = nullptr;
    }
    if (!s) {
      lock.unlock();
      if (req.method == "POST")
        return text(403, "not logged in (or the login ended): log in again at /login\n");
      std::string back = req.path;
      for (const auto& [k, v] : req.query)
        back += fmt::format("{}{}={}", back == req.path ? "?" : "&", url_encode(k), url_encode(v));
      const std::string to = "/login?next=" + url_encode(back);
      // htmx follows a 303 inside its request: it is told to go instead.
      if (!req.header("hx-request").empty()) {
        HttpResponse go = text(200, "");
        go.headers.emplace_back("HX-Redirect", to);
        return go;
      }
      return HttpResponse::redirect(to);
    }
    if (req.method == "POST") {
      // Every POST carries the session's token: another site's form cannot
      // act in an operator's name.
      if (!same_secret(req.form.count("csrf") ? req.form.at("csrf") : "", s->csrf))
        return text(403,
                    "the form's security token is missing or old: reload the page and try "
                    "again\n");
      if (req.path == "/logout") {
        sessions.erase(token_of(req));
        HttpResponse out = HttpResponse::redirect("/login");
        out.headers.emplace_back("Set-Cookie", cookie(*cfg, "", 0));
        return out;
      }
    }
    // The rest reads the state or waits for the service: not under the lock.
    // Sync Status's own refresh (htmx, every 15 s) shows no flash: it
    // replaces only its part of the page, and would lose them.
    Session copy = *s;
    if (req.header("hx-trigger") == "live")
      copy.flash.clear();
    else
      s->flash.clear();
    const std::string token = token_of(req);
    lock.unlock();
    HttpResponse out;
    if (req.method == "POST") {
      out = act(copy, req, token);
    } else if (req.path == "/") {
      out = process_page(copy);
    } else if (req.path == "/resolve") {
      out = resolve_page(copy, req.arg("ref"), "");
    } else if (req.path == "/orders") {
      out = history_page(copy, req);
    } else if (req.path == "/order") {
      out = order_page(copy, req.arg("ref"));
    } else if (req.path == "/document") {
      out = document(req);
    } else if (req.path == "/sync") {
      out = sync_page(copy);
    } else if (req.path == "/suppliers") {
      out = suppliers_page(copy);
    } else if (req.path == "/alerts") {
      out = alerts_page(copy, !req.arg("open").empty());
    } else {
      out = page("Not found", "",
                 render_template("message",
                                 {{"title", "No such page"}, {"text", req.path}, {"back", "/"}}),
                 &copy, 404);
    }
    // What the page did not show (an action's outcome on a redirect) waits
    // for the next one.
    if (!copy.flash.empty()) {
      std::lock_guard again(mu);
      if (auto* still = session_of(req))
        for (auto& f : copy.flash) still->flash.push_back(std::move(f));
    }
    // The login lasts session_idle from the last page, in the browser too.
    const auto now_cfg = cfg_now();
    out.headers.emplace_back("Set-Cookie", cookie(*now_cfg, token, now_cfg->console.session_idle));
    return out;
  }();
  secure_headers(r);
  if (r.content_type.starts_with("text/html")) r.headers.emplace_back("Cache-Control", "no-store");
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(Steady::now() - t0).count();
  r.headers.emplace_back("Server-Timing", fmt::format("app;dur={:.1f}", us / 1000.0));
  return r;
}

HttpResponse Console::Impl::login(const HttpRequest& req) {
  auto form = [&](const std::string& error, int status) {
    HttpResponse r;
    r.status = status;
    r.body = render_template(
        "layout",
        {{"title", "Log in"},
         {"content", render_template("login", {{"error", error}, {"next", req.arg("next")}})}});
    return r;
  };
  if (req.method == "GET") return form("", 200);
  if (req.method != "POST") return text(405, "GET or POST only\n");
  const std::string user = req.arg("user"), password = req.arg("password");
  {
    // Counted as failed before the hash is checked (and taken back if it
    // matches): many connections at once get no more tries than one.
    std::lock_guard lock(mu);
    if (limited("client:" + req.client) || limited("user:" + user))
      return form(
          fmt::format("Too many failed logins: wait {} minutes and try again.", kLoginWindow / 60),
          429);
    failed_login("client:" + req.client);
    failed_login("user:" + user);
  }
  std::shared_ptr<const Config> c;
  {
    std::lock_guard lock(mu);
    c = cfg;
  }
  auto users = read_users(c->console.users_file);
  if (!users)  // the details are for the operator's shell, not the login page
    return form("The console's users file cannot be read: see `orderctl user` on the server.", 500);
  bool ok = false;
  std::string hash;
  for (const auto& u : *users)
    if (u.name == user) {
      ok = password_matches(password, u.hash);
      hash = u.hash;
    }
  // Without such a user the hash still costs its time: timing tells nothing.
  if (!ok && std::none_of(users->begin(), users->end(),
                          [&](const ConsoleUser& u) { return u.name == user; }))
    (void)password_matches(password,
                           "$y$j9T$0000000000000000000000$"
                           "0000000000000000000000000000000000000000000");
  std::lock_guard lock(mu);
  if (!ok) {
    return form(users->empty() ? "No user may log in yet: add one with `orderctl user add NAME`."
                               : "That user and password do not match.",
                403);
  }
  // Success takes back this try's count; earlier failures stay counted.
  for (const std::string& key : {"client:" + req.client, "user:" + user})
    if (auto it = failures.find(key); it != failures.end() && --it->second.first <= 0)
      failures.erase(it);
  const std::string token = random_hex(32);
  sessions[token] = {user, hash, random_hex(32), mono_now(), {}};
  HttpResponse r = HttpResponse::redirect(safe_next(req.arg("next")));
  r.headers.emplace_back("Set-Cookie", cookie(*cfg, token, cfg->console.session_idle));
  return r;
}

HttpResponse Console::Impl::process_page(Session& s) {
  json data = with_reader([&](Runtime& rt) {
    OrderQuery ready, waiting;
    ready.status = OrderStatus::kReady;
    waiting.status = OrderStatus::kNeedsResolve;
    ready.limit = waiting.limit = 100;
    auto a = rt.store->query_orders(ready);
    auto b = rt.store->query_orders(waiting);
    std::vector<Order> all;
    std::merge(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(all),
               [](const Order& x, const Order& y) { return x.id > y.id; });
    if (all.size() > 100) all.resize(100);
    json orders = json::parse(orders_json(rt, all));
    std::int64_t n_ready = 0, n_waiting = 0;
    for (const auto& [status, n] : rt.store->status_counts()) {
      if (status == "ready") n_ready = n;
      if (status == "needs_resolve") n_waiting = n;
    }
    for (auto& o : orders) {
      add_refs(o);
      o["is_ready"] = o["status"] == "ready";
      o["is_resolve"] = o["status"] == "needs_resolve";
      o["csrf"] = s.csrf;
    }
    return json{{"orders", orders},
                {"ready_count", std::to_string(n_ready)},
                {"resolve_count", std::to_string(n_waiting)},
                {"more", n_ready + n_waiting > static_cast<std::int64_t>(all.size())},
                {"shown", all.size()},
                {"csrf", s.csrf}};
  });
  data["has_ready"] = data["ready_count"] != "0";
  const std::string content = render_template("process", data);
  return page("Process Orders", "process", content, &s);
}

HttpResponse Console::Impl::resolve_page(Session& s, const std::string& ref,
                                         const std::string& error,
                                         const std::map<std::string, std::string>* typed) {
  std::optional<json> data = with_reader([&](Runtime& rt) -> std::optional<json> {
    auto id = find_order(rt, ref);
    if (!id) return std::nullopt;
    auto o = rt.store->load_order(*id);
    if (!o) return std::nullopt;
    Order check = *o;
    for (auto& l : check.lines) l.supplier.clear();
    apply_overrides(check, rt.store->load_overrides(*id));
    json fields = json::array();
    std::vector<std::string> seen;
    for (const auto& m : verify_order_detailed(check, rt.rules)) {
      if (m.field.empty() || std::find(seen.begin(), seen.end(), m.field) != seen.end()) continue;
      seen.push_back(m.field);
      std::string value;
      if (auto f = find_field(m.field))
        if (auto of = as_order_field(*f)) value = check.at(*of);
      std::string shown = value;
      if (typed)
        if (auto t = typed->find("set." + m.field); t != typed->end()) shown = t->second;
      fields.push_back(
          {{"field", m.field}, {"supplier", m.supplier}, {"value", shown}, {"was", value}});
    }
    json j{{"locked", can_resolve(o->status)
                          ? std::string()
                          : fmt::format("Order {} is {}; only orders in needs_resolve or ready "
                                        "can be changed.",
                                        o->ext_id, to_string(o->status))},
           {"id", o->ext_id},
           {"channel", o->channel},
           {"status", to_string(o->status)},
           {"messages", o->messages},
           {"fields", fields},
           {"csrf", s.csrf}};
    add_refs(j);
    return j;
  });
  if (!data) return no_such_order(s, ref, "process", "/");
  (*data)["error"] = error;
  return page("Resolve", "process", render_template("resolve", *data), &s);
}

HttpResponse Console::Impl::history_page(Session& s, const HttpRequest& req) {
  std::shared_ptr<const Config> c;
  {
    std::lock_guard lock(mu);
    c = cfg;
  }
  OrderQuery q;
  q.limit = kPageSize;
  std::string error;
  const std::string status = req.arg("status");
  if (!status.empty()) {
    q.status = parse_status(status);
    if (!q.status) error = fmt::format("{}: no such status", status);
  }
  q.channel = req.arg("channel");
  q.supplier = req.arg("supplier");
  q.sku = req.arg("sku");
  q.customer = req.arg("customer");
  q.order = req.arg("order");
  q.late = !req.arg("late").empty();
  q.changed_after_processing = !req.arg("changed").empty();
  if (const auto before = req.arg("before"); !before.empty())
    q.before = std::strtoll(before.c_str(), nullptr, 10);
  if (auto colon = q.order.find(':');
      colon != std::string::npos && c->channel(q.order.substr(0, colon))) {
    q.channel = q.order.substr(0, colon);
    q.order = q.order.substr(colon + 1);
  }
  if (!q.channel.empty() && !c->channel(q.channel)) error = fmt::format("no channel {}", q.channel);
  if (!q.supplier.empty() && !c->supplier(q.supplier))
    error = fmt::format("no supplier {}", q.supplier);
  json data{{"q",
             {{"order", req.arg("order")},
              {"sku", q.sku},
              {"customer", q.customer},
              {"late", q.late},
              {"changed", q.changed_after_processing}}},
            {"error", error}};
  for (const auto& ch : c->channels)
    data["channels"].push_back({{"name", ch.id}, {"selected", ch.id == q.channel}});
  for (const auto& sp : c->suppliers)
    data["suppliers"].push_back({{"name", sp.id}, {"selected", sp.id == q.supplier}});
  for (const char* st : {"needs_resolve", "ready", "processed", "partially_shipped", "shipped",
                         "completed", "failed", "canceled"})
    data["statuses"].push_back({{"name", st}, {"selected", status == st}});
  if (error.empty()) {
    with_reader([&](Runtime& rt) {
      auto list = rt.store->query_orders(q);
      json orders = json::parse(orders_json(rt, list));
      for (auto& o : orders) add_refs(o);
      data["orders"] = orders;
      if (q.before == 0) {
        const auto counts = rt.store->count_orders(q);
        for (const auto& [st, n] : counts.by_status)
          data["counts"].push_back({{"status", st}, {"n", std::to_string(n)}});
        data["capped"] = counts.capped;
        data["cap"] = "10,000";
      }
      if (static_cast<int>(list.size()) == kPageSize) {
        std::string next;
        for (const char* key :
             {"order", "channel", "supplier", "status", "sku", "customer", "late", "changed"})
          if (const auto v = req.arg(key); !v.empty())
            next += fmt::format("{}={}&", key, url_encode(v));
        data["next"] = next + fmt::format("before={}", list.back().id);
      }
      return 0;
    });
  }
  return page("Order History", "history", render_template("history", data), &s);
}

HttpResponse Console::Impl::order_page(Session& s, const std::string& ref) {
  auto data = with_reader([&](Runtime& rt) -> std::optional<json> {
    auto id = find_order(rt, ref);
    if (!id) return std::nullopt;
    auto o = rt.store->load_order(*id);
    if (!o) return std::nullopt;
    json j = json::parse(order_json(rt, *o));
    json fields = json::array();
    for (std::size_t i = 0; i < kOrderFieldCount; ++i)
      if (!o->f[i].empty()) fields.push_back({{"name", all_fields()[i].name}, {"value", o->f[i]}});
    json page_data{{"o", j},
                   {"fields", fields},
                   {"csrf", s.csrf},
                   {"can_resolve", can_resolve(o->status)},
                   {"is_ready", o->status == OrderStatus::kReady}};
    json r{{"channel", o->channel}, {"id", o->ext_id}};
    add_refs(r);
    page_data["ref"] = r["ref"];
    page_data["ref_url"] = r["ref_url"];
    return page_data;
  });
  if (!data) return no_such_order(s, ref, "history", "/orders");
  return page(fmt::format("Order {}", (*data)["o"].value("id", "")), "history",
              render_template("order", *data), &s);
}

HttpResponse Console::Impl::document(const HttpRequest& req) {
  const std::int64_t id = std::strtoll(req.arg("id").c_str(), nullptr, 10);
  auto doc = with_reader([&](Runtime& rt) { return rt.store->load_document(id); });
  if (!doc) return text(404, fmt::format("no document {}\n", req.arg("id")));
  HttpResponse r;
  r.content_type = "application/octet-stream";
  r.body = doc->content;
  std::string name;
  for (char ch : doc->name) name += (ch == '"' || ch == '\\' || ch < ' ') ? '_' : ch;
  r.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"{}\"", name));
  r.headers.emplace_back("X-Document-Sha256", doc->sha256);
  return r;
}

HttpResponse Console::Impl::sync_page(Session& s) {
  std::string svc;
  {
    std::lock_guard lock(mu);
    svc = service_status;
  }
  json st = with_reader([&](Runtime& rt) {
    return json::parse(sync_status(rt, true, svc.empty() ? std::nullopt : std::optional(svc)));
  });
  json data{{"csrf", s.csrf}};
  if (st["service"].is_object()) {
    json service = st["service"];
    for (const std::string k : {"next_order_sync", "next_tracking_sync"}) {
      json list = json::array();
      if (auto it = service.find(k); it != service.end() && it->is_object())
        for (auto e = it->begin(); e != it->end(); ++e)
          list.push_back({{"id", e.key()}, {"at", e.value()}});
      service[k == "next_order_sync" ? "next_orders" : "next_tracking"] = std::move(list);
    }
    data["service"] = service;
  }
  data["runs"] = st["history"];
  json last = json::array();
  for (const auto& [kind, run] : st["last"].items()) {
    json r = run;
    r["kind"] = kind;
    last.push_back(r);
  }
  data["last"] = last;
  data["documents"] = st["deliveries"]["documents"];
  data["unmatched"] = st["unmatched_tracking"];
  json files = json::array();
  for (const auto& f : st["files"])
    if (f.value("state", "") == "quarantined") files.push_back(f);
  data["quarantined"] = files;
  return page("Sync Status", "sync", render_template("sync", data), &s);
}

json Console::Impl::compute_scores() {
  std::uint64_t before = 0;
  {
    std::lock_guard lock(mu);
    before = changes;
  }
  json list = with_reader([&](Runtime& rt) {
    return json::parse(suppliers_report(rt, rt.now() - kScoreDays * 86400, true));
  });
  std::lock_guard lock(mu);
  scores = Scores{mono_now(), changes != before, list};
  scores_cv.notify_all();
  return list;
}

void Console::Impl::keep_scores() {
  for (;;) {
    bool failed = false;
    try {
      compute_scores();
    } catch (...) {
      failed = true;  // the page counts itself, and says what failed; no retry at once
    }
    std::unique_lock lock(mu);
    scores_cv.wait_for(lock, std::chrono::seconds(kScoresAge / 2),
                       [&] { return stopping || (!failed && scores && scores->stale); });
    if (stopping) return;
  }
}

HttpResponse Console::Impl::suppliers_page(Session& s) {
  constexpr int kDays = kScoreDays;
  std::optional<json> snapshot;
  std::int64_t age = 0;
  bool recounting = false;
  {
    std::lock_guard lock(mu);
    if (scores) {
      snapshot = scores->list;
      age = mono_now() - scores->at;
      recounting = scores->stale || age > kScoresAge;
      if (recounting) scores->stale = true;
    }
  }
  if (recounting) scores_cv.notify_all();  // the scorer counts again now
  if (!snapshot) {
    // Before the first count (just after a start): a small state is counted
    // in this moment; a big one is said to be counting, and the page asks
    // again by itself (htmx) or by a reload.
    std::unique_lock lock(mu);
    scores_cv.wait_for(lock, std::chrono::milliseconds(50), [&] { return scores.has_value(); });
    if (!scores)
      return page(
          "Suppliers", "suppliers",
          render_template("suppliers", {{"counting", true}, {"days", std::to_string(kDays)}}), &s);
    snapshot = scores->list;
  }
  json list = std::move(*snapshot);
  for (auto& sc : list) {
    auto of = [&](const char* kept, const char* on_time) {
      const auto n = sc.value(kept, 0);
      return n ? fmt::format("{} of {}", sc.value(on_time, 0), n) : std::string("no deadline");
    };
    sc["ack"] = of("ack_deadline_pos", "acknowledged_on_time");
    sc["ship"] = of("ship_deadline_pos", "shipped_on_time");
    sc["hours"] = sc.value("shipped", 0)
                      ? fmt::format("{:.1f} / {:.1f}", sc.value("hours_to_ship_avg", 0.0),
                                    sc.value("hours_to_ship_p90", 0.0))
                      : std::string("none shipped");
    for (const char* k : {"pos_sent", "rejections", "failed_deliveries"})
      sc[k] = std::to_string(sc.value(k, 0));
  }
  return page("Suppliers", "suppliers",
              render_template("suppliers", {{"suppliers", list},
                                            {"days", std::to_string(kDays)},
                                            {"age", std::to_string(age)},
                                            {"recounting", recounting}}),
              &s);
}

HttpResponse Console::Impl::alerts_page(Session& s, bool open_only) {
  json list =
      with_reader([&](Runtime& rt) { return json::parse(alerts_list(rt, true, open_only, 100)); });
  return page("Alerts", "alerts", render_template("alerts", {{"alerts", list}}), &s);
}

HttpResponse Console::Impl::metrics() {
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  auto label = [](std::string_view v) {
    std::string o;
    for (char ch : v) o += ch == '"' || ch == '\\' ? std::string("\\") + ch : std::string(1, ch);
    return o;
  };
  with_reader([&](Runtime& rt) {
    metric("orderd_orders", "gauge", "orders by status");
    for (const auto& [status, n] : rt.store->status_counts())
      out += fmt::format("orderd_orders{{status=\"{}\"}} {}\n", status, n);
    metric("orderd_documents_waiting", "gauge", "documents waiting for delivery");
    out += fmt::format("orderd_documents_waiting {}\n", rt.store->documents_waiting());
    metric("orderd_documents_undelivered", "gauge",
           "documents not delivered, by party: waiting (state=\"waiting\") or given up "
           "(state=\"failed\")");
    for (const auto& p : rt.store->undelivered_by_party()) {
      out += fmt::format(
          "orderd_documents_undelivered{{party_type=\"{}\",party=\"{}\",state=\"waiting\"}} {}\n",
          label(p.party_type), label(p.party), p.waiting);
      out += fmt::format(
          "orderd_documents_undelivered{{party_type=\"{}\",party=\"{}\",state=\"failed\"}} {}\n",
          label(p.party_type), label(p.party), p.failed);
    }
    metric("orderd_late_pos", "gauge", "POs past their supplier's deadline");
    out += fmt::format("orderd_late_pos {}\n", rt.store->late_po_count());
    metric("orderd_late_pos_by_supplier", "gauge", "POs past their deadline, per supplier");
    for (const auto& [supplier, n] : rt.store->late_pos_by_supplier())
      out += fmt::format("orderd_late_pos_by_supplier{{supplier=\"{}\"}} {}\n", label(supplier), n);
    metric("orderd_open_alerts", "gauge", "alert conditions open now");
    out += fmt::format("orderd_open_alerts {}\n", rt.store->open_alert_count());
    const std::int64_t now = rt.now();
    std::map<std::string, std::int64_t> ok_at;
    for (const auto& r : rt.store->recent_runs(500))
      if (r.finished_at && !r.failed && !ok_at.count(r.kind)) ok_at[r.kind] = r.finished_at;
    metric("orderd_last_successful_run_age_seconds", "gauge",
           "seconds since the last run of each kind without failures (among the last 500 runs)");
    for (const auto& [kind, at] : ok_at)
      out += fmt::format("orderd_last_successful_run_age_seconds{{kind=\"{}\"}} {}\n", label(kind),
                         now - at);
    const auto last = rt.store->last_runs();
    // A run that changed nothing is folded into the one before it
    // (repeats), whose start is then older than its own: no duration then.
    metric("orderd_last_run_duration_seconds", "gauge",
           "how long the last run of each kind took (runs recorded on their own)");
    for (const auto& r : last)
      if (r.finished_at && r.repeats == 0)
        out += fmt::format("orderd_last_run_duration_seconds{{kind=\"{}\"}} {}\n", label(r.kind),
                           r.finished_at - r.started_at);
    metric("orderd_last_run_failed", "gauge", "failures in the last run of each kind");
    for (const auto& r : last)
      out += fmt::format("orderd_last_run_failed{{kind=\"{}\"}} {}\n", label(r.kind), r.failed);
    return 0;
  });
  HttpResponse r = text(200, std::move(out));
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return r;
}

HttpResponse Console::Impl::act(Session& s, const HttpRequest& req, const std::string& token) {
  ConsoleAction a;
  a.user = s.user;
  std::string back = "/";
  const std::string ref = req.arg("ref");
  auto order_id = [&]() -> std::optional<std::int64_t> {
    auto id = with_reader([&](Runtime& rt) { return find_order(rt, ref); });
    if (!id) return std::nullopt;
    return *id;
  };
  if (req.path == "/process" || req.path == "/retry" || req.path == "/cancel" ||
      req.path == "/resolve") {
    auto id = order_id();
    if (!id) return no_such_order(s, ref, "process", "/");
    a.order_id = *id;
    back = "/order?ref=" + url_encode(ref);
    if (req.path == "/process") {
      a.verb = ConsoleAction::kProcess;
      back = "/";
    } else if (req.path == "/retry") {
      a.verb = ConsoleAction::kRetry;
    } else if (req.path == "/cancel") {
      a.verb = ConsoleAction::kCancel;
      a.reason = trim(req.arg("reason"));
      if (a.reason.empty()) {
        s.flash.push_back({{"text",
                            "say why the order is canceled (the reason goes in its "
                            "audit trail)"},
                           {"problem", true}});
        return HttpResponse::redirect(back);
      }
    } else {
      a.verb = ConsoleAction::kResolve;
      // Only what the person changed: a value shown and left as it was
      // must not become an override that hides the channel's next fix.
      for (const auto& [k, v] : req.form) {
        if (!k.starts_with("set.") || trim(v).empty()) continue;
        const auto was = req.form.find("was." + k.substr(4));
        if (was != req.form.end() && trim(was->second) == trim(v)) continue;
        a.sets.emplace_back(k.substr(4), trim(v));
      }
    }
  } else if (req.path == "/process-all") {
    a.verb = ConsoleAction::kProcessAllReady;
  } else if (req.path == "/sync") {
    a.verb =
        req.arg("what") == "tracking" ? ConsoleAction::kSyncTracking : ConsoleAction::kSyncOrders;
    back = "/sync";
  } else {
    return text(404, "no such action\n");
  }
  const auto done = submit(a, token);
  if (!done) {
    s.flash.push_back(
        {{"text", "the service is busy with a run: this waits and is done when the run ends"},
         {"problem", false}});
    return HttpResponse::redirect(back);
  }
  const ConsoleOutcome& out = *done;
  if (!out.refused.empty()) {
    if (a.verb == ConsoleAction::kResolve) return resolve_page(s, ref, out.refused, &req.form);
    s.flash.push_back(outcome_flash(a, out));
    return HttpResponse::redirect(back);
  }
  s.flash.push_back(outcome_flash(a, out));
  if (a.verb == ConsoleAction::kResolve && out.report.failed > 0)
    return HttpResponse::redirect("/resolve?ref=" + url_encode(ref));
  return HttpResponse::redirect(back);
}

Console::Console(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Console::~Console() = default;

Result<std::unique_ptr<Console>> Console::start(std::shared_ptr<const Config> cfg,
                                                std::chrono::milliseconds action_wait) {
  auto impl = std::make_unique<Impl>();
  impl->cfg = cfg;
  impl->action_wait = action_wait;
  impl->wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl->wake < 0) return fail(ErrorKind::kIo, "console: eventfd failed");
  Impl* self = impl.get();
  auto server = HttpServer::start(cfg->console, [self](const HttpRequest& r) {
    try {
      return self->handle(r);
    } catch (const StoreError& e) {
      HttpResponse out = text(503, fmt::format("state database error: {}\nTry again; if it "
                                               "stays, see `orderctl state check`.\n",
                                               e.what()));
      secure_headers(out);
      return out;
    }
  });
  if (!server) return std::unexpected(server.error());
  impl->server = std::move(*server);
  impl->scorer = std::thread([self] { self->keep_scores(); });
  return std::unique_ptr<Console>(new Console(std::move(impl)));
}

int Console::wake_fd() const {
  return impl_->wake;
}

void Console::run_actions(const ConsoleRunner& run) {
  std::uint64_t n = 0;
  [[maybe_unused]] auto r = ::read(impl_->wake, &n, sizeof n);
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::lock_guard lock(impl_->mu);
      if (impl_->jobs.empty()) return;
      job = impl_->jobs.front();
      impl_->jobs.pop_front();
    }
    ConsoleOutcome out;
    try {
      out = run(job->action);
    } catch (const StoreError& e) {
      out.refused = fmt::format("state database error: {}", e.what());
    } catch (const std::exception& e) {
      out.refused = internal_error(e, "the action was not done");
    }
    std::lock_guard lock(impl_->mu);
    ++impl_->changes;
    if (impl_->scores) {  // what the action changed is counted again now
      impl_->scores->stale = true;
      impl_->scores_cv.notify_all();
    }
    if (job->abandoned)
      if (auto it = impl_->sessions.find(job->session); it != impl_->sessions.end())
        it->second.flash.push_back(outcome_flash(job->action, out));
    job->done.set_value(std::move(out));
  }
}

void Console::set_service_status(std::string status) {
  std::lock_guard lock(impl_->mu);
  impl_->service_status = std::move(status);
}

void Console::set_config(std::shared_ptr<const Config> cfg) {
  std::lock_guard lock(impl_->mu);
  impl_->cfg = std::move(cfg);
}

}  // namespace orderd
