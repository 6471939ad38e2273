#include "adapters/hotline/hotline.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "adapters/common/crypto.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/common/status.h"
#include "services/common/status_macros.h"
#include "services/common/write_queue.h"

namespace lobby::hotline {

using auth::Role;

namespace {

using json = nlohmann::json;
constexpr int kCallTtlSeconds = 90 * 86400;
constexpr const char* kDispositions[] = {
    "resolved_on_call", "ticket_created", "follow_up", "information",
    "complaint",        "wrong_number",   "other"};

std::string Key(const std::string& id) { return "lobby:hotline:call:" + id; }

bool Open(v1::TicketStatus s) {
  return s != v1::TICKET_STATUS_RESOLVED && s != v1::TICKET_STATUS_CLOSED &&
         s != v1::TICKET_STATUS_CANCELLED;
}

absl::Status ValidCallId(const std::string& id) {
  if (id.empty() || id.size() > 128)
    return absl::InvalidArgumentError("a call id is 1 to 128 characters");
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != '_' && c != ':') {
      return absl::InvalidArgumentError("a call id has letters, digits and . - _ : only");
    }
  }
  return absl::OkStatus();
}

}  // namespace

// ------------------------------------------------------------------ calls

absl::StatusOr<std::optional<v1::Call>> Calls::Load(const std::string& id) {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis_.Command({"GET", Key(id)}));
  if (r.IsNil()) return std::nullopt;
  v1::Call c;
  if (!c.ParseFromString(r.str)) return absl::DataLossError("a stored call does not parse: " + id);
  return c;
}

absl::StatusOr<v1::Call> Calls::Get(const std::string& id) {
  LOBBY_ASSIGN_OR_RETURN(auto c, Load(id));
  if (!c.has_value()) return absl::NotFoundError(absl::StrCat("no call '", id, "'"));
  return *c;
}

absl::StatusOr<std::optional<v1::Call>> Calls::Mutate(
    const std::string& id, const std::string& type, const std::function<bool(v1::Call&)>& change) {
  std::lock_guard lock(mu_);
  LOBBY_ASSIGN_OR_RETURN(auto loaded, Load(id));
  v1::Call call = loaded.value_or(v1::Call());
  if (!loaded.has_value()) call.set_id(id);
  if (!change(call)) return loaded;
  v1::CallEvent event;
  event.set_type(type);
  *event.mutable_call() = call;
  // The events stream is for live screens: the newest 10,000 are plenty.
  auto done =
      redis_.Run({{"SET", Key(id), call.SerializeAsString(), "EX", std::to_string(kCallTtlSeconds)},
                  {"XADD", kEventsStream, "MAXLEN", "~", "10000", "*", "type", type, "site_id",
                   call.site_id(), "event", event.SerializeAsString()}});
  if (!done.ok()) return done.status();
  for (const auto& r : *done) {
    if (r.IsError()) return absl::UnavailableError(r.str);
  }
  log::Get("hotline")->info("event={} call={} site={} agent={}", type, id, call.site_id(),
                            call.agent());
  return call;
}

v1::ScreenPop Calls::Lookup(std::string& number) {
  v1::ScreenPop pop;
  auto resolved = api_.ResolvePhone(number);
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
  auto mine = api_.ListMine(r, 20);
  if (!mine.ok()) return pop;
  int surveys_looked_at = 0;
  for (const auto& t : *mine) {
    if (Open(t.status())) {
      v1::TicketSummary* s = pop.add_open_tickets();
      s->set_id(t.id());
      s->set_category(t.category());
      s->set_status(t.status());
      *s->mutable_created_at() = t.created_at();
    } else if (pop.last_survey_score() == 0 && surveys_looked_at < 3) {
      ++surveys_looked_at;
      auto sv = api_.GetSurvey(t.id());
      if (sv.ok() && sv->status() == v1::SURVEY_STATUS_ANSWERED && sv->answer().overall() > 0) {
        pop.set_last_survey_score(sv->answer().overall());
        pop.set_last_survey_ticket(t.id());
      }
    }
  }
  return pop;
}

std::string Calls::AgentName(const std::string& channel) const {
  // "PJSIP/1001-0000002a" is interface "PJSIP/1001" on its 42nd channel.
  std::string iface = channel;
  if (size_t dash = iface.rfind('-'); dash != std::string::npos && iface.find('/') < dash)
    iface = iface.substr(0, dash);
  auto it = config_.agents.find(iface);
  return it == config_.agents.end() ? iface : it->second;
}

void Calls::Timeline(const v1::Call& call, const std::string& text, const std::string& key,
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
  if (absl::Status s = api_.AppendTimeline(req); !s.ok()) {
    log::Get("hotline")->warn("event=timeline_failed call={} error=\"{}\"", call.id(), s.message());
  }
}

absl::Status Calls::Ringing(const std::string& id, const std::string& caller,
                            const std::string& line) {
  auto site = config_.lines.find(line);
  if (site == config_.lines.end()) return absl::OkStatus();  // not a hotline call
  LOBBY_RETURN_IF_ERROR(ValidCallId(id));
  LOBBY_ASSIGN_OR_RETURN(auto known, Load(id));
  if (known.has_value()) return absl::OkStatus();  // Newchannel and QueueCallerJoin both say so
  std::string number = caller;
  v1::ScreenPop pop = Lookup(number);  // outside the lock: it asks other services
  absl::Time now = clock_.Now();
  return Mutate(id, "call.ringing",
                [&](v1::Call& c) {
                  if (c.state() != v1::CALL_STATE_UNSPECIFIED) return false;
                  c.set_site_id(site->second);
                  c.set_caller(number);
                  c.set_line(line);
                  c.set_state(v1::CALL_STATE_RINGING);
                  *c.mutable_started_at() = ToTimestamp(now);
                  *c.mutable_caller_profile() = pop;
                  return true;
                })
      .status();
}

absl::Status Calls::Offered(const std::string& id, const std::string& agent) {
  return Mutate(id, "call.offered",
                [&](v1::Call& c) {
                  if (c.state() != v1::CALL_STATE_RINGING || c.offered_to() == agent) return false;
                  c.set_offered_to(agent);
                  return true;
                })
      .status();
}

absl::Status Calls::Answered(const std::string& id, const std::string& agent) {
  absl::Time now = clock_.Now();
  return Mutate(id, "call.answered",
                [&](v1::Call& c) {
                  if (c.state() != v1::CALL_STATE_RINGING) return false;
                  c.set_state(v1::CALL_STATE_ANSWERED);
                  c.set_agent(agent);
                  *c.mutable_answered_at() = ToTimestamp(now);
                  return true;
                })
      .status();
}

absl::Status Calls::Hangup(const std::string& id, const std::string& recording_url) {
  absl::Time now = clock_.Now();
  bool missed = false;
  auto call = Mutate(id, "call.ended", [&](v1::Call& c) {
    if (c.state() != v1::CALL_STATE_RINGING && c.state() != v1::CALL_STATE_ANSWERED) return false;
    missed = c.state() == v1::CALL_STATE_RINGING;
    c.set_state(missed ? v1::CALL_STATE_MISSED : v1::CALL_STATE_ENDED);
    *c.mutable_ended_at() = ToTimestamp(now);
    if (!recording_url.empty()) c.set_recording_url(recording_url);
    return true;
  });
  if (!call.ok() || !call->has_value()) return call.status();
  const v1::Call& c = **call;
  if (c.state() == v1::CALL_STATE_ENDED) {
    int64_t secs = absl::ToInt64Seconds(now - FromTimestamp(c.answered_at()));
    Timeline(c,
             absl::StrCat("Call on the hotline answered by ", c.agent(), ", ", secs / 60, " min ",
                          secs % 60, " s"),
             "call:" + id + ":ended");
    return absl::OkStatus();
  }
  if (!missed) return absl::OkStatus();
  // Nobody answered: the desk calls back. The task is keyed by the call, so a replay is one task.
  v1::RequestCallbackRequest req;
  v1::CallbackTask* task = req.mutable_task();
  task->set_site_id(c.site_id());
  task->set_resident_id(c.caller_profile().resident_id());
  task->set_phone(c.caller());
  task->set_channel(v1::CHANNEL_PHONE);
  task->set_language(c.caller_profile().language());
  task->set_reason("missed_call");
  task->set_text(absl::StrCat("Missed call on ", c.line(), ", waited ",
                              absl::ToInt64Seconds(now - FromTimestamp(c.started_at())), " s"));
  if (!c.caller_profile().open_tickets().empty())
    task->set_ticket_id(c.caller_profile().open_tickets(0).id());
  req.set_idempotency_key("missed:" + id);
  auto cb = api_.RequestCallback(req);
  if (!cb.ok()) {
    if (absl::IsInvalidArgument(cb.status())) {  // a withheld number: nobody to call back
      log::Get("hotline")->warn("event=missed_call_unreachable call={} error=\"{}\"", id,
                                cb.status().message());
      return absl::OkStatus();
    }
    return cb.status();
  }
  Timeline(c, "Missed call on the hotline; callback " + cb->id(), "call:" + id + ":missed");
  return Mutate(id, "call.missed",
                [&](v1::Call& m) {
                  if (m.callback_id() == cb->id()) return false;
                  m.set_callback_id(cb->id());
                  return true;
                })
      .status();
}

absl::Status Calls::Rating(const std::string& id, int digit, const std::string& ticket) {
  if (digit < 1 || digit > 5) return absl::InvalidArgumentError("a rating is 1 to 5");
  auto call = Mutate(id, "call.rated", [&](v1::Call& c) {
    if (c.site_id().empty()) return false;  // not a hotline call
    if (c.rating() == digit &&
        (ticket.empty() || std::count(c.ticket_ids().begin(), c.ticket_ids().end(), ticket)))
      return false;
    c.set_rating(digit);
    if (!ticket.empty() && !std::count(c.ticket_ids().begin(), c.ticket_ids().end(), ticket))
      c.add_ticket_ids(ticket);
    return true;
  });
  if (!call.ok()) return call.status();
  if (!call->has_value()) return absl::NotFoundError(absl::StrCat("no call '", id, "'"));
  return RecordRating(id);
}

absl::Status Calls::RecordRating(const std::string& id) {
  LOBBY_ASSIGN_OR_RETURN(auto call, Get(id));
  if (call.rating() == 0 || call.rating_recorded() || call.ticket_ids().empty())
    return absl::OkStatus();
  std::string ticket = call.ticket_ids(0);
  auto survey = api_.GetSurvey(ticket);
  if (absl::IsNotFound(survey.status())) {
    // The ticket is not resolved yet, so it has no survey: the rating stays on the call.
    Timeline(call, absl::StrCat("Rated the call ", call.rating(), "/5"), "call:" + id + ":rated",
             ticket);
    return absl::OkStatus();
  }
  if (!survey.ok()) return survey.status();
  v1::SubmitResponseRequest req;
  req.set_survey_id(survey->id());
  req.mutable_answer()->set_overall(call.rating());
  absl::Status s = api_.SubmitSurvey(req);
  if (!s.ok() && !absl::IsFailedPrecondition(s))
    return s;  // answered or closed already: keep theirs
  return Mutate(id, "call.rated",
                [&](v1::Call& c) {
                  if (c.rating_recorded()) return false;
                  c.set_rating_recorded(s.ok());
                  return s.ok();
                })
      .status();
}

absl::StatusOr<v1::LogCallResponse> Calls::Log(const v1::LogCallRequest& req,
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
  LOBBY_ASSIGN_OR_RETURN(auto known, Load(req.call_id()));
  v1::Call call = known.value_or(v1::Call());
  std::string resident_id =
      req.resident_id().empty() ? call.caller_profile().resident_id() : req.resident_id();
  std::optional<v1::Resident> resident;
  if (!resident_id.empty()) {
    LOBBY_ASSIGN_OR_RETURN(auto r, api_.GetResident(resident_id));
    resident = r;
  }
  std::string site = !call.site_id().empty()  ? call.site_id()
                     : !req.site_id().empty() ? req.site_id()
                     : resident               ? resident->unit().site_id()
                                              : "";
  if (site.empty())
    return absl::InvalidArgumentError("a call the PBX did not report needs site_id or resident_id");
  // Everything is checked before anything is written.
  for (const auto& t : req.ticket_ids()) {
    auto ticket = api_.GetTicket(t);
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
    LOBBY_ASSIGN_OR_RETURN(auto created, t->has_complaint() ? api_.CreateComplaint(create)
                                                            : api_.CreateRepair(create));
    if (!call.recording_url().empty()) {
      // Recordings are for staff: an internal comment, never shown to the resident.
      (void)api_.AddComment(created.id(), "Call recording: " + call.recording_url(), true,
                            "staff:" + agent);
    }
    out.mutable_created()->Swap(&created);
    tickets.insert(tickets.begin(), out.created().id());
  }
  absl::Time now = clock_.Now();
  auto saved = Mutate(req.call_id(), "call.logged", [&](v1::Call& c) {
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
      if (!std::count(c.ticket_ids().begin(), c.ticket_ids().end(), t)) c.add_ticket_ids(t);
    }
    return true;
  });
  if (!saved.ok()) return saved.status();
  const v1::Call& c = **saved;
  Timeline(c, absl::StrCat("Call logged by ", agent, " (", disposition, "): ", req.summary()),
           "call:" + req.call_id() + ":logged", tickets.empty() ? "" : tickets.front());
  for (const auto& t : req.ticket_ids()) {
    (void)api_.AddComment(
        t, absl::StrCat("Phone call ", req.call_id(), " (", agent, "): ", req.summary()), true,
        "staff:" + agent);
  }
  if (absl::Status s = RecordRating(req.call_id()); !s.ok()) {
    log::Get("hotline")->warn("event=rating_not_recorded call={} error=\"{}\"", req.call_id(),
                              s.message());
  }
  LOBBY_ASSIGN_OR_RETURN(auto final_call, Get(req.call_id()));
  *out.mutable_call() = final_call;
  return out;
}

void Calls::OnAmi(const AmiMessage& e) {
  std::string event = e.Get("Event");
  std::string id = e.Get("Linkedid");
  absl::Status s;
  if (event == "Newchannel") {
    if (!id.empty() && e.Get("Uniqueid") == id)
      s = Ringing(id, e.Get("CallerIDNum"), e.Get("Exten"));
  } else if (event == "QueueCallerJoin") {
    s = Ringing(id, e.Get("CallerIDNum"), e.Get("Queue"));
  } else if (event == "DialBegin") {
    s = Offered(id, AgentName(e.Get("DestChannel")));
  } else if (event == "BridgeEnter") {
    if (e.Get("Uniqueid") != id) s = Answered(id, AgentName(e.Get("Channel")));
  } else if (event == "Hangup") {
    if (e.Get("Uniqueid") == id) s = Hangup(id, "");
  } else if (event == "UserEvent" && e.Get("UserEvent") == "LobbyRating") {
    int digit = 0;
    if (!absl::SimpleAtoi(e.Get("Digit"), &digit)) digit = 0;
    s = Rating(id.empty() ? e.Get("CallId") : id, digit, e.Get("Ticket"));
  } else {
    return;
  }
  if (!s.ok() && !absl::IsNotFound(s))
    log::Get("hotline")->warn("event=ami_event_failed ami_event={} call={} error=\"{}\"", event, id,
                              s.message());
}

absl::StatusOr<CtiEvent> ParseCtiEvent(const std::string& body) {
  json m = json::parse(body, nullptr, false);
  if (!m.is_object()) return absl::InvalidArgumentError("not JSON");
  auto str = [&](const char* k) {
    return m.contains(k) && m[k].is_string() ? m[k].get<std::string>() : std::string();
  };
  CtiEvent e{str("event"), str("call_id"),       str("from"), str("to"),
             str("agent"), str("recording_url"), 0,           str("ticket_id")};
  LOBBY_RETURN_IF_ERROR(ValidCallId(e.call_id));
  if (e.event != "newCall" && e.event != "answer" && e.event != "hangup" && e.event != "rating") {
    return absl::InvalidArgumentError("event is newCall, answer, hangup or rating");
  }
  if (e.event == "answer" && e.agent.empty())
    return absl::InvalidArgumentError("answer needs the agent");
  if (e.event == "rating") {
    e.digit = m.contains("digit") && m["digit"].is_number_integer() ? m["digit"].get<int>() : 0;
    if (e.digit == 0) (void)absl::SimpleAtoi(str("digit"), &e.digit);
  }
  return e;
}

std::pair<int, std::string> Calls::OnWebhook(const std::string& timestamp,
                                             const std::string& signature,
                                             const std::string& body) {
  auto error = [](int status, const std::string& why) {
    return std::make_pair(status, json{{"error", why}}.dump());
  };
  if (config_.webhook_secret.empty()) return error(404, "the CTI webhook is off");
  if (body.size() > 64 * 1024) return error(413, "too large");
  if (absl::Status auth = adapters::CheckTimestampedSignature(config_.webhook_secret, timestamp,
                                                              signature, body, clock_.Now());
      !auth.ok()) {
    log::Get("hotline")->warn("event=bad_signature error=\"{}\"", auth.message());
    return error(401, std::string(auth.message()));
  }
  auto parsed = ParseCtiEvent(body);
  if (!parsed.ok()) return error(400, std::string(parsed.status().message()));
  const CtiEvent& e = *parsed;
  absl::Status s;
  if (e.event == "newCall") {
    if (config_.lines.find(e.to) == config_.lines.end())
      return error(400, "'to' is not a hotline line Lobby knows");
    s = Ringing(e.call_id, e.from, e.to);
  } else if (e.event == "answer") {
    s = Answered(e.call_id, e.agent);
  } else if (e.event == "hangup") {
    s = Hangup(e.call_id, e.recording_url);
  } else {
    s = Rating(e.call_id, e.digit, e.ticket_id);
  }
  if (absl::IsInvalidArgument(s) || absl::IsNotFound(s))
    return error(absl::IsNotFound(s) ? 404 : 400, std::string(s.message()));
  if (!s.ok()) return error(503, std::string(s.message()));  // the call centre retries
  return {200, R"({"ok":true})"};
}

void Calls::Register(httplib::Server& server) {
  server.Post("/v1/hotline/events", [this](const httplib::Request& req, httplib::Response& res) {
    auto [status, body] = OnWebhook(req.get_header_value("X-Lobby-Timestamp"),
                                    req.get_header_value("X-Lobby-Signature"), req.body);
    res.status = status;
    res.set_content(body, "application/json");
  });
}

// ------------------------------------------------------------------ WatchCalls

/// One WatchCalls stream: the estate's call events from the feed, one write in flight.
class WatchReactor final : public WriteQueueReactor<v1::CallEvent> {
 public:
  WatchReactor(HotlineServiceImpl& service, std::string site)
      : service_(service), site_(std::move(site)) {}

  void Begin(const absl::Status& error) {
    if (!following_.Start(this, error, service_.streams_, service_.feed_,
                          [this](const std::vector<queue::Entry>& entries) { Offer(entries); }))
      return;
    // The first message says the watch is on: from here, nothing is missed.
    v1::CallEvent started;
    started.set_type("watch.started");
    std::lock_guard lock(mu_);
    out_.push_back(std::move(started));
    Pump();
  }

  void OnDone() override {
    following_.Stop();
    delete this;
  }

 private:
  void Offer(const std::vector<queue::Entry>& entries) {
    std::lock_guard lock(mu_);
    if (finishing_) return;
    for (const auto& e : entries) {
      if (e.Get("site_id") != site_) continue;
      v1::CallEvent ev;
      if (!ev.ParseFromString(std::string(e.Get("event")))) continue;
      out_.push_back(std::move(ev));
    }
    if (out_.size() > 10000)
      EndLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "too far behind: reconnect"));
    Pump();
  }

  HotlineServiceImpl& service_;
  const std::string site_;
  Following<WatchReactor> following_;
};

HotlineServiceImpl::HotlineServiceImpl(const RpcEnv& env, Calls& calls,
                                       redis::Options redis_options)
    : env_(env),
      calls_(calls),
      executor_(4),
      watch_(env.Method("lobby.v1.HotlineService/WatchCalls")),
      get_(env.Method("lobby.v1.HotlineService/GetCall")),
      log_(env.Method("lobby.v1.HotlineService/LogCall")),
      feed_(std::move(redis_options), Calls::kEventsStream) {
  log_.executor = &executor_;
  get_.executor = &executor_;
}

HotlineServiceImpl::~HotlineServiceImpl() {
  EndStreams();
  feed_.Stop();
  executor_.Stop();
}

void HotlineServiceImpl::EndStreams() { streams_.EndAll("server shutting down: reconnect"); }

grpc::ServerWriteReactor<v1::CallEvent>* HotlineServiceImpl::WatchCalls(
    grpc::CallbackServerContext* ctx, const v1::WatchCallsRequest* req) {
  auto* reactor = new WatchReactor(*this, req->site_id());
  auto principal = env_.auth->Authorize(*ctx, watch_.roles, watch_.name);
  absl::Status error = principal.status();
  if (error.ok() && req->site_id().empty())
    error = absl::InvalidArgumentError("site_id is required");
  watch_.stats->Record(error.code(), absl::ZeroDuration());
  reactor->Begin(error);
  return reactor;
}

grpc::ServerUnaryReactor* HotlineServiceImpl::GetCall(grpc::CallbackServerContext* ctx,
                                                      const v1::GetCallRequest* req,
                                                      v1::Call* resp) {
  return ServeUnary(env_, get_, ctx, Into(resp, [this, req](const auth::Principal&) {
                      return calls_.Get(req->id());
                    }));
}

grpc::ServerUnaryReactor* HotlineServiceImpl::LogCall(grpc::CallbackServerContext* ctx,
                                                      const v1::LogCallRequest* req,
                                                      v1::LogCallResponse* resp) {
  return ServeUnary(env_, log_, ctx, Into(resp, [this, req](const auth::Principal& p) {
                      return calls_.Log(*req, p);
                    }));
}

}  // namespace lobby::hotline
