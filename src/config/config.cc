#include "config/config.h"

#include <fmt/format.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "channels/formats.h"
#include "config/schema.h"
#include "core/alerts.h"
#include "core/digest.h"
#include "mappers/mappers.h"
#include "transport/transport.h"
#include "util/fs.h"
#include "util/text.h"

namespace orderd {
std::optional<ListenAddress> parse_listen(std::string_view text) {
  ListenAddress a;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || text.substr(close + 1, 1) != ":") return std::nullopt;
    a.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return std::nullopt;
    a.host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
  }
  if (a.host.empty() || port.empty() || port.size() > 5) return std::nullopt;
  for (char ch : port)
    if (ch < '0' || ch > '9') return std::nullopt;
  a.port = std::stoi(std::string(port));
  if (a.port < 1 || a.port > 65535) return std::nullopt;
  a.loopback = a.host == "localhost" || a.host == "::1" || a.host.starts_with("127.");
  return a;
}

namespace {

bool is_http_token(std::string_view s) {
  constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kExtra.find(c) != kExtra.npos;
  });
}

// "flag|move" as {"flag", "move"}.
std::vector<std::string_view> choices_of(std::string_view list) {
  std::vector<std::string_view> out;
  while (true) {
    const auto bar = list.find('|');
    out.push_back(list.substr(0, bar));
    if (bar == std::string_view::npos) return out;
    list.remove_prefix(bar + 1);
  }
}

// Walks the YAML tree, collecting every problem with its place.
class Walker {
 public:
  Walker(std::string file, std::filesystem::path base)
      : file_(std::move(file)), base_(std::move(base)) {}

  std::vector<std::string> errors;
  std::vector<std::string> warnings;

  std::string where(const YAML::Node& n, std::string_view path) const {
    if (!n.IsDefined()) return fmt::format("{}: {}", file_, path);
    const auto m = n.Mark();
    if (m.line < 0) return fmt::format("{}: {}", file_, path);
    return fmt::format("{}:{}:{}: {}", file_, m.line + 1, m.column + 1, path);
  }
  void error(const YAML::Node& n, std::string_view path, std::string_view msg) {
    errors.push_back(fmt::format("{}: {}", where(n, path), msg));
  }

  // A key's text. A list or a map given as a key is refused here, where its
  // place and path are known (yaml-cpp would throw "bad conversion").
  std::optional<std::string> key(const YAML::Node& k, std::string_view path) {
    if (k.IsScalar() && !k.Scalar().empty()) return k.Scalar();
    error(k, path,
          k.IsScalar() || k.IsNull() ? "a key here must be a name, not empty or null"
                                     : "a key here must be a plain name, not a list or a map");
    return std::nullopt;
  }

  static std::string join(std::string_view a, std::string_view b) {
    return a.empty() ? std::string(b) : fmt::format("{}.{}", a, b);
  }

  // Refuses a key given twice in `map`, naming both places: yaml-cpp would
  // take the first and drop the second without a word.
  void check_duplicates(const YAML::Node& map, std::string_view path) {
    std::vector<std::pair<std::string, YAML::Mark>> seen;
    for (const auto& kv : map) {
      if (!kv.first.IsScalar()) continue;
      const std::string key = kv.first.Scalar();
      auto it =
          std::find_if(seen.begin(), seen.end(), [&](const auto& p) { return p.first == key; });
      if (it == seen.end()) {
        seen.emplace_back(key, kv.first.Mark());
        continue;
      }
      const auto& first = it->second;
      const auto here = kv.first.Mark();
      error(kv.first, join(path, key),
            here.line == first.line
                ? fmt::format("given twice (first on line {}, column {}); keep one", first.line + 1,
                              first.column + 1)
                : fmt::format("given twice (first on line {}); keep one", first.line + 1));
    }
  }

  // Rejects keys not in `section`, suggesting the nearest. Returns false if
  // `map` is not a map.
  bool check_keys(const YAML::Node& map, std::string_view path, std::string_view section) {
    if (!map.IsMap()) {
      error(map, path, "expected a map of keys (key: value)");
      return false;
    }
    check_duplicates(map, path);
    auto keys = section_keys(section);
    std::vector<std::string_view> names;
    for (const auto& k : keys) names.push_back(k.key);
    for (const auto& kv : map) {
      const auto name = this->key(kv.first, path);
      if (!name) continue;
      const std::string& key = *name;
      if (std::find(names.begin(), names.end(), key) != names.end()) continue;
      auto near = nearest(key, names);
      error(kv.first, join(path, key),
            near ? fmt::format("unknown key; did you mean '{}'?", *near)
                 : fmt::format("unknown key; valid keys here: {}", fmt::join(names, ", ")));
    }
    return true;
  }

  std::string str(const YAML::Node& map, std::string_view path, const char* key, std::string def) {
    auto n = map[key];
    if (!n) return def;
    if (!n.IsScalar()) {
      error(n, join(path, key), "expected a text value");
      return def;
    }
    return n.as<std::string>();
  }

  bool boolean(const YAML::Node& map, std::string_view path, const char* key, bool def) {
    auto n = map[key];
    if (!n) return def;
    bool v = def;
    if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v))
      error(n, join(path, key), fmt::format("expected true or false, not '{}'", n.Scalar()));
    return v;
  }

  int integer(const YAML::Node& map, std::string_view path, const char* key, int def, int lo,
              int hi) {
    auto n = map[key];
    if (!n) return def;
    int v = def;
    if (!n.IsScalar() || !YAML::convert<int>::decode(n, v)) {
      error(n, join(path, key), fmt::format("expected a whole number, not '{}'", n.Scalar()));
      return def;
    }
    if (v < lo || v > hi) {
      error(n, join(path, key), fmt::format("{} is out of range ({}-{})", v, lo, hi));
      return def;
    }
    return v;
  }

  char delimiter(const YAML::Node& map, std::string_view path, char def) {
    std::string s = str(map, path, "delimiter", std::string(1, def));
    if (s == "\\t" || s == "tab") return '\t';
    if (s.size() != 1 || s == "\"" || s == "\n" || s == "\r") {
      error(map["delimiter"], join(path, "delimiter"), "expected one character (or \"\\t\")");
      return def;
    }
    return s[0];
  }

  std::filesystem::path path_of(const YAML::Node& map, std::string_view path, const char* key,
                                std::string def) {
    std::string s = str(map, path, key, std::move(def));
    if (s.empty()) return {};
    std::filesystem::path p(s);
    return p.is_absolute() ? p : (base_ / p).lexically_normal();
  }

  std::vector<std::string> strings(const YAML::Node& map, std::string_view path, const char* key) {
    std::vector<std::string> out;
    auto n = map[key];
    if (!n) return out;
    if (!n.IsSequence()) {
      error(n, join(path, key), "expected a list, e.g. [\"A-*\", \"B-*\"]");
      return out;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
      if (!n[i].IsScalar()) {
        error(n[i], fmt::format("{}[{}]", join(path, key), i), "expected a text value");
        continue;
      }
      out.push_back(n[i].as<std::string>());
    }
    return out;
  }

  std::optional<FieldId> field(const YAML::Node& n, std::string_view path) {
    if (!n || !n.IsScalar()) {
      error(n, path, "expected a field name, e.g. ship_to.phone");
      return std::nullopt;
    }
    const auto name = n.as<std::string>();
    if (auto id = find_field(name)) return id;
    auto near = suggest_field(name);
    error(n, path,
          near ? fmt::format("unknown field '{}'; did you mean '{}'?", name, *near)
               : fmt::format("unknown field '{}' (see docs/config.md, \"Fields\")", name));
    return std::nullopt;
  }

  std::vector<FieldId> fields(const YAML::Node& map, std::string_view path, const char* key) {
    std::vector<FieldId> out;
    auto n = map[key];
    if (!n) return out;
    if (!n.IsSequence()) {
      error(n, join(path, key), "expected a list of fields, e.g. [ship_to.phone]");
      return out;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
      auto id = field(n[i], fmt::format("{}[{}]", join(path, key), i));
      if (!id) continue;
      if (!as_order_field(*id)) {
        error(n[i], fmt::format("{}[{}]", join(path, key), i),
              fmt::format("{} cannot be required: only order-level fields (order.*, customer.*, "
                          "ship_to.*, bill_to.*, shipping.*) can",
                          field_def(*id).name));
        continue;
      }
      out.push_back(*id);
    }
    return out;
  }

  // Every duration key takes the same form: a whole number of seconds, or
  // one with a unit: "90", "90s", "5m", "2h", "1d". Returns seconds, within
  // [lo, hi] seconds.
  std::int64_t duration(const YAML::Node& map, std::string_view path, const char* key,
                        std::int64_t def, std::int64_t lo = 1, std::int64_t hi = 366LL * 86400) {
    auto n = map[key];
    if (!n) return def;
    const std::string v = n.IsScalar() ? std::string(trim(n.Scalar())) : "";
    std::int64_t num = -1;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), num);
    const std::string_view unit(end, static_cast<std::size_t>(v.data() + v.size() - end));
    const std::int64_t mult = unit.empty() || unit == "s" ? 1
                              : unit == "m"               ? 60
                              : unit == "h"               ? 3600
                              : unit == "d"               ? 86400
                                                          : 0;
    if (ec != std::errc() || num < 0 || mult == 0 || num > hi) {
      error(n, join(path, key),
            fmt::format("'{}' is not a duration: write seconds (90) or a number with s, m, h or "
                        "d (90s, 5m, 2h, 1d)",
                        v));
      return def;
    }
    const std::int64_t secs = num * mult;
    if (secs < lo || secs > hi) {
      error(n, join(path, key),
            fmt::format("{} is out of range ({} to {})", v, show_duration(lo), show_duration(hi)));
      return def;
    }
    return secs;
  }

  static std::string show_duration(std::int64_t s) {
    if (s != 0 && s % 86400 == 0) return fmt::format("{}d", s / 86400);
    if (s != 0 && s % 3600 == 0) return fmt::format("{}h", s / 3600);
    if (s != 0 && s % 60 == 0) return fmt::format("{}m", s / 60);
    return fmt::format("{}s", s);
  }

  // A ${VAR} reference, for secrets that must not be written inline.
  std::string env_ref(const YAML::Node& map, std::string_view path, const char* key) {
    std::string v = str(map, path, key, "");
    if (v.empty()) return v;
    if (v.size() > 3 && v.starts_with("${") && v.ends_with("}")) return v.substr(2, v.size() - 3);
    error(map[key], join(path, key),
          fmt::format("secrets are not written in the configuration: name an environment "
                      "variable as ${{VAR}} or put the {} in a file and use {}_file",
                      key, key));
    return {};
  }

  // One key of a transport block, read by its type in the transport's table.
  std::optional<OptionValue::Value> option(const YAML::Node& n, std::string_view path,
                                           const OptionSpec& spec) {
    const char* key = spec.key.data();  // the tables' keys are literals
    const std::string kpath = join(path, spec.key);
    switch (spec.type) {
      case OptionType::kText: {
        std::string v = str(n, path, key, "");
        if (!spec.choices.empty()) {
          bool ok = false;
          for (const auto c : choices_of(spec.choices)) ok = ok || c == v;
          if (!ok) {
            auto names = choices_of(spec.choices);
            const auto last = names.back();
            names.pop_back();
            error(n[key], kpath, fmt::format("must be {} or {}", fmt::join(names, ", "), last));
            return std::nullopt;
          }
        }
        return v;
      }
      case OptionType::kPath:
        return path_of(n, path, key, "").string();
      case OptionType::kFile: {
        auto file = path_of(n, path, key, "");
        // Read when the transport runs: named, so it must be there now.
        if (!file.empty() && ::access(file.c_str(), R_OK) != 0)
          error(n[key], kpath,
                fmt::format("cannot read {}: {} (the orderd user must be able to read it: chgrp "
                            "orderd, chmod 640)",
                            file.string(), std::strerror(errno)));
        return file.string();
      }
      case OptionType::kInt:
        return static_cast<std::int64_t>(
            integer(n, path, key, 0, static_cast<int>(spec.lo), static_cast<int>(spec.hi)));
      case OptionType::kDuration:
        return duration(n, path, key, 0, spec.lo, spec.hi);
      case OptionType::kBool:
        return boolean(n, path, key, false);
      case OptionType::kSecret:
        return env_ref(n, path, key);
      case OptionType::kList:
        if (n[key].IsScalar()) return std::vector<std::string>{n[key].Scalar()};
        return strings(n, path, key);
      case OptionType::kMap: {
        Headers out;
        auto h = n[key];
        if (!h.IsMap()) {
          error(h, kpath, "expected a map of name to value");
          return std::nullopt;
        }
        check_duplicates(h, kpath);
        for (const auto& kv : h) {
          const auto name = this->key(kv.first, kpath);
          if (!name) continue;
          // Sent as they are: a header's name is an HTTP token, its value
          // one line (RFC 9110, 5.1 and 5.5).
          if (!is_http_token(*name)) {
            error(kv.first, join(kpath, *name),
                  "a header's name is letters, digits and !#$%&'*+-.^_`|~ only");
            continue;
          }
          if (!kv.second.IsScalar() || kv.second.Scalar().find_first_of(
                                           std::string_view("\r\n\0", 3)) != std::string::npos) {
            error(kv.second, join(kpath, *name), "expected a text value on one line");
            continue;
          }
          out.emplace_back(*name, kv.second.Scalar());
        }
        return out;
      }
    }
    return std::nullopt;
  }

  // A transport block, read by the table of the transport its type names
  // (transport.h: TransportKind): the keys every transport takes, those of
  // every transport that can be pulled from, and its own.
  TransportConfig transport(const YAML::Node& n, std::string_view path,
                            TransportUse use = TransportUse::kDeliver) {
    TransportConfig t;
    t.where.text = where(n, path);
    if (!n) {
      error(n, path, "a transport is required, e.g. {type: dir, path: ./out}");
      return t;
    }
    if (!n.IsMap()) {
      error(n, path, "expected a map of keys (key: value)");
      return t;
    }
    check_duplicates(n, path);
    t.type = str(n, path, "type", "dir");
    const TransportKind* kind = find_transport(t.type);
    if (!kind) {
      error(n["type"], join(path, "type"),
            fmt::format("unknown transport '{}' (known: {})", t.type, known_transports()));
      return t;
    }
    if (use == TransportUse::kPull && !kind->can_pull) {
      std::vector<std::string_view> pullable;
      for (const auto* k : transport_kinds())
        if (k->can_pull) pullable.push_back(k->name);
      const auto last = pullable.back();
      pullable.pop_back();
      error(n["type"], join(path, "type"),
            fmt::format("'{}' cannot be pulled from; use {} or {}", t.type,
                        fmt::join(pullable, ", "), last));
    }
    std::vector<std::string_view> names;
    for (const auto& k : common_transport_keys()) names.push_back(k.key);
    if (kind->can_pull)
      for (const auto& k : pull_transport_keys()) names.push_back(k.key);
    for (const auto& k : kind->keys) names.push_back(k.key);
    for (const auto& kv : n) {
      const auto name = this->key(kv.first, path);
      if (!name) continue;
      const std::string& key = *name;
      if (std::find(names.begin(), names.end(), key) != names.end()) continue;
      std::vector<std::string_view> owners;  // the transports that take it
      for (const auto* k : transport_kinds())
        for (const auto& spec : k->keys)
          if (spec.key == key) owners.push_back(k->name);
      for (const auto& spec : pull_transport_keys())
        if (spec.key == key) owners.emplace_back("those that can be pulled from");
      if (!owners.empty()) {
        error(kv.first, join(path, key),
              fmt::format("not a key of the {} transport ({} takes it); {} keys: {}", t.type,
                          fmt::join(owners, ", "), t.type, fmt::join(names, ", ")));
        continue;
      }
      auto near = nearest(key, names);
      error(kv.first, join(path, key),
            near ? fmt::format("unknown key; did you mean '{}'?", *near)
                 : fmt::format("unknown key; {} keys: {}", t.type, fmt::join(names, ", ")));
    }
    t.timeout = static_cast<int>(duration(n, path, "timeout", 30, 1, 3600));
    t.attempts = integer(n, path, "attempts", 5, 1, 100);
    t.backoff = static_cast<int>(duration(n, path, "backoff", 60, 0, 86400));
    if (kind->can_pull) {
      t.archive_path = str(n, path, "archive_path", "");
      t.done_suffix = str(n, path, "done_suffix", "");
      t.settle = static_cast<int>(duration(n, path, "settle", 2, 0, 3600));
    }
    for (const auto& spec : kind->keys) {
      if (!n[spec.key.data()]) {
        if (spec.required)
          error(n, join(path, spec.key),
                fmt::format("the {} transport needs {}", t.type, spec.key));
        continue;
      }
      if (auto v = option(n, path, spec))
        t.options.push_back({std::string(spec.key), where(n[spec.key.data()], join(path, spec.key)),
                             std::move(*v)});
    }
    if (kind->check) {
      TransportFindings found;
      kind->check(t, use, found);
      for (auto& e : found.errors) errors.push_back(std::move(e));
      for (auto& w : found.warnings) warnings.push_back(std::move(w));
    }
    return t;
  }

  // A transport that can be pulled from (a channel's source, tracking.pull).
  std::optional<TransportConfig> pull(const YAML::Node& n, std::string_view path) {
    if (!n) return std::nullopt;
    return transport(n, path, TransportUse::kPull);
  }

  PoConfig po(const YAML::Node& n, std::string_view path) {
    PoConfig p;
    p.where.text = where(n && n["format"] ? n["format"] : n, join(path, "format"));
    if (!n) return p;
    if (!check_keys(n, path, "suppliers.<id>.po")) return p;
    p.format = str(n, path, "format", "csv");
    if (!find_po_format(p.format))
      error(n["format"], join(path, "format"),
            fmt::format("unknown PO format '{}' (known: {})", p.format, known_po_formats()));
    std::string batch = str(n, path, "batch", "run");
    if (batch == "run")
      p.batch = Batch::kRun;
    else if (batch == "order")
      p.batch = Batch::kOrder;
    else
      error(n["batch"], join(path, "batch"), fmt::format("'{}' is not run or order", batch));
    p.delimiter = delimiter(n, path, ',');
    p.xml_root = str(n, path, "xml_root", p.xml_root);
    p.xml_po = str(n, path, "xml_po", p.xml_po);
    p.xml_line = str(n, path, "xml_line", p.xml_line);
    if (auto x = n["x12"]) p.x12 = x12(x, join(path, "x12"));
    if (p.format == "x12-850" && !p.x12.enabled)
      error(n, join(path, "x12"),
            "an x12-850 supplier needs an x12 block with sender_id and receiver_id");
    if (auto cols = n["columns"]) {
      const std::string cpath = join(path, "columns");
      if (!cols.IsSequence()) {
        error(cols, cpath, "expected a list of {header: TEXT, field: FIELD}");
        return p;
      }
      for (std::size_t i = 0; i < cols.size(); ++i) {
        const std::string ipath = fmt::format("{}[{}]", cpath, i);
        if (!check_keys(cols[i], ipath, "suppliers.<id>.po.columns[]")) continue;
        std::string header = str(cols[i], ipath, "header", "");
        if (header.empty()) error(cols[i], join(ipath, "header"), "header is required");
        auto id = field(cols[i]["field"], join(ipath, "field"));
        if (id && !header.empty()) p.columns.push_back({header, *id});
      }
    }
    return p;
  }

  char one_char(const YAML::Node& map, std::string_view path, const char* key, char def) {
    std::string v = str(map, path, key, std::string(1, def));
    if (v.size() != 1 || std::isalnum(static_cast<unsigned char>(v[0])) || v[0] == ' ') {
      error(map[key], join(path, key),
            "expected one character that is not a letter, digit or space");
      return def;
    }
    return v[0];
  }

  X12Config x12(const YAML::Node& n, std::string_view path) {
    X12Config x;
    if (!check_keys(n, path, "suppliers.<id>.po.x12")) return x;
    x.enabled = true;
    auto id = [&](const char* key, std::string& out) {
      out = str(n, path, key, "");
      if (out.empty() || out.size() > 15)
        error(n[key] ? n[key] : n, join(path, key), "required, 1 to 15 characters");
    };
    id("sender_id", x.sender_id);
    id("receiver_id", x.receiver_id);
    x.sender_qualifier = str(n, path, "sender_qualifier", x.sender_qualifier);
    x.receiver_qualifier = str(n, path, "receiver_qualifier", x.receiver_qualifier);
    for (auto* q : {&x.sender_qualifier, &x.receiver_qualifier})
      if (q->size() != 2) error(n, path, fmt::format("qualifier '{}' must be 2 characters", *q));
    x.version = str(n, path, "version", x.version);
    if (x.version != "004010" && x.version != "005010")
      error(n["version"], join(path, "version"),
            fmt::format("'{}' is not 004010 or 005010", x.version));
    x.usage = str(n, path, "usage", x.usage);
    if (x.usage != "P" && x.usage != "T") error(n["usage"], join(path, "usage"), "must be P or T");
    x.send_ack = str(n, path, "send_ack", x.send_ack);
    if (x.send_ack != "997" && x.send_ack != "999" && x.send_ack != "none")
      error(n["send_ack"], join(path, "send_ack"), "must be 997, 999 or none");
    x.element = one_char(n, path, "element_separator", x.element);
    x.component = one_char(n, path, "component_separator", x.component);
    x.repetition = one_char(n, path, "repetition_separator", x.repetition);
    x.segment = one_char(n, path, "segment_terminator", x.segment);
    if (x.element == x.component || x.element == x.segment || x.component == x.segment ||
        x.repetition == x.element || x.repetition == x.segment || x.repetition == x.component)
      error(n, path, "the separators and the terminator must all differ");
    x.newline = boolean(n, path, "newline", x.newline);
    if (n["n1_loops"]) x.n1_loops = strings(n, path, "n1_loops");
    for (const auto& l : x.n1_loops)
      if (l != "ST" && l != "BT")
        error(n["n1_loops"], join(path, "n1_loops"), fmt::format("'{}' is not ST or BT", l));
    x.item_qualifier = str(n, path, "item_qualifier", x.item_qualifier);
    x.order_ref = str(n, path, "order_ref", x.order_ref);
    x.pid = boolean(n, path, "pid", x.pid);
    x.ctt = boolean(n, path, "ctt", x.ctt);
    if (auto t = n["td5"]) {
      if (!t.IsMap())
        error(t, join(path, "td5"), "expected a map of shipping method to SCAC");
      else
        check_duplicates(t, join(path, "td5"));
      if (t.IsMap())
        for (const auto& kv : t) {
          const auto method = key(kv.first, join(path, "td5"));
          if (!method) continue;
          if (!kv.second.IsScalar()) {
            error(kv.second, join(join(path, "td5"), *method), "expected a SCAC, e.g. UPSN");
            continue;
          }
          x.td5.emplace_back(*method, kv.second.Scalar());
        }
    }
    return x;
  }

  // deadlines (top level) or suppliers.<id>.deadlines, over `base`.
  Deadlines deadlines(const YAML::Node& n, std::string_view path, std::string_view section,
                      Deadlines base) {
    if (!n || !check_keys(n, path, section)) return base;
    constexpr std::int64_t kYear = 366LL * 86400;
    base.ack = duration(n, path, "ack", base.ack, 0, kYear);
    base.ship = duration(n, path, "ship", base.ship, 0, kYear);
    if (n["business_days"]) {
      const auto names = strings(n, path, "business_days");
      std::uint8_t days = 0;
      bool named_all = true;
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (const auto bit = weekday_bit(names[i])) {
          days |= static_cast<std::uint8_t>(1u << *bit);
          continue;
        }
        named_all = false;
        error(
            n["business_days"][i], fmt::format("{}.business_days[{}]", path, i),
            fmt::format("'{}' is not a day: write Mon, Tue, Wed, Thu, Fri, Sat or Sun", names[i]));
      }
      if (days == 0 && named_all)
        error(n["business_days"], join(path, "business_days"), "give at least one day");
      base.business_days = days;
    }
    return base;
  }

  // suppliers.<id>.shipping: the buyer's method -> the supplier's.
  ShippingRules shipping(const YAML::Node& n, std::string_view path) {
    ShippingRules r;
    if (!n) return r;
    if (!check_keys(n, path, "suppliers.<id>.shipping")) return r;
    r.configured = true;
    auto method = [&](const YAML::Node& m, const std::string& mpath) {
      ShipMethod out;
      if (!check_keys(m, mpath, "suppliers.<id>.shipping.map.<method>")) return out;
      out.carrier = str(m, mpath, "carrier", "");
      out.service = str(m, mpath, "service", "");
      out.scac = str(m, mpath, "scac", "");
      if (out.carrier.empty() && out.service.empty() && out.scac.empty())
        error(m, mpath, "give at least one of carrier, service and scac");
      if (out.scac.size() > 4 || (!out.scac.empty() && out.scac.size() < 2))
        error(m["scac"], join(mpath, "scac"),
              fmt::format("'{}' is not a SCAC (2 to 4 letters, e.g. UPSN, FDEG)", out.scac));
      return out;
    };
    if (auto m = n["map"]) {
      const std::string mpath = join(path, "map");
      if (!m.IsMap()) {
        error(m, mpath, "expected a map of shipping method to {carrier, service, scac}");
      } else {
        check_duplicates(m, mpath);
        for (const auto& kv : m) {
          const auto name = this->key(kv.first, mpath);
          if (!name) continue;
          const std::string& key = *name;
          const std::string kpath = fmt::format("{}.\"{}\"", mpath, key);
          if (std::any_of(r.map.begin(), r.map.end(), [&](const auto& e) {
                return shipping_key(e.first) == shipping_key(key);
              })) {
            error(kv.first, kpath, "the same method (without case and spaces) is mapped twice");
            continue;
          }
          r.map.emplace_back(key, method(kv.second, kpath));
        }
      }
    }
    if (auto d = n["default"]) r.fallback = method(d, join(path, "default"));
    return r;
  }

  TrackingConfig tracking(const YAML::Node& n, std::string_view path) {
    TrackingConfig t;
    t.where.text = where(n && n["format"] ? n["format"] : n, join(path, "format"));
    if (!n) return t;
    if (!check_keys(n, path, "suppliers.<id>.tracking")) return t;
    t.format = str(n, path, "format", "csv");
    if (!find_tracking_format(t.format))
      error(n["format"], join(path, "format"),
            fmt::format("unknown tracking format '{}' (known: {})", t.format,
                        known_tracking_formats()));
    t.delimiter = delimiter(n, path, ',');
    t.pull = pull(n["pull"], join(path, "pull"));
    if (n["item_qualifiers"]) {
      t.item_qualifiers = strings(n, path, "item_qualifiers");
      for (const auto& q : t.item_qualifiers)
        if (q.size() != 2)
          error(n["item_qualifiers"], join(path, "item_qualifiers"),
                fmt::format("'{}' is not a 2-character product id qualifier (VP, SK, BP, UP, IN)",
                            q));
    }
    if (auto c = n["columns"]) {
      const std::string cpath = join(path, "columns");
      if (check_keys(c, cpath, "suppliers.<id>.tracking.columns")) {
        auto& col = t.columns;
        col.po_number = str(c, cpath, "po_number", col.po_number);
        col.sku = str(c, cpath, "sku", col.sku);
        col.quantity = str(c, cpath, "quantity", col.quantity);
        col.carrier = str(c, cpath, "carrier", col.carrier);
        col.tracking_number = str(c, cpath, "tracking_number", col.tracking_number);
        col.ship_date = str(c, cpath, "ship_date", col.ship_date);
      }
    }
    return t;
  }

  std::string file_;
  std::filesystem::path base_;
};

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
  return true;
}

Result<std::shared_ptr<const Config>> build(const YAML::Node& root,
                                            const std::filesystem::path& file) {
  auto cfg = std::make_shared<Config>();
  cfg->file = file;
  Walker w(file.string(), file.has_parent_path() ? file.parent_path() : std::filesystem::path("."));
  if (!root || root.IsNull())
    return fail(ErrorKind::kConfig, fmt::format("{}: the file is empty", file.string()));
  if (w.check_keys(root, "", "")) {
    cfg->state_dir = w.path_of(root, "", "state_dir", "./state");
    cfg->spool_dir = w.path_of(root, "", "spool_dir", "./spool");
    cfg->po_prefix = w.str(root, "", "po_prefix", "PO");
    if (auto sc = root["schedule"]; sc && w.check_keys(sc, "schedule", "schedule")) {
      cfg->schedule.order_sync = w.duration(sc, "schedule", "order_sync", cfg->schedule.order_sync);
      cfg->schedule.tracking_sync =
          w.duration(sc, "schedule", "tracking_sync", cfg->schedule.tracking_sync);
    }
    cfg->deadlines = w.deadlines(root["deadlines"], "deadlines", "deadlines", {});
    if (root["require"]) {
      cfg->require = w.fields(root, "", "require");
    } else {
      cfg->require = {to_field_id(OrderField::kShipName), to_field_id(OrderField::kShipAddress1),
                      to_field_id(OrderField::kShipCity), to_field_id(OrderField::kShipZip),
                      to_field_id(OrderField::kShipCountry)};
    }
    auto channels = root["channels"];
    if (!channels || !channels.IsMap() || channels.size() == 0)
      w.error(channels ? channels : root, "channels", "at least one channel is required");
    else
      w.check_duplicates(channels, "channels");
    if (channels && channels.IsMap())
      for (const auto& kv : channels) {
        ChannelConfig c;
        const auto id = w.key(kv.first, "channels");
        if (!id) continue;
        c.id = *id;
        if (cfg->channel(c.id)) continue;  // given twice: refused above
        const std::string path = "channels." + c.id;
        c.where.text = w.where(kv.first, path);
        if (!valid_id(c.id))
          w.error(kv.first, path, "an id may hold only letters, digits, '-' and '_'");
        if (!w.check_keys(kv.second, path, "channels.<id>")) continue;
        c.format = w.str(kv.second, path, "format", "");
        const OrderFormat* format = find_order_format(c.format);
        if (c.format.empty())
          w.error(kv.second, path + ".format",
                  fmt::format("format is required ({})", known_order_formats()));
        else if (!format)
          w.error(kv.second["format"], path + ".format",
                  fmt::format("unknown channel format '{}' (known: {})", c.format,
                              known_order_formats()));
        c.auto_process = w.boolean(kv.second, path, "auto_process", false);
        if (auto tp = kv.second["tracking_push"]) {
          const std::string tpath = path + ".tracking_push";
          c.tracking_push.where.text = w.where(tp, tpath);
          if (w.check_keys(tp, tpath, "channels.<id>.tracking_push")) {
            c.tracking_push.enabled = true;
            c.tracking_push.format = w.str(tp, tpath, "format", "");
            std::string_view push = c.tracking_push.format;
            if (push.empty() && format) push = format->default_push;
            if (!push.empty() && !find_push_format(push))
              w.error(tp["format"], tpath + ".format",
                      fmt::format("unknown tracking push format '{}' (known: {})", push,
                                  known_push_formats()));
            c.tracking_push.transport = w.transport(tp["transport"], tpath + ".transport");
          }
        }
        c.source = w.pull(kv.second["source"], path + ".source");
        c.every = w.duration(kv.second, path, "order_sync", 0);
        cfg->channels.push_back(std::move(c));
      }
    auto suppliers = root["suppliers"];
    if (!suppliers || !suppliers.IsMap() || suppliers.size() == 0)
      w.error(suppliers ? suppliers : root, "suppliers", "at least one supplier is required");
    else
      w.check_duplicates(suppliers, "suppliers");
    if (suppliers && suppliers.IsMap())
      for (const auto& kv : suppliers) {
        SupplierConfig s;
        const auto id = w.key(kv.first, "suppliers");
        if (!id) continue;
        s.id = *id;
        if (cfg->supplier(s.id)) continue;  // given twice: refused above
        const std::string path = "suppliers." + s.id;
        s.where.text = w.where(kv.first, path);
        if (!valid_id(s.id))
          w.error(kv.first, path, "an id may hold only letters, digits, '-' and '_'");
        if (!w.check_keys(kv.second, path, "suppliers.<id>")) continue;
        const auto& n = kv.second;
        s.name = w.str(n, path, "name", s.id);
        s.skus = w.strings(n, path, "skus");
        if (s.skus.empty()) w.error(n, path + ".skus", "at least one SKU pattern is required");
        s.require = w.fields(n, path, "require");
        s.auto_process = w.boolean(n, path, "auto_process", false);
        s.po = w.po(n["po"], path + ".po");
        s.shipping = w.shipping(n["shipping"], path + ".shipping");
        s.deadlines = w.deadlines(n["deadlines"], path + ".deadlines", "suppliers.<id>.deadlines",
                                  cfg->deadlines);
        // The older po.x12.td5 (method -> SCAC) is the same mapping.
        for (const auto& td5 : s.po.x12.td5) {
          const std::string key = shipping_key(td5.first);
          if (!std::any_of(s.shipping.map.begin(), s.shipping.map.end(),
                           [&](const auto& e) { return shipping_key(e.first) == key; }))
            s.shipping.map.emplace_back(td5.first, ShipMethod{"", "", td5.second});
        }
        s.transport = w.transport(n["transport"], path + ".transport");
        s.tracking = w.tracking(n["tracking"], path + ".tracking");
        s.tracking.every = w.duration(n, path, "tracking_sync", 0);
        cfg->suppliers.push_back(std::move(s));
      }
  }
  if (auto al = root.IsMap() ? root["alerts"] : YAML::Node();
      al && w.check_keys(al, "alerts", "alerts")) {
    auto& a = cfg->alerts;
    a.window = w.duration(al, "alerts", "window", a.window, 0, 86400);
    a.outage_after = w.integer(al, "alerts", "outage_after", a.outage_after, 1, 1000);
    a.resolve_after = w.duration(al, "alerts", "resolve_after", a.resolve_after, 60);
    auto sinks = al["sinks"];
    if (sinks && !sinks.IsMap())
      w.error(sinks, "alerts.sinks", "expected a map of sink name to {events, transport}");
    else if (sinks)
      w.check_duplicates(sinks, "alerts.sinks");
    if (sinks && sinks.IsMap())
      for (const auto& kv : sinks) {
        AlertSinkConfig sink;
        const auto name = w.key(kv.first, "alerts.sinks");
        if (!name) continue;
        sink.name = *name;
        if (a.sink(sink.name)) continue;  // given twice: refused above
        const std::string path = "alerts.sinks." + sink.name;
        sink.where.text = w.where(kv.first, path);
        if (!valid_id(sink.name))
          w.error(kv.first, path, "a name may hold only letters, digits, '-' and '_'");
        if (!w.check_keys(kv.second, path, "alerts.sinks.<name>")) continue;
        sink.events = w.strings(kv.second, path, "events");
        for (std::size_t i = 0; i < sink.events.size(); ++i)
          if (!find_alert_kind(sink.events[i]) || sink.events[i] == "test")
            w.error(kv.second["events"][i], fmt::format("{}.events[{}]", path, i),
                    fmt::format("unknown alert kind '{}' (known: {})", sink.events[i],
                                known_alert_kinds()));
        if (const auto at = w.str(kv.second, path, "digest", ""); !at.empty()) {
          sink.digest = parse_time_of_day(at);
          if (sink.digest < 0)
            w.error(kv.second["digest"], path + ".digest",
                    fmt::format("'{}' is not a time of day: write HH:MM, e.g. \"08:00\"", at));
        }
        sink.transport = w.transport(kv.second["transport"], path + ".transport");
        auto& t = sink.transport;
        // Alerts keep trying for longer than POs: 10 attempts from 1m,
        // doubling, is about 17 hours (and the sink's next success
        // queues what it had given up again).
        if (const auto tn = kv.second["transport"]; tn && tn.IsMap() && !tn["attempts"])
          t.attempts = 10;
        if (t.type == "email") {
          for (const char* key : {"smtp_url", "from", "to"})
            if (!t.option(key))
              w.error(kv.second["transport"], path + ".transport." + key,
                      "an email sink needs smtp_url, from and to (the operators' addresses)");
          // To people: the alert as the text, its first line as the subject.
          if (!t.option("subject")) t.set("subject", "{title}");
          if (!t.option("body")) t.set("body", "body");
        } else if (t.type != "http" && t.type != "dir" && find_transport(t.type)) {
          w.error(kv.second["transport"]["type"], path + ".transport.type",
                  fmt::format("alerts go by email, http (a webhook) or dir, not {}", t.type));
        }
        a.sinks.push_back(std::move(sink));
      }
  }
  if (auto cn = root.IsMap() ? root["console"] : YAML::Node();
      cn && w.check_keys(cn, "console", "console")) {
    auto& c = cfg->console;
    c.enabled = true;
    c.listen = w.str(cn, "console", "listen", "");
    c.users_file = w.path_of(cn, "console", "users_file", "");
    if (c.users_file.empty()) c.users_file = cfg->state_dir / "console.users";
    c.session_idle = w.duration(cn, "console", "session_idle", c.session_idle, 60);
    if (auto tls = cn["tls"]; tls && w.check_keys(tls, "console.tls", "console.tls")) {
      c.cert_file = w.path_of(tls, "console.tls", "cert_file", "");
      c.key_file = w.path_of(tls, "console.tls", "key_file", "");
      if (c.cert_file.empty() || c.key_file.empty())
        w.error(tls, "console.tls", "tls needs both cert_file and key_file (PEM files)");
    }
    if (c.listen.empty()) {
      w.error(cn, "console.listen",
              "the console needs listen: host:port (127.0.0.1:8080) or a Unix socket's path");
    } else if (!c.unix_socket()) {
      const auto where = parse_listen(c.listen);
      if (!where)
        w.error(cn["listen"], "console.listen",
                fmt::format("'{}' is not host:port (127.0.0.1:8080, [::1]:8080) nor a socket path "
                            "starting with /",
                            c.listen));
      else if (!where->loopback && !c.tls())
        w.error(cn["listen"], "console.listen",
                fmt::format("{} is reachable from other machines: the console serves it only over "
                            "HTTPS (add console.tls: {{cert_file, key_file}}) or listen on "
                            "127.0.0.1 or a Unix socket",
                            c.listen));
    }
  }
  // A key whose default is a file beside the state (sftp's known_hosts).
  auto state_defaults = [&](TransportConfig& t) {
    const TransportKind* kind = find_transport(t.type);
    if (!kind) return;
    constexpr std::string_view kState = "<state_dir>/";
    for (const auto& spec : kind->keys)
      if (spec.def.starts_with(kState) && !t.option(spec.key))
        t.set(spec.key, cfg->state_dir / spec.def.substr(kState.size()));
  };
  for (auto& c : cfg->channels) {
    if (c.tracking_push.enabled) state_defaults(c.tracking_push.transport);
    if (c.source) state_defaults(*c.source);
  }
  for (auto& s : cfg->suppliers) {
    state_defaults(s.transport);
    if (s.tracking.pull) state_defaults(*s.tracking.pull);
  }
  if (!w.errors.empty())
    return fail(ErrorKind::kConfig, fmt::format("{}", fmt::join(w.errors, "\n")));
  // A sync more often than once a minute hammers the remotes and floods the
  // history for nothing: inotify takes dropped files at once anyway.
  constexpr std::int64_t kFloor = 60;
  auto floor = [&](const std::string& where, std::int64_t every) {
    if (every > 0 && every < kFloor)
      cfg->warnings.push_back(fmt::format(
          "{}: every {}s is more often than once a minute; files dropped into inbound/ are taken "
          "at once without it, and remotes are asked this often",
          where, every));
  };
  for (auto& warning : w.warnings) cfg->warnings.push_back(std::move(warning));
  floor(file.string() + ": schedule.order_sync", cfg->schedule.order_sync);
  floor(file.string() + ": schedule.tracking_sync", cfg->schedule.tracking_sync);
  for (const auto& c : cfg->channels) floor(c.where.text + ".order_sync", c.every);
  for (const auto& sp : cfg->suppliers) floor(sp.where.text + ".tracking_sync", sp.tracking.every);
  return std::shared_ptr<const Config>(std::move(cfg));
}

}  // namespace

const ChannelConfig* Config::channel(std::string_view id) const {
  for (const auto& c : channels)
    if (c.id == id) return &c;
  return nullptr;
}

bool AlertSinkConfig::wants(std::string_view kind) const {
  return kind == "test" || events.empty() ||
         std::find(events.begin(), events.end(), kind) != events.end();
}

const AlertSinkConfig* AlertsConfig::sink(std::string_view name) const {
  for (const auto& s : sinks)
    if (s.name == name) return &s;
  return nullptr;
}

const SupplierConfig* Config::supplier(std::string_view id) const {
  for (const auto& s : suppliers)
    if (s.id == id) return &s;
  return nullptr;
}

Result<std::shared_ptr<const Config>> parse_config(std::string_view yaml,
                                                   const std::filesystem::path& file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return fail(ErrorKind::kConfig, fmt::format("{}:{}:{}: {}", file.string(), e.mark.line + 1,
                                                e.mark.column + 1, e.msg));
  }
  try {
    return build(root, file);
  } catch (const YAML::BadConversion& e) {
    // A place the walk above does not check yet: still said with its place.
    return fail(ErrorKind::kConfig,
                fmt::format("{}:{}:{}: expected a single value here (a name, text or a number), "
                            "not a list or a map",
                            file.string(), e.mark.line + 1, e.mark.column + 1));
  } catch (const YAML::Exception& e) {
    return fail(ErrorKind::kConfig, fmt::format("{}:{}:{}: {}", file.string(), e.mark.line + 1,
                                                e.mark.column + 1, e.msg));
  }
}

Result<std::shared_ptr<const Config>> load_config(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text) return std::unexpected(text.error().with_context("cannot read the configuration"));
  return parse_config(*text, file);
}

}  // namespace orderd
