// Fuzz target for the X12 reader, validator and transaction-set readers
// (`make fuzz`). Built with AFL++ (afl-g++-fast, ASan) and its libFuzzer-style
// driver; the first input byte picks the chunk size.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "edi/x12_documents.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // Small chunks put segment ends at every place in the buffer; 1 MiB (the
  // real one) keeps whole segments in it, where the reader's fast path runs.
  const std::size_t chunk = data[0] < 192 ? 1 + data[0] % 64 : std::size_t{1} << 20;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto report =
      orderd::x12::check_stream(orderd::x12::buffer_source(text), /*collect=*/true, chunk);
  // Touch what was read, so nothing is optimised away.
  std::size_t n = report.problems.size();
  for (const auto& s : report.sets) n += s.ship_notice.items.size() + s.po_ack.lines.size();
  return n == static_cast<std::size_t>(-1) ? 1 : 0;
}
