#include "core/digest.h"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "util/json_out.h"
#include "util/text.h"

namespace orderd {

std::int64_t next_daily(std::int64_t t, int minute, std::int64_t utc_offset) {
  constexpr std::int64_t kDay = 86400;
  const std::int64_t local = t + utc_offset;
  const std::int64_t midnight = local - ((local % kDay) + kDay) % kDay;
  std::int64_t at = midnight + minute * 60;
  if (at <= local) at += kDay;
  return at - utc_offset;
}

int parse_time_of_day(std::string_view s) {
  int h = -1, m = -1;
  if (s.size() != 5 || s[2] != ':') return -1;
  auto a = std::from_chars(s.data(), s.data() + 2, h);
  auto b = std::from_chars(s.data() + 3, s.data() + 5, m);
  if (a.ec != std::errc() || b.ec != std::errc() || a.ptr != s.data() + 2 ||
      b.ptr != s.data() + 5 || h < 0 || h > 23 || m < 0 || m > 59)
    return -1;
  return h * 60 + m;
}

AlertMessage digest_message(const DigestFacts& f, std::string_view instance) {
  AlertMessage m;
  const std::string day = iso_time(f.from).substr(0, 10);
  m.title = fmt::format(
      "orderd digest for {}: {} in, {} processed, {} shipped; {} waiting, {} failed, {} late", day,
      f.orders_in, f.processed, f.shipped, f.waiting, f.failed, f.late);
  std::string& t = m.text;
  t = m.title + "\n\n";
  t += fmt::format("From {} to {}:\n", iso_time(f.from), iso_time(f.to));
  t += fmt::format("  orders in: {}\n  processed: {}\n  shipped: {}\n  completed: {}\n",
                   f.orders_in, f.processed, f.shipped, f.completed);
  t += fmt::format("  tracking matching no PO: {}\n", f.unmatched);
  auto listed = [&](std::string_view what, std::int64_t n,
                    const std::vector<std::pair<std::string, std::string>>& items,
                    std::string_view hint) {
    t += fmt::format("\n{} now: {}{}\n", what, n, n ? fmt::format(" ({})", hint) : "");
    for (const auto& [order, why] : items) t += fmt::format("  {}: {}\n", order, why);
    if (n > static_cast<std::int64_t>(items.size()))
      t += fmt::format("  ... and {} more\n", n - static_cast<std::int64_t>(items.size()));
  };
  listed("Waiting in needs_resolve", f.waiting, f.waiting_list,
         "orderctl orders --status needs_resolve; orderctl resolve ORDER --set FIELD=VALUE");
  listed("Failed", f.failed, f.failed_list,
         "orderctl orders --status failed; orderctl retry ORDER");
  t += fmt::format("\nLate POs now: {}{}\n", f.late, f.late ? " (orderctl orders --late)" : "");
  for (const auto& l : f.late_list) t += "  " + l + "\n";
  if (f.late > static_cast<std::int64_t>(f.late_list.size()))
    t += fmt::format("  ... and {} more\n", f.late - static_cast<std::int64_t>(f.late_list.size()));
  t += fmt::format("\nSync health: {} in the day with failures{}\n", count_of(f.failed_runs, "run"),
                   f.failed_runs ? " (orderctl sync status)" : "");
  for (const auto& r : f.runs) t += "  " + r + "\n";
  if (!f.scorecards.empty()) {
    t += "\nSuppliers over the last 7 days (orderctl suppliers --since 7d):\n";
    for (const auto& s : f.scorecards) t += "  " + s + "\n";
  }
  t += fmt::format("\n{}\n", instance);
  auto pairs = [](const std::vector<std::pair<std::string, std::string>>& v) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [order, why] : v) out.push_back({{"order", order}, {"why", why}});
    return out;
  };
  m.json = json_text({{"text", m.text},
                      {"title", m.title},
                      {"kind", "digest"},
                      {"instance", std::string(instance)},
                      {"from", iso_time(f.from)},
                      {"to", iso_time(f.to)},
                      {"orders_in", f.orders_in},
                      {"processed", f.processed},
                      {"shipped", f.shipped},
                      {"completed", f.completed},
                      {"waiting", f.waiting},
                      {"waiting_orders", pairs(f.waiting_list)},
                      {"failed", f.failed},
                      {"failed_orders", pairs(f.failed_list)},
                      {"late", f.late},
                      {"late_pos", f.late_list},
                      {"unmatched_tracking", f.unmatched},
                      {"failed_runs", f.failed_runs},
                      {"runs", f.runs},
                      {"scorecards", f.scorecards}},
                     2) +
           "\n";
  return m;
}

}  // namespace orderd
