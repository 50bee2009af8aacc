// orderctl: the operator's tool. Exit codes: 0 ok, 1 refused or failed,
// 2 usage or configuration error.
#include <fmt/format.h>
#include <pwd.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/output.h"
#include "cli/trust_host.h"
#include "cli/x12_commands.h"
#include "console/users.h"
#include "jobs/history.h"
#include "jobs/jobs.h"
#include "jobs/state.h"
#include "service/control.h"
#include "util/fs.h"
#include "util/text.h"

using namespace orderd;

namespace {

// What happened on stdout, what failed (and what to do) on stderr.
void print_report(const RunReport& r) {
  for (const auto& l : r.lines) (l.problem ? std::cerr : std::cout) << l.text << "\n";
}

// "--supplier nosuch: no such supplier (did you mean acme?); the suppliers are acme, globex"
std::string unknown_name(std::string_view flag, std::string_view what, std::string_view given,
                         std::span<const std::string_view> known) {
  auto near = nearest(given, known);
  return fmt::format("{} {}: no such {}{}; the {}s are {}\n", flag, given, what,
                     near ? fmt::format(" (did you mean {}?)", *near) : "", what,
                     fmt::join(known, ", "));
}

// "30d", "2w", "12h", "90m" as seconds.
std::optional<std::int64_t> parse_span(std::string_view s) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  const std::string_view unit(end, static_cast<std::size_t>(s.data() + s.size() - end));
  const std::int64_t mult = unit == "m"   ? 60
                            : unit == "h" ? 3600
                            : unit == "d" ? 86400
                            : unit == "w" ? 7 * 86400
                                          : 0;
  if (ec != std::errc() || n <= 0 || mult == 0 || n > 3660) return std::nullopt;
  return n * mult;
}

std::string default_config() {
  if (const char* c = std::getenv("ORDERD_CONFIG")) return c;
  return "/etc/orderd/orderd.yaml";
}

// Who the history names: the person behind sudo, else the login name of
// this process's user (root is "root", never "0").
std::string operator_name() {
  if (const char* u = std::getenv("SUDO_USER"); u && *u) return fmt::format("operator:{}", u);
  if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_name && *pw->pw_name)
    return fmt::format("operator:{}", pw->pw_name);
  if (const char* u = std::getenv("USER"); u && *u) return fmt::format("operator:{}", u);
  return fmt::format("operator:uid{}", ::getuid());
}

// A password from the terminal (asked twice, not echoed) or, when stdin is
// not a terminal, its first line (scripts: `echo "$PW" | orderctl user add NAME`).
std::optional<std::string> read_password() {
  auto line = [] {
    std::string s;
    std::getline(std::cin, s);
    if (!s.empty() && s.back() == '\r') s.pop_back();
    return s;
  };
  if (!::isatty(STDIN_FILENO)) return line();
  termios old{};
  ::tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::cerr << "password: " << std::flush;
  const std::string first = line();
  std::cerr << "\nagain: " << std::flush;
  const std::string second = line();
  std::cerr << "\n";
  ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
  if (first != second) {
    std::cerr << "the two passwords differ; nothing was changed\n";
    return std::nullopt;
  }
  return first;
}

int user_command(const Config& cfg, const std::string& verb, const std::string& name) {
  const auto file = cfg.console.enabled ? cfg.console.users_file : cfg.state_dir / "console.users";
  Status done;
  if (verb == "remove") {
    done = remove_user(file, name);
  } else {
    if (auto why = check_user_name(name)) {
      std::cerr << *why << "\n";
      return 2;
    }
    auto pw = read_password();
    if (!pw) return 1;
    done = verb == "add" ? add_user(file, name, *pw) : set_password(file, name, *pw);
  }
  if (!done) {
    std::cerr << done.error().message() << "\n";
    return done.error().kind() == ErrorKind::kInvalid ? 2 : 1;
  }
  std::cout << fmt::format(
      "user {} {} in {}{}\n", name,
      verb == "add"      ? "added"
      : verb == "passwd" ? "has a new password"
                         : "removed",
      file.string(), verb == "remove" ? " (their console sessions end at their next page)" : "");
  return 0;
}

int run(int argc, char** argv) {
  CLI::App app{"orderctl - operate orderd: order history, resolve, process, cancel, retry, sync"};
  app.require_subcommand(1);
  std::string config = default_config();
  app.add_option("-c,--config", config,
                 "configuration file (default $ORDERD_CONFIG or /etc/orderd/orderd.yaml)");

  OrderQuery q;
  std::string status;
  bool json = false;
  auto* orders = app.add_subcommand("orders", "order history, newest first");
  orders->add_option(
      "--status", status,
      "needs_resolve, ready, processed, partially_shipped, shipped, completed, failed, canceled");
  orders->add_option("--supplier", q.supplier, "supplier id");
  orders->add_option("--channel", q.channel, "channel id");
  orders->add_option("--sku", q.sku,
                     "SKU, or a pattern as in a supplier's skus: (* any run, ? one character)");
  orders->add_option("--customer", q.customer,
                     "text in the customer's or recipient's name, e-mail or phone");
  orders->add_option("--order", q.order, "the channel's order id (#1001, 1001, or channel:1001)");
  orders->add_flag("--changed-after-processing", q.changed_after_processing,
                   "orders the channel changed after their POs went out");
  orders->add_flag("--late", q.late,
                   "orders with a PO past its supplier's deadline (not acknowledged or not "
                   "shipped in time)");
  orders->add_option("--limit", q.limit, "at most this many (default 1000)");
  orders->add_flag("--json", json, "print JSON");

  std::string ref;
  auto* show =
      app.add_subcommand("show", "an order with its POs, lines, tracking, documents and history");
  show->add_option("ORDER", ref, "#1001, 1001 or channel:#1001")->required();
  show->add_flag("--json", json, "print JSON");

  std::vector<std::string> sets;
  auto* resolve =
      app.add_subcommand("resolve", "fill in what an order is missing, then verify it again");
  resolve->add_option("ORDER", ref)->required();
  resolve->add_option("--set", sets,
                      "FIELD=VALUE (e.g. ship_to.phone=555-0100, line.2.sku=ACME-1)");

  std::vector<std::string> refs;
  bool all_ready = false;
  auto* process = app.add_subcommand("process", "split ready orders into POs and deliver them");
  process->add_option("ORDER", refs);
  process->add_flag("--all-ready", all_ready, "every order in ready");
  bool dry_run = false;
  std::string dry_out;
  process->add_flag("--dry-run", dry_run,
                    "route, verify and render exactly as a real run, but send nothing, change no "
                    "status and spend no PO or control number");
  process->add_option("--out", dry_out, "with --dry-run: write the documents into DIR/<party>/");

  std::string reason;
  auto* cancel = app.add_subcommand(
      "cancel", "cancel an order (sends a cancellation to suppliers that have its PO)");
  cancel->add_option("ORDER", ref)->required();
  cancel->add_option("--reason", reason, "recorded in the history");

  auto* retry = app.add_subcommand("retry", "deliver an order's failed documents again");
  retry->add_option("ORDER", ref)->required();

  std::string what;
  auto* sync = app.add_subcommand("sync", "run a sync now, or show sync status");
  sync->add_option("WHAT", what, "orders, tracking, all, or status")
      ->required()
      ->check(CLI::IsMember({"orders", "tracking", "all", "status"}));
  sync->add_flag("--json", json, "status: print JSON");

  bool open_only = false;
  int alert_limit = 100;
  auto* alerts = app.add_subcommand(
      "alerts", "alerts raised: when, what to do, to which sinks they went, whether still open");
  alerts->add_flag("--open", open_only, "only conditions still open");
  alerts->add_option("--limit", alert_limit, "at most this many, newest first (default 100)");
  alerts->add_flag("--json", json, "print JSON");
  auto* alerts_test_cmd =
      alerts->add_subcommand("test", "send a test message to every alert sink now");

  std::string since = "30d";
  auto* suppliers_cmd =
      app.add_subcommand("suppliers",
                         "scorecards: POs sent, acknowledged and shipped on time, hours to ship, "
                         "rejections, failed deliveries, outages");
  suppliers_cmd->add_option("--since", since, "how far back: 30d (default), 12h, 2w");
  suppliers_cmd->add_flag("--json", json, "print JSON");

  std::string backup_file;
  auto* backup = app.add_subcommand(
      "backup", "a consistent copy of the state database, taken while the service runs");
  backup->add_option("FILE", backup_file, "the copy to write (must not exist)")->required();

  auto* state = app.add_subcommand("state", "check the state database, or adopt a restored one");
  state->require_subcommand(1);
  auto* state_check_cmd = state->add_subcommand(
      "check", "is the database whole, and the one the spool's mark records? (exit 0 or 1)");
  auto* state_adopt_cmd = state->add_subcommand(
      "adopt", "after a restore: take this database as the spool's; never reuse a sent number");

  std::string party, fingerprint;
  auto* trust = app.add_subcommand(
      "trust-host",
      "show a supplier's SFTP host key, and record it once its fingerprint is checked");
  trust->add_option("PARTY", party, "supplier (or channel) id")->required();
  trust->add_option("--fingerprint", fingerprint, "SHA256:... as checked with the supplier");

  std::string user_name;
  auto* user = app.add_subcommand("user", "the console's users (README, \"Console\")");
  user->require_subcommand(1);
  auto* user_add = user->add_subcommand(
      "add", "add a user; the password is asked twice (or read from stdin's first line)");
  auto* user_passwd = user->add_subcommand("passwd", "give a user a new password");
  auto* user_remove = user->add_subcommand("remove", "remove a user");
  for (auto* c : {user_add, user_passwd, user_remove})
    c->add_option("NAME", user_name, "the user's name")->required();

  std::vector<std::string> x12_files;
  auto* x12 = app.add_subcommand("x12", "check and read X12 files (no configuration needed)");
  x12->require_subcommand(1);
  auto* x12_check_cmd = x12->add_subcommand(
      "check", "validate files; print every problem with its place (exit 0 valid, 1 invalid)");
  x12_check_cmd->add_option("FILE", x12_files)->required();
  std::string x12_file;
  auto* x12_read_cmd =
      x12->add_subcommand("read", "print what orderd understands of a file (856, 855, 997/999)");
  x12_read_cmd->add_option("FILE", x12_file)->required();
  x12_read_cmd->add_flag("--json", json, "print JSON");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (*x12_check_cmd) return x12_check(x12_files);
  if (*x12_read_cmd) return x12_read(x12_file, json);

  auto cfg = load_config(config);
  if (!cfg) {
    std::cerr << cfg.error().message() << "\n";
    return 2;
  }
  if (*trust) return trust_host(**cfg, party, fingerprint);
  if (*user)
    return user_command(**cfg, *user_add ? "add" : *user_passwd ? "passwd" : "remove", user_name);
  auto opened = open_runtime(*cfg);
  if (!opened) {
    std::cerr << opened.error().message() << "\n";
    return opened.error().kind() == ErrorKind::kConfig ? 2 : 1;
  }
  Runtime& rt = **opened;
  rt.actor = operator_name();
  const int code = [&] {
    // Verbs that write refuse a state database the spool does not know.
    const bool writes = *resolve || *process || *cancel || *retry || (*sync && what != "status") ||
                        *alerts_test_cmd;
    if (writes) {
      if (auto s = check_state(rt, /*integrity=*/false); !s) {
        std::cerr << s.error().message() << "\n";
        return 1;
      }
    }

    auto lookup = [&](const std::string& r) -> std::optional<std::int64_t> {
      auto id = find_order(rt, r);
      if (!id) {
        std::cerr << id.error().message() << "\n";
        return std::nullopt;
      }
      return *id;
    };

    // An operator's action, in a recorded cycle (delivery included); one
    // refused before anything was done says why, exit 1.
    auto act = [&](std::string_view kind, const std::function<Result<RunReport>()>& action) {
      std::optional<Error> refused;
      auto r = recorded_run(rt, kind, rt.actor, [&](RunReport& out) {
        out.add(run_cycle(rt, [&](RunReport& in) {
          if (auto done = action())
            in.add(std::move(*done));
          else
            refused = done.error();
        }));
      });
      if (refused) {
        std::cerr << refused->message() << "\n";
        return 1;
      }
      print_report(r);
      return r.failed ? 1 : 0;
    };

    try {
      if (*backup) {
        if (auto s = rt.store->backup_to(backup_file); !s) {
          std::cerr << s.error().message() << "\n";
          return 1;
        }
        std::cout << fmt::format("state database copied to {} (restore: docs/operations.md)\n",
                                 backup_file);
        return 0;
      }
      if (*state_check_cmd) {
        if (auto s = check_state(rt, /*integrity=*/true); !s) {
          std::cerr << s.error().message() << "\n";
          return 1;
        }
        const StateFacts f = rt.store->state_facts();
        std::cout << fmt::format(
            "state database {} is whole and is the one {} records (PO ids up to {}, documents up "
            "to {}, inbound files up to {}); commits: {}\n",
            (rt.cfg->state_dir / "orderd.db").string(), rt.spool.mark_path().string(), f.po,
            f.document, f.inbound, rt.store->durability());
        return 0;
      }
      if (*state_adopt_cmd) {
        if (ask_service(*rt.cfg, "status")) {
          std::cerr << "the service is running: stop it first (systemctl stop orderd)\n";
          return 1;
        }
        RunLock lock(rt);
        auto r = adopt_state(rt);
        if (!r) {
          std::cerr << r.error().message() << "\n";
          return 1;
        }
        std::cout << *r << "\n";
        return 0;
      }
      if (*orders) {
        // Every name given is checked: a typo must not look like "no orders".
        if (!status.empty()) {
          q.status = parse_status(status);
          if (!q.status) {
            auto near = suggest_status(status);
            std::cerr << fmt::format(
                "--status {}: no such status{}; the statuses are {}\n", status,
                near ? fmt::format(" (did you mean {}?)", *near) : "",
                "needs_resolve, ready, processed, partially_shipped, shipped, completed, failed, "
                "canceled");
            return 2;
          }
        }
        std::vector<std::string_view> channels, suppliers;
        for (const auto& c : rt.cfg->channels) channels.push_back(c.id);
        for (const auto& sp : rt.cfg->suppliers) suppliers.push_back(sp.id);
        if (auto colon = q.order.find(':');
            colon != std::string::npos && rt.cfg->channel(q.order.substr(0, colon))) {
          q.channel = q.order.substr(0, colon);
          q.order = q.order.substr(colon + 1);
        }
        if (!q.channel.empty() && !rt.cfg->channel(q.channel)) {
          std::cerr << unknown_name("--channel", "channel", q.channel, channels);
          return 2;
        }
        if (!q.supplier.empty() && !rt.cfg->supplier(q.supplier)) {
          std::cerr << unknown_name("--supplier", "supplier", q.supplier, suppliers);
          return 2;
        }
        auto list = rt.store->query_orders(q);
        std::cout << (json ? orders_json(rt, list)
                           : orders_table(rt, list, rt.store->count_orders(q)));
        return 0;
      }
      if (*show) {
        auto id = lookup(ref);
        if (!id) return 1;
        auto o = rt.store->load_order(*id);
        std::cout << (json ? order_json(rt, *o) : order_details(rt, *o));
        return 0;
      }
      if (*resolve) {
        auto id = lookup(ref);
        if (!id) return 1;
        std::vector<std::pair<std::string, std::string>> kv;
        for (const auto& s : sets) {
          auto eq = s.find('=');
          if (eq == std::string::npos || eq == 0) {
            std::cerr << fmt::format("--set {}: expected FIELD=VALUE\n", s);
            return 2;
          }
          kv.emplace_back(s.substr(0, eq), s.substr(eq + 1));
        }
        auto r = resolve_order(rt, *id, kv);
        if (!r) {
          std::cerr << r.error().message() << "\n";
          return r.error().kind() == ErrorKind::kInvalid ? 2 : 1;
        }
        print_report(*r);
        return r->failed ? 1 : 0;
      }
      if (*process) {
        if (refs.empty() && !all_ready) {
          std::cerr << "name ORDERs or --all-ready\n";
          return 2;
        }
        // Every order named that exists is processed; one that does not is
        // said and makes the exit 1, but does not hold the others back.
        std::vector<std::int64_t> ids;
        bool missing = false;
        if (all_ready) ids = rt.store->order_ids_with_status(OrderStatus::kReady);
        for (const auto& r : refs) {
          if (auto id = lookup(r))
            ids.push_back(*id);
          else
            missing = true;
        }
        if (ids.empty()) {
          if (!missing) std::cout << "no order is ready\n";
          return missing ? 1 : 0;
        }
        if (dry_run) {
          RunReport report;
          auto docs = dry_run_orders(rt, ids, report);
          if (!docs) {
            std::cerr << docs.error().message() << "\n";
            return 1;
          }
          for (const auto& d : *docs) {
            std::string written;
            if (!dry_out.empty()) {
              const auto dir = std::filesystem::path(dry_out) / d.party;
              auto s = ensure_dir(dir);
              if (s) s = write_file_atomic(dir / d.name, d.content);
              if (!s) {
                report.problem(fmt::format("{}: {}", d.name, s.error().message()));
                continue;
              }
              written = fmt::format("; written to {}", (dir / d.name).string());
            }
            report.lines.push_back(fmt::format("{} would go to {} ({}), {} bytes{}", d.name,
                                               d.party, d.where, d.content.size(), written));
          }
          print_report(report);
          return report.failed || missing ? 1 : 0;
        }
        if (!dry_out.empty()) {
          std::cerr << "--out is for --dry-run\n";
          return 2;
        }
        auto report = recorded_run(rt, "process", rt.actor, [&](RunReport& r) {
          r.add(run_cycle(rt, [&](RunReport& in) { in.add(process_orders(rt, ids)); }));
        });
        print_report(report);
        return report.failed || missing ? 1 : 0;
      }
      if (*cancel) {
        auto id = lookup(ref);
        if (!id) return 1;
        return act("cancel", [&] { return cancel_order(rt, *id, reason); });
      }
      if (*retry) {
        auto id = lookup(ref);
        if (!id) return 1;
        return act("retry", [&] { return retry_order(rt, *id); });
      }
      if (*alerts_test_cmd) {
        return act("alerts", [&] { return queue_test_alert(rt); });
      }
      if (*suppliers_cmd) {
        const auto secs = parse_span(since);
        if (!secs) {
          std::cerr << fmt::format("--since {}: write a number with d, w, h or m (30d, 2w, 12h)\n",
                                   since);
          return 2;
        }
        std::cout << suppliers_report(rt, rt.now() - *secs, json);
        return 0;
      }
      if (*alerts) {
        std::cout << alerts_list(rt, json, open_only, alert_limit);
        return 0;
      }
      if (*sync) {
        if (what == "status") {
          std::optional<std::string> service;
          if (auto a = ask_service(*rt.cfg, "status"); a && *a)
            service = **a;
          else if (a)
            std::cerr << a->error().message() << "\n";
          std::cout << sync_status(rt, json, service);
          return 0;
        }
        // The running service does it (and its history shows it); without
        // one, this process does.
        if (auto a = ask_service(*rt.cfg, "sync " + what)) {
          if (!*a) {
            std::cerr << a->error().message() << "\n";
            return 1;
          }
          auto j = nlohmann::json::parse(**a, nullptr, false);
          if (j.is_discarded() || j.contains("error")) {
            std::cerr << "the service answered: " << **a << "\n";
            return 1;
          }
          for (const auto& l : j.value("lines", nlohmann::json::array()))
            (l.value("problem", false) ? std::cerr : std::cout) << l.value("text", "") << "\n";
          std::cout << fmt::format(
              "synced by the running service: {} files read, {} changed, {} failed\n",
              j.value("files", 0), j.value("changed", 0), j.value("failed", 0));
          return j.value("failed", 0) ? 1 : 0;
        }
        RunReport r = run_cycle(rt, [&](RunReport& out) {
          if (what == "orders" || what == "all") out.add(sync_orders(rt, "on-demand"));
          if (what == "tracking" || what == "all") {
            out.add(sync_tracking(rt, "on-demand"));
            out.add(push_tracking(rt, "on-demand"));
          }
        });
        print_report(r);
        std::cout << fmt::format("synced (no service runs): {} files read, {} changed, {} failed\n",
                                 r.files, r.changed, r.failed);
        return r.failed ? 1 : 0;
      }
    } catch (const StoreError& e) {
      std::cerr << "state database error: " << e.what() << "\n";
      return 1;
    }
    return 2;
  }();
  // A run of orderctl's that failed is logged by the running service too
  // (journal-based alerting); a busy service logs it at its next loop.
  if (code == 1 && (*process || *cancel || *retry || *alerts_test_cmd))
    (void)ask_service(*rt.cfg, "operator runs", 1);
  opened->reset();  // closes the database: its last checkpoint meets the disk too
  RunReport closing;
  add_disk_errors(closing);
  for (const auto& l : closing.lines) std::cerr << l.text << "\n";
  return code == 0 && closing.failed ? 1 : code;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    // A defect in orderctl: said as such, with no core dump of the shell's.
    std::cerr << internal_error(e, "the command stopped here") << "\n";
    return 1;
  }
}
