// Fault injection for the crash tests. When the environment variable
// ORDERD_CRASHPOINT names a point ("deliver.after_send", optionally
// "deliver.after_send:3" for the third time it is reached), the process kills
// itself with SIGKILL there, exactly as `kill -9` would. Costs one branch when
// unset.
#pragma once

namespace orderd {

void crashpoint(const char* name);

}  // namespace orderd
