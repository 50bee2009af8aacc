#include "console/render.h"

#include <fmt/format.h>

#include <kainjow/mustache.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "console/assets.h"

namespace orderd {
namespace {

namespace m = kainjow::mustache;

m::data to_data(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      m::data d(m::data::type::object);
      for (const auto& [k, v] : j.items()) d.set(k, to_data(v));
      return d;
    }
    case nlohmann::json::value_t::array: {
      m::data d(m::data::type::list);
      for (const auto& v : j) d.push_back(to_data(v));
      return d;
    }
    case nlohmann::json::value_t::string: {
      const auto& s = j.get_ref<const std::string&>();
      return s.empty() ? m::data(false) : m::data(s);
    }
    case nlohmann::json::value_t::boolean:
      return m::data(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return m::data(j.dump());
    case nlohmann::json::value_t::number_float:
      return m::data(fmt::format("{:.1f}", j.get<double>()));
    default:
      return m::data(false);
  }
}

std::string_view asset(std::string_view name) {
  for (std::size_t i = 0; i < kConsoleAssetCount; ++i)
    if (kConsoleAssets[i].name == name) return kConsoleAssets[i].content;
  throw std::logic_error(fmt::format("the console has no asset {}", name));
}

}  // namespace

std::string render_template(std::string_view name, const nlohmann::json& data) {
  m::mustache tmpl{std::string(asset(fmt::format("templates/{}.html", name)))};
  if (!tmpl.is_valid())
    throw std::logic_error(fmt::format("templates/{}.html: {}", name, tmpl.error_message()));
  return tmpl.render(to_data(data));
}

std::optional<StaticFile> static_file(std::string_view name) {
  const std::string path = fmt::format("static/{}", name);
  for (std::size_t i = 0; i < kConsoleAssetCount; ++i)
    if (kConsoleAssets[i].name == path) {
      std::string_view type = "application/octet-stream";
      if (name.ends_with(".js")) type = "text/javascript; charset=utf-8";
      if (name.ends_with(".css")) type = "text/css; charset=utf-8";
      if (name.ends_with(".svg")) type = "image/svg+xml";
      return StaticFile{kConsoleAssets[i].content, type};
    }
  return std::nullopt;
}

}  // namespace orderd
