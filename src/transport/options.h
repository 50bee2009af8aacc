// A transport block as the configuration gives it, and the typed options
// table by which each transport declares its own keys (as fluent-bit's
// config maps do): the table names each key, its type, whether it is
// required, its default and its meaning, and the member of the transport's
// own options struct it fills. The config walker reads a block by its
// type's table (transport.h: TransportKind), so every key is checked where
// it is written; the transport binds the values it was given into its
// struct with bind(). Keys every transport takes (type, timeout, attempts,
// backoff) and those of every transport that can be pulled from
// (archive_path, done_suffix, settle) are typed members here, since jobs/
// reads them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace orderd {

// A value's origin, for error messages: "orderd.yaml:12:7: suppliers.acme.po.format".
struct Where {
  std::string text;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

enum class OptionType {
  kText,
  kPath,      // a local path, relative to the configuration file
  kFile,      // a local file the transport reads when it runs: must be readable at load
  kInt,       // a whole number within [lo, hi]
  kDuration,  // seconds, or 90s, 5m, 2h, 1d; within [lo, hi] seconds
  kBool,
  kSecret,  // only as ${VAR}: the value is the variable's name, never the secret
  kList,    // a list of texts (a single text is a list of one)
  kMap,     // text keys to text values
};

// One key of a transport's table, without the member it fills: what the
// walker and `orderd --help-config` read.
struct OptionSpec {
  std::string_view key;
  OptionType type = OptionType::kText;
  std::string_view def;  // the default as shown, or "required"
  std::string_view doc;
  bool required = false;
  std::string_view choices;  // kText: "flag|move" allows only those
  std::int64_t lo = 0, hi = 0;
};

// What the walker read for one key, already of its table's type.
struct OptionValue {
  using Value = std::variant<std::string, std::int64_t, bool, std::vector<std::string>, Headers>;
  std::string key;
  std::string where;  // "orderd.yaml:9:7: suppliers.acme.transport.host"
  Value value;
};

// One transport block: a supplier's `transport:` and `tracking.pull:`, a
// channel's `source:` and `tracking_push.transport:`. Secrets are never held
// here: only where to read them (a file, or an environment variable).
struct TransportConfig {
  Where where;
  std::string type = "dir";
  int timeout = 30;                  // connect/idle timeout, seconds
  int attempts = 5;                  // delivery attempts before the PO is failed
  int backoff = 60;                  // seconds before the 2nd attempt; doubles each time
  std::string archive_path;          // pull: remote folder for taken files; empty: delete them
  std::string done_suffix;           // pull: take NAME only once NAME+suffix exists
  int settle = 2;                    // pull: seconds between the two looks at sizes and times
  std::vector<OptionValue> options;  // the transport's own keys, by its table

  bool remote() const { return type != "dir"; }
  const OptionValue* option(std::string_view key) const {
    for (const auto& o : options)
      if (o.key == key) return &o;
    return nullptr;
  }
  // A text (or path) value as given, or "".
  std::string text(std::string_view key) const {
    if (const auto* o = option(key))
      if (const auto* s = std::get_if<std::string>(&o->value)) return *s;
    return {};
  }
  // Where a key's value was written, or the block's place and the key.
  std::string where_of(std::string_view key) const {
    if (const auto* o = option(key)) return o->where;
    return where.text + "." + std::string(key);
  }
  // For programs and tests that build a block without YAML.
  TransportConfig& set(std::string_view key, OptionValue::Value v) {
    for (auto& o : options)
      if (o.key == key) {
        o.value = std::move(v);
        return *this;
      }
    options.push_back({std::string(key), where.text + "." + std::string(key), std::move(v)});
    return *this;
  }
  TransportConfig& set(std::string_view key, const char* text) {
    return set(key, OptionValue::Value(std::string(text)));
  }
  TransportConfig& set(std::string_view key, std::string text) {
    return set(key, OptionValue::Value(std::move(text)));
  }
  TransportConfig& set(std::string_view key, const std::filesystem::path& p) {
    return set(key, OptionValue::Value(p.string()));
  }
  TransportConfig& set(std::string_view key, int n) {
    return set(key, OptionValue::Value(static_cast<std::int64_t>(n)));
  }
  TransportConfig& set(std::string_view key, std::int64_t n) {
    return set(key, OptionValue::Value(n));
  }
  TransportConfig& set(std::string_view key, bool b) { return set(key, OptionValue::Value(b)); }
  TransportConfig& set(std::string_view key, std::vector<std::string> list) {
    return set(key, OptionValue::Value(std::move(list)));
  }
};

// One row of a transport's table: the spec and the member of `O` it fills.
template <class O>
struct Option {
  using Member = std::variant<std::string O::*, std::filesystem::path O::*, int O::*, bool O::*,
                              std::vector<std::string> O::*, Headers O::*>;
  OptionSpec spec;
  Member member;
};

// Rows several transports share, each filling the transport's own member.
// A server login: host, port (its default as shown), user, remote folder.
template <class O>
constexpr Option<O> host_option(std::string O::*member) {
  return {{"host", OptionType::kText, "required", "server name or address", true, "", 0, 0},
          member};
}
template <class O>
constexpr Option<O> port_option(int O::*member, std::string_view def) {
  return {{"port", OptionType::kInt, def, "server port", false, "", 1, 65535}, member};
}
template <class O>
constexpr Option<O> user_option(std::string O::*member) {
  return {{"user", OptionType::kText, "required", "login name", true, "", 0, 0}, member};
}
template <class O>
constexpr Option<O> remote_path_option(std::string O::*member) {
  return {{"path", OptionType::kText, "the login folder", "the remote folder", false, "", 0, 0},
          member};
}
template <class O>
constexpr Option<O> password_file_option(std::filesystem::path O::*member) {
  return {{"password_file", OptionType::kFile, "none",
           "file whose first line is the password (mode 0600)", false, "", 0, 0},
          member};
}
template <class O>
constexpr Option<O> password_option(std::string O::*member) {
  return {{"password", OptionType::kSecret, "none",
           "only as ${ENV_VAR}: the password from the service's environment; never inline", false,
           "", 0, 0},
          member};
}
template <class O>
constexpr Option<O> verify_tls_option(bool O::*member) {
  return {{"verify_tls", OptionType::kBool, "true", "verify the server's certificate and name",
           false, "", 0, 0},
          member};
}
template <class O>
constexpr Option<O> ca_file_option(std::filesystem::path O::*member) {
  return {{"ca_file", OptionType::kFile, "system CAs", "CA bundle to verify the server with", false,
           "", 0, 0},
          member};
}

// The specs of a table, for the transport's TransportKind.
template <class O, std::size_t N>
constexpr std::array<OptionSpec, N> specs_of(const Option<O> (&table)[N]) {
  std::array<OptionSpec, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = table[i].spec;
  return out;
}

// Fills `out` from the values `cfg` holds for the keys of `table`; a key
// not given keeps `out`'s default. A value of another type than the
// member's (a program's mistake: the walker types them) is left out.
template <class O, std::size_t N>
void bind(const TransportConfig& cfg, const Option<O> (&table)[N], O& out) {
  for (const auto& row : table) {
    const OptionValue* v = cfg.option(row.spec.key);
    if (!v) continue;
    std::visit(
        [&](auto member) {
          using M = std::remove_reference_t<decltype(out.*member)>;
          if constexpr (std::is_same_v<M, std::filesystem::path>) {
            if (const auto* s = std::get_if<std::string>(&v->value)) out.*member = *s;
          } else if constexpr (std::is_same_v<M, int>) {
            if (const auto* n = std::get_if<std::int64_t>(&v->value))
              out.*member = static_cast<int>(*n);
          } else if constexpr (std::is_same_v<M, std::vector<std::string>>) {
            if (const auto* l = std::get_if<std::vector<std::string>>(&v->value))
              out.*member = *l;
            else if (const auto* s = std::get_if<std::string>(&v->value))
              out.*member = {*s};
          } else {
            if (const auto* x = std::get_if<M>(&v->value)) out.*member = *x;
          }
        },
        row.member);
  }
}

template <class O, std::size_t N>
O bind(const TransportConfig& cfg, const Option<O> (&table)[N]) {
  O out;
  bind(cfg, table, out);
  return out;
}

}  // namespace orderd
