// XML purchase orders:
//   <PurchaseOrders><PurchaseOrder><PONumber>..</PONumber>...<Lines><Line>..</Line></Lines></PurchaseOrder></PurchaseOrders>
// po.columns name the elements, in order; order- and PO-level fields go in
// the PO element, line fields in each line. A cancellation carries
// action="cancel" on each PO element.
#include <pugixml.hpp>
#include <sstream>

#include "mappers/mappers.h"

namespace orderd {
namespace {

// XML names may not hold spaces or start with a digit: "PO Number" -> "PONumber".
std::string element_name(std::string_view header) {
  std::string out;
  for (char c : header)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.') out += c;
  if (out.empty() || !(std::isalpha(static_cast<unsigned char>(out[0])) || out[0] == '_'))
    out.insert(0, "_");
  return out;
}

class XmlPoWriter final : public PoWriter {
 public:
  XmlPoWriter(const PoConfig& cfg, PoDocKind kind)
      : cols_(cfg.columns.empty() ? default_po_columns()
                                  : std::span<const ColumnConfig>(cfg.columns)),
        po_name_(element_name(cfg.xml_po)),
        line_name_(element_name(cfg.xml_line)),
        cancel_(kind == PoDocKind::kCancel) {
    auto decl = doc_.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
    root_ = doc_.append_child(element_name(cfg.xml_root).c_str());
    for (const auto& c : cols_) {
      std::string name = element_name(c.header);
      // A line column named like the line element itself ("Line", the line
      // number) would nest <Line><Line>: it becomes <LineNumber>.
      if (field_def(c.field).scope == FieldScope::kLine && name == line_name_) name += "Number";
      names_.push_back(std::move(name));
    }
  }

  void add(const PoView& v) override {
    auto po = root_.append_child(po_name_.c_str());
    if (cancel_) po.append_attribute("action") = "cancel";
    for (std::size_t i = 0; i < cols_.size(); ++i) {
      if (field_def(cols_[i].field).scope == FieldScope::kLine) continue;
      po.append_child(names_[i].c_str())
          .text()
          .set(field_value(cols_[i].field, v, nullptr, 0).c_str());
    }
    auto lines = po.append_child("Lines");
    int n = 0;
    for (const Line* l : v.lines) {
      ++n;
      auto line = lines.append_child(line_name_.c_str());
      for (std::size_t i = 0; i < cols_.size(); ++i) {
        if (field_def(cols_[i].field).scope != FieldScope::kLine) continue;
        line.append_child(names_[i].c_str())
            .text()
            .set(field_value(cols_[i].field, v, l, n).c_str());
      }
    }
  }

  std::string finish(ControlNumbers&) override {
    std::ostringstream os;
    doc_.save(os, "  ", pugi::format_default, pugi::encoding_utf8);
    return os.str();
  }

 private:
  std::span<const ColumnConfig> cols_;
  std::vector<std::string> names_;
  std::string po_name_, line_name_;
  bool cancel_;
  pugi::xml_document doc_;
  pugi::xml_node root_;
};

}  // namespace

std::unique_ptr<PoWriter> make_xml_po_writer(const PoConfig& cfg, PoDocKind kind) {
  return std::make_unique<XmlPoWriter>(cfg, kind);
}

}  // namespace orderd
