#include "services/dispatch/dispatch_logic.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/dispatch/estate.h"
#include "services/tickets/state_machine.h"

namespace lobby::dispatch {

absl::StatusOr<std::optional<v1::Estate>> DispatchLogic::Estate(absl::string_view site) {
  {
    std::lock_guard lock(mu_);
    auto it = estates_.find(site);
    if (it != estates_.end() && clock_.Now() - it->second.second < absl::Seconds(10)) return it->second.first;
  }
  auto e = store_.GetEstate(site);
  if (!e.ok()) return e.status();
  std::lock_guard lock(mu_);
  estates_[std::string(site)] = {*e, clock_.Now()};
  return *e;
}

absl::StatusOr<v1::ApplyEstateResponse> DispatchLogic::ApplyEstate(const v1::ApplyEstateRequest& req) {
  auto parsed = ParseEstate(req.yaml());
  if (!parsed.ok()) return parsed.status();
  auto current = store_.GetEstate(parsed->site_id());
  if (!current.ok()) return current.status();
  v1::ApplyEstateResponse out;
  for (auto& c : EstateChanges(current->value_or(v1::Estate()), *parsed)) out.add_changes(std::move(c));
  *out.mutable_estate() = *parsed;
  if (req.dry_run()) return out;
  if (absl::Status s = store_.PutEstate(*parsed); !s.ok()) return s;
  std::lock_guard lock(mu_);
  estates_.erase(parsed->site_id());
  return out;
}

absl::StatusOr<v1::Estate> DispatchLogic::GetEstate(absl::string_view site) {
  auto e = store_.GetEstate(site);
  if (!e.ok()) return e.status();
  if (!e->has_value()) return absl::NotFoundError(absl::StrCat("no estate configuration for site '", site, "'"));
  return **e;
}

absl::StatusOr<v1::Decision> DispatchLogic::DecideNow(const v1::Estate& estate, const TicketFacts& facts,
                                                      const std::vector<std::string>& exclude) {
  std::vector<std::string> members;
  for (const auto& m : estate.members()) members.push_back(m.id());
  auto loads = store_.Loads(estate.site_id(), members);
  if (!loads.ok()) return loads.status();
  return Decide(estate, facts, clock_.Now(), *loads, exclude);
}

namespace {

TicketFacts FactsOf(const v1::Ticket& t) {
  return TicketFacts{t.has_complaint() ? "complaint" : "repair", t.category(), t.priority(),
                     t.location().has_unit() ? t.location().unit().building() : t.location().building(), t.description()};
}

bool InTeam(const v1::Member& m, const std::string& team) {
  return std::find(m.teams().begin(), m.teams().end(), team) != m.teams().end();
}

}  // namespace

absl::StatusOr<DispatchLogic::Acting> DispatchLogic::Prepare(const v1::MemberActionRequest& req,
                                                            const auth::Principal& actor) {
  Acting a;
  const std::string& id = req.ticket_id();
  if (id.rfind("R-", 0) == 0) a.kind = "repair";
  else if (id.rfind("C-", 0) == 0) a.kind = "complaint";
  else return absl::InvalidArgumentError("ticket_id is a repair (R-...) or a complaint (C-...)");
  std::string member = req.member().empty() ? actor.name : req.member();
  if (actor.role == auth::Role::kTechnician && member != actor.name) {
    return absl::PermissionDeniedError("a technician acts for themself only");
  }
  if (actor.role == auth::Role::kAdapter) return absl::PermissionDeniedError("adapters cannot act for members");
  auto ticket = tickets_.Get(a.kind, id);
  if (!ticket.ok()) return ticket.status();
  a.ticket = *std::move(ticket);
  auto estate = GetEstate(a.ticket.site_id());
  if (!estate.ok()) return estate.status();
  a.estate = *std::move(estate);
  a.member = nullptr;
  for (const auto& m : a.estate.members()) {
    if (m.id() == member) a.member = &m;
  }
  if (a.member == nullptr) return absl::NotFoundError(absl::StrCat("'", member, "' is not a member of estate ", a.estate.site_id()));
  return a;
}

absl::StatusOr<v1::Ticket> DispatchLogic::Claim(const v1::MemberActionRequest& req, const auth::Principal& actor) {
  auto a = Prepare(req, actor);
  if (!a.ok()) return a.status();
  const v1::Ticket& t = a->ticket;
  if (t.team().empty() || !t.assignee().empty() ||
      (t.status() != v1::TICKET_STATUS_NEW && t.status() != v1::TICKET_STATUS_REOPENED)) {
    return absl::FailedPreconditionError(absl::StrCat(t.id(), " is not waiting in a pool"));
  }
  if (!InTeam(*a->member, t.team())) {
    return absl::PermissionDeniedError(absl::StrCat(a->member->id(), " is not in team ", t.team()));
  }
  auto loads = store_.Loads(t.site_id(), {a->member->id()});
  if (!loads.ok()) return loads.status();
  int open = (*loads)[a->member->id()].open;
  if (open >= a->member->capacity()) {
    return absl::FailedPreconditionError(absl::StrCat(a->member->id(), " has ", open, " open tickets: at capacity"));
  }
  v1::Decision d;
  d.set_team(t.team());
  d.set_assignee(a->member->id());
  d.set_explanation(absl::StrCat("claimed from the ", t.team(), " pool by ", a->member->id()));
  return tickets_.Assign(a->kind, t.id(), d, t.version());
}

absl::StatusOr<v1::Ticket> DispatchLogic::Decline(const v1::MemberActionRequest& req, const auth::Principal& actor) {
  if (req.reason().empty() || req.reason().size() > 500) return absl::InvalidArgumentError("a reason is required (up to 500 bytes)");
  auto a = Prepare(req, actor);
  if (!a.ok()) return a.status();
  const v1::Ticket& t = a->ticket;
  if (t.assignee() != a->member->id()) {
    return absl::FailedPreconditionError(absl::StrCat(t.id(), " is not assigned to ", a->member->id()));
  }
  // Whoever declined it before may not get it back either.
  std::vector<std::string> exclude = {a->member->id()};
  for (const auto& h : t.history()) {
    if (h.action() == "assigned" && h.note().rfind("declined by ", 0) == 0) {
      std::string who = h.note().substr(12, h.note().find(' ', 12) - 12);
      exclude.push_back(who);
    }
  }
  auto d = DecideNow(a->estate, FactsOf(t), exclude);
  if (!d.ok()) return d.status();
  if (d->team().empty()) d->set_team(t.team());
  d->set_explanation(absl::StrCat("declined by ", a->member->id(), " (", req.reason(), "); ", d->explanation()));
  return tickets_.Assign(a->kind, t.id(), *d, t.version());
}

absl::StatusOr<v1::Ticket> DispatchLogic::Transfer(const v1::MemberActionRequest& req, const auth::Principal& actor) {
  if (req.to_member().empty()) return absl::InvalidArgumentError("to_member is required");
  if (req.reason().size() > 500) return absl::InvalidArgumentError("the reason is up to 500 bytes");
  auto a = Prepare(req, actor);
  if (!a.ok()) return a.status();
  const v1::Ticket& t = a->ticket;
  if (t.assignee() != a->member->id() && actor.role == auth::Role::kTechnician) {
    return absl::FailedPreconditionError(absl::StrCat(t.id(), " is not assigned to ", a->member->id()));
  }
  const v1::Member* to = nullptr;
  for (const auto& m : a->estate.members()) {
    if (m.id() == req.to_member()) to = &m;
  }
  if (to == nullptr) return absl::NotFoundError(absl::StrCat("'", req.to_member(), "' is not a member of estate ", t.site_id()));
  if (to->id() == t.assignee()) return absl::FailedPreconditionError(absl::StrCat(t.id(), " is already with ", to->id()));
  v1::Decision d;
  d.set_team(InTeam(*to, t.team()) ? t.team() : to->teams(0));
  d.set_assignee(to->id());
  d.set_explanation(absl::StrCat("transferred by ", a->member->id(), " to ", to->id(),
                                 req.reason().empty() ? "" : " (" + req.reason() + ")"));
  return tickets_.Assign(a->kind, t.id(), d, t.version());
}

absl::StatusOr<v1::Decision> DispatchLogic::Explain(const v1::ExplainRequest& req) {
  const v1::Ticket& t = req.ticket();
  auto estate = GetEstate(t.site_id());
  if (!estate.ok()) return estate.status();
  TicketFacts facts{t.has_complaint() ? "complaint" : "repair", t.category(), t.priority(),
                    t.location().has_unit() ? t.location().unit().building() : t.location().building(), t.description()};
  return DecideNow(*estate, facts);
}

absl::Status DispatchLogic::PushAssignment(const queue::Entry& e) {
  if (e.Get("assignee").empty()) return absl::OkStatus();
  auto estate = Estate(e.Get("site_id"));
  if (!estate.ok()) return estate.status();
  if (!estate->has_value()) return absl::OkStatus();
  for (const auto& m : (*estate)->members()) {
    if (m.id() != e.Get("assignee")) continue;
    if (m.contact_channel() == v1::CHANNEL_UNSPECIFIED || m.contact_id().empty()) return absl::OkStatus();
    std::string channel = ChannelName(m.contact_channel());
    std::string text = absl::StrCat("Lobby: ", e.Get("ticket_id"), " is yours - ", e.Get("priority"), " ",
                                    e.Get("category"), e.Get("building").empty() ? "" : absl::StrCat(", ", e.Get("building")),
                                    e.Get("emergency") == "1" ? " (EMERGENCY)" : "", ". Please acknowledge.");
    // The adapter drops a repeat by idempotency_key, so a re-delivered event sends nothing twice.
    return store_.Push(channel, {{"v", "1"},
                                 {"kind", "assignment"},
                                 {"to", m.contact_id()},
                                 {"member", m.id()},
                                 {"ticket_id", std::string(e.Get("ticket_id"))},
                                 {"site_id", std::string(e.Get("site_id"))},
                                 {"language", "en"},
                                 {"text", text},
                                 {"idempotency_key", absl::StrCat("assign:", e.Get("ticket_id"), ":", e.Get("version"))}});
  }
  return absl::OkStatus();
}

absl::Status DispatchLogic::HandleEvent(const queue::Entry& e) {
  absl::string_view type = e.Get("type");
  std::string site(e.Get("site_id")), ticket(e.Get("ticket_id"));
  if (site.empty() || ticket.empty()) return absl::OkStatus();  // not a ticket event
  int64_t at = 0;
  (void)absl::SimpleAtoi(e.Get("at"), &at);
  if (type == "ticket.assigned") {
    if (absl::Status s = store_.SetHolder(site, ticket, e.Get("assignee"), e.Get("building"), at); !s.ok()) return s;
    return PushAssignment(e);
  }
  if (type == "ticket.resolved" || type == "ticket.closed" || type == "ticket.cancelled") {
    return store_.SetHolder(site, ticket, "", "", at);
  }
  if (type != "ticket.created" || !e.Get("team").empty()) return absl::OkStatus();

  auto estate = Estate(site);
  if (!estate.ok()) return estate.status();
  if (!estate->has_value()) return absl::OkStatus();  // this estate is dispatched by hand
  TicketFacts facts{std::string(e.Get("kind")), std::string(e.Get("category")), tickets::ParsePriority(e.Get("priority")).value_or(v1::PRIORITY_P3),
                    std::string(e.Get("building")), std::string(e.Get("description"))};
  auto decision = DecideNow(**estate, facts);
  if (!decision.ok()) return decision.status();
  auto logger = log::Get("dispatch");
  if (decision->team().empty()) {
    logger->info("event=not_routed ticket={} reason=\"{}\"", ticket, decision->explanation());
    return absl::OkStatus();
  }
  int64_t version = 1;
  (void)absl::SimpleAtoi(e.Get("version"), &version);
  absl::Status s = tickets_.Assign(e.Get("kind"), ticket, *decision, version).status();
  if (absl::IsAborted(s) || absl::IsFailedPrecondition(s)) {
    logger->info("event=skip_assign ticket={} reason=\"{}\"", ticket, s.message());  // someone acted first
    return absl::OkStatus();
  }
  if (!s.ok()) return s;
  logger->info("event=assigned ticket={} team={} assignee={}", ticket, decision->team(), decision->assignee());
  // Count it now, not when the ticket.assigned event comes round: the next tickets in this
  // batch must see this member's new load.
  if (!decision->assignee().empty()) {
    return store_.SetHolder(site, ticket, decision->assignee(), e.Get("building"), absl::ToUnixMillis(clock_.Now()));
  }
  return absl::OkStatus();
}

}  // namespace lobby::dispatch
