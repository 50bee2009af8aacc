// Shared by the order and tracking syncs: claim each inbound file, skip a
// file seen before, quarantine one that cannot be read, archive the rest
// after their rows are committed.
#pragma once

#include <functional>
#include <string>

#include "jobs/jobs.h"

namespace orderd {

// Called inside the file's transaction with the file's content and its
// inbound_files id; returns a one-line summary, or an error that
// quarantines the file (the transaction is then rolled back). It may free
// `data` once parsed, to keep a large import's peak memory down.
using ApplyFile = std::function<Result<std::string>(std::string_view name, std::string& data,
                                                    std::int64_t file_id, RunReport& report)>;

// Called when a file is quarantined, inside the transaction that records
// it: what the sender should be told (an X12 rejection) is queued there, so
// it is never lost and never sent for a file that was applied.
using OnRejected =
    std::function<void(std::string_view name, const std::string& data, RunReport& report)>;

void take_inbound(Runtime& rt, std::string_view kind, std::string_view source,
                  const ApplyFile& apply, RunReport& report, const OnRejected& rejected = {});

}  // namespace orderd
