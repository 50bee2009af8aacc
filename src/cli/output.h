// What orderctl prints: tables for people, JSON for scripts. Reads the store,
// changes nothing.
#pragma once

#include <string>
#include <vector>

#include "jobs/jobs.h"

namespace orderd {

std::string orders_json(Runtime& rt, const std::vector<Order>& orders);
// `counts`: how many orders of each status match the query, whatever the limit.
std::string orders_table(Runtime& rt, const std::vector<Order>& orders,
                         const Store::OrderCounts& counts);
std::string order_json(Runtime& rt, const Order& order);
std::string order_details(Runtime& rt, const Order& order);
// Last runs, recent files and unmatched tracking; `service` is the running
// service's status answer (JSON), if one runs.
std::string sync_status(Runtime& rt, bool json, const std::optional<std::string>& service);
// The newest alerts first (`open_only`: open conditions), each with where
// it was sent and whether that delivery went through.
std::string alerts_list(Runtime& rt, bool json, bool open_only, int limit);
// Per supplier since `since`: POs sent, acknowledged and shipped on time,
// hours to ship (average, 90th percentile), rejections, deliveries given
// up, and a current outage.
std::string suppliers_report(Runtime& rt, std::int64_t since, bool json);

}  // namespace orderd
