// For the channel readers whose exports hold one row per order line
// (Shopify, Amazon): the orders in the order their first rows came, an
// order's rows not necessarily next to each other.
#pragma once

#include <string>
#include <unordered_map>

#include "channels/formats.h"

namespace orderd {

class OrderRows {
 public:
  explicit OrderRows(OrderBatch& batch) : batch_(batch) {}

  struct Found {
    Order& order;
    bool first;  // the row is the order's first: it holds only the id, the caller fills in the rest
  };
  // The order with the channel's id `id`.
  Found order(std::string id) {
    auto [it, inserted] = index_.try_emplace(id, batch_.orders.size());
    if (inserted) batch_.orders.emplace_back().ext_id = std::move(id);
    return {batch_.orders[it->second], inserted};
  }

 private:
  OrderBatch& batch_;
  std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace orderd
