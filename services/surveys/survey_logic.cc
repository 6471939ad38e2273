#include "services/surveys/survey_logic.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <random>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/common/status_macros.h"
#include "services/surveys/survey_logic_parts.h"

namespace lobby::surveys {

using namespace detail;  // NOLINT: the parts of one class

std::vector<v1::Question> Questions(absl::string_view kind, absl::string_view lang) {
  auto q = [&](const char* id, const char* k, std::string text, bool optional = false) {
    v1::Question out;
    out.set_id(id);
    out.set_kind(k);
    out.set_text(std::move(text));
    out.set_optional(optional);
    return out;
  };
  if (kind == "nps") {
    return {
        q("nps", "nps",
          Pick(lang, "How likely are you to recommend our estate management to a neighbour? (0-10)",
               "您有多大可能向鄰居推薦我們的物業管理？(0-10)",
               "您有多大可能向邻居推荐我们的物业管理？(0-10)")),
        q("comment", "text",
          Pick(lang, "Anything we should do better? (optional)", "有什麼我們可以做得更好？（可選）",
               "有什么我们可以做得更好？（可选）"),
          true)};
  }
  return {
      q("overall", "scale",
        Pick(lang, "Overall, how satisfied are you? (1-5)", "整體滿意度？(1-5)",
             "整体满意度？(1-5)")),
      q("speed", "scale",
        Pick(lang, "How was the speed? (1-5)", "處理速度？(1-5)", "处理速度？(1-5)")),
      q("attitude", "scale",
        Pick(lang, "How was our staff's attitude? (1-5)", "員工態度？(1-5)", "员工态度？(1-5)")),
      q("fixed", "yes_no", Pick(lang, "Is the problem fixed?", "問題解決了嗎？", "问题解决了吗？")),
      q("comment", "text",
        Pick(lang, "Anything else? (optional)", "其他意見？（可選）", "其他意见？（可选）"), true)};
}

absl::StatusOr<v1::SurveySettings> ParseSettings(absl::string_view yaml) {
  auto bad = [](const YAML::Node& n, const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat("surveys line ", n.Mark().line + 1, ": ", why));
  };
  v1::SurveySettings s;
  s.set_delay_minutes(120);
  s.set_remind_after_minutes(24 * 60);
  s.set_expire_after_minutes(7 * 24 * 60);
  s.set_low_score(2);
  s.set_follow_up_minutes(24 * 60);
  s.set_nps_sample(20);
  s.set_time_zone("UTC");
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    YAML::Node n = root["surveys"];
    if (!n || !n.IsMap()) return bad(root, "expected a 'surveys:' mapping");
    static const std::set<std::string> kKeys = {"site",
                                                "time_zone",
                                                "delay",
                                                "remind_after",
                                                "expire_after",
                                                "low_score",
                                                "follow_up_within",
                                                "follow_up_escalate_to",
                                                "units",
                                                "nps_sample",
                                                "monthly_report"};
    for (const auto& kv : n) {
      if (!kKeys.count(kv.first.as<std::string>()))
        return bad(kv.first, "unknown key '" + kv.first.as<std::string>() + "'");
    }
    s.set_site_id(n["site"] ? n["site"].as<std::string>() : "");
    if (absl::Status st = ValidateSiteId(s.site_id()); !st.ok())
      return bad(n, std::string(st.message()));
    if (n["time_zone"]) s.set_time_zone(n["time_zone"].as<std::string>());
    absl::TimeZone tz;
    if (!absl::LoadTimeZone(s.time_zone(), &tz))
      return bad(n["time_zone"], "unknown time zone '" + s.time_zone() + "'");
    auto duration = [&](const char* key, int64_t* out, int64_t lo, int64_t hi) -> absl::Status {
      if (!n[key]) return absl::OkStatus();
      std::string v = n[key].as<std::string>();
      absl::Duration d;
      int days;
      bool ok =
          (!v.empty() && v.back() == 'd' && absl::SimpleAtoi(v.substr(0, v.size() - 1), &days) &&
           (d = absl::Hours(24) * days, true)) ||
          absl::ParseDuration(v, &d);
      int64_t m = ok ? absl::ToInt64Minutes(d) : -1;
      if (m < lo || m > hi)
        return bad(n[key], absl::StrCat(key, ": a duration from ", lo, " to ", hi,
                                        " minutes (\"2h\", \"7d\")"));
      *out = m;
      return absl::OkStatus();
    };
    int64_t v;
    v = s.delay_minutes();
    LOBBY_RETURN_IF_ERROR(duration("delay", &v, 0, 7 * 24 * 60));
    s.set_delay_minutes(v);
    v = s.remind_after_minutes();
    LOBBY_RETURN_IF_ERROR(duration("remind_after", &v, 0, 30 * 24 * 60));
    s.set_remind_after_minutes(v);
    v = s.expire_after_minutes();
    LOBBY_RETURN_IF_ERROR(duration("expire_after", &v, 60, 90 * 24 * 60));
    s.set_expire_after_minutes(v);
    v = s.follow_up_minutes();
    LOBBY_RETURN_IF_ERROR(duration("follow_up_within", &v, 10, 30 * 24 * 60));
    s.set_follow_up_minutes(v);
    if (n["low_score"]) {
      int low = n["low_score"].as<int>();
      if (low < 1 || low > 4) return bad(n["low_score"], "low_score is 1 to 4");
      s.set_low_score(low);
    }
    if (n["nps_sample"]) {
      int sample = n["nps_sample"].as<int>();
      if (sample < 1 || sample > 1000) return bad(n["nps_sample"], "nps_sample is 1 to 1000");
      s.set_nps_sample(sample);
    }
    if (n["follow_up_escalate_to"])
      s.set_follow_up_escalate_to(n["follow_up_escalate_to"].as<std::string>());
    if (YAML::Node mr = n["monthly_report"]) {
      if (!mr.IsMap() || !mr["to"] || !mr["to"].IsSequence() || !mr["console"])
        return bad(mr, "monthly_report: {to: [member, ...], console: https://...}");
      for (const auto& kv : mr) {
        std::string key = kv.first.as<std::string>();
        if (key != "to" && key != "console")
          return bad(kv.first, "monthly_report: unknown key '" + key + "' (to, console)");
      }
      for (const auto& m : mr["to"]) s.add_monthly_report_to(m.as<std::string>());
      std::string url = mr["console"].as<std::string>();
      while (!url.empty() && url.back() == '/') url.pop_back();
      if (!absl::StartsWith(url, "https://") && !absl::StartsWith(url, "http://"))
        return bad(mr["console"], "monthly_report.console: the console's address, https://...");
      s.set_console_url(url);
    }
    if (n["units"]) {
      if (!n["units"].IsMap()) return bad(n["units"], "units: {building: number of units}");
      for (const auto& kv : n["units"]) {
        int units = kv.second.as<int>();
        if (units < 1 || units > 100000) return bad(kv.second, "a building has 1 to 100000 units");
        (*s.mutable_units())[kv.first.as<std::string>()] = units;
      }
    }
  } catch (const YAML::Exception& ex) {
    return absl::InvalidArgumentError(
        absl::StrCat("surveys line ", ex.mark.line + 1, ": ", ex.msg));
  }
  return s;
}

absl::StatusOr<v1::SurveySettings> SurveyLogic::Settings(absl::string_view site) {
  absl::Time now = clock_.Now();
  {
    std::lock_guard lock(settings_mu_);
    if (auto it = settings_.find(site);
        it != settings_.end() && now - it->second.second < kSettingsTtl)
      return it->second.first;
  }
  LOBBY_ASSIGN_OR_RETURN(auto s, store_.GetSettings(site));
  v1::SurveySettings out;
  if (s.has_value()) {
    out = *std::move(s);
  } else {
    LOBBY_ASSIGN_OR_RETURN(auto d, ParseSettings(absl::StrCat("surveys: {site: \"", site, "\"}")));
    out = std::move(d);
  }
  std::lock_guard lock(settings_mu_);
  settings_[std::string(site)] = {out, now};
  return out;
}

absl::StatusOr<v1::SurveySettings> SurveyLogic::ApplySettings(
    const v1::ApplySurveySettingsRequest& req) {
  LOBBY_ASSIGN_OR_RETURN(auto s, ParseSettings(req.yaml()));
  if (!req.dry_run()) {
    LOBBY_RETURN_IF_ERROR(store_.PutSettings(s));
    {
      std::lock_guard lock(settings_mu_);
      settings_.erase(s.site_id());
    }
    // The monthly report's next sending (a report no longer asked for is dropped when due).
    if (s.monthly_report_to_size() > 0) {
      LOBBY_RETURN_IF_ERROR(store_.Apply(
          {.site = s.site_id(),
           .due = {{kMonthlyReport, Ms(NextMonthlyReport(clock_.Now(), ZoneOf(s)))}}}));
    }
  }
  return s;
}

absl::StatusOr<v1::SurveySettings> SurveyLogic::GetSettings(absl::string_view site) {
  LOBBY_RETURN_IF_ERROR(ValidateSiteId(site));
  return Settings(site);
}

}  // namespace lobby::surveys
