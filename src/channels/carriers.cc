#include "channels/carriers.h"

#include <string>

#include "util/text.h"

namespace orderd {
namespace {

struct Row {
  Carrier carrier;
  std::string_view aliases;  // '|'-separated, lower case, without spaces or dots
};

// SCACs and the names suppliers write; the Shopify and Amazon names are the
// ones their tracking imports take.
constexpr Row kCarriers[] = {
    {{"UPS", "UPS", "UPS"}, "ups|upsn|upsg|upss|upsground|unitedparcelservice|upsnextdayair"},
    {{"FedEx", "FedEx", "FedEx"},
     "fedex|fdeg|fdxg|fde|fdx|fdxe|fedexground|fedexexpress|federalexpress|fedexhomedelivery"},
    {{"USPS", "USPS", "USPS"},
     "usps|uspostalservice|unitedstatespostalservice|uspspriority|uspsfirstclass|"
     "uspsgroundadvantage"},
    {{"DHL Express", "DHL Express", "DHL"}, "dhl|dhlexpress|dhle"},
    {{"DHL eCommerce", "DHL eCommerce", "DHL eCommerce"}, "dhlecommerce|dhlglobalmail|dhlg"},
    {{"OnTrac", "OnTrac", "OnTrac"}, "ontrac"},
    {{"LaserShip", "LaserShip", "Lasership"}, "lasership"},
    {{"Canada Post", "Canada Post", "Canada Post"}, "canadapost|postescanada"},
    {{"Royal Mail", "Royal Mail", "Royal Mail"}, "royalmail"},
    {{"Amazon Shipping", "Amazon Logistics US", "Amazon Shipping"},
     "amazon|amazonshipping|amazonlogistics|amzl"},
    {{"Purolator", "Purolator", "Purolator"}, "purolator"},
    {{"Australia Post", "Australia Post", "Australia Post"}, "australiapost|auspost"},
};

}  // namespace

const Carrier* find_carrier(std::string_view reported) {
  std::string key;
  for (char c : to_lower(trim(reported)))
    if (c != ' ' && c != '.' && c != '-' && c != '_') key += c;
  if (key.empty()) return nullptr;
  for (const auto& row : kCarriers) {
    std::string_view rest = row.aliases;
    while (!rest.empty()) {
      const auto bar = rest.find('|');
      if (rest.substr(0, bar) == key) return &row.carrier;
      if (bar == std::string_view::npos) break;
      rest.remove_prefix(bar + 1);
    }
  }
  return nullptr;
}

}  // namespace orderd
