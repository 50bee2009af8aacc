// `make bench` (X12 part): read, validate envelopes and extract every shipment
// of a generated interchange file of 856s (S-O-P-I, three items each), single
// thread, as `orderctl x12 check` does it. Prints MB/s, sets/s and peak RSS,
// for 100 MB (best and median of five runs) and for 1 GB (the RSS must not
// grow with the file); then times writing 100,000 850s into one interchange.
// Usage: orderd_bench_x12 [MB ...]   (default: 100 1000)
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "config/config.h"
#include "edi/x12_documents.h"
#include "mappers/mappers.h"

using namespace orderd;
namespace fs = std::filesystem;

namespace {

// One 856 with S-O-P-I and three items; `n` makes numbers unique.
void append_856(std::string& out, std::uint64_t n) {
  const std::string st = fmt::format("{:04}", n % 10000);
  std::size_t count = 0;
  auto seg = [&](std::string s) {
    out += s;
    out += "~\n";
    ++count;
  };
  seg(fmt::format("ST*856*{}", st));
  seg(fmt::format("BSN*00*SHIP{}*20261126*1200", n));
  seg("HL*1**S");
  seg("TD5**2*UPSN");
  seg(fmt::format("REF*CN*1Z999AA1{:010}", n));
  seg("DTM*011*20261126");
  seg("HL*2*1*O");
  seg(fmt::format("PRF*PO{:08}", n));
  seg("HL*3*2*P");
  seg(fmt::format("MAN*CP*1Z999AA1{:010}", n));
  for (int i = 0; i < 3; ++i) {
    seg(fmt::format("HL*{}*3*I", 4 + i));
    seg(fmt::format("LIN**VP*ACME-{}*UP*0123456789{:02}",
                    (n * 3 + static_cast<std::uint64_t>(i)) % 100000, i));
    seg(fmt::format("SN1**{}*EA", 1 + i));
  }
  seg(fmt::format("SE*{}*{}", count + 1, st));
}

std::uint64_t generate(const fs::path& path, std::uint64_t bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  std::string buf;
  std::uint64_t written = 0, sets = 0, isa = 0;
  while (written < bytes) {
    ++isa;
    buf.clear();
    buf += fmt::format(
        "ISA*00*          *00*          *ZZ*SUPPLIER       *ZZ*MYSHOP         "
        "*261126*1200*U*00401*{:09}*0*P*>~\n",
        isa);
    buf += fmt::format("GS*SH*SUPPLIER*MYSHOP*20261126*1200*{}*X*004010~\n", isa);
    for (int i = 0; i < 1000; ++i) append_856(buf, ++sets);
    buf += fmt::format("GE*1000*{}~\nIEA*1*{:09}~\n", isa, isa);
    std::fwrite(buf.data(), 1, buf.size(), f);
    written += buf.size();
  }
  std::fclose(f);
  return sets;
}

struct Counter final : ControlNumbers {
  std::pair<std::uint64_t, std::uint64_t> next(std::string_view, std::string_view) override {
    return {1, 1};
  }
  void sent_as(std::int64_t, std::string_view, std::string_view, std::string_view,
               std::string_view) override {}
};

// Renders `n` 850s (2 lines each) into one interchange, as a processing run does.
void bench_write_850(int n) {
  PoConfig cfg;
  cfg.format = "x12-850";
  cfg.x12.enabled = true;
  cfg.x12.sender_id = "MYSHOP";
  cfg.x12.receiver_id = "SUPPLIER";
  Order o;
  o.ext_id = "#100001";
  o.at(OrderField::kShipName) = "Ada Lovelace";
  o.at(OrderField::kShipAddress1) = "12 Analytical Way";
  o.at(OrderField::kShipCity) = "Boston";
  o.at(OrderField::kShipProvince) = "MA";
  o.at(OrderField::kShipZip) = "02134";
  o.at(OrderField::kShipCountry) = "US";
  o.at(OrderField::kShipPhone) = "617-555-0101";
  for (int i = 0; i < 2; ++i) {
    Line l;
    l.seq = i + 1;
    l.sku = fmt::format("ACME-{}", i);
    l.name = "Anvil, small";
    l.price = "19.50";
    l.quantity = 2;
    l.po_id = 1;
    o.lines.push_back(l);
  }
  Po po;
  po.supplier = "acme";
  auto t0 = std::chrono::steady_clock::now();
  auto w = make_x12_850_writer(cfg, PoDocKind::kOrder);
  for (int i = 0; i < n; ++i) {
    po.id = i + 1;
    po.number = fmt::format("PO{:06}", i + 1);
    PoView v{&o, &po, {&o.lines[0], &o.lines[1]}, "ACME", "2026-11-26"};
    w->add(v);
  }
  Counter c;
  const std::string doc = w->finish(c);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto r = x12::check_stream(x12::buffer_source(doc), false);
  fmt::print("x12 write {} 850s ({:.1f} MB): {:.2f} s, {:.0f} sets/s, {}\n", n,
             static_cast<double>(doc.size()) / 1e6, secs, n / secs,
             r.ok() && static_cast<int>(r.set_count) == n ? "valid" : "INVALID");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::uint64_t> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::stoull(argv[i]));
  if (sizes.empty()) sizes = {100, 1000};
  const fs::path dir = fs::temp_directory_path() / fmt::format("orderd-bench-x12-{}", getpid());
  fs::create_directories(dir);
  for (auto mb : sizes) {
    const fs::path file = dir / "asn.edi";
    const std::uint64_t sets = generate(file, mb * 1000 * 1000);
    const double size = static_cast<double>(fs::file_size(file)) / 1e6;
    // Each run in its own process (its peak RSS is the reader's alone); the
    // best and the median of five, since a shared machine is noisy.
    const int runs = mb <= 200 ? 5 : 1;
    std::vector<double> times;
    double rss = 0;
    for (int run = 0; run < runs; ++run) {
      auto t0 = std::chrono::steady_clock::now();
      pid_t pid = fork();
      if (pid == 0) {
        auto src = x12::file_source(file);
        auto r = x12::check_stream(std::move(*src), /*collect=*/false);
        _exit(r.ok() && r.set_count == sets && r.items == sets * 3 ? 0 : 1);
      }
      int status = 0;
      struct rusage ru {};
      wait4(pid, &status, 0, &ru);
      times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      rss = std::max(rss, static_cast<double>(ru.ru_maxrss) / 1024.0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fmt::print(stderr, "x12 check of the generated file failed\n");
        return 1;
      }
    }
    std::sort(times.begin(), times.end());
    const double best = times.front(), median = times[times.size() / 2];
    fmt::print(
        "x12 check {:.0f} MB ({} 856 sets, {} items): {:.2f} s, {:.0f} MB/s, {:.0f} sets/s, peak "
        "RSS {:.1f} MB{}\n",
        size, sets, sets * 3, best, size / best, static_cast<double>(sets) / best, rss,
        runs > 1 ? fmt::format(" (best of {}; median {:.0f} MB/s)", runs, size / median) : "");
    if (!std::getenv("KEEP")) fs::remove(file);
  }
  if (!std::getenv("KEEP")) fs::remove_all(dir);
  bench_write_850(100000);  // last: its heap would count in the readers' RSS
  return 0;
}
