// The sizes and numbers orderd takes from outside (docs/formats.md,
// "Limits"). Readers enforce them where bytes enter, so that nothing stored
// can grow past what a PO, a channel file or a query can carry.
#pragma once

#include <cstddef>
#include <cstdint>

namespace orderd::limits {

// One inbound file (an export, a tracking file); larger ones are quarantined.
inline constexpr std::size_t kFileBytes = std::size_t{256} << 20;  // 256 MiB
// Reads of one inbound file that may start and never finish (orderd killed
// while reading it: out of memory, a defect) before it is quarantined
// instead of read again: a file must not stop the service at every start.
inline constexpr int kUnfinishedReads = 3;
// Columns of a CSV/TSV header, and bytes of one record.
inline constexpr std::size_t kColumns = 1000;
inline constexpr std::size_t kRecordBytes = std::size_t{1} << 20;  // 1 MiB
// An identifier: an order id, a SKU, a PO number, a tracking number, a carrier.
inline constexpr std::size_t kIdBytes = 255;
// Any other text field (a name, an address line, a note).
inline constexpr std::size_t kTextBytes = 16 * 1024;
// Lines in one order, and the quantity of one line.
inline constexpr std::size_t kLinesPerOrder = 1000;
inline constexpr std::int64_t kQuantity = 1'000'000;

}  // namespace orderd::limits
