// Our acknowledgments of a supplier's X12: a 997 (004010) or 999 (005010) per
// functional group. A file that was applied is accepted group by group. A
// file that failed validation is applied not at all, so every group in it is
// rejected (AK9 R), the sets in error are named with their segment, element
// and codes (AK2/AK3/AK4/AK5, IK3/IK4/IK5 in a 999), and an interchange whose
// envelope itself is bad gets a TA1 with its note code. The supplier resends
// the corrected file whole.
#include <fmt/format.h>

#include <algorithm>

#include "edi/x12_documents.h"
#include "edi/x12_writer.h"
#include "mappers/mappers.h"
#include "mappers/x12_envelope.h"

namespace orderd {
namespace {

void begin_group(x12::Writer& w, const X12Config& x, std::uint64_t gs06) {
  begin_partner_group(w, x, "FA", gs06, x.send_ack == "999" ? "005010X231A1" : x.version);
}

}  // namespace

std::string write_x12_ack(const X12Config& x, std::span<const AckGroup> groups,
                          ControlNumbers& numbers) {
  const bool v999 = x.send_ack == "999";
  auto [isa13, gs06] = numbers.next(x.sender_id, x.receiver_id);
  x12::Writer w = open_interchange(x, isa13);
  begin_group(w, x, gs06);
  int n = 0;
  for (const auto& g : groups) {
    w.begin_set(v999 ? "999" : "997", fmt::format("{:04}", ++n));
    if (v999)
      w.segment({"AK1", g.functional_id, g.control, g.version});
    else
      w.segment({"AK1", g.functional_id, g.control});
    for (const auto& [st01, st02] : g.sets) {
      w.segment({"AK2", st01, st02});
      w.segment({v999 ? "IK5" : "AK5", "A"});
    }
    const std::string count = std::to_string(g.sets.size());
    w.segment({"AK9", "A", count, count, count});
    w.end_set();
  }
  w.end_group();
  w.end_interchange();
  return w.take();
}

std::string write_x12_rejection(const X12Config& x, const x12::FileReport& report,
                                ControlNumbers& numbers) {
  const bool v999 = x.send_ack == "999";
  std::vector<const x12::Problem*> errors;
  for (const auto& p : report.problems)
    if (p.error) errors.push_back(&p);
  // TA1s: the first envelope problem of each interchange.
  std::vector<std::pair<const x12::Envelope*, std::string>> ta1s;
  for (std::size_t i = 0; i < report.headers.size(); ++i)
    for (const auto* p : errors)
      if (p->interchange == i + 1 && !p->ta1.empty()) {
        ta1s.emplace_back(&report.headers[i], p->ta1);
        break;
      }
  if (ta1s.empty() && report.groups_seen.empty()) return {};
  bool any_group_error = false;
  for (const auto* p : errors) any_group_error |= p->group != 0;
  if (ta1s.empty() && !any_group_error) return {};  // nothing an acknowledgment can say

  auto [isa13, gs06] = numbers.next(x.sender_id, x.receiver_id);
  x12::Writer w = open_interchange(x, isa13);
  for (const auto& [env, code] : ta1s)
    w.segment({"TA1", env->isa13, env->isa09, env->isa10, "R", code});
  if (!report.groups_seen.empty()) {
    begin_group(w, x, gs06);
    int n = 0;
    for (const auto& g : report.groups_seen) {
      w.begin_set(v999 ? "999" : "997", fmt::format("{:04}", ++n));
      if (v999)
        w.segment({"AK1", g.gs01, g.gs06, g.gs08});
      else
        w.segment({"AK1", g.gs01, g.gs06});
      auto in_group = [&](const x12::Problem* p) {
        return p->interchange == g.interchange && p->group == g.group;
      };
      for (std::size_t j = 0; j < g.set_ids.size(); ++j) {
        std::vector<std::string> set_codes;
        bool listed = false;
        for (const auto* p : errors) {
          if (!in_group(p) || p->set != j + 1) continue;
          if (!listed) {
            w.segment({"AK2", g.set_ids[j].first, g.set_ids[j].second});
            listed = true;
          }
          if (!p->ak3.empty()) {
            const std::string pos = std::to_string(p->segment_in_set);
            w.segment({v999 ? "IK3" : "AK3", p->segment_tag, pos, "", p->ak3});
            if (!p->ak4.empty() && p->element > 0)
              w.segment({v999 ? "IK4" : "AK4", std::to_string(p->element), "", p->ak4});
          }
          const std::string code = p->ak5.empty() ? "5" : p->ak5;
          if (std::find(set_codes.begin(), set_codes.end(), code) == set_codes.end())
            set_codes.push_back(code);
        }
        if (!listed) continue;  // sets without errors are not listed
        set_codes.resize(std::min<std::size_t>(set_codes.size(), 5));
        set_codes.resize(5);
        w.segment({v999 ? "IK5" : "AK5", "R", set_codes[0], set_codes[1], set_codes[2],
                   set_codes[3], set_codes[4]});
      }
      std::vector<std::string> group_codes;
      for (const auto* p : errors)
        if (in_group(p) && !p->ak9.empty() &&
            std::find(group_codes.begin(), group_codes.end(), p->ak9) == group_codes.end())
          group_codes.push_back(p->ak9);
      group_codes.resize(std::min<std::size_t>(group_codes.size(), 5));
      group_codes.resize(5);
      const std::string received = std::to_string(g.sets);
      // Nothing of the file was applied: no set counts as accepted.
      w.segment({"AK9", "R", received, received, "0", group_codes[0], group_codes[1],
                 group_codes[2], group_codes[3], group_codes[4]});
      w.end_set();
    }
    w.end_group();
  }
  w.end_interchange();
  return w.take();
}

}  // namespace orderd
