#include "cli/x12_commands.h"

#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "edi/x12_documents.h"
#include "util/json_out.h"

namespace orderd {
namespace {

using nlohmann::json;

json ids_json(const std::vector<std::pair<std::string, std::string>>& ids) {
  json j = json::object();
  for (const auto& [q, v] : ids) j[q] = v;
  return j;
}

json set_json(const x12::TransactionSet& s) {
  json j = {
      {"set", s.env.st01},           {"control", s.env.st02},      {"group", s.env.gs06},
      {"functional_id", s.env.gs01}, {"version", s.env.gs08},      {"interchange", s.env.isa13},
      {"sender", s.env.sender},      {"receiver", s.env.receiver}, {"envelope_ok", s.envelope_ok},
      {"problems", s.problems}};
  if (s.env.st01 == "856") {
    json items = json::array();
    for (const auto& i : s.ship_notice.items)
      items.push_back({{"po_number", i.po_number},
                       {"ids", ids_json(i.ids)},
                       {"item", i.id()},
                       {"quantity", i.quantity},
                       {"unit", i.unit},
                       {"tracking", i.tracking},
                       {"tracking_source", i.tracking_source},
                       {"carrier", i.carrier},
                       {"ship_date", i.ship_date},
                       {"hl_path", i.hl_path}});
    j["shipment_id"] = s.ship_notice.shipment_id;
    j["date"] = s.ship_notice.date;
    j["items"] = items;
  } else if (s.env.st01 == "855") {
    json lines = json::array();
    for (const auto& l : s.po_ack.lines)
      lines.push_back({{"line", l.line},
                       {"status", l.status},
                       {"meaning", l.meaning},
                       {"quantity", l.quantity},
                       {"ids", ids_json(l.ids)}});
    j["po_number"] = s.po_ack.po_number;
    j["ack"] = s.po_ack.code;
    j["meaning"] = s.po_ack.meaning;
    j["rejected"] = s.po_ack.rejected;
    j["lines"] = lines;
  } else if (s.env.st01 == "997" || s.env.st01 == "999") {
    const auto& fa = s.functional_ack;
    json sets = json::array();
    for (const auto& a : fa.sets)
      sets.push_back({{"set", a.set_id},
                      {"control", a.control},
                      {"code", a.code},
                      {"accepted", a.accepted},
                      {"meaning", x12::ack_set_code(a.code)},
                      {"errors", a.errors}});
    j["acknowledges"] = {{"functional_id", fa.group_id}, {"group", fa.group_control}};
    j["code"] = fa.code;
    j["accepted"] = fa.accepted;
    j["meaning"] = fa.meaning;
    j["sets"] = sets;
    j["errors"] = fa.errors;
  }
  return j;
}

// One set in words, for people (`x12 read` without --json).
std::string set_text(const x12::TransactionSet& s) {
  std::string out = fmt::format("{} set {} (group {}, interchange {} from {} to {}){}\n",
                                s.env.st01, s.env.st02, s.env.gs06, s.env.isa13, s.env.sender,
                                s.env.receiver, s.envelope_ok ? "" : " - envelope invalid");
  if (s.env.st01 == "856") {
    out += fmt::format("  ship notice {} of {}: {} item(s)\n", s.ship_notice.shipment_id,
                       s.ship_notice.date, s.ship_notice.items.size());
    for (const auto& i : s.ship_notice.items)
      out += fmt::format("    PO {} item {} x{}{} tracking {} ({}) via {}{}\n", i.po_number, i.id(),
                         i.quantity, i.unit.empty() ? "" : " " + i.unit,
                         i.tracking.empty() ? "-" : i.tracking, i.tracking_source,
                         i.carrier.empty() ? "-" : i.carrier,
                         i.ship_date.empty() ? "" : ", shipped " + i.ship_date);
  } else if (s.env.st01 == "855") {
    out += fmt::format("  PO {}: {} ({}){}\n", s.po_ack.po_number, s.po_ack.code, s.po_ack.meaning,
                       s.po_ack.rejected ? " - rejected" : "");
    for (const auto& l : s.po_ack.lines)
      out += fmt::format("    line {}: {} ({}), quantity {}\n", l.line, l.status, l.meaning,
                         l.quantity);
  } else if (s.env.st01 == "997" || s.env.st01 == "999") {
    const auto& fa = s.functional_ack;
    out += fmt::format("  acknowledges group {} ({}): {} ({}){}\n", fa.group_control, fa.group_id,
                       fa.code, fa.meaning, fa.accepted ? "" : " - rejected");
    for (const auto& a : fa.sets)
      out += fmt::format("    set {} {}: {} ({}){}\n", a.set_id, a.control, a.code,
                         x12::ack_set_code(a.code),
                         a.errors.empty() ? "" : fmt::format(" - {}", fmt::join(a.errors, "; ")));
    for (const auto& e : fa.errors) out += fmt::format("    {}\n", e);
  }
  for (const auto& p : s.problems) out += fmt::format("  problem: {}\n", p);
  return out;
}

}  // namespace

int x12_check(const std::vector<std::string>& files) {
  int rc = 0;
  for (const auto& f : files) {
    auto src = x12::file_source(f);
    if (!src) {
      std::cerr << src.error().message() << "\n";
      rc = 2;
      continue;
    }
    auto report = x12::check_stream(std::move(*src), /*collect=*/false);
    for (const auto& p : report.problems) std::cout << f << ": " << p.text() << "\n";
    for (const auto& p : report.content_problems) std::cout << f << ": error: " << p << "\n";
    if (report.ok()) {
      std::cout << fmt::format("{}: valid ({} interchanges, {} groups, {} sets, {} segments)\n", f,
                               report.interchanges, report.groups, report.set_count,
                               report.segments);
    } else {
      std::cout << fmt::format("{}: invalid\n", f);
      if (rc == 0) rc = 1;
    }
  }
  return rc;
}

int x12_read(const std::string& file, bool as_json) {
  auto src = x12::file_source(file);
  if (!src) {
    std::cerr << src.error().message() << "\n";
    return 2;
  }
  auto report = x12::check_stream(std::move(*src), /*collect=*/true);
  json problems = json::array();
  for (const auto& p : report.problems)
    problems.push_back({{"error", p.error}, {"where", p.where}, {"message", p.message}});
  json sets = json::array();
  for (const auto& s : report.sets) sets.push_back(set_json(s));
  for (const auto& p : report.content_problems)
    problems.push_back({{"error", true}, {"where", "content"}, {"message", p}});
  json out = {{"file", file}, {"valid", report.ok()}, {"problems", problems}, {"sets", sets}};
  if (as_json) {
    std::cout << json_text(out, 2) << "\n";
  } else {
    std::cout << fmt::format("{}: {}, {} set(s)\n", file, report.ok() ? "valid" : "invalid",
                             report.sets.size());
    for (const auto& s : report.sets) std::cout << set_text(s);
    for (const auto& p : report.problems) std::cerr << file << ": " << p.text() << "\n";
    for (const auto& p : report.content_problems) std::cerr << file << ": error: " << p << "\n";
  }
  return report.ok() ? 0 : 1;
}

}  // namespace orderd
