// The database schema as numbered migrations. A migration is never edited
// once released; changes come as a new one.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace orderd {

// Migration i (0-based) brings the schema to user_version i+1.
std::span<const std::string> migrations();

// Indexes the orders waiting in order_text_pending (then `DELETE FROM
// order_text_pending`): Store::commit() runs both before COMMIT.
const std::string& flush_order_text();

// "ship_to.phone" -> "ship_to_phone": the column of an order-level field.
std::string field_column(std::string_view field_name);

}  // namespace orderd
