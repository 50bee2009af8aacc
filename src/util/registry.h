// The one lookup every table of implementations uses (channel formats,
// push formats, PO and tracking formats, transports): an entry by its
// `name`, and the names for "unknown X 'y' (known: a, b, c)". A table is a
// plain array of entries, or of pointers to them, in the file that lists
// them; order is the order shown.
#pragma once

#include <iterator>
#include <string>
#include <string_view>
#include <type_traits>

namespace orderd {

template <class T>
const T& registry_entry(const T& e) {
  return e;
}
template <class T>
const T& registry_entry(const T* e) {
  return *e;
}

// The entry named `name`, or nullptr.
template <class Table>
auto find_named(const Table& table, std::string_view name)
    -> const std::remove_cvref_t<decltype(registry_entry(*std::begin(table)))>* {
  for (const auto& e : table)
    if (registry_entry(e).name == name) return &registry_entry(e);
  return nullptr;
}

// "a, b, c".
template <class Table>
std::string names_of(const Table& table) {
  std::string out;
  for (const auto& e : table) {
    if (!out.empty()) out += ", ";
    out += registry_entry(e).name;
  }
  return out;
}

}  // namespace orderd
