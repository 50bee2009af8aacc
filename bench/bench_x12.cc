// `make bench` (X12 part): read, validate envelopes and extract every shipment
// of a generated interchange file of 856s (S-O-P-I, three items each), single
// thread, as `orderctl x12 check` does it. Prints MB/s, sets/s and peak RSS,
// for 100 MB and for 1 GB (the RSS must not grow with the file).
// Usage: orderd_bench_x12 [MB ...]   (default: 100 1000)
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "edi/x12_documents.h"

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
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fmt::print(stderr, "x12 check of the generated file failed\n");
      return 1;
    }
    fmt::print(
        "x12 check {:.0f} MB ({} 856 sets, {} items): {:.2f} s, {:.0f} MB/s, {:.0f} sets/s, peak "
        "RSS {:.1f} MB\n",
        size, sets, sets * 3, secs, size / secs, static_cast<double>(sets) / secs,
        static_cast<double>(ru.ru_maxrss) / 1024.0);
    if (!std::getenv("KEEP")) fs::remove(file);
  }
  if (!std::getenv("KEEP")) fs::remove_all(dir);
  return 0;
}
