#include "tools/lobbyctl/lobbyctl.h"

namespace lobbyctl {
namespace {

// What changed, a line each under the summary.
std::string ChangeLines(const google::protobuf::RepeatedPtrField<std::string>& changes) {
  std::string out;
  for (const auto& c : changes) absl::StrAppend(&out, "\n  ", c);
  return out;
}

// Sends a YAML file to one of the Apply methods (`req` with its other fields set) and prints
// the answer: as JSON, or "applied: <summary>" ("dry run, nothing applied: ..." for a dry run).
template <typename Resp, typename Req, typename Stub, typename Method, typename Summary>
int ApplyFile(Ctl& ctl, Stub& stub, Method method, Req& req, const std::string& text, bool dry_run,
              Summary summary) {
  req.set_yaml(text);
  req.set_dry_run(dry_run);
  auto resp = ctl.CallOn<Req, Resp>(stub, method, req);
  if (ctl.json()) {
    std::cout << Json(resp) << "\n";
  } else {
    std::cout << (dry_run ? "dry run, nothing applied: " : "applied: ") << summary(resp) << "\n";
  }
  return 0;
}

}  // namespace

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
    bool dry_run = a.Has("dry-run");
    if (top_level("teams")) {
      v1::ApplyEstateRequest req;
      return ApplyFile<v1::ApplyEstateResponse>(
          ctl, *ctl.dispatch, &v1::DispatchService::Stub::ApplyEstate, req, text, dry_run,
          [](const v1::ApplyEstateResponse& r) {
            return absl::StrCat("estate ", r.estate().site_id(), ", ", r.estate().teams_size(),
                                " teams, ", r.estate().members_size(), " members, ",
                                r.estate().rules_size(), " rules", ChangeLines(r.changes()));
          });
    }
    if (top_level("surveys")) {
      v1::ApplySurveySettingsRequest req;
      auto stub = v1::SurveyService::NewStub(ctl.channel);
      return ApplyFile<v1::SurveySettings>(
          ctl, *stub, &v1::SurveyService::Stub::ApplySettings, req, text, dry_run,
          [](const v1::SurveySettings& r) { return "survey settings of " + r.site_id(); });
    }
    if (top_level("notices")) {
      v1::ApplyNoticesRequest req;
      return ApplyFile<v1::NoticeTemplates>(
          ctl, *ctl.residents, &v1::ResidentService::Stub::ApplyNotices, req, text, dry_run,
          [](const v1::NoticeTemplates& r) {
            size_t n = 0;
            for (const auto& [event, texts] : r.texts()) n += texts.by_language_size();
            return absl::StrCat("the notices of ", r.site_id(), ", ", n,
                                " texts in the estate's own words (Lobby's for the rest)");
          });
    }
    if (!top_level("categories"))
      throw UsageError{
          "the file is neither an estate (teams:), survey settings (surveys:), notice words "
          "(notices:) nor a catalog (categories:)"};
    v1::ApplyCatalogRequest req;
    req.set_site_id(ctl.Site(a));
    return ApplyFile<v1::ApplyCatalogResponse>(
        ctl, *ctl.repairs, &S::ApplyCatalog, req, text, dry_run,
        [](const v1::ApplyCatalogResponse& r) {
          return absl::StrCat(
              r.catalog().categories_size(), " categories; added: ", absl::StrJoin(r.added(), ", "),
              "; changed: ", absl::StrJoin(r.changed(), ", "),
              "; removed: ", absl::StrJoin(r.removed(), ", "), ChangeLines(r.changes()));
        });
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
