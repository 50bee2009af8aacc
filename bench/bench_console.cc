// The console's pages against a big state (orderd_bench --scale): each
// page's wall time over loopback (median of five), beside its target.
#include "bench_console.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "../tests/servers.h"
#include "config/config.h"
#include "console/console.h"
#include "console/users.h"
#include "util/fs.h"

namespace orderd::bench {
namespace {

size_t sink(char*, size_t size, size_t n, void* body) {
  static_cast<std::string*>(body)->append(size * n, ' ');
  return size * n;
}

}  // namespace

int console_pages(const std::filesystem::path& dir, const std::string& some_order) {
  const int port = orderd::test::servers::free_port();
  auto text = read_file(dir / "orderd.yaml");
  if (!text) return 1;
  (void)write_file_atomic(dir / "console.yaml",
                          *text + fmt::format("\nconsole:\n  listen: 127.0.0.1:{}\n", port));
  auto cfg = load_config(dir / "console.yaml");
  if (!cfg) {
    fmt::print(stderr, "{}\n", cfg.error().message());
    return 1;
  }
  if (auto s = add_user((*cfg)->console.users_file, "bench", "bench-password-1"); !s) return 1;
  auto console = Console::start(*cfg);
  if (!console) {
    fmt::print(stderr, "{}\n", console.error().message());
    return 1;
  }
  const std::string base = fmt::format("http://127.0.0.1:{}", port);
  CURL* c = curl_easy_init();
  std::string body;
  curl_easy_setopt(c, CURLOPT_COOKIEFILE, "");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_URL, (base + "/login").c_str());
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, "user=bench&password=bench-password-1&next=/");
  curl_easy_perform(c);
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  double first = 0;
  auto get_ms = [&](const std::string& path, long& code) {
    std::vector<double> ms;
    for (int i = 0; i < 5; ++i) {
      body.clear();
      curl_easy_setopt(c, CURLOPT_URL, (base + path).c_str());
      const auto t0 = std::chrono::steady_clock::now();
      curl_easy_perform(c);
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    }
    first = ms[0];
    std::sort(ms.begin(), ms.end());
    return ms[2];
  };
  const std::string ref = "shop%3A%23" + some_order;
  const std::pair<const char*, std::string> pages[] = {
      {"Process Orders", "/"},
      {"Order History (first page)", "/orders"},
      {"Order History, next page", "/orders?before=500000"},
      {"Order History --sku GX-0001*", "/orders?sku=GX-0001%2A"},
      {"Order History --customer", "/orders?customer=Buyer+4711"},
      {"Order History --supplier globex", "/orders?supplier=globex"},
      {"Order History --order", "/orders?order=" + some_order},
      {"Order", "/order?ref=" + ref},
      {"Resolve", "/resolve?ref=" + ref},
      {"Sync Status", "/sync"},
      {"Alerts", "/alerts"},
      {"Suppliers (30 days of scorecards)", "/suppliers"},
      {"/metrics", "/metrics"},
  };
  // The Suppliers page's first scorecard count, which a page just after
  // a start shows as being counted.
  const auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    body.clear();
    curl_easy_setopt(c, CURLOPT_URL, (base + "/suppliers").c_str());
    std::string page;
    curl_easy_setopt(
        c, CURLOPT_WRITEFUNCTION, +[](char* p, size_t s, size_t n, void* to) {
          static_cast<std::string*>(to)->append(p, s * n);
          return s * n;
        });
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &page);
    curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    if (page.find("id=\"counting\"") == std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double first_count =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  fmt::print("  console pages (server and loopback, median of 5):\n");
  for (const auto& [what, path] : pages) {
    long code = 0;
    const double ms = get_ms(path, code);
    fmt::print("    {}: {:.0f} ms (target < 100 ms; the first of the five {:.0f} ms){}\n", what, ms,
               first, code == 200 ? "" : fmt::format(" HTTP {}", code));
  }
  fmt::print(
      "    (the scorecards' first count after the start: {:.0f} ms, shown meanwhile as being "
      "counted)\n",
      first_count);
  curl_easy_cleanup(c);
  std::fflush(stdout);  // a child's output, before it exits
  return 0;
}

}  // namespace orderd::bench
