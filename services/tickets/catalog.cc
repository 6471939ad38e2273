#include "services/tickets/catalog.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/status_macros.h"
#include "services/tickets/state_machine.h"

namespace lobby::tickets {

extern const char kDefaultCatalogYaml[];  // generated from default_catalog.yaml

namespace {

absl::Status Bad(const YAML::Node& node, absl::string_view where, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("catalog line ", node.Mark().line + 1, ": ", where, ": ", why));
}

absl::StatusOr<v1::Priority> ParsePriority(const YAML::Node& n, const std::string& where) {
  if (auto p = tickets::ParsePriority(n.as<std::string>())) return *p;
  return Bad(n, where, "default_priority is P1, P2, P3 or P4");
}

absl::Status ParseCategory(const YAML::Node& n, v1::Category* c, std::set<std::string>& ids) {
  if (!n.IsMap()) return Bad(n, "categories", "each category is a mapping");
  static const std::set<std::string> kKeys = {
      "id",        "kind",     "names",          "default_priority",
      "emergency", "keywords", "response_hours", "safety_instructions"};
  std::string id = n["id"] ? n["id"].as<std::string>() : "";
  std::string where = id.empty() ? "category" : "category '" + id + "'";
  for (const auto& kv : n) {
    std::string key = kv.first.as<std::string>();
    if (!kKeys.count(key)) return Bad(kv.first, where, "unknown key '" + key + "'");
  }
  bool id_ok = !id.empty() && id.size() <= 32;
  for (char ch : id) id_ok &= absl::ascii_islower(ch) || absl::ascii_isdigit(ch) || ch == '_';
  if (!id_ok) return Bad(n, where, "id is 1 to 32 characters of a-z, 0-9, '_'");
  if (!ids.insert(id).second) return Bad(n, where, "id appears twice");
  c->set_id(id);
  std::string kind = n["kind"] ? n["kind"].as<std::string>() : "";
  if (kind != "repair" && kind != "complaint") return Bad(n, where, "kind is repair or complaint");
  c->set_kind(kind);
  if (!n["names"] || !n["names"].IsMap())
    return Bad(n, where, "names: {zh-Hant, zh-Hans, en} is required");
  for (const auto& kv : n["names"])
    (*c->mutable_names())[kv.first.as<std::string>()] = kv.second.as<std::string>();
  for (const char* lang : {"zh-Hant", "zh-Hans", "en"}) {
    if (c->names().find(lang) == c->names().end() || c->names().at(lang).empty()) {
      return Bad(n, where, absl::StrCat("names needs ", lang));
    }
  }
  if (!n["default_priority"]) return Bad(n, where, "default_priority is required");
  LOBBY_ASSIGN_OR_RETURN(auto p, ParsePriority(n["default_priority"], where));
  c->set_default_priority(p);
  c->set_emergency(n["emergency"] && n["emergency"].as<bool>());
  if (c->emergency() && p != v1::PRIORITY_P1) return Bad(n, where, "an emergency is P1");
  if (n["keywords"]) {
    if (!n["keywords"].IsSequence()) return Bad(n["keywords"], where, "keywords is a list");
    for (const auto& k : n["keywords"]) {
      std::string kw = absl::AsciiStrToLower(absl::StripAsciiWhitespace(k.as<std::string>()));
      if (kw.empty()) return Bad(k, where, "empty keyword");
      c->add_keywords(kw);
    }
  }
  if (n["response_hours"]) {
    int h = n["response_hours"].as<int>();
    if (h < 0 || h > 24 * 30) return Bad(n["response_hours"], where, "response_hours is 0 to 720");
    c->set_response_hours(h);
  }
  if (n["safety_instructions"]) {
    for (const auto& kv : n["safety_instructions"]) {
      (*c->mutable_safety_instructions())[kv.first.as<std::string>()] = kv.second.as<std::string>();
    }
  }
  if (c->emergency()) {
    for (const char* lang : {"zh-Hant", "zh-Hans", "en"}) {
      if (c->safety_instructions().find(lang) == c->safety_instructions().end()) {
        return Bad(n, where, absl::StrCat("an emergency needs safety_instructions in ", lang));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Catalog> ParseCatalog(absl::string_view yaml, const std::string& site_id) {
  v1::Catalog out;
  out.set_site_id(site_id);
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!root.IsMap() || !root["categories"] || !root["categories"].IsSequence()) {
      return absl::InvalidArgumentError("catalog: expected a mapping with a 'categories' list");
    }
    for (const auto& kv : root) {
      std::string key = kv.first.as<std::string>();
      if (key != "categories" && key != "raise_priority_for") {
        return Bad(kv.first, "catalog", "unknown key '" + key + "'");
      }
    }
    if (YAML::Node raise = root["raise_priority_for"]) {
      if (!raise.IsSequence())
        return Bad(raise, "catalog", "raise_priority_for: a list of resident tags");
      for (const auto& tag : raise) {
        std::string v = tag.as<std::string>();
        if (v.empty() || v.size() > 32 || v != absl::AsciiStrToLower(v))
          return Bad(tag, "catalog", "raise_priority_for: tags are lower case, 1 to 32 characters");
        out.add_raise_priority_for(v);
      }
    }
    std::set<std::string> ids;
    for (const auto& n : root["categories"]) {
      LOBBY_RETURN_IF_ERROR(ParseCategory(n, out.add_categories(), ids));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("catalog line ", e.mark.line + 1, ": ", e.msg));
  }
  if (out.categories().empty()) return absl::InvalidArgumentError("catalog: no categories");
  return out;
}

const v1::Catalog& DefaultCatalog() {
  static const v1::Catalog* catalog = [] {
    auto c = ParseCatalog(kDefaultCatalogYaml, "");
    if (!c.ok()) {
      fprintf(stderr, "BUG: the default catalog is invalid: %s\n", c.status().ToString().c_str());
      std::abort();
    }
    return new v1::Catalog(*std::move(c));
  }();
  return *catalog;
}

const v1::Category* FindCategory(const v1::Catalog& catalog, absl::string_view id) {
  for (const auto& c : catalog.categories()) {
    if (c.id() == id) return &c;
  }
  return nullptr;
}

}  // namespace lobby::tickets
