// How an order's status follows from its state, its POs and its lines. This
// is the table in docs/statuses.md; status_test.cc checks every row.
#pragma once

#include <span>

#include "core/order.h"

namespace orderd {

// `lines` are all of the order's lines; lines of canceled POs are ignored.
OrderStatus derive_status(OrderState state, std::span<const Po> pos, std::span<const Line> lines);

// The status of one PO as an operator sees it (processed, partially_shipped,
// shipped, completed, failed, canceled), from its state and its lines.
OrderStatus po_status(const Po& po, std::span<const Line> lines);

}  // namespace orderd
