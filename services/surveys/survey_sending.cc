// SurveyLogic: ticket events start surveys; the timers send, remind and expire them.
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
#include "services/surveys/survey_logic.h"
#include "services/surveys/survey_logic_parts.h"

namespace lobby::surveys {

using namespace detail;  // NOLINT: the parts of one class

// ------------------------------------------------------------------ ticket events

absl::Status SurveyLogic::HandleEvent(const queue::Entry& e) {
  std::string site(e.Get("site_id")), ticket(e.Get("ticket_id"));
  if (site.empty() || ticket.empty()) return absl::OkStatus();
  LOBBY_ASSIGN_OR_RETURN(auto settings, Settings(site));
  LOBBY_RETURN_IF_ERROR(CountTicketEvent(e, settings));
  absl::string_view type = e.Get("type");
  if (type == "ticket.resolved") return ScheduleSurvey(e, settings);
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
    LOBBY_ASSIGN_OR_RETURN(auto f, store_.TicketFacts(site, ticket));
    facts = std::move(f);
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
  LOBBY_ASSIGN_OR_RETURN(auto cur, store_.GetSurvey(site, id));
  int64_t at = 0;
  (void)absl::SimpleAtoi(e.Get("at"), &at);
  absl::Time send = absl::FromUnixMillis(at) + absl::Minutes(settings.delay_minutes());
  v1::Survey s;
  if (cur.has_value()) {
    if (cur->status() != v1::SURVEY_STATUS_CANCELLED)
      return absl::OkStatus();  // one survey per ticket
    s = *cur;
  } else {
    s.set_id(id);
    s.set_kind("ticket");
    s.set_site_id(site);
    s.set_ticket_id(ticket);
    s.set_resident_id(std::string(e.Get("resident_id")));
    v1::Channel c = ChannelFromName(e.Get("channel"));
    s.set_channel(c == v1::CHANNEL_UNSPECIFIED ? v1::CHANNEL_SMS : c);
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
  LOBBY_ASSIGN_OR_RETURN(auto cur, store_.GetSurvey(site, id));
  if (!cur.has_value() || cur->status() != v1::SURVEY_STATUS_SCHEDULED) return absl::OkStatus();
  v1::Survey s = *cur;
  s.set_status(v1::SURVEY_STATUS_CANCELLED);
  s.set_version(s.version() + 1);
  SurveyStore::Change c{.site = site, .survey = s, .undue = {"s:" + id}};
  absl::Status st = store_.Apply(c);
  return absl::IsAborted(st) ? absl::UnavailableError("survey changed meanwhile; try again") : st;
}

// ------------------------------------------------------------------ timers

absl::StatusOr<int> SurveyLogic::Tick() {
  LOBBY_ASSIGN_OR_RETURN(auto sites, store_.Sites());
  int n = 0;
  for (const auto& site : sites) {
    LOBBY_ASSIGN_OR_RETURN(auto settings, Settings(site));
    LOBBY_ASSIGN_OR_RETURN(auto due, store_.ClaimDue(site, Ms(clock_.Now()), 60 * 1000, 200));
    for (const auto& member : due) {
      ++n;
      if (absl::Status s = Due(site, member, settings); !s.ok()) {
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
  if (member == kMonthlyReport) return SendMonthlyReport(site, settings);
  if (kind == "fu") {
    LOBBY_ASSIGN_OR_RETURN(auto f, store_.GetFollowUp(site, id));
    SurveyStore::Change c{.site = site, .undue = {member}};
    if (f.has_value() && f->status() == v1::FOLLOW_UP_STATUS_OPEN && !f->escalated()) {
      v1::FollowUpTask t = *f;
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
  LOBBY_ASSIGN_OR_RETURN(auto cur, store_.GetSurvey(site, id));
  if (!cur.has_value()) return store_.Apply({.site = site, .undue = {member}});
  v1::Survey s = *cur;
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

absl::Status SurveyLogic::SendMonthlyReport(const std::string& site,
                                            const v1::SurveySettings& settings) {
  if (settings.monthly_report_to().empty())
    return store_.Apply({.site = site, .undue = {kMonthlyReport}});  // no longer asked for
  absl::Time now = clock_.Now();
  absl::TimeZone tz = ZoneOf(settings);
  std::string month = absl::FormatCivilTime(absl::CivilMonth(absl::ToCivilSecond(now, tz)) - 1);
  // Dispatch tells each member on their channel (they are dispatch's members, with contacts).
  SurveyStore::Change c{.site = site, .due = {{kMonthlyReport, Ms(NextMonthlyReport(now, tz))}}};
  c.event = {{"v", "1"},
             {"type", "report.monthly"},
             {"site_id", site},
             {"month", month},
             {"url", absl::StrCat(settings.console_url(), "/report?month=", month)},
             {"notify", absl::StrJoin(settings.monthly_report_to(), ",")}};
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

}  // namespace lobby::surveys
