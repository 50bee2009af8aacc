// `make bench`: the order loop at scale. Generates a Shopify export of
// 100,000 orders (1-3 lines each, 3 suppliers), then times in separate child
// processes (so each phase's peak RSS is its own), each as one cycle:
//   1. import (read, verify, route, store)
//   2. processing (split into POs, render, deliver to folders; batch: run)
//   3. tracking in (one CSV per supplier, every line shipped) + push to the channel
// and beside each its floor (floor.h): the same rows written by the plainest
// loop of prepared statements in one transaction. Each phase runs three
// times from the same starting site; the medians are printed.
//   orderd_bench [ORDERS]           the loop (default 100000)
//   orderd_bench --scale [ORDERS]   a state of ORDERS orders (default
//       1000000): orderctl's searches and `show` against it, and importing
//       1,000 new orders into it against into an empty state
#include <fcntl.h>
#include <fmt/format.h>
#include <malloc.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <tuple>
#include <vector>

#include "bench_console.h"
#include "config/config.h"
#include "floor.h"
#include "jobs/jobs.h"
#include "median.h"
#include "util/csv.h"
#include "util/fs.h"

using namespace orderd;
namespace fs = std::filesystem;

namespace {

std::string make_export(int orders, int& lines_out) {
  std::mt19937 rng(42);
  std::string csv =
      "Name,Email,Financial Status,Created at,Lineitem quantity,Lineitem name,Lineitem "
      "price,Lineitem sku,"
      "Lineitem requires shipping,Lineitem fulfillment status,Billing Name,Shipping Name,Shipping "
      "Address1,"
      "Shipping Address2,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping "
      "Phone\r\n";
  csv.reserve(static_cast<std::size_t>(orders) * 420);
  const char* prefixes[] = {"ACME-", "GX-", "INI-"};
  int lines = 0;
  for (int i = 0; i < orders; ++i) {
    const int n = 1 + static_cast<int>(rng() % 3);  // 1-3 lines, about 2 on average
    for (int k = 0; k < n; ++k) {
      const bool first = k == 0;
      csv += fmt::format(
          "#{},{},{},2026-11-20 10:{:02}:00 -0500,{},\"Product {}, size "
          "{}\",{}.99,{}{:05},true,pending,{},{},{},{},{},{},{},{},{}\r\n",
          100000 + i, first ? fmt::format("buyer{}@example.com", i) : "", first ? "paid" : "",
          i % 60, 1 + rng() % 4, rng() % 1000, "SML"[rng() % 3], rng() % 200, prefixes[rng() % 3],
          rng() % 50000, first ? fmt::format("Buyer {}", i) : "",
          first ? fmt::format("Buyer {}", i) : "",
          first ? fmt::format("{} Main Street", i % 9999) : "", first ? "Apt 4" : "",
          first ? "Springfield" : "", first ? fmt::format("{:05}", i % 99999) : "",
          first ? "IL" : "", first ? "US" : "", first ? "217-555-0100" : "");
      ++lines;
    }
  }
  lines_out = lines;
  return csv;
}

// Runs `fn` in a child; returns its wall seconds and peak RSS in MB.
template <class F>
std::pair<double, double> in_child(F fn) {
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) _exit(fn());
  int status = 0;
  struct rusage ru {};
  wait4(pid, &status, 0, &ru);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fmt::print(stderr, "phase failed (status {})\n", status);
    std::exit(1);
  }
  return {secs, static_cast<double>(ru.ru_maxrss) / 1024.0};
}

constexpr const char* kYaml = R"(state_dir: ./state
spool_dir: ./spool
channels:
  shop:
    format: shopify-csv
    tracking_push: {transport: {type: dir, path: ./out/channel}}
suppliers:
  acme: {skus: ["ACME-*"], require: [ship_to.phone], transport: {type: dir, path: ./out/acme}}
  globex: {skus: ["GX-*"], transport: {type: dir, path: ./out/globex}}
  initech: {skus: ["INI-*"], transport: {type: dir, path: ./out/initech}}
)";

std::unique_ptr<Runtime> open_at(const fs::path& dir) {
  auto cfg = load_config(dir / "orderd.yaml");
  if (!cfg) {
    fmt::print(stderr, "{}\n", cfg.error().message());
    std::exit(1);
  }
  auto rt = open_runtime(*cfg);
  if (!rt) {
    fmt::print(stderr, "{}\n", rt.error().message());
    std::exit(1);
  }
  return std::move(*rt);
}

fs::path make_site(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / fmt::format("orderd-bench-{}-{}", name, getpid());
  fs::remove_all(dir);
  fs::create_directories(dir / "spool/inbound/orders/shop");
  (void)write_file_atomic(dir / "orderd.yaml", kYaml);
  return dir;
}

// The site as it was before a phase, so that the phase can run again on
// the same state and spool.
void copy_site(const fs::path& from, const fs::path& to) {
  fs::remove_all(to);
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
}

struct PhaseRun {
  double secs = 0, rss = 0, floor = 0;
  std::string by_table;
};

// One run of a phase in a child, with its floor measured on the rows it
// changed.
template <class F>
PhaseRun run_phase(const fs::path& dir, F fn) {
  malloc_trim(0);  // what the parent freed is not counted in the phase's RSS
  const fs::path db = dir / "state/orderd.db";
  in_child([&] {
    bench::snapshot(db, dir / "before.db");
    return 0;
  });
  PhaseRun run;
  std::tie(run.secs, run.rss) = in_child([&] {
    auto rt = open_at(dir);
    RunReport r = run_cycle(*rt, [&](RunReport& out) { fn(*rt, out); });
    if (r.failed) fmt::print(stderr, "{}\n", r.text());
    return r.failed ? 1 : 0;
  });
  // The floor in a child of its own, so that what it holds never counts
  // toward the next phase's peak RSS (a forked child starts with its
  // parent's pages).
  const fs::path result = dir / "floor.txt";
  in_child([&] {
    bench::snapshot(db, dir / "after.db");
    const auto m = bench::measure_floor(dir / "before.db", dir / "after.db", dir / "floor.db");
    return write_file_atomic(result, fmt::format("{}\n{}", m.seconds, m.by_table)) ? 0 : 1;
  });
  const auto text = read_file(result).value_or("0\n");
  run.floor = std::atof(text.c_str());
  run.by_table = text.substr(text.find('\n') + 1);
  return run;
}

// A phase run three times, each on a copy of the same starting site and
// each beside its own floor: single runs on a shared machine move by a
// third, so the figures are the medians (the ratio: of the three pairs)
// and the peak RSS the largest. The third run's result is kept for the
// next phase.
template <class F>
void phase(const fs::path& dir, const char* name, int orders, F fn) {
  constexpr int kRuns = 3;
  if (!fs::exists(dir / "state/orderd.db"))
    in_child([&] {
      open_at(dir);  // the schema, as the floor's starting point
      return 0;
    });
  for (const char* f : {"before.db", "after.db", "floor.db"}) fs::remove(dir / f);
  const fs::path start = dir.string() + ".start";
  copy_site(dir, start);
  std::vector<double> secs, floors, ratios;
  double rss = 0;
  std::string each, by_table;
  for (int i = 0; i < kRuns; ++i) {
    if (i > 0) copy_site(start, dir);
    const PhaseRun r = run_phase(dir, fn);
    secs.push_back(r.secs);
    floors.push_back(r.floor);
    ratios.push_back(r.secs / r.floor);
    rss = std::max(rss, r.rss);
    by_table = r.by_table;
    each += fmt::format("{}{:.2f}/{:.2f}", each.empty() ? "" : ", ", r.secs, r.floor);
  }
  fs::remove_all(start);
  const double t = bench::median(secs);
  fmt::print(
      "{}: {:.2f} s (target < 5 s), {:.0f} orders/s, peak RSS {:.0f} MB (target < 128 MB)\n"
      "    floor {:.2f} s, ratio {:.2f} (target <= 1.5); medians of {} runs (s/floor: {})\n"
      "    rows {}\n",
      name, t, orders / t, rss, bench::median(floors), bench::median(ratios), kRuns, each,
      by_table);
}

int loop(int orders) {
  const fs::path dir = make_site("loop");
  int lines = 0;
  {
    // Freed before the phases: a forked child's peak RSS counts the pages
    // it shares with its parent, and the export is not the phase's.
    auto t0 = std::chrono::steady_clock::now();
    const std::string csv = make_export(orders, lines);
    (void)write_file_atomic(dir / "spool/inbound/orders/shop/export.csv", csv);
    fmt::print("generated {} orders, {} lines, {:.1f} MB export in {:.2f} s\n", orders, lines,
               static_cast<double>(csv.size()) / 1e6,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }

  phase(dir, "phase 1 import (read, verify, route, store)", orders,
        [](Runtime& rt, RunReport& r) { r.add(sync_orders(rt, "bench")); });
  phase(dir, "phase 2 processing (split, render, deliver; batch: run)", orders,
        [](Runtime& rt, RunReport& r) {
          r.add(process_orders(rt, rt.store->order_ids_with_status(OrderStatus::kReady)));
        });

  // Suppliers ship every line: tracking built from the POs they received.
  std::size_t rows = 0;
  for (const char* s : {"acme", "globex", "initech"}) {
    std::string out = "PO Number,SKU,Quantity,Carrier,Tracking Number\n";
    for (const auto& f : list_ready_files(dir / "out" / s).value_or(std::vector<fs::path>{})) {
      auto data = read_file(f);
      CsvReader rd(*data);
      std::vector<std::string_view> row;
      (void)rd.next(row);  // header: PO Number, PO Date, Order ID, Line, SKU, Quantity, ...
      while (*rd.next(row)) {
        out += fmt::format("{},{},{},UPS,1Z{}{}\n", row[0], row[4], row[5], row[0], row[3]);
        ++rows;
      }
    }
    (void)ensure_dir(dir / "spool/inbound/tracking" / s);
    (void)write_file_atomic(dir / "spool/inbound/tracking" / s / "tracking.csv", out);
  }
  phase(dir, fmt::format("phase 3 tracking in ({} rows) + push", rows).c_str(), orders,
        [](Runtime& rt, RunReport& r) {
          r.add(sync_tracking(rt, "bench"));
          r.add(push_tracking(rt, "bench"));
        });
  // Check the result: every order completed.
  auto rt = open_at(dir);
  auto done = rt->store->order_ids_with_status(OrderStatus::kCompleted).size();
  fmt::print("orders completed: {} of {}\n", done, orders);
  rt.reset();
  if (std::getenv("ORDERD_BENCH_KEEP"))
    fmt::print("kept {}\n", dir.string());
  else
    fs::remove_all(dir);
  return static_cast<int>(done) == orders ? 0 : 1;
}

// Wall milliseconds of `orderctl -c CONFIG ARGS...` (its output discarded):
// the median of five runs.
double orderctl_ms(const fs::path& bin, const fs::path& cfg, std::vector<std::string> args) {
  std::vector<std::string> argv = {bin.string(), "-c", cfg.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  std::vector<double> ms;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    pid_t pid = 0;
    if (posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, cargv.data(), environ) != 0) {
      fmt::print(stderr, "cannot run {}\n", argv[0]);
      std::exit(1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  posix_spawn_file_actions_destroy(&fa);
  std::sort(ms.begin(), ms.end());
  return ms[2];
}

// Seconds to import (one cycle, in a child) the export `csv` at `dir`.
double import_secs(const fs::path& dir, const std::string& csv, const std::string& name) {
  (void)write_file_atomic(dir / "spool/inbound/orders/shop" / name, csv);
  return in_child([&] {
           auto rt = open_at(dir);
           RunReport r =
               run_cycle(*rt, [&](RunReport& out) { out.add(sync_orders(*rt, "bench")); });
           return r.failed ? 1 : 0;
         })
      .first;
}

// Replaces the order numbers of a generated export (#100000...) so that it
// holds other orders than the ones before it.
std::string renumbered(const std::string& csv, int offset) {
  std::string out;
  out.reserve(csv.size() + csv.size() / 50);
  std::size_t at = 0;
  while (at < csv.size()) {
    std::size_t eol = csv.find('\n', at);
    if (eol == std::string::npos) eol = csv.size() - 1;
    std::string_view line(csv.data() + at, eol + 1 - at);
    if (line.starts_with('#')) {
      const auto comma = line.find(',');
      out += fmt::format("#{}", std::stol(std::string(line.substr(1, comma - 1))) + offset);
      out += line.substr(comma);
    } else {
      out += line;
    }
    at = eol + 1;
  }
  return out;
}

// The medians of three calls each of `a(k)` and `b(k)`, taken in turn.
template <class A, class B>
std::pair<double, double> medians_of_3(A a, B b) {
  std::vector<double> as, bs;
  for (int k = 0; k < 3; ++k) {
    as.push_back(a(k));
    bs.push_back(b(k));
  }
  return {bench::median(as), bench::median(bs)};
}

// Seconds for one cycle (in a child) taking tracking for every line of
// `n` processed orders of the state at `dir`, spread over it, and pushing it
// to the channel. The files are written before the clock starts.
double tracking_secs(const fs::path& dir, int n) {
  in_child([&] {
    auto rt = open_at(dir);
    const auto done = rt->store->order_ids_with_status(OrderStatus::kProcessed);
    if (done.size() < static_cast<std::size_t>(n)) return 1;
    std::map<std::string, std::string> files;  // supplier -> tracking CSV
    for (int k = 0; k < n; ++k) {
      const auto id = done[static_cast<std::size_t>(k) * done.size() / n];
      const auto order = rt->store->load_order(id);
      std::map<std::int64_t, Po> pos;
      for (auto& po : rt->store->load_pos(id)) pos[po.id] = po;
      for (const auto& l : order->lines) {
        const Po& po = pos.at(l.po_id);
        auto& csv = files[po.supplier];
        if (csv.empty()) csv = "PO Number,SKU,Quantity,Carrier,Tracking Number\n";
        csv += fmt::format("{},{},{},UPS,1Z{}{}\n", po.number, l.sku, l.quantity, po.number, l.seq);
      }
    }
    for (const auto& [supplier, csv] : files) {
      (void)ensure_dir(dir / "spool/inbound/tracking" / supplier);
      (void)write_file_atomic(dir / "spool/inbound/tracking" / supplier / "some.csv", csv);
    }
    return 0;
  });
  return in_child([&] {
           auto rt = open_at(dir);
           RunReport r = run_cycle(*rt, [&](RunReport& out) {
             out.add(sync_tracking(*rt, "bench"));
             out.add(push_tracking(*rt, "bench"));
           });
           return r.failed ? 1 : 0;
         })
      .first;
}

int scale(int orders, const fs::path& bindir) {
  const fs::path dir = make_site("scale");
  constexpr int kBatch = 100000;
  int lines = 0;
  const std::string base = make_export(std::min(orders, kBatch), lines);
  const auto t0 = std::chrono::steady_clock::now();
  for (int done = 0, k = 0; done < orders; done += kBatch, ++k) {
    const std::string csv = k == 0 ? base : renumbered(base, k * kBatch);
    if (import_secs(dir, csv, fmt::format("export-{:02}.csv", k)) <= 0) return 1;
  }
  const double build = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Half of them processed, so `show` and the --supplier search see POs.
  in_child([&] {
    auto rt = open_at(dir);
    auto ready = rt->store->order_ids_with_status(OrderStatus::kReady);
    ready.resize(ready.size() / 2);
    RunReport r = run_cycle(*rt, [&](RunReport& out) { out.add(process_orders(*rt, ready)); });
    return r.failed ? 1 : 0;
  });
  std::uintmax_t bytes = 0;
  for (const auto& e : fs::directory_iterator(dir / "state"))
    if (e.path().filename().string().starts_with("orderd.db")) bytes += e.file_size();
  fmt::print(
      "scale: {} orders in the state ({:.0f} s to import them), {:.0f} MB, {:.0f} bytes per "
      "order\n",
      orders, build, static_cast<double>(bytes) / 1e6, static_cast<double>(bytes) / orders);
  const fs::path ctl = bindir / "orderctl";
  const fs::path cfg = dir / "orderd.yaml";
  const std::string some = fmt::format("{}", 100000 + (orders / 2 % kBatch) + 7);
  const std::pair<const char*, std::vector<std::string>> queries[] = {
      {"orders (first page)", {"orders"}},
      {"orders --sku 'GX-0001*'", {"orders", "--sku", "GX-0001*"}},
      {"orders --customer 'Buyer 4711'", {"orders", "--customer", "Buyer 4711"}},
      {"orders --order", {"orders", "--order", some}},
      {"orders --supplier globex", {"orders", "--supplier", "globex"}},
      {"show", {"show", "#" + some}},
  };
  for (const auto& [what, args] : queries)
    fmt::print("    {}: {:.0f} ms (target < 50 ms)\n", what, orderctl_ms(ctl, cfg, args));
  std::fflush(stdout);  // not copied into the child
  in_child([&] { return bench::console_pages(dir, some); });
  // 1,000 new orders into the full state and into an empty one: the median
  // of three files each.
  int n = 0;
  const std::string small = make_export(1000, n);
  const fs::path empty = make_site("empty");
  open_at(empty);  // a state with its schema and nothing in it
  auto import_into = [&](const fs::path& site) {
    return [&, site](int k) {
      return import_secs(site, renumbered(small, 5000000 + k * 1000),
                         fmt::format("new-1000-{}.csv", k));
    };
  };
  const auto [into_full, into_empty] = medians_of_3(import_into(dir), import_into(empty));
  fmt::print(
      "    import 1,000 orders (median of 3): {:.3f} s into {} orders, {:.3f} s into none, ratio "
      "{:.2f} (target <= 1.2)\n",
      into_full, orders, into_empty, into_full / into_empty);
  // Tracking for 10 orders and its push, into the full state and into the
  // small one (its 3,000 orders processed): a push must find its own
  // shipments without reading the rest of the history.
  in_child([&] {
    auto rt = open_at(empty);
    RunReport r = run_cycle(*rt, [&](RunReport& out) {
      out.add(process_orders(*rt, rt->store->order_ids_with_status(OrderStatus::kReady)));
    });
    return r.failed ? 1 : 0;
  });
  // Each call takes other orders: those taken once are completed.
  const auto [push_full, push_small] = medians_of_3([&](int) { return tracking_secs(dir, 10); },
                                                    [&](int) { return tracking_secs(empty, 10); });
  fmt::print(
      "    tracking for 10 orders and its push (median of 3): {:.3f} s into {} orders, {:.3f} s "
      "into 3,000, ratio {:.2f} (target <= 1.2)\n",
      push_full, orders, push_small, push_full / push_small);
  if (std::getenv("ORDERD_BENCH_KEEP"))
    fmt::print("kept: {}\n", dir.string());
  else
    fs::remove_all(dir);
  fs::remove_all(empty);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path bindir = fs::canonical("/proc/self/exe").parent_path();
  if (argc > 1 && std::string_view(argv[1]) == "--scale")
    return scale(argc > 2 ? std::atoi(argv[2]) : 1000000, bindir);
  return loop(argc > 1 ? std::atoi(argv[1]) : 100000);
}
