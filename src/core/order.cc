#include "core/order.h"

#include <fmt/format.h>

#include <charconv>

#include "util/hash.h"
#include "util/limits.h"
#include "util/text.h"

namespace orderd {

std::string Order::fingerprint() const {
  std::string s;
  s.reserve(512);
  for (const auto& v : f) {
    s += v;
    s += '\x1f';
  }
  s += canceled_in_channel ? '1' : '0';
  for (const auto& l : lines) {
    s += '\x1e';
    s += l.channel_line_id;
    s += '\x1f';
    s += l.sku;
    s += '\x1f';
    s += l.name;
    s += '\x1f';
    s += l.price;
    s += '\x1f';
    s += std::to_string(l.quantity);
  }
  return sha256_hex(s).substr(0, 32);
}

namespace {

// Splits "line.N.what" into N and what.
bool split_line_key(std::string_view key, int& n, std::string_view& what) {
  if (!key.starts_with("line.")) return false;
  key.remove_prefix(5);
  auto dot = key.find('.');
  if (dot == std::string_view::npos) return false;
  auto [p, ec] = std::from_chars(key.data(), key.data() + dot, n);
  if (ec != std::errc() || p != key.data() + dot) return false;
  what = key.substr(dot + 1);
  return true;
}

}  // namespace

void apply_overrides(Order& order, const Overrides& ov) {
  for (const auto& [key, value] : ov) {
    if (auto id = find_field(key)) {
      if (auto of = as_order_field(*id)) order.at(*of) = value;
      continue;
    }
    int n = 0;
    std::string_view what;
    if (!split_line_key(key, n, what)) continue;
    for (auto& l : order.lines) {
      if (l.seq != n) continue;
      if (what == "sku") l.sku = value;
      if (what == "supplier") l.supplier = value;
    }
  }
}

std::optional<std::string> check_override(const Order& order, std::string_view key,
                                          std::string_view value) {
  if (!valid_utf8(value) || value.find(kReplacementChar) != std::string_view::npos)
    return fmt::format("{}: the value holds bytes that are not UTF-8 text; type it again", key);
  if (value.size() > limits::kTextBytes)
    return fmt::format("{}: the value is {} bytes long, more than the {} orderd keeps in a field",
                       key, value.size(), limits::kTextBytes);
  if (auto id = find_field(key)) {
    const auto& def = field_def(*id);
    if (!def.resolvable || !as_order_field(*id))
      return fmt::format("{} cannot be set; it comes from the channel or from orderd", key);
    return std::nullopt;
  }
  int n = 0;
  std::string_view what;
  if (split_line_key(key, n, what)) {
    if (what != "sku" && what != "supplier")
      return fmt::format("{}: only line.N.sku and line.N.supplier can be set", key);
    for (const auto& l : order.lines)
      if (l.seq == n) {
        if (value.empty()) return fmt::format("{}: the value is empty", key);
        return std::nullopt;
      }
    return fmt::format("{}: order {} has no line {} (lines are numbered from 1)", key, order.ext_id,
                       n);
  }
  if (auto near = suggest_field(key))
    return fmt::format("unknown field '{}' (did you mean {}?)", key, *near);
  return fmt::format("unknown field '{}' (see docs/config.md, \"Fields\")", key);
}

namespace {
constexpr const char* kStatusNames[] = {
    "needs_resolve", "ready",     "processed", "partially_shipped",
    "shipped",       "completed", "failed",    "canceled"};
constexpr const char* kStateNames[] = {"needs_resolve", "ready", "canceled"};
constexpr const char* kPoStateNames[] = {"sending", "sent", "failed", "cancel_sending", "canceled"};
constexpr const char* kDocStateNames[] = {"pending", "sending", "delivered", "failed"};

template <class E, std::size_t N>
std::optional<E> parse_name(const char* const (&names)[N], std::string_view s) {
  for (std::size_t i = 0; i < N; ++i)
    if (s == names[i]) return static_cast<E>(i);
  return std::nullopt;
}
}  // namespace

const char* to_string(OrderStatus s) {
  return kStatusNames[static_cast<int>(s)];
}
std::optional<OrderStatus> parse_status(std::string_view s) {
  return parse_name<OrderStatus>(kStatusNames, s);
}
std::optional<std::string> suggest_status(std::string_view s) {
  static constexpr std::pair<std::string_view, std::string_view> kMeaning[] = {
      {"cancelled", "canceled"},
      {"cancel", "canceled"},
      {"done", "completed"},
      {"complete", "completed"},
      {"finished", "completed"},
      {"delivered", "completed"},
      {"partial", "partially_shipped"},
      {"partially", "partially_shipped"},
      {"sent", "processed"},
      {"open", "ready"},
      {"new", "ready"},
      {"pending", "ready"},
      {"error", "failed"},
      {"rejected", "failed"},
      {"resolve", "needs_resolve"},
      {"unresolved", "needs_resolve"},
      {"missing", "needs_resolve"},
      {"blocked", "needs_resolve"},
  };
  const std::string key = name_key(s);
  if (parse_status(key)) return key;
  for (const auto& [word, status] : kMeaning)
    if (key == word) return std::string(status);
  std::vector<std::string_view> names(std::begin(kStatusNames), std::end(kStatusNames));
  return nearest(key, names);
}

const char* to_string(OrderState s) {
  return kStateNames[static_cast<int>(s)];
}
std::optional<OrderState> parse_order_state(std::string_view s) {
  return parse_name<OrderState>(kStateNames, s);
}
const char* to_string(PoState s) {
  return kPoStateNames[static_cast<int>(s)];
}
std::optional<PoState> parse_po_state(std::string_view s) {
  return parse_name<PoState>(kPoStateNames, s);
}
const char* to_string(DocState s) {
  return kDocStateNames[static_cast<int>(s)];
}
std::optional<DocState> parse_doc_state(std::string_view s) {
  return parse_name<DocState>(kDocStateNames, s);
}

}  // namespace orderd
