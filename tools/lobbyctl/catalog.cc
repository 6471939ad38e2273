#include "tools/lobbyctl/lobbyctl.h"

namespace lobbyctl {

int Catalog(Ctl& ctl, Args& a) {
  using S = v1::RepairService::Stub;
  if (a.positional[0] == "apply") {
    a.positional.erase(a.positional.begin());
    a.Allow({"f", "site", "dry-run"}, 0);
    std::ifstream in(a.Require("f"), std::ios::binary);
    if (!in) throw UsageError{"cannot read " + a.Get("f")};
    std::stringstream buf;
    buf << in.rdbuf();
    std::string text = buf.str();
    // What the file is: an estate (teams, members, rules) or a category catalog.
    auto top_level = [&](const std::string& key) {
      return text.rfind(key + ":", 0) == 0 || text.find("\n" + key + ":") != std::string::npos;
    };
    if (top_level("teams")) {
      v1::ApplyEstateRequest req;
      req.set_yaml(text);
      req.set_dry_run(a.Has("dry-run"));
      auto resp = ctl.CallOn<v1::ApplyEstateRequest, v1::ApplyEstateResponse>(
          *ctl.dispatch, &v1::DispatchService::Stub::ApplyEstate, req);
      if (ctl.json()) {
        std::cout << Json(resp) << "\n";
      } else {
        std::cout << (req.dry_run() ? "dry run, nothing applied" : "applied") << ": estate "
                  << resp.estate().site_id() << ", " << resp.estate().teams_size() << " teams, "
                  << resp.estate().members_size() << " members, " << resp.estate().rules_size()
                  << " rules\n";
        for (const auto& c : resp.changes()) std::cout << "  " << c << "\n";
      }
      return 0;
    }
    if (top_level("surveys")) {
      v1::ApplySurveySettingsRequest req;
      req.set_yaml(text);
      req.set_dry_run(a.Has("dry-run"));
      auto stub = v1::SurveyService::NewStub(ctl.channel);
      auto resp = ctl.CallOn<v1::ApplySurveySettingsRequest, v1::SurveySettings>(
          *stub, &v1::SurveyService::Stub::ApplySettings, req);
      if (ctl.json()) {
        std::cout << Json(resp) << "\n";
      } else {
        std::cout << (req.dry_run() ? "dry run, nothing applied" : "applied")
                  << ": survey settings of " << resp.site_id() << "\n";
      }
      return 0;
    }
    if (top_level("notices")) {
      v1::ApplyNoticesRequest req;
      req.set_yaml(text);
      req.set_dry_run(a.Has("dry-run"));
      auto resp = ctl.CallOn<v1::ApplyNoticesRequest, v1::NoticeTemplates>(
          *ctl.residents, &v1::ResidentService::Stub::ApplyNotices, req);
      if (ctl.json()) {
        std::cout << Json(resp) << "\n";
      } else {
        size_t n = 0;
        for (const auto& [event, texts] : resp.texts()) n += texts.by_language_size();
        std::cout << (req.dry_run() ? "dry run, nothing applied" : "applied") << ": the notices of "
                  << resp.site_id() << ", " << n
                  << " texts in the estate's own words (Lobby's for the rest)\n";
      }
      return 0;
    }
    if (!top_level("categories"))
      throw UsageError{
          "the file is neither an estate (teams:), survey settings (surveys:), notice words "
          "(notices:) nor a catalog (categories:)"};
    v1::ApplyCatalogRequest req;
    req.set_site_id(ctl.Site(a));
    req.set_yaml(text);
    req.set_dry_run(a.Has("dry-run"));
    auto resp = ctl.CallOn<v1::ApplyCatalogRequest, v1::ApplyCatalogResponse>(
        *ctl.repairs, &S::ApplyCatalog, req);
    if (ctl.json()) {
      std::cout << Json(resp) << "\n";
    } else {
      std::cout << (req.dry_run() ? "dry run, nothing applied: " : "applied: ")
                << resp.catalog().categories_size()
                << " categories; added: " << absl::StrJoin(resp.added(), ", ")
                << "; changed: " << absl::StrJoin(resp.changed(), ", ")
                << "; removed: " << absl::StrJoin(resp.removed(), ", ") << "\n";
      for (const auto& c : resp.changes()) std::cout << "  " << c << "\n";
    }
    return 0;
  }
  if (a.positional.size() < 2 || a.positional[1] != "get") throw UsageError{"catalog get --site S"};
  a.positional.erase(a.positional.begin(), a.positional.begin() + 2);
  a.Allow({"site"}, 0);
  v1::GetCatalogRequest req;
  req.set_site_id(ctl.Site(a));
  auto c = ctl.CallOn<v1::GetCatalogRequest, v1::Catalog>(*ctl.repairs, &S::GetCatalog, req);
  if (ctl.json()) {
    std::cout << Json(c) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& cat : c.categories()) {
    auto name = [&](const char* l) {
      auto it = cat.names().find(l);
      return it == cat.names().end() ? std::string() : it->second;
    };
    rows.push_back({cat.id(), cat.kind(),
                    PriorityText(cat.default_priority()) + (cat.emergency() ? " !" : ""),
                    name("en"), name("zh-Hant"), std::to_string(cat.keywords_size())});
  }
  PrintTable({"ID", "KIND", "PRI", "NAME", "名稱", "KEYWORDS"}, rows);
  return 0;
}

}  // namespace lobbyctl
