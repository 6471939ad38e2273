#include "services/calls/call_logic.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/calls/client.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/common/status_macros.h"
#include "services/tickets/state_machine.h"

namespace lobby::calls {

namespace {

constexpr const char* kDispositions[] = {
    "resolved_on_call", "ticket_created", "follow_up", "information",
    "complaint",        "wrong_number",   "other"};
constexpr int kSaveAttempts = 5;

bool Names(const v1::Call& c, const std::string& ticket) {
  return std::find(c.ticket_ids().begin(), c.ticket_ids().end(), ticket) != c.ticket_ids().end();
}

}  // namespace

absl::StatusOr<v1::Call> CallLogic::Get(const std::string& id) {
  LOBBY_ASSIGN_OR_RETURN(auto c, store_.Load(id));
  if (!c.has_value()) return absl::NotFoundError(absl::StrCat("no call '", id, "'"));
  return *std::move(c);
}

absl::StatusOr<CallLogic::Outcome> CallLogic::Mutate(const std::string& id, const std::string& type,
                                                     const std::function<bool(v1::Call&)>& change) {
  absl::Status saved;
  for (int attempt = 0; attempt < kSaveAttempts; ++attempt) {
    LOBBY_ASSIGN_OR_RETURN(auto loaded, store_.Load(id));
    v1::Call call = loaded.value_or(v1::Call());
    if (!loaded.has_value()) call.set_id(id);
    if (!change(call)) return Outcome{std::move(loaded), false};
    call.set_version(call.version() + 1);
    saved = store_.Save(call, type);
    if (absl::IsAborted(saved)) continue;  // another event of this call came first: read again
    LOBBY_RETURN_IF_ERROR(saved);
    log::Get("calls")->info("event={} call={} site={} agent={}", type, id, call.site_id(),
                            call.agent());
    return Outcome{std::move(call), true};
  }
  return saved;
}

absl::StatusOr<v1::ReportCallResponse> CallLogic::Report(const v1::ReportCallRequest& r) {
  LOBBY_RETURN_IF_ERROR(ValidCallId(r.call_id()));
  absl::StatusOr<Outcome> done;
  switch (r.event()) {
    case v1::CALL_REPORT_RINGING:
      done = Ringing(r);
      break;
    case v1::CALL_REPORT_OFFERED:
    case v1::CALL_REPORT_ANSWERED:
      if (absl::StripAsciiWhitespace(r.agent()).empty())
        return absl::InvalidArgumentError("agent is required");
      if (r.agent().size() > 200) return absl::InvalidArgumentError("agent is up to 200 bytes");
      done = r.event() == v1::CALL_REPORT_OFFERED ? Offered(r.call_id(), r.agent())
                                                  : Answered(r.call_id(), r.agent());
      break;
    case v1::CALL_REPORT_HANGUP:
      if (r.recording_url().size() > 2000)
        return absl::InvalidArgumentError("recording_url is up to 2000 bytes");
      done = Hangup(r.call_id(), r.recording_url());
      break;
    case v1::CALL_REPORT_RATING:
      done = Rating(r.call_id(), r.digit(), r.ticket_id());
      break;
    default:
      return absl::InvalidArgumentError("event is ringing, offered, answered, hangup or rating");
  }
  if (!done.ok()) return done.status();
  v1::ReportCallResponse out;
  if (done->call) *out.mutable_call() = *std::move(done->call);
  out.set_changed(done->changed);
  return out;
}

v1::ScreenPop CallLogic::Lookup(std::string& number) {
  v1::ScreenPop pop;
  auto resolved = peers_.ResolvePhone(number);
  if (!resolved.ok()) return pop;  // a withheld or unreadable number: nobody on file
  number = resolved->phone();  // once, here at the edge: "91234506" is "+85291234506" from now on
  const auto& found = resolved->residents();
  if (found.empty()) return pop;
  const v1::Resident& r = found[0];
  pop.set_resident_id(r.id());
  pop.set_name(r.name());
  *pop.mutable_unit() = r.unit();
  pop.set_language(r.language());
  for (const auto& t : r.tags()) pop.add_tags(t);
  pop.set_other_residents(found.size() - 1);
  auto mine = peers_.ListReportedBy(r, 20);
  if (!mine.ok()) return pop;
  int surveys_looked_at = 0;
  for (const auto& t : *mine) {
    if (tickets::IsOpen(t.status())) {
      v1::TicketSummary* s = pop.add_open_tickets();
      s->set_id(t.id());
      s->set_category(t.category());
      s->set_status(t.status());
      *s->mutable_created_at() = t.created_at();
    } else if (pop.last_survey_score() == 0 && surveys_looked_at < 3) {
      ++surveys_looked_at;
      auto sv = peers_.GetSurvey(t.id());
      if (sv.ok() && sv->status() == v1::SURVEY_STATUS_ANSWERED && sv->answer().overall() > 0) {
        pop.set_last_survey_score(sv->answer().overall());
        pop.set_last_survey_ticket(t.id());
      }
    }
  }
  return pop;
}

void CallLogic::Timeline(const v1::Call& call, const std::string& text, const std::string& key,
                         const std::string& ticket) {
  if (call.caller_profile().resident_id().empty()) return;
  v1::AppendTimelineRequest req;
  req.set_resident_id(call.caller_profile().resident_id());
  req.set_idempotency_key(key);
  v1::TimelineEntry* e = req.mutable_entry();
  e->set_kind(v1::TimelineEntry::KIND_CALL);
  e->set_channel(v1::CHANNEL_PHONE);
  e->set_text(text);
  e->set_ticket_id(ticket);
  e->set_actor(call.agent().empty() ? "hotline" : call.agent());
  (*e->mutable_attributes())["call_id"] = call.id();
  if (!call.recording_url().empty())
    (*e->mutable_attributes())["recording_url"] = call.recording_url();
  if (absl::Status s = peers_.AppendTimeline(req); !s.ok()) {
    log::Get("calls")->warn("event=timeline_failed call={} error=\"{}\"", call.id(), s.message());
  }
}

absl::StatusOr<CallLogic::Outcome> CallLogic::Ringing(const v1::ReportCallRequest& r) {
  LOBBY_RETURN_IF_ERROR(ValidateSiteId(r.site_id()));
  if (r.line().empty() || r.line().size() > 200)
    return absl::InvalidArgumentError("line is 1 to 200 bytes");
  if (r.caller().size() > 64) return absl::InvalidArgumentError("caller is up to 64 bytes");
  LOBBY_ASSIGN_OR_RETURN(auto known, store_.Load(r.call_id()));
  // Asterisk says so twice (Newchannel and QueueCallerJoin): look the caller up once.
  if (known.has_value()) return Outcome{std::move(known), false};
  std::string number = r.caller();
  v1::ScreenPop pop = Lookup(number);  // before the change: it asks other services
  absl::Time now = clock_.Now();
  return Mutate(r.call_id(), "call.ringing", [&](v1::Call& c) {
    if (c.state() != v1::CALL_STATE_UNSPECIFIED) return false;
    c.set_site_id(r.site_id());
    c.set_caller(number);
    c.set_line(r.line());
    c.set_state(v1::CALL_STATE_RINGING);
    *c.mutable_started_at() = ToTimestamp(now);
    *c.mutable_caller_profile() = pop;
    return true;
  });
}

absl::StatusOr<CallLogic::Outcome> CallLogic::Offered(const std::string& id,
                                                      const std::string& agent) {
  return Mutate(id, "call.offered", [&](v1::Call& c) {
    if (c.state() != v1::CALL_STATE_RINGING || c.offered_to() == agent) return false;
    c.set_offered_to(agent);
    return true;
  });
}

absl::StatusOr<CallLogic::Outcome> CallLogic::Answered(const std::string& id,
                                                       const std::string& agent) {
  absl::Time now = clock_.Now();
  return Mutate(id, "call.answered", [&](v1::Call& c) {
    if (c.state() != v1::CALL_STATE_RINGING) return false;
    c.set_state(v1::CALL_STATE_ANSWERED);
    c.set_agent(agent);
    *c.mutable_answered_at() = ToTimestamp(now);
    return true;
  });
}

absl::StatusOr<CallLogic::Outcome> CallLogic::Hangup(const std::string& id,
                                                     const std::string& recording_url) {
  absl::Time now = clock_.Now();
  LOBBY_ASSIGN_OR_RETURN(
      auto ended, Mutate(id, "call.ended", [&](v1::Call& c) {
        if (c.state() != v1::CALL_STATE_RINGING && c.state() != v1::CALL_STATE_ANSWERED)
          return false;
        bool missed = c.state() == v1::CALL_STATE_RINGING;
        c.set_state(missed ? v1::CALL_STATE_MISSED : v1::CALL_STATE_ENDED);
        *c.mutable_ended_at() = ToTimestamp(now);
        if (!recording_url.empty()) c.set_recording_url(recording_url);
        return true;
      }));
  if (!ended.changed) return ended;
  const v1::Call& c = *ended.call;
  if (c.state() == v1::CALL_STATE_MISSED) return Missed(c);
  int64_t secs = absl::ToInt64Seconds(now - FromTimestamp(c.answered_at()));
  Timeline(c,
           absl::StrCat("Call on the hotline answered by ", c.agent(), ", ", secs / 60, " min ",
                        secs % 60, " s"),
           "call:" + id + ":ended");
  return ended;
}

absl::StatusOr<CallLogic::Outcome> CallLogic::Missed(const v1::Call& c) {
  // Nobody answered: the desk calls back. The task is keyed by the call, so a replay is one task.
  v1::RequestCallbackRequest req;
  v1::CallbackTask* task = req.mutable_task();
  task->set_site_id(c.site_id());
  task->set_resident_id(c.caller_profile().resident_id());
  task->set_phone(c.caller());
  task->set_channel(v1::CHANNEL_PHONE);
  task->set_language(c.caller_profile().language());
  task->set_reason("missed_call");
  task->set_text(absl::StrCat(
      "Missed call on ", c.line(), ", waited ",
      absl::ToInt64Seconds(FromTimestamp(c.ended_at()) - FromTimestamp(c.started_at())), " s"));
  if (!c.caller_profile().open_tickets().empty())
    task->set_ticket_id(c.caller_profile().open_tickets(0).id());
  req.set_idempotency_key("missed:" + c.id());
  auto cb = peers_.RequestCallback(req);
  if (absl::IsInvalidArgument(cb.status())) {  // a withheld number: nobody to call back
    log::Get("calls")->warn("event=missed_call_unreachable call={} error=\"{}\"", c.id(),
                            cb.status().message());
    return Outcome{c, true};
  }
  if (!cb.ok()) return cb.status();
  Timeline(c, "Missed call on the hotline; callback " + cb->id(), "call:" + c.id() + ":missed");
  LOBBY_ASSIGN_OR_RETURN(auto noted, Mutate(c.id(), "call.missed", [&](v1::Call& m) {
                           if (m.callback_id() == cb->id()) return false;
                           m.set_callback_id(cb->id());
                           return true;
                         }));
  noted.changed = true;  // the call ended, whether or not the callback was named before
  return noted;
}

absl::StatusOr<CallLogic::Outcome> CallLogic::Rating(const std::string& id, int digit,
                                                     const std::string& ticket) {
  if (digit < 1 || digit > 5) return absl::InvalidArgumentError("a rating is 1 to 5");
  if (ticket.size() > 64) return absl::InvalidArgumentError("ticket_id is up to 64 bytes");
  LOBBY_ASSIGN_OR_RETURN(auto rated, Mutate(id, "call.rated", [&](v1::Call& c) {
                           if (c.site_id().empty()) return false;  // not a hotline call
                           if (c.rating() == digit && (ticket.empty() || Names(c, ticket)))
                             return false;
                           c.set_rating(digit);
                           if (!ticket.empty() && !Names(c, ticket)) c.add_ticket_ids(ticket);
                           return true;
                         }));
  if (!rated.call.has_value()) return absl::NotFoundError(absl::StrCat("no call '", id, "'"));
  LOBBY_ASSIGN_OR_RETURN(auto now, RecordRating(*std::move(rated.call)));
  return Outcome{std::move(now), rated.changed};
}

absl::StatusOr<v1::Call> CallLogic::RecordRating(v1::Call call) {
  if (call.rating() == 0 || call.rating_recorded() || call.ticket_ids().empty()) return call;
  const std::string& id = call.id();
  std::string ticket = call.ticket_ids(0);
  auto survey = peers_.GetSurvey(ticket);
  if (absl::IsNotFound(survey.status())) {
    // The ticket is not resolved yet, so it has no survey: the rating stays on the call.
    Timeline(call, absl::StrCat("Rated the call ", call.rating(), "/5"), "call:" + id + ":rated",
             ticket);
    return call;
  }
  if (!survey.ok()) return survey.status();
  v1::SubmitResponseRequest req;
  req.set_survey_id(survey->id());
  req.mutable_answer()->set_overall(call.rating());
  absl::Status s = peers_.SubmitSurvey(req);
  if (!s.ok() && !absl::IsFailedPrecondition(s))
    return s;  // answered or closed already: keep theirs
  LOBBY_ASSIGN_OR_RETURN(auto recorded, Mutate(id, "call.rated", [&](v1::Call& c) {
                           if (c.rating_recorded()) return false;
                           c.set_rating_recorded(s.ok());
                           return s.ok();
                         }));
  return *std::move(recorded.call);
}

absl::StatusOr<v1::LogCallResponse> CallLogic::Log(const v1::LogCallRequest& req,
                                                   const auth::Principal& who) {
  LOBBY_RETURN_IF_ERROR(ValidCallId(req.call_id()));
  if (absl::StripAsciiWhitespace(req.summary()).empty())
    return absl::InvalidArgumentError("summary is required");
  if (req.summary().size() > 4000)
    return absl::InvalidArgumentError("the summary is up to 4000 bytes");
  std::string disposition = req.disposition().empty() ? "other" : req.disposition();
  if (std::find(std::begin(kDispositions), std::end(kDispositions), disposition) ==
      std::end(kDispositions)) {
    return absl::InvalidArgumentError(
        "disposition is one of resolved_on_call, ticket_created, follow_up, information, "
        "complaint, wrong_number, other");
  }
  std::string agent = req.agent().empty() ? who.name : req.agent();
  LOBBY_ASSIGN_OR_RETURN(auto known, store_.Load(req.call_id()));
  v1::Call call = known.value_or(v1::Call());
  std::string resident_id =
      req.resident_id().empty() ? call.caller_profile().resident_id() : req.resident_id();
  std::optional<v1::Resident> resident;
  if (!resident_id.empty()) {
    LOBBY_ASSIGN_OR_RETURN(auto r, peers_.GetResident(resident_id));
    resident = std::move(r);
  }
  std::string site = !call.site_id().empty()  ? call.site_id()
                     : !req.site_id().empty() ? req.site_id()
                     : resident               ? resident->unit().site_id()
                                              : "";
  if (site.empty())
    return absl::InvalidArgumentError("a call the PBX did not report needs site_id or resident_id");
  LOBBY_RETURN_IF_ERROR(auth::CheckEstate(who, site));
  // Everything is checked before anything is written.
  for (const auto& t : req.ticket_ids()) {
    auto ticket = peers_.GetTicket(t);
    if (!ticket.ok())
      return absl::Status(ticket.status().code(), absl::StrCat(t, ": ", ticket.status().message()));
  }
  v1::LogCallResponse out;
  std::vector<std::string> tickets(req.ticket_ids().begin(), req.ticket_ids().end());
  if (req.has_new_ticket()) {
    v1::CreateTicketRequest create;
    v1::Ticket* t = create.mutable_ticket();
    *t = req.new_ticket();
    t->set_site_id(site);
    t->set_channel(v1::CHANNEL_PHONE);
    t->mutable_reporter()->set_agent(agent);
    if (resident) {
      t->mutable_reporter()->set_resident_id(resident->id());
      if (!t->has_location()) *t->mutable_location()->mutable_unit() = resident->unit();
    } else if (t->reporter().phone().empty()) {
      t->mutable_reporter()->set_phone(call.caller());
    }
    create.set_idempotency_key("call:" + req.call_id() + ":ticket");
    LOBBY_ASSIGN_OR_RETURN(
        auto created, peers_.CreateTicket(t->has_complaint() ? "complaint" : "repair", create));
    if (!call.recording_url().empty()) {
      // Recordings are for staff: an internal comment, never shown to the resident.
      (void)peers_.AddInternalComment(
          created.id(), absl::StrCat("Call recording (", agent, "): ", call.recording_url()));
    }
    out.mutable_created()->Swap(&created);
    tickets.insert(tickets.begin(), out.created().id());
  }
  absl::Time now = clock_.Now();
  LOBBY_ASSIGN_OR_RETURN(
      auto saved, Mutate(req.call_id(), "call.logged", [&](v1::Call& c) {
        if (c.site_id().empty()) {  // a call the PBX did not tell Lobby about (e.g. on a mobile)
          c.set_site_id(site);
          c.set_state(v1::CALL_STATE_ENDED);
          *c.mutable_started_at() = ToTimestamp(now);
          *c.mutable_ended_at() = ToTimestamp(now);
          if (resident && !resident->phones().empty()) c.set_caller(resident->phones(0));
        }
        if (resident && c.caller_profile().resident_id() != resident->id()) {
          v1::ScreenPop* p = c.mutable_caller_profile();
          p->set_resident_id(resident->id());
          p->set_name(resident->name());
          *p->mutable_unit() = resident->unit();
          p->set_language(resident->language());
        }
        if (c.agent().empty()) c.set_agent(agent);
        c.set_summary(req.summary());
        c.set_disposition(disposition);
        c.set_logged_by(agent);
        for (const auto& t : tickets) {
          if (!Names(c, t)) c.add_ticket_ids(t);
        }
        return true;
      }));
  const v1::Call& c = *saved.call;
  Timeline(c, absl::StrCat("Call logged by ", agent, " (", disposition, "): ", req.summary()),
           "call:" + req.call_id() + ":logged", tickets.empty() ? "" : tickets.front());
  for (const auto& t : req.ticket_ids()) {
    (void)peers_.AddInternalComment(
        t, absl::StrCat("Phone call ", req.call_id(), " (", agent, "): ", req.summary()));
  }
  auto rated = RecordRating(c);
  if (!rated.ok()) {
    log::Get("calls")->warn("event=rating_not_recorded call={} error=\"{}\"", req.call_id(),
                            rated.status().message());
  }
  *out.mutable_call() = rated.ok() ? *std::move(rated) : c;
  return out;
}

}  // namespace lobby::calls
