#include "services/dispatch/dispatch_logic.h"

#include <algorithm>
#include <map>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/common/status_macros.h"
#include "services/dispatch/estate.h"
#include "services/tickets/state_machine.h"

namespace lobby::dispatch {

absl::StatusOr<std::optional<v1::Estate>> DispatchLogic::Estate(absl::string_view site) {
  {
    std::lock_guard lock(mu_);
    auto it = estates_.find(site);
    if (it != estates_.end() && clock_.Now() - it->second.second < absl::Seconds(10))
      return it->second.first;
  }
  LOBBY_ASSIGN_OR_RETURN(auto e, store_.GetEstate(site));
  if (e.has_value()) LOBBY_RETURN_IF_ERROR(AddDuty(*e));
  std::lock_guard lock(mu_);
  estates_[std::string(site)] = {e, clock_.Now()};
  return e;
}

absl::StatusOr<v1::Estate> DispatchLogic::Live(absl::string_view site) {
  LOBBY_ASSIGN_OR_RETURN(auto e, GetEstate(site));
  LOBBY_RETURN_IF_ERROR(AddDuty(e));
  return e;
}

absl::Status DispatchLogic::AddDuty(v1::Estate& estate) {
  LOBBY_ASSIGN_OR_RETURN(auto days, store_.Duties(estate.site_id()));
  for (const DutyDay& d : days) {
    for (v1::Member& m : *estate.mutable_members()) {
      if (m.id() != d.member) continue;
      if (d.on) {
        // On call all that day; a day of leave set for that day alone gives way.
        auto* leave = m.mutable_leave();
        leave->erase(std::remove_if(leave->begin(), leave->end(),
                                    [&](const v1::DateRange& r) {
                                      return r.from() == d.date && r.to() == d.date;
                                    }),
                     leave->end());
        v1::DatedShift* s = m.add_extra_shifts();
        s->set_date(d.date);
        s->set_start("00:00");
        s->set_end("23:59");
      } else {
        v1::DateRange* r = m.add_leave();
        r->set_from(d.date);
        r->set_to(d.date);
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::ApplyEstateResponse> DispatchLogic::ApplyEstate(
    const v1::ApplyEstateRequest& req) {
  LOBBY_ASSIGN_OR_RETURN(auto parsed, ParseEstate(req.yaml()));
  LOBBY_ASSIGN_OR_RETURN(auto current, store_.GetEstate(parsed.site_id()));
  v1::ApplyEstateResponse out;
  for (auto& c : EstateChanges(current.value_or(v1::Estate()), parsed))
    out.add_changes(std::move(c));
  *out.mutable_estate() = parsed;
  if (req.dry_run()) return out;
  LOBBY_RETURN_IF_ERROR(store_.PutEstate(parsed));
  std::lock_guard lock(mu_);
  estates_.erase(parsed.site_id());
  return out;
}

absl::StatusOr<v1::Estate> DispatchLogic::GetEstate(absl::string_view site) {
  LOBBY_ASSIGN_OR_RETURN(auto e, store_.GetEstate(site));
  if (!e.has_value())
    return absl::NotFoundError(absl::StrCat("no estate configuration for site '", site, "'"));
  return *e;
}

absl::StatusOr<v1::EstateRegister> DispatchLogic::GetRegister(absl::string_view site) {
  LOBBY_ASSIGN_OR_RETURN(auto e, store_.GetEstate(site));
  v1::EstateRegister r;
  r.set_site_id(std::string(site));
  if (!e.has_value()) {
    // Unknown sites are refused once any estate has a register: until then Lobby checks no
    // locations, and estates configured before registers existed keep working.
    LOBBY_ASSIGN_OR_RETURN(auto sites, store_.Sites());
    std::vector<std::string> registered;
    for (const auto& s : sites) {
      LOBBY_ASSIGN_OR_RETURN(auto other, store_.GetEstate(s));
      if (other.has_value() && other->buildings_size() > 0) registered.push_back(s);
    }
    if (registered.empty()) return r;
    std::sort(registered.begin(), registered.end());
    return absl::NotFoundError(
        absl::StrCat("no estate '", site, "' (estates: ", absl::StrJoin(registered, ", "), ")"));
  }
  const v1::Estate& estate = *e;
  r.set_name(estate.name());
  r.set_time_zone(estate.time_zone());
  *r.mutable_languages() = estate.languages();
  *r.mutable_buildings() = estate.buildings();
  for (const auto& t : estate.teams()) {
    auto* tm = r.add_teams();
    tm->set_team(t.id());
    tm->set_name(t.name());
    for (const auto& m : estate.members()) {
      if (std::find(m.teams().begin(), m.teams().end(), t.id()) != m.teams().end())
        tm->add_members(m.id());
    }
  }
  return r;
}

absl::StatusOr<v1::Decision> DispatchLogic::DecideNow(const v1::Estate& estate,
                                                      const TicketFacts& facts,
                                                      const std::vector<std::string>& exclude) {
  std::vector<std::string> members;
  for (const auto& m : estate.members()) members.push_back(m.id());
  // The assignments in flight first, the loads in Redis second. An assignment leaves in_flight_
  // only after Redis counts it, so whichever side of that moment the Redis read falls, it is
  // counted at least once. (Read the other way round, one that lands between the two reads is
  // counted in neither, and a member can be given more than their capacity.)
  absl::flat_hash_map<std::string, int> in_flight;
  {
    std::lock_guard lock(mu_);
    for (const auto& [member, n] : in_flight_[estate.site_id()]) in_flight[member] = n;
  }
  LOBBY_ASSIGN_OR_RETURN(auto loads, store_.Loads(estate.site_id(), members));
  for (const auto& [member, n] : in_flight) {
    Workload& w = loads[member];
    w.open += n;
    if (n > 0) w.last_assigned_ms = absl::ToUnixMillis(clock_.Now());
  }
  return Decide(estate, facts, clock_.Now(), loads, exclude);
}

namespace {

TicketFacts FactsOf(const v1::Ticket& t) {
  return TicketFacts{
      t.has_complaint() ? "complaint" : "repair", t.category(), t.priority(),
      t.location().has_unit() ? t.location().unit().building() : t.location().building(),
      t.description()};
}

bool InTeam(const v1::Member& m, const std::string& team) {
  return std::find(m.teams().begin(), m.teams().end(), team) != m.teams().end();
}

const v1::Member* FindMember(const v1::Estate& e, absl::string_view id) {
  for (const auto& m : e.members()) {
    if (m.id() == id) return &m;
  }
  return nullptr;
}

const v1::Team* FindTeam(const v1::Estate& e, absl::string_view id) {
  for (const auto& t : e.teams()) {
    if (t.id() == id) return &t;
  }
  return nullptr;
}

absl::TimeZone ZoneOf(const v1::Estate& e) { return ZoneNamed(e.time_zone()); }

// The members an event's `notify` names ("sup,boss") who have a contact to push to.
std::vector<const v1::Member*> Reachable(const v1::Estate& e, absl::string_view notify) {
  std::vector<const v1::Member*> out;
  for (absl::string_view who : absl::StrSplit(notify, ',', absl::SkipEmpty())) {
    const v1::Member* m = FindMember(e, who);
    if (m != nullptr && m->contact_channel() != v1::CHANNEL_UNSPECIFIED && !m->contact_id().empty())
      out.push_back(m);
  }
  return out;
}

// The language of the pushes to `m`: theirs, else the estate's first, else English.
std::string StaffLanguage(const v1::Estate& e, const v1::Member& m) {
  if (!m.language().empty()) return m.language();
  return e.languages().empty() ? "en" : e.languages(0);
}

// `en`, or its Traditional or Simplified Chinese, for `lang`.
const char* Say(const std::string& lang, const char* en, const char* hant, const char* hans) {
  return lang == "zh-Hant" ? hant : lang == "zh-Hans" ? hans : en;
}

// A push of `kind` to member `m` about the ticket of event `e`, for the adapter of their channel
// to deliver; it drops a repeat by `idempotency_key`, so a re-delivered event sends nothing twice.
queue::Fields StaffMessage(const char* kind, const v1::Member& m, const std::string& lang,
                           const queue::Entry& e, std::string text, std::string idempotency_key) {
  return {{"v", "1"},
          {"kind", kind},
          {"to", m.contact_id()},
          {"member", m.id()},
          {"ticket_id", std::string(e.Get("ticket_id"))},
          {"site_id", std::string(e.Get("site_id"))},
          {"language", lang},
          {"text", std::move(text)},
          {"idempotency_key", std::move(idempotency_key)}};
}

/// "lee, wong, ..." (the first 20), for an error that names a member who is not one.
std::string MemberList(const v1::Estate& e) {
  std::vector<std::string> ids;
  for (const auto& m : e.members()) {
    if (ids.size() == 20) {
      ids.push_back("...");
      break;
    }
    ids.push_back(m.id());
  }
  return ids.empty() ? "(none yet)" : absl::StrJoin(ids, ", ");
}

std::string KindOf(absl::string_view id) { return id.rfind("C-", 0) == 0 ? "complaint" : "repair"; }

/// Who may not get the ticket back: its holder, whoever declined it and whoever it was taken
/// from for not acknowledging it.
std::vector<std::string> Excluded(const v1::Ticket& t) {
  std::vector<std::string> out;
  if (!t.assignee().empty()) out.push_back(t.assignee());
  for (const auto& h : t.history()) {
    if (h.action() != "assigned") continue;
    for (std::string prefix : {"declined by ", "reassigned from "}) {
      if (h.note().rfind(prefix, 0) != 0) continue;
      size_t end = h.note().find_first_of(" :;(", prefix.size());
      out.push_back(h.note().substr(prefix.size(), end - prefix.size()));
    }
  }
  return out;
}

/// The deadlines a ticket carries, events left out, for comparison.
std::string DeadlinesOf(const v1::SlaDeadlines& d) {
  v1::SlaDeadlines copy = d;
  copy.clear_events();
  return copy.SerializeAsString();
}

bool Urgent(const v1::Ticket& t) { return t.priority() == v1::PRIORITY_P1 || t.emergency(); }

}  // namespace

absl::StatusOr<DispatchLogic::Acting> DispatchLogic::Prepare(const v1::MemberActionRequest& req,
                                                             const auth::Principal& actor) {
  Acting a;
  const std::string& id = req.ticket_id();
  if (id.rfind("R-", 0) == 0)
    a.kind = "repair";
  else if (id.rfind("C-", 0) == 0)
    a.kind = "complaint";
  else
    return absl::InvalidArgumentError("ticket_id is a repair (R-...) or a complaint (C-...)");
  std::string member = req.member().empty() ? actor.name : req.member();
  if (actor.role == auth::Role::kTechnician && member != actor.name) {
    return absl::PermissionDeniedError("a technician acts for themself only");
  }
  if (actor.role == auth::Role::kAdapter)
    return absl::PermissionDeniedError("adapters cannot act for members");
  LOBBY_ASSIGN_OR_RETURN(auto ticket, tickets_.Get(a.kind, id));
  LOBBY_RETURN_IF_ERROR(auth::CheckEstate(actor, ticket.site_id()));
  a.ticket = std::move(ticket);
  LOBBY_ASSIGN_OR_RETURN(auto estate, Live(a.ticket.site_id()));
  a.estate = std::move(estate);
  a.member = nullptr;
  for (const auto& m : a.estate.members()) {
    if (m.id() == member) a.member = &m;
  }
  if (a.member == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("'", member, "' is not a member of estate ", a.estate.site_id(),
                     "; name the member who acts (MemberActionRequest.member, lobbyctl --member): ",
                     MemberList(a.estate)));
  }
  return a;
}

absl::StatusOr<v1::Ticket> DispatchLogic::ClaimOnce(const v1::MemberActionRequest& req,
                                                    const auth::Principal& actor) {
  LOBBY_ASSIGN_OR_RETURN(auto a, Prepare(req, actor));
  const v1::Ticket& t = a.ticket;
  if (t.team().empty() || !t.assignee().empty() ||
      (t.status() != v1::TICKET_STATUS_NEW && t.status() != v1::TICKET_STATUS_REOPENED)) {
    return absl::FailedPreconditionError(absl::StrCat(t.id(), " is not waiting in a pool"));
  }
  if (!InTeam(*a.member, t.team())) {
    return absl::PermissionDeniedError(absl::StrCat(a.member->id(), " is not in team ", t.team()));
  }
  LOBBY_ASSIGN_OR_RETURN(auto loads, store_.Loads(t.site_id(), {a.member->id()}));
  int open = loads[a.member->id()].open;
  if (open >= a.member->capacity()) {
    return absl::FailedPreconditionError(
        absl::StrCat(a.member->id(), " has ", open, " open tickets: at capacity"));
  }
  v1::Decision d;
  d.set_team(t.team());
  d.set_assignee(a.member->id());
  d.set_explanation(absl::StrCat("claimed from the ", t.team(), " pool by ", a.member->id()));
  return tickets_.Assign(a.kind, t.id(), d, t.version());
}

absl::StatusOr<v1::Ticket> DispatchLogic::DeclineOnce(const v1::MemberActionRequest& req,
                                                      const auth::Principal& actor) {
  if (req.reason().empty() || req.reason().size() > 500)
    return absl::InvalidArgumentError("a reason is required (up to 500 bytes)");
  LOBBY_ASSIGN_OR_RETURN(auto a, Prepare(req, actor));
  const v1::Ticket& t = a.ticket;
  if (t.assignee() != a.member->id()) {
    return absl::FailedPreconditionError(
        absl::StrCat(t.id(), " is not assigned to ", a.member->id()));
  }
  // Whoever declined it before may not get it back either.
  LOBBY_ASSIGN_OR_RETURN(auto d, DecideNow(a.estate, FactsOf(t), Excluded(t)));
  if (d.team().empty()) d.set_team(t.team());
  d.set_explanation(
      absl::StrCat("declined by ", a.member->id(), " (", req.reason(), "); ", d.explanation()));
  return tickets_.Assign(a.kind, t.id(), d, t.version());
}

absl::StatusOr<v1::Ticket> DispatchLogic::TransferOnce(const v1::MemberActionRequest& req,
                                                       const auth::Principal& actor) {
  if (req.to_member().empty()) return absl::InvalidArgumentError("to_member is required");
  if (req.reason().size() > 500) return absl::InvalidArgumentError("the reason is up to 500 bytes");
  LOBBY_ASSIGN_OR_RETURN(auto a, Prepare(req, actor));
  const v1::Ticket& t = a.ticket;
  if (t.assignee() != a.member->id() && actor.role == auth::Role::kTechnician) {
    return absl::FailedPreconditionError(
        absl::StrCat(t.id(), " is not assigned to ", a.member->id()));
  }
  const v1::Member* to = nullptr;
  for (const auto& m : a.estate.members()) {
    if (m.id() == req.to_member()) to = &m;
  }
  if (to == nullptr) {
    return absl::NotFoundError(absl::StrCat("'", req.to_member(), "' is not a member of estate ",
                                            t.site_id(), "; the members: ", MemberList(a.estate)));
  }
  if (to->id() == t.assignee())
    return absl::FailedPreconditionError(absl::StrCat(t.id(), " is already with ", to->id()));
  v1::Decision d;
  d.set_team(InTeam(*to, t.team()) ? t.team() : to->teams(0));
  d.set_assignee(to->id());
  d.set_explanation(absl::StrCat("transferred by ", a.member->id(), " to ", to->id(),
                                 req.reason().empty() ? "" : " (" + req.reason() + ")"));
  return tickets_.Assign(a.kind, t.id(), d, t.version());
}

absl::StatusOr<v1::Decision> DispatchLogic::Explain(const v1::ExplainRequest& req) {
  const v1::Ticket& t = req.ticket();
  LOBBY_ASSIGN_OR_RETURN(auto estate, Live(t.site_id()));
  return DecideNow(estate, FactsOf(t));
}

absl::Status DispatchLogic::PushAssignment(const queue::Entry& e) {
  if (e.Get("assignee").empty()) return absl::OkStatus();
  LOBBY_ASSIGN_OR_RETURN(auto estate, Estate(e.Get("site_id")));
  if (!estate.has_value()) return absl::OkStatus();
  const v1::Member* m = FindMember(*estate, e.Get("assignee"));
  if (m == nullptr || m->contact_channel() == v1::CHANNEL_UNSPECIFIED || m->contact_id().empty())
    return absl::OkStatus();
  std::string lang = StaffLanguage(*estate, *m);
  std::string ticket(e.Get("ticket_id"));
  std::string where =
      e.Get("building").empty() ? "" : absl::StrCat(Say(lang, ", ", "，", "，"), e.Get("building"));
  std::string text = absl::StrCat(
      Say(lang, "Lobby: ", "Lobby：", "Lobby："), ticket,
      Say(lang, " is yours - ", " 交由您處理 - ", " 交由您处理 - "), e.Get("priority"), " ",
      e.Get("category"), where,
      e.Get("emergency") == "1" ? Say(lang, " (EMERGENCY)", "（緊急）", "（紧急）") : "",
      Say(lang, ". Please acknowledge.", "。請接單。", "。请接单。"));
  queue::Fields message = StaffMessage("assignment", *m, lang, e, std::move(text),
                                       absl::StrCat("assign:", ticket, ":", e.Get("version")));
  // The chat acts on them for the member (docs/adapters/chatbot.md, staff); SMS has commands.
  if (m->contact_channel() != v1::CHANNEL_SMS) {
    message.emplace_back(
        "buttons",
        queue::PackFields(
            {{Say(lang, "Acknowledge", "接單", "接单"), queue::JobButton(ticket, "ack")},
             {Say(lang, "Decline", "退回", "退回"), queue::JobButton(ticket, "decline")},
             {Say(lang, "Details", "詳情", "详情"), queue::JobButton(ticket, "details")}}));
  }
  return store_.Push(ChannelName(m->contact_channel()), message);
}

absl::Status DispatchLogic::HandleEvent(const queue::Entry& e) {
  absl::string_view type = e.Get("type");
  std::string site(e.Get("site_id")), ticket(e.Get("ticket_id"));
  if (site.empty() || ticket.empty()) return absl::OkStatus();  // not a ticket event
  int64_t at = 0;
  (void)absl::SimpleAtoi(e.Get("at"), &at);
  if (type == "ticket.assigned" || type == "ticket.acknowledged") {
    if (absl::Status s = store_.SetHolder(site, ticket, e.Get("assignee"), e.Get("building"), at);
        !s.ok())
      return s;
    if (type == "ticket.assigned") {
      LOBBY_RETURN_IF_ERROR(PushAssignment(e));
    }
  } else if (type == "ticket.resolved" || type == "ticket.closed" || type == "ticket.cancelled") {
    LOBBY_RETURN_IF_ERROR(store_.SetHolder(site, ticket, "", "", at));
  } else if (type == "ticket.paged" || type == "ticket.escalated" || type == "ticket.sla_warning") {
    return PushNotices(e);
  } else if (type == "ticket.created") {
    if (tickets::ParsePriority(e.Get("priority")) == v1::PRIORITY_P1 || e.Get("emergency") == "1") {
      LOBBY_RETURN_IF_ERROR(PushSafetyInstructions(e));
    }
  }
  static const absl::flat_hash_set<absl::string_view> kClockEvents = {
      "ticket.created",         "ticket.assigned", "ticket.acknowledged",
      "ticket.on_site",         "ticket.on_hold",  "ticket.resumed",
      "ticket.resolved",        "ticket.reopened", "ticket.review_submitted",
      "ticket.review_rejected", "ticket.closed",   "ticket.cancelled"};
  if (!kClockEvents.contains(type)) return absl::OkStatus();

  LOBBY_ASSIGN_OR_RETURN(auto estate, Estate(site));
  if (!estate.has_value()) return absl::OkStatus();  // this estate is dispatched by hand
  if (type != "ticket.created" || !e.Get("team").empty()) return Sync(e.Get("kind"), ticket);

  TicketFacts facts{std::string(e.Get("kind")), std::string(e.Get("category")),
                    tickets::ParsePriority(e.Get("priority")).value_or(v1::PRIORITY_P3),
                    std::string(e.Get("building")), std::string(e.Get("description"))};
  int64_t version = 1;
  (void)absl::SimpleAtoi(e.Get("version"), &version);
  return Route(*estate, ticket, std::move(facts), version);
}

absl::Status DispatchLogic::Route(const v1::Estate& estate, const std::string& ticket,
                                  TicketFacts facts, int64_t version) {
  const std::string& site = estate.site_id();
  auto logger = log::Get("dispatch");
  const std::string kind = facts.kind;
  // A version conflict means the ticket changed before the decision landed (a comment, a photo,
  // a proposed visit): decide again on the ticket as it is now. Only a team given meanwhile, or a
  // ticket no longer open, means someone else has handled it.
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<v1::Decision> decision;
    {
      std::lock_guard decide(DecisionLock(site));
      decision = DecideNow(estate, facts);
      if (!decision.ok()) return decision.status();
      if (!decision->assignee().empty()) {
        std::lock_guard lock(mu_);
        in_flight_[site][decision->assignee()]++;
      }
    }
    struct Landed {  // the assignment is counted in Redis (or failed): no longer in flight
      DispatchLogic* self;
      const std::string& site;
      std::string member;
      void Done() {
        if (member.empty()) return;
        std::lock_guard lock(self->mu_);
        auto& site_map = self->in_flight_[site];
        if (--site_map[member] <= 0) site_map.erase(member);
        member.clear();
      }
      ~Landed() { Done(); }
    } landed{this, site, decision->assignee()};
    if (decision->team().empty()) {
      // Said on the ticket and on every team's board, so that a person routes it by hand.
      logger->info("event=not_routed ticket={} reason=\"{}\"", ticket, decision->explanation());
      v1::AnnotateRequest req;
      req.set_id(ticket);
      req.set_not_routed(decision->explanation());
      auto said = tickets_.Annotate(kind, req);
      if (absl::IsFailedPrecondition(said.status()))
        return Sync(kind, ticket);  // given a team meanwhile
      if (!said.ok()) return said.status();
      return Sync(kind, *std::move(said));
    }
    auto assigned = tickets_.Assign(kind, ticket, *decision, version);
    if (absl::IsAborted(assigned.status())) {
      auto now = tickets_.Get(kind, ticket);
      if (absl::IsNotFound(now.status())) return absl::OkStatus();
      if (!now.ok()) return now.status();
      if (!now->team().empty() || !tickets::IsOpen(now->status())) {
        logger->info(
            "event=skip_assign ticket={} reason=\"{} since\"", ticket,
            now->team().empty() ? tickets::StatusName(now->status()) : "given to " + now->team());
        return Sync(kind, *std::move(now));
      }
      if (attempt >= 10)
        return absl::UnavailableError(
            absl::StrCat(ticket, " keeps changing: routing it again later"));
      logger->info("event=decide_again ticket={} reason=\"{}\"", ticket,
                   assigned.status().message());
      facts = FactsOf(*now);
      version = now->version();
      continue;
    }
    if (absl::IsFailedPrecondition(assigned.status())) {
      logger->info("event=skip_assign ticket={} reason=\"{}\"", ticket,
                   assigned.status().message());
      return Sync(kind, ticket);
    }
    if (!assigned.ok()) return assigned.status();
    logger->info("event=assigned ticket={} team={} assignee={}", ticket, decision->team(),
                 decision->assignee());
    // Count it now, not when the ticket.assigned event comes round: the next decision must see
    // this member's new load.
    if (!decision->assignee().empty()) {
      absl::Status s = store_.SetHolder(site, ticket, decision->assignee(), facts.building,
                                        absl::ToUnixMillis(clock_.Now()));
      if (!s.ok()) return s;
    }
    landed.Done();
    return Sync(kind, *std::move(assigned));
  }
}

std::mutex& DispatchLogic::DecisionLock(absl::string_view site) {
  std::lock_guard lock(mu_);
  auto& m = decision_locks_[site];
  if (!m) m = std::make_unique<std::mutex>();
  return *m;
}

absl::Status DispatchLogic::PushNotices(const queue::Entry& e) {
  LOBBY_ASSIGN_OR_RETURN(auto estate, Estate(e.Get("site_id")));
  if (!estate.has_value()) return absl::OkStatus();
  absl::string_view type = e.Get("type");
  for (const v1::Member* m : Reachable(*estate, e.Get("notify"))) {
    std::string lang = StaffLanguage(*estate, *m);
    std::string what =
        type == "ticket.paged"
            ? absl::StrCat(
                  Say(lang, "EMERGENCY ", "緊急 ", "紧急 "), e.Get("category"),
                  Say(lang, " - everyone on duty is paged; the first to acknowledge takes it",
                      " - 已傳呼所有當值同事，最先接手者負責",
                      " - 已呼叫所有值班同事，最先接手者负责"))
        : type == "ticket.escalated"
            ? absl::StrCat(Say(lang, "escalated to you: ", "已升級給您：", "已升级给您："),
                           e.Get("note"))
            : absl::StrCat(Say(lang, "deadline soon: ", "限期將至：", "期限将至："), e.Get("note"));
    std::string text = absl::StrCat(Say(lang, "Lobby: ", "Lobby：", "Lobby："), e.Get("ticket_id"),
                                    " (", e.Get("priority"), e.Get("building").empty() ? "" : ", ",
                                    e.Get("building"), ") ", what);
    std::string ticket(e.Get("ticket_id"));
    queue::Fields message =
        StaffMessage("staff_notice", *m, lang, e, std::move(text),
                     absl::StrCat(type, ":", ticket, ":", e.Get("version"), ":", m->id()));
    if (type == "ticket.paged" && m->contact_channel() != v1::CHANNEL_SMS) {
      message.emplace_back(
          "buttons",
          queue::PackFields(
              {{Say(lang, "I take it", "我來處理", "我来处理"), queue::JobButton(ticket, "take")},
               {Say(lang, "Details", "詳情", "详情"), queue::JobButton(ticket, "details")}}));
    }
    absl::Status s = store_.Push(ChannelName(m->contact_channel()), message);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status DispatchLogic::HandleSurveyEvent(const queue::Entry& e) {
  absl::string_view type = e.Get("type");
  if (type != "report.monthly" && type != "follow_up.overdue") return absl::OkStatus();
  int64_t ms = 0;  // the entry's id is the Redis server's time of writing, in ms
  if (!absl::SimpleAtoi(e.id.substr(0, e.id.find('-')), &ms) ||
      absl::Now() - absl::FromUnixMillis(ms) > absl::Hours(24))
    return absl::OkStatus();
  LOBBY_ASSIGN_OR_RETURN(auto estate, Estate(e.Get("site_id")));
  if (!estate.has_value()) return absl::OkStatus();
  bool report = type == "report.monthly";
  for (const v1::Member* m : Reachable(*estate, e.Get("notify"))) {
    std::string lang = StaffLanguage(*estate, *m);
    std::string text =
        report
            ? absl::StrCat(Say(lang, "Lobby: the monthly report for ", "Lobby：", "Lobby："),
                           e.Get("month"),
                           Say(lang, " is ready: ", " 月報已備妥：", " 月报已备妥："), e.Get("url"))
            : absl::StrCat(Say(lang, "Lobby: a low score's follow-up is overdue: ",
                               "Lobby：低分回訪已逾時：", "Lobby：低分回访已逾时："),
                           e.Get("ticket_id"), " (", e.Get("team"), ")");
    std::string key = absl::StrCat(type, ":", e.Get("site_id"), ":",
                                   report ? e.Get("month") : e.Get("follow_up_id"), ":", m->id());
    absl::Status s = store_.Push(ChannelName(m->contact_channel()),
                                 StaffMessage("staff_notice", *m, lang, e, std::move(text), key));
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status DispatchLogic::PushSafetyInstructions(const queue::Entry& e) {
  std::string site(e.Get("site_id"));
  v1::Catalog catalog;
  {
    std::lock_guard lock(mu_);
    auto it = catalogs_.find(site);
    if (it != catalogs_.end() && clock_.Now() - it->second.second < absl::Seconds(10))
      catalog = it->second.first;
  }
  if (catalog.categories().empty()) {
    LOBBY_ASSIGN_OR_RETURN(auto c, tickets_.Catalog(site));
    catalog = std::move(c);
    std::lock_guard lock(mu_);
    catalogs_[site] = {catalog, clock_.Now()};
  }
  for (const auto& c : catalog.categories()) {
    if (c.id() != e.Get("category") || c.safety_instructions().empty()) continue;
    // The resident hears back on the channel they used; a call is answered by SMS. The adapter
    // picks the resident's language from text.<language>.
    std::string channel(e.Get("channel"));
    if (channel == "phone" || channel.empty()) channel = "sms";
    queue::Fields msg = {{"v", "1"},
                         {"kind", "safety_instructions"},
                         {"resident_id", std::string(e.Get("resident_id"))},
                         {"ticket_id", std::string(e.Get("ticket_id"))},
                         {"site_id", site},
                         {"category", c.id()},
                         {"idempotency_key", absl::StrCat("safety:", e.Get("ticket_id"))}};
    for (const auto& [lang, text] : c.safety_instructions()) msg.emplace_back("text." + lang, text);
    std::sort(msg.begin() + 7, msg.end());
    return store_.Push(channel, msg);
  }
  return absl::OkStatus();
}

absl::Status DispatchLogic::Sync(absl::string_view kind, absl::string_view id) {
  auto t = tickets_.Get(kind, id);
  if (absl::IsNotFound(t.status())) return absl::OkStatus();
  if (!t.ok()) return t.status();
  return Sync(kind, *std::move(t));
}

absl::Status DispatchLogic::Sync(absl::string_view kind, v1::Ticket t) {
  static const v1::SlaPolicy kNoPolicy;
  absl::Time next = absl::InfiniteFuture();
  SlaView view;
  for (int round = 0;; ++round) {
    LOBBY_ASSIGN_OR_RETURN(auto estate, Estate(t.site_id()));
    if (!estate.has_value()) return absl::OkStatus();
    const v1::Estate& e = *estate;
    const v1::SlaPolicy* policy = PolicyFor(e, kind, t.category(), t.priority());
    view =
        ComputeSla(t, policy ? *policy : kNoPolicy,
                   policy && policy->business_hours() ? Calendar::Business(e) : Calendar::Always());
    absl::StatusOr<v1::Ticket> changed;
    SlaPlan plan;
    if (round >= 12) {  // something keeps changing under us: look again in a minute
      next = clock_.Now() + absl::Minutes(1);
      break;
    }
    if (policy != nullptr && tickets::IsOpen(t.status()) &&
        DeadlinesOf(t.sla()) != DeadlinesOf(view.deadlines)) {
      v1::AnnotateRequest req;
      req.set_id(t.id());
      *req.mutable_sla() = view.deadlines;
      req.set_expected_version(t.version());
      changed = tickets_.Annotate(kind, req);
    } else {
      plan = PlanSla(t, view, policy, e, clock_.Now());
      if (plan.due.empty()) {
        next = plan.next;
        break;
      }
      changed = Act(kind, t, e, plan.due.front());
    }
    if (absl::IsAborted(changed.status()) || absl::IsFailedPrecondition(changed.status())) {
      changed = tickets_.Get(kind, t.id());  // someone else changed it meanwhile: look again
    }
    if (!changed.ok()) return changed.status();
    t = *std::move(changed);
  }
  std::optional<v1::BoardTicket> entry;
  if (tickets::IsOpen(t.status())) {
    v1::BoardTicket b;
    b.set_id(t.id());
    b.set_status(tickets::StatusName(t.status()));
    b.set_priority(t.priority());
    b.set_category(t.category());
    b.set_building(t.location().has_unit() ? t.location().unit().building()
                                           : t.location().building());
    *b.mutable_created_at() = t.created_at();
    b.set_emergency(t.emergency());
    b.set_paused(view.paused);
    b.set_team(t.team());
    b.set_assignee(t.assignee());
    b.set_not_routed(t.not_routed());
    absl::Time due = absl::InfiniteFuture();
    for (const Stage& st : view.stages) {
      if (Recorded(t, "breach", st.name, 0, view.cycle_start) || (st.done && *st.done > st.due))
        b.add_breached(st.name);
      if (!st.done && st.due < due) {
        due = st.due;
        b.set_next_stage(st.name);
      }
    }
    if (due != absl::InfiniteFuture()) *b.mutable_next_due() = ToTimestamp(due);
    for (const v1::SlaEvent& ev : t.sla().events()) {
      if (ev.kind() != "escalation" || FromTimestamp(ev.at()) < view.cycle_start) continue;
      if (std::find(b.escalated().begin(), b.escalated().end(), ev.stage()) == b.escalated().end())
        b.add_escalated(ev.stage());
    }
    entry = std::move(b);
  }
  return store_.Track(t.site_id(), t.id(), t.version(), entry, next);
}

absl::StatusOr<v1::Ticket> DispatchLogic::Act(absl::string_view kind, const v1::Ticket& t,
                                              const v1::Estate& e, const SlaAction& a) {
  const v1::Team* team = FindTeam(e, t.team());
  std::string supervisor = team != nullptr ? team->supervisor() : "";
  absl::TimeZone tz = ZoneOf(e);
  auto when = [&](absl::Time at) { return MomentText(at, tz); };
  v1::AnnotateRequest req;
  req.set_id(t.id());
  *req.mutable_sla() = t.sla();
  req.mutable_sla()->clear_events();
  req.set_expected_version(t.version());
  v1::SlaEvent* ev = req.mutable_event();
  ev->set_stage(a.stage);
  ev->set_level(a.level);
  *ev->mutable_due() = ToTimestamp(a.due);
  auto logger = log::Get("dispatch");
  switch (a.kind) {
    case SlaAction::kWarn: {
      ev->set_kind("warning");
      std::string to = t.assignee().empty() ? supervisor : t.assignee();
      if (!to.empty()) ev->add_to(to);
      ev->set_note(absl::StrCat("the ", a.stage, " deadline is ", when(a.due)));
      break;
    }
    case SlaAction::kBreach:
      ev->set_kind("breach");
      ev->set_note(absl::StrCat("the ", a.stage, " deadline (", when(a.due), ") has passed"));
      break;
    case SlaAction::kEscalate: {
      std::vector<v1::EscalationStep> chain = Chain(e);
      std::string to = chain[a.level].to() == "supervisor" ? supervisor : chain[a.level].to();
      ev->set_kind("escalation");
      if (!to.empty()) ev->add_to(to);
      ev->set_note(a.stage == "unclaimed"
                       ? absl::StrCat("nobody has claimed it from the ", t.team(), " pool since ",
                                      when(a.due), "; escalated to ",
                                      to.empty() ? "nobody (no supervisor)" : to)
                       : absl::StrCat("the ", a.stage, " deadline (", when(a.due),
                                      ") has passed; escalated to ",
                                      to.empty() ? "nobody (no supervisor)" : to, " (step ",
                                      a.level + 1, ")"));
      break;
    }
    case SlaAction::kPage: {
      ev->set_kind("page");
      std::vector<std::string> to;
      for (const auto& m : e.members()) {
        if (InTeam(m, t.team()) && OnShift(m, clock_.Now(), tz)) to.push_back(m.id());
      }
      if (!supervisor.empty() && std::find(to.begin(), to.end(), supervisor) == to.end())
        to.push_back(supervisor);
      for (auto& m : to) ev->add_to(m);
      ev->set_note(absl::StrCat("emergency: paged ", absl::StrJoin(to, ", ")));
      break;
    }
    case SlaAction::kReassign: {
      LOBBY_ASSIGN_OR_RETURN(auto d, DecideNow(e, FactsOf(t), Excluded(t)));
      if (d.team().empty()) d.set_team(t.team());
      std::string to =
          d.assignee().empty() ? absl::StrCat("the ", d.team(), " pool") : d.assignee();
      // Tell the supervisor first: if we stop between the two writes, the reassignment is
      // still due and is done next time, and the supervisor is not told twice.
      v1::Ticket cur = t;
      if (!Recorded(t, "escalation", "unacknowledged", 0, a.due)) {
        ev->set_kind("escalation");
        if (!supervisor.empty()) ev->add_to(supervisor);
        ev->set_note(absl::StrCat(t.assignee(), ": ", a.why, "; reassigned to ", to));
        LOBBY_ASSIGN_OR_RETURN(auto annotated, tickets_.Annotate(kind, req));
        cur = std::move(annotated);
      }
      d.set_explanation(
          absl::StrCat("reassigned from ", t.assignee(), " (", a.why, "); ", d.explanation()));
      logger->info("event=reassign ticket={} from={} to={} why=\"{}\"", t.id(), t.assignee(), to,
                   a.why);
      return tickets_.Assign(kind, t.id(), d, cur.version());
    }
  }
  logger->info("event=sla_{} ticket={} stage={} level={} to={}", ev->kind(), t.id(), a.stage,
               a.level, absl::StrJoin(ev->to(), ","));
  return tickets_.Annotate(kind, req);
}

absl::StatusOr<int> DispatchLogic::Tick() {
  LOBBY_ASSIGN_OR_RETURN(auto sites, store_.Sites());
  int n = 0;
  absl::Time now = clock_.Now();
  for (const auto& site : sites) {
    LOBBY_ASSIGN_OR_RETURN(auto due, store_.ClaimDue(site, now, now + absl::Minutes(1), 200));
    for (const auto& id : due) {
      ++n;
      if (absl::Status s = Sync(KindOf(id), id); !s.ok()) {
        log::Get("dispatch")
            ->warn("event=sla_sync_failed ticket={} error=\"{}\"", id,
                   s.message());  // back in a minute
      }
    }
  }
  return n;
}

absl::StatusOr<int> DispatchLogic::Sweep() {
  LOBBY_ASSIGN_OR_RETURN(auto sites, store_.Sites());
  int n = 0;
  for (const auto& site : sites) {
    LOBBY_ASSIGN_OR_RETURN(auto estate, Estate(site));
    if (!estate.has_value()) continue;
    LOBBY_ASSIGN_OR_RETURN(auto board, store_.Board(site));
    absl::TimeZone tz = ZoneOf(*estate);
    for (const auto& b : board) {
      if (b.status() != "assigned" || b.assignee().empty()) continue;
      const v1::Member* m = FindMember(*estate, b.assignee());
      if (m == nullptr || OnShift(*m, clock_.Now(), tz)) continue;
      ++n;
      if (absl::Status s = Sync(KindOf(b.id()), b.id()); !s.ok()) {
        log::Get("dispatch")
            ->warn("event=sweep_failed ticket={} error=\"{}\"", b.id(), s.message());
      }
    }
  }
  return n;
}

absl::StatusOr<v1::Ticket> DispatchLogic::AcknowledgeOnce(const v1::MemberActionRequest& req,
                                                          const auth::Principal& actor) {
  LOBBY_ASSIGN_OR_RETURN(auto a, Prepare(req, actor));
  const v1::Ticket& t = a.ticket;
  const std::string& me = a.member->id();
  v1::Decision d;
  // A paged member of another team who takes an emergency takes it into their own team.
  d.set_team(InTeam(*a.member, t.team()) ? t.team() : a.member->teams(0));
  d.set_assignee(me);
  if (t.assignee() == me) {
    if (t.status() != v1::TICKET_STATUS_ASSIGNED) {
      return absl::FailedPreconditionError(absl::StrCat(
          t.id(), " is ", tickets::StatusName(t.status()), ", not waiting to be acknowledged"));
    }
    d.set_explanation(absl::StrCat("acknowledged by ", me));
  } else {
    // An emergency belongs to whoever answers the page first.
    bool paged = false;
    for (const auto& ev : t.sla().events()) {
      if (ev.kind() == "page" && std::find(ev.to().begin(), ev.to().end(), me) != ev.to().end())
        paged = true;
    }
    bool open = t.status() == v1::TICKET_STATUS_NEW || t.status() == v1::TICKET_STATUS_ASSIGNED;
    if (!Urgent(t) || !open || !(paged || InTeam(*a.member, t.team()))) {
      return absl::FailedPreconditionError(
          t.assignee().empty()
              ? absl::StrCat(t.id(), " is not assigned to anyone: claim it instead")
              : absl::StrCat(t.id(), " is with ", t.assignee(), ", not ", me));
    }
    d.set_explanation(absl::StrCat(me, " answered the page first and acknowledged"));
  }
  return tickets_.Assign(a.kind, t.id(), d, t.version(), /*acknowledged=*/true);
}

absl::StatusOr<v1::Board> DispatchLogic::GetBoard(const v1::GetBoardRequest& req) {
  if (req.team().empty()) return absl::InvalidArgumentError("team is required");
  LOBBY_ASSIGN_OR_RETURN(auto estate, Live(req.site_id()));
  if (FindTeam(estate, req.team()) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("estate ", req.site_id(), " has no team '", req.team(), "'"));
  }
  LOBBY_ASSIGN_OR_RETURN(auto entries, store_.Board(req.site_id()));
  std::sort(entries.begin(), entries.end(), [](const v1::BoardTicket& a, const v1::BoardTicket& b) {
    return std::make_pair(FromTimestamp(a.created_at()), a.id()) <
           std::make_pair(FromTimestamp(b.created_at()), b.id());
  });
  v1::Board out;
  out.set_site_id(req.site_id());
  out.set_team(req.team());
  absl::TimeZone tz = ZoneOf(estate);
  std::map<std::string, v1::BoardMember*> columns;
  for (const auto& m : estate.members()) {
    if (!InTeam(m, req.team())) continue;
    v1::BoardMember* c = out.add_members();
    c->set_member(m.id());
    c->set_capacity(m.capacity());
    c->set_on_shift(OnShift(m, clock_.Now(), tz));
    columns[m.id()] = c;
  }
  for (auto& b : entries) {
    auto col = columns.find(b.assignee());
    if (col != columns.end())
      *col->second->add_tickets() = std::move(b);
    else if (b.team().empty())
      *out.add_unrouted() = std::move(b);
    else if (b.team() != req.team())
      continue;
    else if (b.assignee().empty())
      *out.add_pool() = std::move(b);
    else
      *out.add_elsewhere() = std::move(b);
  }
  return out;
}

absl::StatusOr<v1::BoardMember> DispatchLogic::SetDuty(const v1::SetDutyRequest& req,
                                                       const auth::Principal& actor) {
  std::string member = req.member().empty() ? actor.name : req.member();
  if (actor.role == auth::Role::kTechnician && member != actor.name)
    return absl::PermissionDeniedError("a technician sets only their own duty");
  LOBBY_ASSIGN_OR_RETURN(auto estate, GetEstate(req.site_id()));
  if (FindMember(estate, member) == nullptr) {
    return absl::NotFoundError(absl::StrCat("'", member, "' is not a member of estate ",
                                            req.site_id(), "; the members: ", MemberList(estate)));
  }
  absl::TimeZone tz = ZoneOf(estate);
  absl::CivilDay today = absl::ToCivilDay(clock_.Now(), tz);
  absl::CivilDay day = today;
  if (!req.date().empty() && !absl::ParseCivilTime(req.date(), &day))
    return absl::InvalidArgumentError("date is YYYY-MM-DD");
  if (day < today || day > today + 31)
    return absl::InvalidArgumentError("date is today or within the next 31 days");
  LOBBY_ASSIGN_OR_RETURN(auto days, store_.Duties(req.site_id()));
  std::vector<DutyDay> past;
  for (const DutyDay& d : days) {
    absl::CivilDay at;
    if (!absl::ParseCivilTime(d.date, &at) || at < today - 7) past.push_back(d);
  }
  DutyDay duty{member, absl::FormatCivilTime(day), req.on_duty()};
  LOBBY_RETURN_IF_ERROR(store_.SetDuty(req.site_id(), duty, past));
  {
    std::lock_guard lock(mu_);
    estates_.erase(req.site_id());
  }
  log::Get("dispatch")
      ->info("event=duty_set site={} member={} date={} on={}", req.site_id(), member, duty.date,
             duty.on);
  LOBBY_ASSIGN_OR_RETURN(auto live, Live(req.site_id()));
  const v1::Member* m = FindMember(live, member);
  v1::BoardMember out;
  out.set_member(member);
  out.set_capacity(m->capacity());
  out.set_on_shift(OnShift(*m, clock_.Now(), tz));
  return out;
}

}  // namespace lobby::dispatch
