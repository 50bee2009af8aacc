#include "channels/carriers.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "channels/formats.h"

using namespace orderd;

TEST_CASE("carriers: what a supplier reports, and what each channel is sent") {
  struct Case {
    const char* reported;
    const char* shopify;  // Tracking Company in shopify-fulfillment-csv
    const char* amazon;   // carrier-code in amazon-ship-confirm ("Other": carrier-name kept)
    const char* json;     // carrier in tracking-json
  };
  const Case cases[] = {
      {"UPSN", "UPS", "UPS", "UPS"},
      {"ups ground", "UPS", "UPS", "UPS"},
      {"FDEG", "FedEx", "FedEx", "FedEx"},
      {"FDXG", "FedEx", "FedEx", "FedEx"},
      {"Federal Express", "FedEx", "FedEx", "FedEx"},
      {"U.S. Postal Service", "USPS", "USPS", "USPS"},
      {"DHL", "DHL Express", "DHL", "DHL Express"},
      {"AMZL", "Amazon Logistics US", "Amazon Shipping", "Amazon Shipping"},
      {"Bob's Trucks", "Bob's Trucks", "Other", "Bob's Trucks"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.reported);
    const PushLine line{"#1", "L1", "SKU-1", 1, c.reported, "1Z1", "2026-11-25"};
    const std::string shopify = write_shopify_fulfillment_csv({&line, 1});
    CHECK(shopify.find(std::string("#1,SKU-1,1,") + c.shopify + ",1Z1,") != std::string::npos);
    const std::string amazon = write_amazon_ship_confirm({&line, 1});
    const std::string other = std::string(c.amazon) == "Other" ? c.reported : "";
    CHECK(amazon.find(std::string("#1\tL1\t1\t2026-11-25\t") + c.amazon + "\t" + other + "\t1Z1") !=
          std::string::npos);
    const auto j = nlohmann::json::parse(write_tracking_json({&line, 1}));
    CHECK(j["shipments"][0]["carrier"] == c.json);
    CHECK(j["shipments"][0]["carrier_reported"] == c.reported);
  }
  CHECK(find_carrier("") == nullptr);
}
