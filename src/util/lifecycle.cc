#include "util/lifecycle.h"

#include <atomic>

namespace orderd {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<Heartbeat> g_heartbeat{nullptr};
static_assert(std::atomic<bool>::is_always_lock_free);

}  // namespace

void request_stop() noexcept {
  g_stop.store(true, std::memory_order_relaxed);
}
bool stop_requested() noexcept {
  return g_stop.load(std::memory_order_relaxed);
}
void clear_stop() noexcept {
  g_stop.store(false, std::memory_order_relaxed);
}
void set_heartbeat(Heartbeat h) noexcept {
  g_heartbeat.store(h);
}
void heartbeat() noexcept {
  if (auto h = g_heartbeat.load()) h();
}

}  // namespace orderd
