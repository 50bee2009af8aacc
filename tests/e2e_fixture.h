// A throwaway orderd installation for end-to-end tests: a config in a temp
// folder, the real binaries, and helpers to drop files and read results.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_util.h"

namespace orderd::test {

struct Install {
  TempDir dir;
  std::string config;

  // `extra_yaml` is appended under suppliers: (indented two spaces).
  explicit Install(const std::string& options = {});

  RunResult ctl(std::vector<std::string> args, std::vector<std::string> env = {}) const;
  RunResult once(std::vector<std::string> env = {}) const;
  void drop_orders(const std::string& channel, const std::string& name,
                   const std::string& data) const;
  void drop_tracking(const std::string& supplier, const std::string& name,
                     const std::string& data) const;
  nlohmann::json orders() const;                      // orderctl orders --json
  nlohmann::json order(const std::string& id) const;  // orderctl show ID --json
  std::filesystem::path path(const std::string& rel) const { return dir / rel; }
  std::vector<std::filesystem::path> files(const std::string& rel) const {
    return files_under(dir / rel);
  }
};

// A Shopify export with the given rows (each a full CSV row for the header
// kShopifyHeader).
extern const char* kShopifyHeader;
std::string shopify_row(const std::string& order, const std::string& sku, int qty,
                        const std::string& name = "Ada Lovelace",
                        const std::string& phone = "617-555-0101",
                        const std::string& address = "12 Analytical Way");

// A configuration with channel shop (auto-processed) and supplier acme (SKUs
// ACME-*), whose transport and tracking.pull are the YAML flow maps given
// (no pull: "", tracking is dropped into the spool).
std::string remote_supplier_config(const std::string& transport, const std::string& pull,
                                   const std::string& tracking_format = "csv",
                                   const std::string& po_format = "csv");
// acme's tracking for PO `po`: ACME-1 x2 shipped by UPS.
std::string acme_tracking_csv(const std::string& po);

}  // namespace orderd::test
