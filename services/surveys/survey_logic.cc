#include "services/surveys/survey_logic.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <random>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/common/status_macros.h"

namespace lobby::surveys {
namespace {

constexpr int64_t kMinute = 60 * 1000;

int64_t Ms(absl::Time t) { return absl::ToUnixMillis(t); }

Dims DimsOf(const queue::Entry& e) {
  return Dims{std::string(e.Get("building")), std::string(e.Get("team")),
              std::string(e.Get("assignee")), std::string(e.Get("category")),
              std::string(e.Get("channel"))};
}

Dims DimsOf(const v1::Survey& s) {
  return Dims{s.building(), s.team(), s.member(), s.category(), ChannelName(s.channel())};
}

absl::TimeZone ZoneOf(const v1::SurveySettings& s) {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(s.time_zone(), &tz)) tz = absl::UTCTimeZone();
  return tz;
}

/// The end of the resident's quiet hours when `now` falls inside them.
std::optional<absl::Time> QuietUntil(const v1::QuietHours& q, absl::Time now,
                                     const absl::TimeZone& tz) {
  int a, b;
  auto minutes = [](const std::string& hhmm, int* out) {
    int h, m;
    if (hhmm.size() != 5 || !absl::SimpleAtoi(hhmm.substr(0, 2), &h) ||
        !absl::SimpleAtoi(hhmm.substr(3), &m))
      return false;
    *out = h * 60 + m;
    return true;
  };
  if (!minutes(q.start(), &a) || !minutes(q.end(), &b) || a == b) return std::nullopt;
  absl::CivilMinute local = absl::ToCivilMinute(now, tz);
  int m = local.hour() * 60 + local.minute();
  absl::CivilDay today(local);
  bool quiet = a < b ? (m >= a && m < b) : (m >= a || m < b);
  if (!quiet) return std::nullopt;
  absl::CivilDay end_day = (a > b && m >= a) ? today + 1 : today;
  return absl::FromCivil(absl::CivilMinute(end_day) + b, tz);
}

std::string Pick(absl::string_view language, const char* en, const char* hant, const char* hans) {
  if (language == "zh-Hant") return hant;
  if (language == "zh-Hans") return hans;
  return en;
}

bool Staff(auth::Role r) {
  return r != auth::Role::kAdapter && r != auth::Role::kManager && r != auth::Role::kAdmin;
}

v1::Channel Outbound(v1::Channel c) {
  return c == v1::CHANNEL_PHONE || c == v1::CHANNEL_COUNTER || c == v1::CHANNEL_UNSPECIFIED
             ? v1::CHANNEL_SMS
             : c;
}

}  // namespace

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
                                                "nps_sample"};
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
    if (auto st = duration("delay", &v, 0, 7 * 24 * 60); !st.ok()) return st;
    s.set_delay_minutes(v);
    v = s.remind_after_minutes();
    if (auto st = duration("remind_after", &v, 0, 30 * 24 * 60); !st.ok()) return st;
    s.set_remind_after_minutes(v);
    v = s.expire_after_minutes();
    if (auto st = duration("expire_after", &v, 60, 90 * 24 * 60); !st.ok()) return st;
    s.set_expire_after_minutes(v);
    v = s.follow_up_minutes();
    if (auto st = duration("follow_up_within", &v, 10, 30 * 24 * 60); !st.ok()) return st;
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
  auto s = store_.GetSettings(site);
  if (!s.ok()) return s.status();
  v1::SurveySettings out;
  if (s->has_value()) {
    out = **std::move(s);
  } else {
    auto d = ParseSettings(absl::StrCat("surveys: {site: \"", site, "\"}"));
    if (!d.ok()) return d.status();
    out = *std::move(d);
  }
  std::lock_guard lock(settings_mu_);
  settings_[std::string(site)] = {out, now};
  return out;
}

absl::StatusOr<v1::SurveySettings> SurveyLogic::ApplySettings(
    const v1::ApplySurveySettingsRequest& req) {
  auto s = ParseSettings(req.yaml());
  if (!s.ok()) return s.status();
  if (!req.dry_run()) {
    LOBBY_RETURN_IF_ERROR(store_.PutSettings(*s));
    std::lock_guard lock(settings_mu_);
    settings_.erase(s->site_id());
  }
  return *s;
}

absl::StatusOr<v1::SurveySettings> SurveyLogic::GetSettings(absl::string_view site) {
  LOBBY_RETURN_IF_ERROR(ValidateSiteId(site));
  return Settings(site);
}

// ------------------------------------------------------------------ ticket events

absl::Status SurveyLogic::HandleEvent(const queue::Entry& e) {
  std::string site(e.Get("site_id")), ticket(e.Get("ticket_id"));
  if (site.empty() || ticket.empty()) return absl::OkStatus();
  auto settings = Settings(site);
  if (!settings.ok()) return settings.status();
  LOBBY_RETURN_IF_ERROR(CountTicketEvent(e, *settings));
  absl::string_view type = e.Get("type");
  if (type == "ticket.resolved") return ScheduleSurvey(e, *settings);
  if (type == "ticket.reopened" || type == "ticket.cancelled") return CancelSurvey(e);
  return absl::OkStatus();
}

absl::Status SurveyLogic::CountTicketEvent(const queue::Entry& e,
                                           const v1::SurveySettings& settings) {
  absl::string_view type = e.Get("type");
  std::string site(e.Get("site_id")), ticket(e.Get("ticket_id"));
  int64_t at = 0;
  (void)absl::SimpleAtoi(e.Get("at"), &at);
  std::map<std::string, std::string> facts;
  if (type != "ticket.created") {
    auto f = store_.TicketFacts(site, ticket);
    if (!f.ok()) return f.status();
    facts = *std::move(f);
  }
  auto fact = [&](const std::string& k) -> int64_t {
    int64_t v = 0;
    auto it = facts.find(k);
    if (it != facts.end()) (void)absl::SimpleAtoi(it->second, &v);
    return v;
  };
  int64_t created = fact("created");
  double since_created = created > 0 ? static_cast<double>(at - created) / 1000.0 : -1;
  Metrics metrics;
  std::vector<std::pair<std::string, std::string>> set;
  // Volume is counted when a ticket is reported, before it has a team: the first assignment then
  // moves it, in the period it was reported, from "no team" to its team and member.
  std::vector<Increment> moved;
  if ((type == "ticket.assigned" || type == "ticket.acknowledged") && !e.Get("team").empty() &&
      !fact("team_counted") && created > 0) {
    Dims before = DimsOf(e);
    before.team.clear();
    before.member.clear();
    moved = ExpandTeamRollups(before, absl::FromUnixMillis(created), ZoneOf(settings),
                              {{"volume", -1}});
    std::vector<Increment> to = ExpandTeamRollups(DimsOf(e), absl::FromUnixMillis(created),
                                                  ZoneOf(settings), {{"volume", 1}});
    moved.insert(moved.end(), to.begin(), to.end());
    set.push_back({"team_counted", "1"});
  }
  if (type == "ticket.created") {
    metrics.push_back({"volume", 1});
    set.push_back({"created", std::to_string(at)});
    if (!e.Get("team").empty()) set.push_back({"team_counted", "1"});
    if (!e.Get("unit").empty()) {
      std::string key = absl::StrCat(e.Get("unit"), "|", e.Get("category"));
      LOBBY_RETURN_IF_ERROR(store_.NoteUnitFault(site, key, ticket, at));
    }
  } else if (type == "ticket.acknowledged" && !fact("acked") && since_created >= 0) {
    metrics.push_back({HistogramMetric("ack", since_created), 1});
    set.push_back({"acked", std::to_string(at)});
  } else if (type == "ticket.on_site") {
    set.push_back({"visits", std::to_string(fact("visits") + 1)});
    if (!fact("arrived") && since_created >= 0) {
      metrics.push_back({HistogramMetric("arrive", since_created), 1});
      set.push_back({"arrived", std::to_string(at)});
    }
  } else if (type == "ticket.resolved") {
    metrics.push_back({"resolved", 1});
    if (!fact("resolved_once")) {
      set.push_back({"resolved_once", "1"});
      metrics.push_back({"resolved_first", 1});
      if (since_created >= 0) metrics.push_back({HistogramMetric("resolve", since_created), 1});
      if (fact("visits") <= 1 && !fact("reopened")) {
        metrics.push_back({"ftf", 1});
        set.push_back({"ftf", "1"});
      }
    }
  } else if (type == "ticket.reopened") {
    metrics.push_back({"reopened", 1});
    set.push_back({"reopened", "1"});
    if (fact("ftf")) {  // not fixed the first time after all
      metrics.push_back({"ftf", -1});
      set.push_back({"ftf", "0"});
    }
  } else if (type == "ticket.sla_set" && !fact("clocked")) {
    metrics.push_back({"clocked", 1});
    set.push_back({"clocked", "1"});
  } else if (type == "ticket.sla_breached" && !fact("breached")) {
    metrics.push_back({"breached", 1});
    set.push_back({"breached", "1"});
  }
  if (metrics.empty() && set.empty()) return absl::OkStatus();
  std::vector<Increment> counts =
      Expand(DimsOf(e), absl::FromUnixMillis(at), ZoneOf(settings), metrics);
  counts.insert(counts.end(), moved.begin(), moved.end());
  auto counted = store_.CountEvent(site, e.id, ticket, set, counts);
  return counted.status();
}

absl::Status SurveyLogic::ScheduleSurvey(const queue::Entry& e,
                                         const v1::SurveySettings& settings) {
  std::string site(e.Get("site_id")), ticket(e.Get("ticket_id"));
  if (e.Get("resident_id").empty()) return absl::OkStatus();  // a guest: nobody to ask
  std::string id = "SV-" + ticket;
  auto cur = store_.GetSurvey(site, id);
  if (!cur.ok()) return cur.status();
  int64_t at = 0;
  (void)absl::SimpleAtoi(e.Get("at"), &at);
  absl::Time send = absl::FromUnixMillis(at) + absl::Minutes(settings.delay_minutes());
  v1::Survey s;
  if (cur->has_value()) {
    if ((*cur)->status() != v1::SURVEY_STATUS_CANCELLED)
      return absl::OkStatus();  // one survey per ticket
    s = **cur;
  } else {
    s.set_id(id);
    s.set_kind("ticket");
    s.set_site_id(site);
    s.set_ticket_id(ticket);
    s.set_resident_id(std::string(e.Get("resident_id")));
    v1::Channel c = v1::CHANNEL_SMS;
    (void)v1::Channel_Parse("CHANNEL_" + absl::AsciiStrToUpper(e.Get("channel")), &c);
    s.set_channel(c);
    s.set_anonymous(e.Get("anonymous") == "1");
    s.set_building(std::string(e.Get("building")));
    s.set_team(std::string(e.Get("team")));
    s.set_member(std::string(e.Get("assignee")));
    s.set_category(std::string(e.Get("category")));
  }
  s.set_status(v1::SURVEY_STATUS_SCHEDULED);
  *s.mutable_send_at() = ToTimestamp(send);
  s.set_version(s.version() + 1);
  SurveyStore::Change c{.site = site, .survey = s, .due = {{"s:" + id, Ms(send)}}};
  c.event = {{"v", "1"},
             {"type", "survey.scheduled"},
             {"survey_id", id},
             {"ticket_id", ticket},
             {"site_id", site}};
  absl::Status st = store_.Apply(c);
  return absl::IsAborted(st) ? absl::UnavailableError("survey changed meanwhile; try again") : st;
}

absl::Status SurveyLogic::CancelSurvey(const queue::Entry& e) {
  std::string site(e.Get("site_id")), id = absl::StrCat("SV-", e.Get("ticket_id"));
  auto cur = store_.GetSurvey(site, id);
  if (!cur.ok()) return cur.status();
  if (!cur->has_value() || (*cur)->status() != v1::SURVEY_STATUS_SCHEDULED) return absl::OkStatus();
  v1::Survey s = **cur;
  s.set_status(v1::SURVEY_STATUS_CANCELLED);
  s.set_version(s.version() + 1);
  SurveyStore::Change c{.site = site, .survey = s, .undue = {"s:" + id}};
  absl::Status st = store_.Apply(c);
  return absl::IsAborted(st) ? absl::UnavailableError("survey changed meanwhile; try again") : st;
}

// ------------------------------------------------------------------ timers

absl::StatusOr<int> SurveyLogic::Tick() {
  auto sites = store_.Sites();
  if (!sites.ok()) return sites.status();
  int n = 0;
  for (const auto& site : *sites) {
    auto settings = Settings(site);
    if (!settings.ok()) return settings.status();
    auto due = store_.ClaimDue(site, Ms(clock_.Now()), 60 * 1000, 200);
    if (!due.ok()) return due.status();
    for (const auto& member : *due) {
      ++n;
      if (absl::Status s = Due(site, member, *settings); !s.ok()) {
        log::Get("surveys")->warn("event=due_failed site={} item={} error=\"{}\"", site, member,
                                  s.message());  // again in a minute
      }
    }
  }
  return n;
}

absl::Status SurveyLogic::Due(const std::string& site, const std::string& member,
                              const v1::SurveySettings& settings) {
  size_t colon = member.find(':');
  std::string kind = member.substr(0, colon), id = member.substr(colon + 1);
  absl::Time now = clock_.Now();
  if (kind == "campaign") return RunCampaign(site, id, settings);
  if (kind == "fu") {
    auto f = store_.GetFollowUp(site, id);
    if (!f.ok()) return f.status();
    SurveyStore::Change c{.site = site, .undue = {member}};
    if (f->has_value() && (*f)->status() == v1::FOLLOW_UP_STATUS_OPEN && !(*f)->escalated()) {
      v1::FollowUpTask t = **f;
      t.set_escalated(true);
      t.set_version(t.version() + 1);
      c.follow_up = t;
      c.event = {{"v", "1"},
                 {"type", "follow_up.overdue"},
                 {"follow_up_id", id},
                 {"ticket_id", t.ticket_id()},
                 {"site_id", site},
                 {"team", t.team()},
                 {"notify", settings.follow_up_escalate_to()}};
    }
    return store_.Apply(c);
  }
  auto cur = store_.GetSurvey(site, id);
  if (!cur.ok()) return cur.status();
  if (!cur->has_value()) return store_.Apply({.site = site, .undue = {member}});
  v1::Survey s = **cur;
  if (kind == "reopen") {
    absl::Status r =
        tickets_.Reopen(s.ticket_id(), "survey: the resident says the problem is not fixed");
    if (!r.ok() && !absl::IsFailedPrecondition(r) && !absl::IsNotFound(r))
      return r;  // try again in a minute
    if (!r.ok())
      log::Get("surveys")->info("event=reopen_refused ticket={} reason=\"{}\"", s.ticket_id(),
                                r.message());
    return store_.Apply({.site = site, .undue = {member}});
  }
  switch (s.status()) {
    case v1::SURVEY_STATUS_SCHEDULED:
      // Not yet (a claim that came round early, after a crash): back to its time.
      if (now < FromTimestamp(s.send_at()))
        return store_.Apply({.site = site, .due = {{member, Ms(FromTimestamp(s.send_at()))}}});
      return SendOrRemind(std::move(s), settings);
    case v1::SURVEY_STATUS_SENT: {
      absl::Time expires = FromTimestamp(s.expires_at());
      if (now >= expires) break;
      absl::Time remind =
          FromTimestamp(s.sent_at()) + absl::Minutes(settings.remind_after_minutes());
      if (settings.remind_after_minutes() == 0 || remind >= expires)
        return store_.Apply({.site = site, .due = {{member, Ms(expires)}}});
      if (now < remind) return store_.Apply({.site = site, .due = {{member, Ms(remind)}}});
      return SendOrRemind(std::move(s), settings);
    }
    case v1::SURVEY_STATUS_REMINDED:
      break;
    default:
      return store_.Apply({.site = site, .undue = {member}});
  }
  if (now < FromTimestamp(s.expires_at()))
    return store_.Apply({.site = site, .due = {{member, Ms(FromTimestamp(s.expires_at()))}}});
  s.set_status(v1::SURVEY_STATUS_EXPIRED);
  s.set_version(s.version() + 1);
  SurveyStore::Change c{.site = site, .survey = s, .undue = {member}};
  c.event = {{"v", "1"},
             {"type", "survey.expired"},
             {"survey_id", s.id()},
             {"ticket_id", s.ticket_id()},
             {"site_id", site}};
  return store_.Apply(c);
}

absl::Status SurveyLogic::SendOrRemind(v1::Survey s, const v1::SurveySettings& settings) {
  absl::Time now = clock_.Now();
  std::string member = "s:" + s.id();
  auto resident = residents_.Get(s.resident_id());
  if (absl::IsNotFound(resident.status())) {
    s.set_status(v1::SURVEY_STATUS_CANCELLED);
    s.set_version(s.version() + 1);
    return store_.Apply({.site = s.site_id(), .survey = s, .undue = {member}});
  }
  if (!resident.ok()) return resident.status();
  // Never during the resident's quiet hours: at their end instead.
  if (auto until = QuietUntil(resident->quiet_hours(), now, ZoneOf(settings))) {
    return store_.Apply({.site = s.site_id(), .due = {{member, Ms(*until)}}});
  }
  v1::Channel channel = Outbound(s.channel());
  auto opted_out = [&](v1::Channel c) {
    return std::find(resident->opted_out_channels().begin(), resident->opted_out_channels().end(),
                     c) != resident->opted_out_channels().end();
  };
  if (opted_out(channel)) channel = Outbound(resident->preferred_channel());
  bool first = s.status() == v1::SURVEY_STATUS_SCHEDULED;
  if (opted_out(channel)) {  // asked not to be messaged there: no survey
    s.set_status(v1::SURVEY_STATUS_CANCELLED);
    s.set_version(s.version() + 1);
    return store_.Apply({.site = s.site_id(), .survey = s, .undue = {member}});
  }
  std::string lang = resident->language().empty() ? "en" : resident->language();
  s.set_language(lang);
  s.clear_questions();
  for (auto& q : Questions(s.kind(), lang)) *s.add_questions() = std::move(q);
  SurveyStore::Change c{.site = s.site_id()};
  if (first) {
    s.set_status(v1::SURVEY_STATUS_SENT);
    *s.mutable_sent_at() = ToTimestamp(now);
    *s.mutable_expires_at() = ToTimestamp(now + absl::Minutes(settings.expire_after_minutes()));
    absl::Time remind = now + absl::Minutes(settings.remind_after_minutes());
    bool reminds = settings.remind_after_minutes() > 0 && remind < FromTimestamp(s.expires_at());
    c.due = {{member, Ms(reminds ? remind : FromTimestamp(s.expires_at()))}};
    c.counts =
        Expand(DimsOf(s), now, ZoneOf(settings), {{s.kind() == "nps" ? "nps_sent" : "sent", 1}});
  } else {
    s.set_status(v1::SURVEY_STATUS_REMINDED);
    *s.mutable_reminded_at() = ToTimestamp(now);
    c.due = {{member, Ms(FromTimestamp(s.expires_at()))}};
  }
  s.set_version(s.version() + 1);
  c.survey = s;
  std::string intro =
      s.kind() == "nps"
          ? Pick(lang, "Lobby: a quick question about our estate management.",
                 "Lobby：想請您回答一條關於物業管理的問題。",
                 "Lobby：想请您回答一个关于物业管理的问题。")
          : absl::StrCat(first ? "" : Pick(lang, "Reminder - ", "提提您：", "提醒您："),
                         Pick(lang, "Lobby: your request ", "Lobby：您的報修／投訴 ",
                              "Lobby：您的报修／投诉 "),
                         s.ticket_id(),
                         Pick(lang, " has been resolved. How did we do?",
                              " 已處理完成，請為我們評分。", " 已处理完成，请为我们评分。"));
  std::vector<std::string> ids;
  queue::Fields msg = {{"v", "1"},
                       {"kind", first ? "survey" : "survey_reminder"},
                       {"resident_id", s.resident_id()},
                       {"survey_id", s.id()},
                       {"ticket_id", s.ticket_id()},
                       {"site_id", s.site_id()},
                       {"language", lang},
                       {"text", intro},
                       {"idempotency_key", absl::StrCat(first ? "survey:" : "remind:", s.id())}};
  for (const auto& q : s.questions()) {
    ids.push_back(absl::StrCat(q.id(), ":", q.kind()));
    msg.emplace_back("question." + q.id(), q.text());
  }
  msg.emplace_back("questions", absl::StrJoin(ids, ","));
  c.event = {{"v", "1"},
             {"type", first ? "survey.sent" : "survey.reminded"},
             {"survey_id", s.id()},
             {"ticket_id", s.ticket_id()},
             {"site_id", s.site_id()}};
  // The message to the resident goes out with the change, in the same script.
  c.messages.push_back({queue::OutboundStream(ChannelName(channel)), std::move(msg)});
  return store_.Apply(c);
}

// ------------------------------------------------------------------ answers

absl::StatusOr<v1::Survey> SurveyLogic::GetSurvey(const v1::GetSurveyRequest& req,
                                                  const auth::Principal& viewer) {
  std::string id =
      req.id().empty() ? (req.ticket_id().empty() ? "" : "SV-" + req.ticket_id()) : req.id();
  if (id.empty()) return absl::InvalidArgumentError("id or ticket_id is required");
  auto site = store_.SiteOf(id);
  if (!site.ok()) return site.status();
  auto s = store_.GetSurvey(*site, id);
  if (!s.ok()) return s.status();
  if (!s->has_value()) return absl::NotFoundError(absl::StrCat("no survey '", id, "'"));
  v1::Survey out = **s;
  if (out.anonymous() && Staff(viewer.role)) out.clear_resident_id();  // an anonymous complaint
  return out;
}

absl::StatusOr<v1::Survey> SurveyLogic::SubmitResponse(const v1::SubmitResponseRequest& req,
                                                       const auth::Principal& actor) {
  const v1::SurveyAnswer& a = req.answer();
  if (a.comment().size() > 1000)
    return absl::InvalidArgumentError("the comment is up to 1000 bytes");
  auto site = store_.SiteOf(req.survey_id());
  if (!site.ok()) return site.status();
  auto settings = Settings(*site);
  if (!settings.ok()) return settings.status();
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto cur = store_.GetSurvey(*site, req.survey_id());
    if (!cur.ok()) return cur.status();
    if (!cur->has_value())
      return absl::NotFoundError(absl::StrCat("no survey '", req.survey_id(), "'"));
    v1::Survey s = **cur;
    bool nps = s.kind() == "nps";
    if (nps ? (a.nps() < 0 || a.nps() > 10)
            : (a.overall() < 1 || a.overall() > 5 || a.speed() < 0 || a.speed() > 5 ||
               a.attitude() < 0 || a.attitude() > 5)) {
      return absl::InvalidArgumentError(
          nps ? "nps is 0 to 10" : "overall is 1 to 5; speed and attitude 1 to 5 when given");
    }
    if (s.status() == v1::SURVEY_STATUS_ANSWERED) {
      if (s.answer().SerializeAsString() ==
          a.SerializeAsString()) {  // the same answer again: nothing changes
        if (s.anonymous() && Staff(actor.role)) s.clear_resident_id();
        return s;
      }
      return absl::FailedPreconditionError(absl::StrCat(s.id(), " was answered already"));
    }
    if (s.status() == v1::SURVEY_STATUS_EXPIRED || s.status() == v1::SURVEY_STATUS_CANCELLED) {
      return absl::FailedPreconditionError(
          absl::StrCat(s.id(), " is closed (",
                       absl::AsciiStrToLower(v1::SurveyStatus_Name(s.status()).substr(14)), ")"));
    }
    absl::Time now = clock_.Now();
    s.set_status(v1::SURVEY_STATUS_ANSWERED);
    *s.mutable_answered_at() = ToTimestamp(now);
    *s.mutable_answer() = a;
    s.set_version(s.version() + 1);
    SurveyStore::Change c{.site = *site, .survey = s, .undue = {"s:" + s.id()}};
    Metrics m;
    if (nps) {
      m = {{"nps_n", 1}};
      if (a.nps() >= 9) m.push_back({"nps_promoters", 1});
      if (a.nps() <= 6) m.push_back({"nps_detractors", 1});
    } else {
      m = {{"responses", 1},
           {"overall_sum", a.overall()},
           {"speed_sum", a.speed()},
           {"attitude_sum", a.attitude()},
           {absl::StrCat("overall_", a.overall()), 1}};
    }
    bool low = !nps && a.overall() <= settings->low_score();
    if (low || a.not_fixed()) {  // someone calls back
      v1::FollowUpTask f;
      f.set_id("FU-" + (s.ticket_id().empty() ? s.id() : s.ticket_id()));
      f.set_site_id(*site);
      f.set_survey_id(s.id());
      f.set_ticket_id(s.ticket_id());
      f.set_team(s.team());
      *f.mutable_answer() = a;
      f.set_status(v1::FOLLOW_UP_STATUS_OPEN);
      *f.mutable_created_at() = ToTimestamp(now);
      *f.mutable_due_at() = ToTimestamp(now + absl::Minutes(settings->follow_up_minutes()));
      f.set_version(1);
      c.follow_up = f;
      c.due.push_back({"fu:" + f.id(), Ms(FromTimestamp(f.due_at()))});
      m.push_back({"follow_ups", 1});
    }
    // The reopening goes through the ticket's service from the timer loop, so that this call
    // never waits on another service; it is due at once and survives a restart.
    if (a.not_fixed() && !s.ticket_id().empty()) c.due.push_back({"reopen:" + s.id(), Ms(now)});
    c.counts = Expand(DimsOf(s), now, ZoneOf(*settings), m);
    c.event = {{"v", "1"},
               {"type", "survey.answered"},
               {"survey_id", s.id()},
               {"ticket_id", s.ticket_id()},
               {"site_id", *site},
               {"overall", std::to_string(a.overall())},
               {"low", low ? "1" : "0"},
               {"not_fixed", a.not_fixed() ? "1" : "0"}};
    absl::Status st = store_.Apply(c);
    if (absl::IsAborted(st)) continue;  // changed meanwhile (a reminder went out): again
    if (!st.ok()) return st;
    if (s.anonymous() && Staff(actor.role)) s.clear_resident_id();
    return s;
  }
  return absl::AbortedError("the survey kept changing; try again");
}

absl::StatusOr<v1::ListFollowUpsResponse> SurveyLogic::ListFollowUps(
    const v1::ListFollowUpsRequest& req) {
  LOBBY_RETURN_IF_ERROR(ValidateSiteId(req.site_id()));
  auto open = store_.OpenFollowUps(req.site_id());
  if (!open.ok()) return open.status();
  v1::ListFollowUpsResponse out;
  for (auto& f : *open) *out.add_follow_ups() = std::move(f);
  return out;
}

absl::StatusOr<v1::FollowUpTask> SurveyLogic::CompleteFollowUp(
    const v1::CompleteFollowUpRequest& req, const auth::Principal& actor) {
  if (req.outcome().empty() || req.outcome().size() > 2000)
    return absl::InvalidArgumentError("an outcome is required (up to 2000 bytes)");
  auto site = store_.SiteOf(req.id());
  if (!site.ok()) return site.status();
  auto cur = store_.GetFollowUp(*site, req.id());
  if (!cur.ok()) return cur.status();
  if (!cur->has_value()) return absl::NotFoundError(absl::StrCat("no follow-up '", req.id(), "'"));
  v1::FollowUpTask f = **cur;
  if (f.status() == v1::FOLLOW_UP_STATUS_DONE)
    return absl::FailedPreconditionError(absl::StrCat(f.id(), " is done already"));
  f.set_status(v1::FOLLOW_UP_STATUS_DONE);
  f.set_outcome(req.outcome());
  f.set_done_by(actor.name);
  *f.mutable_done_at() = ToTimestamp(clock_.Now());
  f.set_version(f.version() + 1);
  SurveyStore::Change c{.site = *site, .follow_up = f, .undue = {"fu:" + f.id()}};
  c.event = {{"v", "1"},
             {"type", "follow_up.done"},
             {"follow_up_id", f.id()},
             {"ticket_id", f.ticket_id()},
             {"site_id", *site},
             {"note", f.outcome()}};
  LOBBY_RETURN_IF_ERROR(store_.Apply(c));
  return f;
}

// ------------------------------------------------------------------ campaigns

absl::StatusOr<v1::Campaign> SurveyLogic::StartCampaign(const v1::StartCampaignRequest& req) {
  auto settings = GetSettings(req.site_id());
  if (!settings.ok()) return settings.status();
  std::vector<std::string> buildings(req.buildings().begin(), req.buildings().end());
  if (buildings.empty()) {
    for (const auto& [b, n] : settings->units()) buildings.push_back(b);
  }
  if (buildings.empty())
    return absl::FailedPreconditionError(
        "name the buildings, or list them under units in the survey settings");
  absl::Time now = clock_.Now();
  v1::Campaign c;
  c.set_id(absl::StrCat("NPS", absl::FormatTime("%Y%m%d%H%M%S", now, absl::UTCTimeZone())));
  c.set_site_id(req.site_id());
  c.set_title(req.title());
  *c.mutable_started_at() = ToTimestamp(now);
  // Sampling reads the residents service: the timer loop does it, at once.
  v1::Survey record;  // the campaign rides in a survey record with kind "campaign"
  record.set_id(c.id());
  record.set_kind("campaign");
  record.set_site_id(req.site_id());
  record.set_campaign_id(absl::StrJoin(buildings, "\x1f"));
  record.set_status(v1::SURVEY_STATUS_SCHEDULED);
  record.set_version(1);
  SurveyStore::Change ch{
      .site = req.site_id(), .survey = record, .due = {{"campaign:" + c.id(), Ms(now)}}};
  LOBBY_RETURN_IF_ERROR(store_.Apply(ch));
  return c;
}

absl::Status SurveyLogic::RunCampaign(const std::string& site, const std::string& id,
                                      const v1::SurveySettings& settings) {
  auto rec = store_.GetSurvey(site, id);
  if (!rec.ok()) return rec.status();
  if (!rec->has_value() || (*rec)->status() != v1::SURVEY_STATUS_SCHEDULED) {
    return store_.Apply({.site = site, .undue = {"campaign:" + id}});
  }
  absl::Time now = clock_.Now();
  // At most once a quarter per resident.
  int64_t since = Ms(now - absl::Hours(24 * 91));
  std::mt19937 rng(static_cast<uint32_t>(Ms(now)));
  int asked = 0;
  for (absl::string_view b : absl::StrSplit((*rec)->campaign_id(), '\x1f')) {
    auto residents = residents_.InBuilding(site, b);
    if (!residents.ok()) return residents.status();
    std::shuffle(residents->begin(), residents->end(), rng);
    std::vector<std::string> ids;
    for (const auto& r : *residents) ids.push_back(r.id());
    // Mark more than needed only as they are taken: walk the shuffled list in slices.
    std::vector<std::string> chosen;
    for (size_t i = 0; i < ids.size() && static_cast<int>(chosen.size()) < settings.nps_sample();
         i += 50) {
      std::vector<std::string> slice(ids.begin() + i, ids.begin() + std::min(ids.size(), i + 50));
      slice.resize(std::min<size_t>(slice.size(), settings.nps_sample() - chosen.size()));
      auto fresh = store_.MarkAsked(site, slice, since, Ms(now));
      if (!fresh.ok()) return fresh.status();
      chosen.insert(chosen.end(), fresh->begin(), fresh->end());
    }
    for (const auto& rid : chosen) {
      const v1::Resident* r = nullptr;
      for (const auto& x : *residents) {
        if (x.id() == rid) r = &x;
      }
      v1::Survey s;
      s.set_id(absl::StrCat("NPS-", id, "-", rid));
      s.set_kind("nps");
      s.set_site_id(site);
      s.set_resident_id(rid);
      s.set_channel(r != nullptr ? r->preferred_channel() : v1::CHANNEL_SMS);
      s.set_building(std::string(b));
      s.set_campaign_id(id);
      s.set_status(v1::SURVEY_STATUS_SCHEDULED);
      *s.mutable_send_at() = ToTimestamp(now);
      s.set_version(1);
      absl::Status st =
          store_.Apply({.site = site, .survey = s, .due = {{"s:" + s.id(), Ms(now)}}});
      if (!st.ok() && !absl::IsAborted(st)) return st;  // aborted: made on an earlier try
      ++asked;
    }
  }
  v1::Survey done = **rec;
  done.set_status(v1::SURVEY_STATUS_SENT);
  *done.mutable_sent_at() = ToTimestamp(now);
  done.set_version(done.version() + 1);
  log::Get("surveys")->info("event=campaign_started site={} campaign={} asked={}", site, id, asked);
  return store_.Apply({.site = site, .survey = done, .undue = {"campaign:" + id}});
}

// ------------------------------------------------------------------ trends

absl::StatusOr<std::vector<std::pair<absl::Time, std::map<std::string, Totals>>>> SurveyLogic::Read(
    const std::string& site, const absl::TimeZone& tz, v1::Period period, absl::Time from,
    absl::Time to, const std::string& filter_dim, const std::string& filter_value,
    const std::string& group_by) {
  auto q = Plan(filter_dim, filter_value, group_by);
  if (!q.ok()) return q.status();
  if (to <= from) return absl::InvalidArgumentError("the range is empty: from must be before to");
  std::vector<absl::Time> starts;
  std::vector<std::string> keys;
  for (absl::Time t = PeriodStart(period, from, tz); t < to; t = NextPeriod(period, t, tz)) {
    if (starts.size() >= 400)
      return absl::InvalidArgumentError("at most 400 periods: use weeks or months for long ranges");
    starts.push_back(t);
    keys.push_back(absl::StrCat(PeriodKey(period, t, tz), ":", q->rollup));
  }
  auto hashes = store_.ReadCounters(site, keys);
  if (!hashes.ok()) return hashes.status();
  std::vector<std::pair<absl::Time, std::map<std::string, Totals>>> out;
  for (size_t i = 0; i < starts.size(); ++i) {
    std::map<std::string, Totals> groups;
    Accumulate(*q, (*hashes)[i], groups);
    out.emplace_back(starts[i], std::move(groups));
  }
  return out;
}

namespace {

int64_t Units(const v1::SurveySettings& s, const std::string& building) {
  if (!building.empty()) {
    auto it = s.units().find(building);
    return it == s.units().end() ? 0 : it->second;
  }
  int64_t n = 0;
  for (const auto& [b, u] : s.units()) n += u;
  return n;
}

absl::Status CheckRange(const google::protobuf::Timestamp& from,
                        const google::protobuf::Timestamp& to) {
  if (!from.seconds() || !to.seconds())
    return absl::InvalidArgumentError("from and to are required");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Trends> SurveyLogic::GetTrends(const v1::GetTrendsRequest& req) {
  LOBBY_RETURN_IF_ERROR(CheckRange(req.from(), req.to()));
  auto settings = GetSettings(req.site_id());
  if (!settings.ok()) return settings.status();
  v1::Period period = req.period() == v1::PERIOD_UNSPECIFIED ? v1::PERIOD_DAY : req.period();
  auto rows =
      Read(req.site_id(), ZoneOf(*settings), period, FromTimestamp(req.from()),
           FromTimestamp(req.to()), req.filter().name(), req.filter().value(), req.group_by());
  if (!rows.ok()) return rows.status();
  std::set<std::string> groups;
  for (const auto& [t, g] : *rows) {
    for (const auto& [name, totals] : g) groups.insert(name);
  }
  if (req.group_by().empty()) groups = {""};
  v1::Trends out;
  for (const auto& group : groups) {
    v1::Series* series = out.add_series();
    series->set_group(group);
    std::string building = req.group_by() == "building"        ? group
                           : req.filter().name() == "building" ? req.filter().value()
                                                               : "";
    for (const auto& [t, g] : *rows) {
      v1::Point* p = series->add_points();
      *p->mutable_start() = ToTimestamp(t);
      auto it = g.find(group);
      *p->mutable_kpis() =
          ComputeKpis(it == g.end() ? Totals{} : it->second, Units(*settings, building));
    }
  }
  return out;
}

absl::StatusOr<v1::Scorecard> SurveyLogic::GetScorecard(const v1::GetScorecardRequest& req) {
  if (req.team().empty() == req.member().empty())
    return absl::InvalidArgumentError("one of team and member");
  LOBBY_RETURN_IF_ERROR(CheckRange(req.from(), req.to()));
  auto settings = GetSettings(req.site_id());
  if (!settings.ok()) return settings.status();
  absl::Time from = FromTimestamp(req.from()), to = FromTimestamp(req.to());
  absl::Time prev = from - (to - from);
  std::string dim = req.team().empty() ? "member" : "team",
              value = req.team().empty() ? req.member() : req.team();
  v1::Scorecard out;
  for (auto [a, b, kpis] : {std::tuple{from, to, out.mutable_current()},
                            std::tuple{prev, from, out.mutable_previous()}}) {
    auto rows = Read(req.site_id(), ZoneOf(*settings), v1::PERIOD_DAY, a, b, dim, value, "");
    if (!rows.ok()) return rows.status();
    Totals sum;
    for (const auto& [t, g] : *rows) {
      auto it = g.find("");
      if (it == g.end()) continue;
      for (const auto& [k, v] : it->second) sum[k] += v;
    }
    *kpis = ComputeKpis(sum, 0);
  }
  *out.mutable_previous_from() = ToTimestamp(prev);
  return out;
}

absl::StatusOr<v1::Heatmap> SurveyLogic::GetBuildingHeatmap(
    const v1::GetBuildingHeatmapRequest& req) {
  LOBBY_RETURN_IF_ERROR(CheckRange(req.from(), req.to()));
  auto settings = GetSettings(req.site_id());
  if (!settings.ok()) return settings.status();
  // One read of the building x category rollup per day.
  absl::TimeZone tz = ZoneOf(*settings);
  std::vector<std::string> keys;
  for (absl::Time t = PeriodStart(v1::PERIOD_DAY, FromTimestamp(req.from()), tz);
       t < FromTimestamp(req.to()); t = NextPeriod(v1::PERIOD_DAY, t, tz)) {
    if (keys.size() >= 400) return absl::InvalidArgumentError("at most 400 days");
    keys.push_back(absl::StrCat(PeriodKey(v1::PERIOD_DAY, t, tz), ":b.c"));
  }
  auto hashes = store_.ReadCounters(req.site_id(), keys);
  if (!hashes.ok()) return hashes.status();
  std::map<std::string, Totals> cells;  // "building\x1fcategory"
  for (const auto& h : *hashes) {
    for (const auto& [field, value] : h) {
      size_t bar = field.rfind('|');
      int64_t n = 0;
      if (bar == std::string::npos || !absl::SimpleAtoi(value, &n)) continue;
      cells[field.substr(0, bar)][field.substr(bar + 1)] += n;
    }
  }
  v1::Heatmap out;
  for (const auto& [key, totals] : cells) {
    size_t sep = key.find('\x1f');
    v1::Kpis k = ComputeKpis(totals, 0);
    v1::HeatmapCell* c = out.add_cells();
    c->set_building(key.substr(0, sep));
    c->set_category(sep == std::string::npos ? "" : key.substr(sep + 1));
    c->set_volume(k.volume());
    c->set_csat(k.csat());
    c->set_responses(k.responses());
  }
  return out;
}

absl::StatusOr<v1::RepeatFaultsResponse> SurveyLogic::RepeatFaults(
    const v1::RepeatFaultsRequest& req) {
  LOBBY_RETURN_IF_ERROR(ValidateSiteId(req.site_id()));
  auto faults = store_.RepeatFaults(req.site_id(), Ms(clock_.Now() - absl::Hours(24 * 90)));
  if (!faults.ok()) return faults.status();
  v1::RepeatFaultsResponse out;
  for (const auto& [key, tickets] : *faults) {
    size_t bar = key.rfind('|');
    v1::RepeatFault* f = out.add_faults();
    f->set_unit(key.substr(0, bar));
    f->set_category(key.substr(bar + 1));
    for (const auto& t : tickets) f->add_tickets(t);
  }
  return out;
}

}  // namespace lobby::surveys
