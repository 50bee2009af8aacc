// What a run did, for people (jobs.h).
#include "jobs/jobs.h"

namespace orderd {

void RunReport::add(RunReport&& o) {
  files += o.files;
  changed += o.changed;
  failed += o.failed;
  for (auto& l : o.lines) lines.push_back(std::move(l));
}

void RunReport::problem(std::string text) {
  lines.emplace_back(std::move(text), true);
  ++failed;
}

std::string RunReport::text() const {
  std::string out;
  for (const auto& l : lines) {
    if (!out.empty()) out += '\n';
    out += l.text;
  }
  return out;
}

}  // namespace orderd
