// orderd: the service (src/service/service.h). `--once` runs one full cycle (order sync,
// auto-processing, delivery, tracking sync, tracking push) and exits;
// `--check-config` validates the configuration with the same code the
// service loads it with.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "config/schema.h"
#include "core/fields.h"
#include "jobs/history.h"
#include "jobs/jobs.h"
#include "jobs/state.h"
#include "service/service.h"
#include "util/text.h"

using namespace orderd;

int main(int argc, char** argv) {
  CLI::App app{
      "orderd - dropship order automation: channel orders in, supplier POs out, tracking back"};
  std::string config =
      std::getenv("ORDERD_CONFIG") ? std::getenv("ORDERD_CONFIG") : "/etc/orderd/orderd.yaml";
  bool once = false, check = false, help_config = false;
  app.add_option("-c,--config", config, "configuration file");
  app.add_flag("--once", once, "run one full cycle and exit");
  app.add_flag("--check-config", check, "validate the configuration and exit 0 (valid) or 1");
  app.add_flag("--help-config", help_config, "print every configuration key");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (help_config) {
    // Markdown, the same tables docs/config.md holds.
    std::cout << config_reference_markdown();
    return 0;
  }
  // The service loads it itself, so that a configuration it cannot use is
  // logged with SERVICE_START_FAILED like every other reason not to start.
  if (!once && !check) return run_service(config);
  auto cfg = load_config(config);
  if (check) {
    if (!cfg) {
      std::cerr << cfg.error().message() << "\n";
      return 1;
    }
    for (const auto& w : (*cfg)->warnings) std::cerr << "warning: " << w << "\n";
    std::cout << fmt::format(
        "{}: configuration is valid ({}, {})\n", config,
        count_of(static_cast<std::int64_t>((*cfg)->channels.size()), "channel"),
        count_of(static_cast<std::int64_t>((*cfg)->suppliers.size()), "supplier"));
    return 0;
  }
  if (!cfg) {
    std::cerr << cfg.error().message() << "\n";
    return 2;
  }
  auto rt = open_runtime(*cfg);
  if (!rt) {
    std::cerr << rt.error().message() << "\n";
    return rt.error().kind() == ErrorKind::kConfig ? 2 : 1;
  }
  if (auto s = check_state(**rt, /*integrity=*/true); !s) {
    std::cerr << s.error().message() << "\n";
    return 2;
  }
  (*rt)->digests = true;  // a cron'd `--once` stands in for the service
  RunReport report;
  try {
    report = full_cycle(**rt, "once");
  } catch (const StoreError& e) {
    report.lines.push_back(fmt::format("state database error: {}", e.what()));
    ++report.failed;
  }
  rt->reset();  // closes the database: its last checkpoint meets the disk too
  add_disk_errors(report);
  for (const auto& l : report.lines) (l.problem ? std::cerr : std::cout) << l.text << "\n";
  std::cout << fmt::format("cycle done: {} files read, {} changes, {} failures\n", report.files,
                           report.changed, report.failed);
  return report.failed ? 1 : 0;
}
