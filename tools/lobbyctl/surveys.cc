#include "tools/lobbyctl/lobbyctl.h"

namespace lobbyctl {

std::string Sparkline(const std::vector<double>& v) {
  static const char* kBars[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  double hi = 0;
  for (double x : v) hi = std::max(hi, x);
  std::string out;
  for (double x : v)
    out += hi <= 0 ? kBars[0] : kBars[std::min(7, static_cast<int>(x / hi * 7.0 + 0.5))];
  return out;
}

/// The KPIs a trends table shows, by name.
double Metric(const v1::Kpis& k, const std::string& m) {
  static const std::map<std::string, std::function<double(const v1::Kpis&)>> kMetrics = {
      {"volume", [](const v1::Kpis& k) { return static_cast<double>(k.volume()); }},
      {"responses", [](const v1::Kpis& k) { return static_cast<double>(k.responses()); }},
      {"response_rate", [](const v1::Kpis& k) { return k.response_rate(); }},
      {"csat", [](const v1::Kpis& k) { return k.csat(); }},
      {"speed", [](const v1::Kpis& k) { return k.speed(); }},
      {"attitude", [](const v1::Kpis& k) { return k.attitude(); }},
      {"ack_p50", [](const v1::Kpis& k) { return k.ack_p50_minutes(); }},
      {"ack_p90", [](const v1::Kpis& k) { return k.ack_p90_minutes(); }},
      {"arrive_p50", [](const v1::Kpis& k) { return k.arrive_p50_minutes(); }},
      {"resolve_p50", [](const v1::Kpis& k) { return k.resolve_p50_minutes(); }},
      {"resolve_p90", [](const v1::Kpis& k) { return k.resolve_p90_minutes(); }},
      {"breach_rate", [](const v1::Kpis& k) { return k.breach_rate(); }},
      {"reopen_rate", [](const v1::Kpis& k) { return k.reopen_rate(); }},
      {"ftf_rate", [](const v1::Kpis& k) { return k.first_time_fix_rate(); }},
      {"per_1000_units", [](const v1::Kpis& k) { return k.volume_per_1000_units(); }},
      {"resolved", [](const v1::Kpis& k) { return static_cast<double>(k.resolved()); }},
      {"follow_ups", [](const v1::Kpis& k) { return static_cast<double>(k.follow_ups()); }},
      {"nps", [](const v1::Kpis& k) { return k.nps(); }}};
  auto it = kMetrics.find(m);
  if (it == kMetrics.end())
    throw UsageError{"unknown metric '" + m +
                     "' (volume, responses, response_rate, csat, speed, attitude, ack_p50, "
                     "ack_p90, arrive_p50, resolve_p50, resolve_p90, breach_rate, reopen_rate, "
                     "ftf_rate, per_1000_units, resolved, follow_ups, nps)"};
  return it->second(k);
}

std::string Fixed(double v) {
  return absl::StrFormat(v == static_cast<int64_t>(v) ? "%.0f" : "%.2f", v);
}

int Surveys(Ctl& ctl, Args& a) {
  std::string cmd = a.positional.size() > 1 ? a.positional[1] : "";
  a.positional.erase(a.positional.begin(),
                     a.positional.begin() + std::min<size_t>(2, a.positional.size()));
  auto stub = v1::SurveyService::NewStub(ctl.channel);
  using S = v1::SurveyService::Stub;
  if (cmd == "get") {
    a.Allow({"ticket"}, a.positional.empty() ? 0 : 1);
    v1::GetSurveyRequest req;
    if (!a.positional.empty()) req.set_id(a.positional[0]);
    req.set_ticket_id(a.Get("ticket"));
    auto s = ctl.CallOn<v1::GetSurveyRequest, v1::Survey>(*stub, &S::GetSurvey, req);
    ctl.UseSite(s.site_id());
    if (ctl.json()) {
      std::cout << Json(s) << "\n";
      return 0;
    }
    PrintTable({"FIELD", "VALUE"},
               {{"id", s.id()},
                {"ticket", s.ticket_id()},
                {"status", Lower(v1::SurveyStatus_Name(s.status()), "SURVEY_STATUS_")},
                {"send at", Time(s.send_at())},
                {"sent", Time(s.sent_at())},
                {"expires", Time(s.expires_at())},
                {"answered", Time(s.answered_at())},
                {"answer",
                 s.has_answer()
                     ? absl::StrCat("overall ", s.answer().overall(), ", speed ",
                                    s.answer().speed(), ", attitude ", s.answer().attitude(),
                                    s.answer().not_fixed() ? ", NOT FIXED" : "",
                                    s.answer().comment().empty() ? "" : ": " + s.answer().comment())
                     : ""}});
    return 0;
  }
  if (cmd == "answer") {
    a.Allow({"overall", "speed", "attitude", "comment", "not-fixed", "nps"}, 1);
    v1::SubmitResponseRequest req;
    req.set_survey_id(a.positional[0]);
    auto num = [&](const char* flag) {
      int v = 0;
      if (a.Has(flag) && !absl::SimpleAtoi(a.Get(flag), &v))
        throw UsageError{std::string("--") + flag + " is a number"};
      return v;
    };
    req.mutable_answer()->set_overall(num("overall"));
    req.mutable_answer()->set_speed(num("speed"));
    req.mutable_answer()->set_attitude(num("attitude"));
    req.mutable_answer()->set_nps(num("nps"));
    req.mutable_answer()->set_comment(a.Get("comment"));
    req.mutable_answer()->set_not_fixed(a.Has("not-fixed"));
    auto s = ctl.CallOn<v1::SubmitResponseRequest, v1::Survey>(*stub, &S::SubmitResponse, req);
    std::cout << (ctl.json() ? Json(s) : s.id() + " answered") << "\n";
    return 0;
  }
  if (cmd == "followups") {
    a.Allow({"site"}, 0);
    v1::ListFollowUpsRequest req;
    req.set_site_id(ctl.Site(a));
    auto r = ctl.CallOn<v1::ListFollowUpsRequest, v1::ListFollowUpsResponse>(
        *stub, &S::ListFollowUps, req);
    if (ctl.json()) {
      std::cout << JsonItems(r.follow_ups()) << "\n";
      return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& f : r.follow_ups()) {
      rows.push_back({f.id(), f.ticket_id(), f.team(), absl::StrCat(f.answer().overall(), "/5"),
                      Time(f.due_at()), f.escalated() ? "ESCALATED" : "", f.answer().comment()});
    }
    PrintTable({"FOLLOW-UP", "TICKET", "TEAM", "SCORE", "DUE", "", "COMMENT"}, rows);
    return 0;
  }
  if (cmd == "followup-done") {
    a.Allow({"outcome"}, 1);
    v1::CompleteFollowUpRequest req;
    req.set_id(a.positional[0]);
    req.set_outcome(a.Require("outcome"));
    auto f =
        ctl.CallOn<v1::CompleteFollowUpRequest, v1::FollowUpTask>(*stub, &S::CompleteFollowUp, req);
    std::cout << (ctl.json() ? Json(f) : f.id() + " done") << "\n";
    return 0;
  }
  if (cmd == "trends") {
    a.Allow({"site", "from", "to", "period", "by", "filter", "metrics", "csv"}, 0);
    v1::GetTrendsRequest req;
    req.set_site_id(ctl.Site(a));
    *req.mutable_from() = ParseDay(a.Require("from"), "from");
    *req.mutable_to() = ParseDay(a.Require("to"), "to", /*end=*/true);
    std::string period = a.Get("period", "week");
    req.set_period(period == "day"     ? v1::PERIOD_DAY
                   : period == "month" ? v1::PERIOD_MONTH
                                       : v1::PERIOD_WEEK);
    if (period != "day" && period != "week" && period != "month")
      throw UsageError{"--period is day, week or month"};
    req.set_group_by(a.Get("by"));
    if (a.Has("filter")) {
      std::vector<std::string> kv = absl::StrSplit(a.Get("filter"), absl::MaxSplits('=', 1));
      if (kv.size() != 2) throw UsageError{"--filter is DIMENSION=VALUE, e.g. building=Tower 1"};
      req.mutable_filter()->set_name(kv[0]);
      req.mutable_filter()->set_value(kv[1]);
    }
    std::vector<std::string> metrics =
        absl::StrSplit(a.Get("metrics", "volume,responses,csat,resolve_p50,breach_rate"), ',');
    auto r = ctl.CallOn<v1::GetTrendsRequest, v1::Trends>(*stub, &S::GetTrends, req);
    if (ctl.json()) {
      std::cout << Json(r) << "\n";
      return 0;
    }
    if (a.Has("csv")) {
      std::cout << "group,start," << absl::StrJoin(metrics, ",") << "\n";
      for (const auto& s : r.series()) {
        for (const auto& p : s.points()) {
          std::cout << '"' << s.group() << "\"," << Time(p.start()).substr(0, 10);
          for (const auto& m : metrics) std::cout << "," << Fixed(Metric(p.kpis(), m));
          std::cout << "\n";
        }
      }
      return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& s : r.series()) {
      for (const auto& m : metrics) {
        std::vector<double> v;
        for (const auto& p : s.points()) v.push_back(Metric(p.kpis(), m));
        std::string last = v.empty() ? "" : Fixed(v.back());
        std::string before = v.size() < 2 ? "" : Fixed(v[v.size() - 2]);
        rows.push_back({s.group().empty() ? "(all)" : s.group(), m, Sparkline(v), before, last});
      }
    }
    PrintTable({"GROUP", "METRIC", absl::StrCat("PER ", absl::AsciiStrToUpper(period)), "PREVIOUS",
                "LAST"},
               rows);
    return 0;
  }
  if (cmd == "scorecard") {
    a.Allow({"site", "team", "member", "from", "to"}, 0);
    v1::GetScorecardRequest req;
    req.set_site_id(ctl.Site(a));
    req.set_team(a.Get("team"));
    req.set_member(a.Get("member"));
    *req.mutable_from() = ParseDay(a.Require("from"), "from");
    *req.mutable_to() = ParseDay(a.Require("to"), "to", /*end=*/true);
    auto r = ctl.CallOn<v1::GetScorecardRequest, v1::Scorecard>(*stub, &S::GetScorecard, req);
    if (ctl.json()) {
      std::cout << Json(r) << "\n";
      return 0;
    }
    // Each KPI with its unit, and which way is better: a rise in the reopen rate or in a time is
    // worse, not only up. Volume is neither.
    struct Kpi {
      const char* metric;
      const char* label;
      int better;  // +1: up is better, -1: down is better, 0: neither
    };
    static const Kpi kKpis[] = {{"volume", "volume (tickets)", 0},
                                {"resolved", "resolved (tickets)", 0},
                                {"responses", "survey answers", +1},
                                {"response_rate", "response rate (0-1)", +1},
                                {"csat", "CSAT (1-5)", +1},
                                {"speed", "speed (1-5)", +1},
                                {"attitude", "attitude (1-5)", +1},
                                {"ack_p50", "acknowledge p50 (minutes)", -1},
                                {"ack_p90", "acknowledge p90 (minutes)", -1},
                                {"resolve_p50", "resolve p50 (minutes)", -1},
                                {"resolve_p90", "resolve p90 (minutes)", -1},
                                {"breach_rate", "breach rate (0-1)", -1},
                                {"reopen_rate", "reopen rate (0-1)", -1},
                                {"ftf_rate", "first-time fix rate (0-1)", +1},
                                {"follow_ups", "low-score follow-ups", -1}};
    std::vector<std::vector<std::string>> rows;
    for (const Kpi& k : kKpis) {
      double now = Metric(r.current(), k.metric), before = Metric(r.previous(), k.metric);
      int moved = now > before ? 1 : now < before ? -1 : 0;
      std::string change = moved == 0 ? "" : moved > 0 ? "▲ up" : "▼ down";
      if (moved != 0 && k.better != 0) change += moved == k.better ? ", better" : ", worse";
      rows.push_back({k.label, Fixed(now), Fixed(before), change});
    }
    PrintTable({"KPI", "THIS PERIOD", "PREVIOUS", "CHANGE"}, rows);
    return 0;
  }
  if (cmd == "heatmap" || cmd == "repeats") {
    a.Allow({"site", "from", "to"}, 0);
    if (cmd == "repeats") {
      v1::RepeatFaultsRequest req;
      req.set_site_id(ctl.Site(a));
      auto r = ctl.CallOn<v1::RepeatFaultsRequest, v1::RepeatFaultsResponse>(*stub,
                                                                             &S::RepeatFaults, req);
      if (ctl.json()) {
        std::cout << JsonItems(r.faults()) << "\n";
        return 0;
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& f : r.faults())
        rows.push_back({f.unit(), f.category(), absl::StrJoin(f.tickets(), " ")});
      PrintTable({"UNIT", "CATEGORY", "TICKETS (90 DAYS)"}, rows);
      return 0;
    }
    v1::GetBuildingHeatmapRequest req;
    req.set_site_id(ctl.Site(a));
    *req.mutable_from() = ParseDay(a.Require("from"), "from");
    *req.mutable_to() = ParseDay(a.Require("to"), "to", /*end=*/true);
    auto r =
        ctl.CallOn<v1::GetBuildingHeatmapRequest, v1::Heatmap>(*stub, &S::GetBuildingHeatmap, req);
    if (ctl.json()) {
      std::cout << JsonItems(r.cells()) << "\n";
      return 0;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : r.cells())
      rows.push_back({c.building(), c.category(), std::to_string(c.volume()),
                      std::to_string(c.responses()), c.responses() ? Fixed(c.csat()) : "-"});
    PrintTable({"BUILDING", "CATEGORY", "VOLUME", "RESPONSES", "CSAT"}, rows);
    return 0;
  }
  if (cmd == "campaign") {
    a.Allow({"site", "building", "title"}, 0);
    v1::StartCampaignRequest req;
    req.set_site_id(ctl.Site(a));
    for (const auto& b : a.All("building")) req.add_buildings(b);
    req.set_title(a.Get("title"));
    auto c = ctl.CallOn<v1::StartCampaignRequest, v1::Campaign>(*stub, &S::StartCampaign, req);
    std::cout << (ctl.json() ? Json(c) : "campaign " + c.id() + " started") << "\n";
    return 0;
  }
  throw UsageError{
      "surveys get|answer|followups|followup-done|trends|scorecard|heatmap|repeats|campaign ... "
      "(see --help)"};
}

}  // namespace lobbyctl
