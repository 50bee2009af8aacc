// The configuration's keys, declared once: the walker rejects anything not
// listed (suggesting the nearest key), and `orderd --help-config` and the
// docs test read the same tables.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace orderd {

struct KeySpec {
  std::string_view key;
  std::string_view type;
  std::string_view def;  // default, or "required"
  std::string_view doc;
};

struct Section {
  std::string_view path;  // "suppliers.<id>.po"
  std::span<const KeySpec> keys;
};

std::span<const Section> config_sections();
std::span<const KeySpec> section_keys(std::string_view path);

// Every key and every field as Markdown tables: what `orderd --help-config`
// prints and docs/config.md's "Keys" section holds.
std::string config_reference_markdown();

}  // namespace orderd
