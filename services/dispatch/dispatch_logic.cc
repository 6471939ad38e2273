#include "services/dispatch/dispatch_logic.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/common/log.h"
#include "services/dispatch/estate.h"

namespace lobby::dispatch {
namespace {

v1::Priority ParsePriority(absl::string_view p) {
  if (p == "P1") return v1::PRIORITY_P1;
  if (p == "P2") return v1::PRIORITY_P2;
  if (p == "P4") return v1::PRIORITY_P4;
  return v1::PRIORITY_P3;
}

}  // namespace

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

absl::StatusOr<v1::Decision> DispatchLogic::DecideNow(const v1::Estate& estate, const TicketFacts& facts) {
  std::vector<std::string> members;
  for (const auto& m : estate.members()) members.push_back(m.id());
  auto loads = store_.Loads(estate.site_id(), members);
  if (!loads.ok()) return loads.status();
  return Decide(estate, facts, clock_.Now(), *loads);
}

absl::StatusOr<v1::Decision> DispatchLogic::Explain(const v1::ExplainRequest& req) {
  const v1::Ticket& t = req.ticket();
  auto estate = GetEstate(t.site_id());
  if (!estate.ok()) return estate.status();
  TicketFacts facts{t.has_complaint() ? "complaint" : "repair", t.category(), t.priority(),
                    t.location().has_unit() ? t.location().unit().building() : t.location().building(), t.description()};
  return DecideNow(*estate, facts);
}

absl::Status DispatchLogic::HandleEvent(const queue::Entry& e) {
  absl::string_view type = e.Get("type");
  std::string site(e.Get("site_id")), ticket(e.Get("ticket_id"));
  if (site.empty() || ticket.empty()) return absl::OkStatus();  // not a ticket event
  int64_t at = 0;
  (void)absl::SimpleAtoi(e.Get("at"), &at);
  if (type == "ticket.assigned") {
    return store_.SetHolder(site, ticket, e.Get("assignee"), e.Get("building"), at);
  }
  if (type == "ticket.resolved" || type == "ticket.closed" || type == "ticket.cancelled") {
    return store_.SetHolder(site, ticket, "", "", at);
  }
  if (type != "ticket.created" || !e.Get("team").empty()) return absl::OkStatus();

  auto estate = Estate(site);
  if (!estate.ok()) return estate.status();
  if (!estate->has_value()) return absl::OkStatus();  // this estate is dispatched by hand
  TicketFacts facts{std::string(e.Get("kind")), std::string(e.Get("category")), ParsePriority(e.Get("priority")),
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
  absl::Status s = assigner_.Assign(e.Get("kind"), ticket, *decision, version);
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
