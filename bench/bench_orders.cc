// `make bench`: the order loop at scale. Generates a Shopify export of
// 100,000 orders (1-3 lines each, 3 suppliers), then times in separate child
// processes (so each phase's peak RSS is its own):
//   1. import + verify + route + render + deliver (auto-processing, batch: run)
//   2. tracking in (one CSV per supplier, every line shipped) + push to the channel
// Usage: orderd_bench [ORDERS]   (default 100000)
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "config/config.h"
#include "jobs/jobs.h"
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

}  // namespace

int main(int argc, char** argv) {
  const int orders = argc > 1 ? std::atoi(argv[1]) : 100000;
  const fs::path dir = fs::temp_directory_path() / fmt::format("orderd-bench-{}", getpid());
  fs::create_directories(dir);
  const std::string yaml = R"(state_dir: ./state
spool_dir: ./spool
channels:
  shop:
    format: shopify-csv
    auto_process: true
    tracking_push: {transport: {type: dir, path: ./out/channel}}
suppliers:
  acme: {skus: ["ACME-*"], require: [ship_to.phone], transport: {type: dir, path: ./out/acme}}
  globex: {skus: ["GX-*"], transport: {type: dir, path: ./out/globex}}
  initech: {skus: ["INI-*"], transport: {type: dir, path: ./out/initech}}
)";
  (void)write_file_atomic(dir / "orderd.yaml", yaml);
  int lines = 0;
  auto t0 = std::chrono::steady_clock::now();
  const std::string csv = make_export(orders, lines);
  fs::create_directories(dir / "spool/inbound/orders/shop");
  (void)write_file_atomic(dir / "spool/inbound/orders/shop/export.csv", csv);
  fmt::print("generated {} orders, {} lines, {:.1f} MB export in {:.2f} s\n", orders, lines,
             static_cast<double>(csv.size()) / 1e6,
             std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

  auto open = [&] {
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
  };

  auto [t1, rss1] = in_child([&] {
    auto rt = open();
    auto r = sync_orders(*rt, "bench");
    return r.failed ? 1 : 0;
  });
  fmt::print(
      "phase 1 import+verify+route+render+deliver: {:.2f} s, {:.0f} orders/s, peak RSS {:.0f} MB\n",
      t1, orders / t1, rss1);

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
  auto [t2, rss2] = in_child([&] {
    auto rt = open();
    auto r = sync_tracking(*rt, "bench");
    r.add(push_tracking(*rt, "bench"));
    return r.failed ? 1 : 0;
  });
  fmt::print(
      "phase 2 tracking in ({} rows) + push: {:.2f} s, {:.0f} orders/s, peak RSS {:.0f} MB\n", rows,
      t2, orders / t2, rss2);
  // Check the result: every order completed.
  auto rt = open();
  auto done = rt->store->order_ids_with_status(OrderStatus::kCompleted).size();
  fmt::print("orders completed: {} of {}\n", done, orders);
  fs::remove_all(dir);
  return static_cast<int>(done) == orders ? 0 : 1;
}
