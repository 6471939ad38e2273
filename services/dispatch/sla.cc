#include "services/dispatch/sla.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/common/proto_util.h"

namespace lobby::dispatch {
namespace {

template <typename List, typename T>
bool ContainsOrEmpty(const List& list, const T& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

bool In(v1::TicketStatus s, std::initializer_list<v1::TicketStatus> set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

using S = v1::TicketStatus;
constexpr std::initializer_list<S> kAcknowledged = {
    S::TICKET_STATUS_ACKNOWLEDGED, S::TICKET_STATUS_ON_SITE,  S::TICKET_STATUS_ON_HOLD,
    S::TICKET_STATUS_IN_REVIEW,    S::TICKET_STATUS_RESOLVED, S::TICKET_STATUS_CLOSED,
    S::TICKET_STATUS_CANCELLED};
constexpr std::initializer_list<S> kArrived = {S::TICKET_STATUS_ON_SITE, S::TICKET_STATUS_RESOLVED,
                                               S::TICKET_STATUS_CLOSED, S::TICKET_STATUS_CANCELLED};
constexpr std::initializer_list<S> kResolved = {S::TICKET_STATUS_RESOLVED, S::TICKET_STATUS_CLOSED,
                                                S::TICKET_STATUS_CANCELLED};

/// When the ticket last entered the state it is in through `actions` (or its cycle start).
absl::Time LastEntered(const v1::Ticket& t, absl::Time since,
                       std::initializer_list<absl::string_view> actions) {
  absl::Time at = since;
  for (const auto& h : t.history()) {
    absl::Time when = FromTimestamp(h.at());
    if (when >= since && std::find(actions.begin(), actions.end(), h.action()) != actions.end())
      at = when;
  }
  return at;
}

const v1::Member* FindMember(const v1::Estate& e, absl::string_view id) {
  for (const auto& m : e.members()) {
    if (m.id() == id) return &m;
  }
  return nullptr;
}

}  // namespace

const v1::SlaPolicy* PolicyFor(const v1::Estate& estate, absl::string_view kind,
                               absl::string_view category, v1::Priority priority) {
  for (const auto& p : estate.sla_policies()) {
    if (ContainsOrEmpty(p.kinds(), kind) && ContainsOrEmpty(p.categories(), category) &&
        ContainsOrEmpty(p.priorities(), priority)) {
      return &p;
    }
  }
  return nullptr;
}

SlaView ComputeSla(const v1::Ticket& t, const v1::SlaPolicy& policy, const Calendar& calendar) {
  SlaView v;
  v.cycle_start = FromTimestamp(t.created_at());
  for (const auto& h : t.history()) {
    if (h.to_status() == S::TICKET_STATUS_REOPENED &&
        h.from_status() != S::TICKET_STATUS_REOPENED) {
      v.cycle_start = FromTimestamp(h.at());
    }
  }
  std::vector<Interval> pauses;
  std::optional<absl::Time> acked, arrived, resolved;
  bool holding = false;
  absl::Time hold;
  for (const auto& h : t.history()) {
    absl::Time at = FromTimestamp(h.at());
    if (at < v.cycle_start) continue;
    if (h.to_status() == S::TICKET_STATUS_ON_HOLD && h.from_status() != S::TICKET_STATUS_ON_HOLD) {
      holding = true;
      hold = at;
    }
    if (h.from_status() == S::TICKET_STATUS_ON_HOLD && h.to_status() != S::TICKET_STATUS_ON_HOLD &&
        holding) {
      pauses.push_back({hold, at});
      holding = false;
    }
    if (!acked && In(h.to_status(), kAcknowledged)) acked = at;
    if (!arrived && In(h.to_status(), kArrived)) arrived = at;
    if (!resolved && In(h.to_status(), kResolved)) resolved = at;
  }
  v.paused = holding;
  bool complaint = t.has_complaint();
  struct Def {
    const char* name;
    int64_t minutes;
    std::optional<absl::Time> done;
    google::protobuf::Timestamp* (v1::SlaDeadlines::*field)();
    const google::protobuf::Timestamp& (v1::SlaDeadlines::*current)() const;
    bool has_current;
  };
  const v1::SlaDeadlines& now = t.sla();
  std::vector<Def> defs;
  if (complaint) {
    defs.push_back({"respond", policy.acknowledge_minutes(), acked,
                    &v1::SlaDeadlines::mutable_respond_by, &v1::SlaDeadlines::respond_by,
                    now.has_respond_by()});
  } else {
    defs.push_back({"acknowledge", policy.acknowledge_minutes(), acked,
                    &v1::SlaDeadlines::mutable_acknowledge_by, &v1::SlaDeadlines::acknowledge_by,
                    now.has_acknowledge_by()});
    defs.push_back({"arrive", policy.arrive_minutes(), arrived,
                    &v1::SlaDeadlines::mutable_arrive_by, &v1::SlaDeadlines::arrive_by,
                    now.has_arrive_by()});
  }
  defs.push_back({"resolve", policy.resolve_minutes(), resolved,
                  &v1::SlaDeadlines::mutable_resolve_by, &v1::SlaDeadlines::resolve_by,
                  now.has_resolve_by()});
  v.deadlines.set_policy(policy.name());
  v.deadlines.set_business_hours(policy.business_hours());
  v.deadlines.set_paused(v.paused);
  for (const auto& d : defs) {
    if (d.minutes <= 0) continue;
    Stage s;
    s.name = d.name;
    s.done = d.done;
    if (v.paused && !d.done) {
      // On hold: the clock stands still; the ticket keeps the deadline it had.
      if (d.has_current) *(v.deadlines.*d.field)() = (now.*d.current)();
      v.stages.push_back(std::move(s));
      continue;
    }
    std::vector<Interval> counted;  // pauses before the stage was met
    for (const auto& p : pauses) {
      if (!d.done || p.from < *d.done) counted.push_back(p);
    }
    absl::Duration length = absl::Minutes(d.minutes);
    s.due = calendar.Add(v.cycle_start, length, counted);
    s.warn_at = calendar.Add(v.cycle_start, length * policy.warn_percent() / 100, counted);
    if (s.due != absl::InfiniteFuture()) *(v.deadlines.*d.field)() = ToTimestamp(s.due);
    v.stages.push_back(std::move(s));
  }
  return v;
}

std::vector<v1::EscalationStep> Chain(const v1::Estate& estate) {
  if (!estate.escalation().empty()) return {estate.escalation().begin(), estate.escalation().end()};
  v1::EscalationStep s;
  s.set_to("supervisor");
  return {s};
}

bool Recorded(const v1::Ticket& t, absl::string_view kind, absl::string_view stage, int level,
              absl::Time since) {
  for (const auto& e : t.sla().events()) {
    if (e.kind() == kind && e.stage() == stage && e.level() == level &&
        FromTimestamp(e.at()) >= since)
      return true;
  }
  return false;
}

SlaPlan PlanSla(const v1::Ticket& t, const SlaView& v, const v1::SlaPolicy* policy,
                const v1::Estate& estate, absl::Time now) {
  std::vector<SlaAction> all;
  auto add = [&](SlaAction::Kind kind, std::string stage, int level, absl::Time at, absl::Time due,
                 std::string why = "") {
    all.push_back(SlaAction{kind, std::move(stage), level, at, due, std::move(why)});
  };
  absl::Time since = v.cycle_start;
  std::vector<v1::EscalationStep> chain = Chain(estate);
  auto escalate = [&](const std::string& stage, absl::Time due, absl::Time recorded_since) {
    for (int i = 0; i < static_cast<int>(chain.size()); ++i) {
      if (!Recorded(t, "escalation", stage, i, recorded_since)) {
        add(SlaAction::kEscalate, stage, i, due + absl::Minutes(chain[i].after_minutes()), due);
      }
    }
  };
  if (policy != nullptr) {
    for (const Stage& s : v.stages) {
      bool breached = Recorded(t, "breach", s.name, 0, since);
      if (s.done) {
        // Met late while nobody was watching (a restart): the breach still counts.
        if (*s.done > s.due && !breached) add(SlaAction::kBreach, s.name, 0, s.due, s.due);
        continue;
      }
      if (v.paused) continue;
      if (!breached) {
        if (s.warn_at < s.due && s.due > now && !Recorded(t, "warning", s.name, 0, since))
          add(SlaAction::kWarn, s.name, 0, s.warn_at, s.due);
        add(SlaAction::kBreach, s.name, 0, s.due, s.due);
      } else {
        escalate(s.name, s.due, since);
      }
    }
  }
  bool pooled = !t.team().empty() && t.assignee().empty() &&
                In(t.status(), {S::TICKET_STATUS_NEW, S::TICKET_STATUS_REOPENED});
  if (policy != nullptr && policy->unclaimed_minutes() > 0 && pooled) {
    absl::Time pooled_since = LastEntered(t, since, {"created", "assigned", "reopened"});
    escalate("unclaimed", pooled_since + absl::Minutes(policy->unclaimed_minutes()), pooled_since);
  }
  if (t.status() == S::TICKET_STATUS_ASSIGNED && !t.assignee().empty()) {
    absl::Time assigned = LastEntered(t, since, {"assigned"});
    if (policy != nullptr && policy->reassign_minutes() > 0) {
      add(SlaAction::kReassign, "unacknowledged", 0,
          assigned + absl::Minutes(policy->reassign_minutes()), assigned,
          absl::StrCat("not acknowledged within ", policy->reassign_minutes(), "m"));
    }
    // Went off shift (or on leave) since the assignment: someone on duty takes it over.
    absl::TimeZone tz;
    const v1::Member* m = FindMember(estate, t.assignee());
    if (m != nullptr && absl::LoadTimeZone(estate.time_zone(), &tz) && OnShift(*m, assigned, tz) &&
        !OnShift(*m, now, tz)) {
      add(SlaAction::kReassign, "unacknowledged", 0, now, assigned,
          absl::StrCat(m->id(), " went off shift"));
    }
  }
  bool urgent = t.priority() == v1::PRIORITY_P1 || t.emergency();
  if (urgent && !t.team().empty() &&
      In(t.status(), {S::TICKET_STATUS_NEW, S::TICKET_STATUS_ASSIGNED}) &&
      !Recorded(t, "page", "acknowledge", 0, since)) {
    add(SlaAction::kPage, "acknowledge", 0, since, since);
  }
  SlaPlan plan;
  for (auto& a : all) {
    if (a.at <= now)
      plan.due.push_back(std::move(a));
    else
      plan.next = std::min(plan.next, a.at);
  }
  // Pages first (an emergency cannot wait for paperwork), then in the order they fell due.
  std::stable_sort(plan.due.begin(), plan.due.end(), [](const SlaAction& a, const SlaAction& b) {
    if ((a.kind == SlaAction::kPage) != (b.kind == SlaAction::kPage))
      return a.kind == SlaAction::kPage;
    return a.at < b.at;
  });
  return plan;
}

}  // namespace lobby::dispatch
