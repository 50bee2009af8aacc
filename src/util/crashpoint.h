// Fault injection for the crash tests. When the environment variable
// ORDERD_CRASHPOINT names a point ("deliver.after_send", optionally
// "deliver.after_send:3" for the third time it is reached), the process kills
// itself with SIGKILL there, exactly as `kill -9` would. With ":throw" at the
// end ("process.before_commit:throw", "deliver.after_send:2:throw") it throws
// std::logic_error there instead, as a defect in orderd would. Costs one
// branch when unset.
#pragma once

namespace orderd {

void crashpoint(const char* name);

}  // namespace orderd
