#include "adapters/common/staff_jobs.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/common/texts.h"
#include "services/common/proto_util.h"
#include "services/common/status_macros.h"

namespace lobby::adapters {

namespace {

using Action = dispatch::Client::Action;

bool MovedOn(const absl::Status& s) {
  return absl::IsFailedPrecondition(s) || absl::IsPermissionDenied(s) || absl::IsAborted(s) ||
         absl::IsNotFound(s);
}

}  // namespace

std::string WhereItStands(const v1::Ticket& t, const std::string& lang) {
  std::string with =
      t.assignee().empty()
          ? T(lang, ", waiting in the team's pool", "，在組別待接工作中", "，在组别待接工作中")
          : absl::StrCat(T(lang, ", with ", "，由 ", "，由 "), t.assignee(),
                         T(lang, "", " 負責", " 负责"));
  return absl::StrCat(t.id(), T(lang, ": ", "：", "："), StatusText(t.status(), lang), with,
                      T(lang, ".", "。", "。"));
}

std::vector<v1::BoardTicket> JobsOf(const std::vector<v1::Board>& boards, const std::string& member,
                                    bool pool) {
  std::vector<v1::BoardTicket> jobs;
  std::set<std::string> seen;
  for (const auto& board : boards) {
    if (pool) {
      for (const auto& t : board.pool())
        if (seen.insert(t.id()).second) jobs.push_back(t);
      continue;
    }
    for (const auto& m : board.members()) {
      if (m.member() != member) continue;
      for (const auto& t : m.tickets())
        if (seen.insert(t.id()).second) jobs.push_back(t);
    }
  }
  auto due = [](const v1::BoardTicket& t) {
    return t.has_next_due() ? FromTimestamp(t.next_due()) : absl::InfiniteFuture();
  };
  std::sort(jobs.begin(), jobs.end(), [&](const v1::BoardTicket& a, const v1::BoardTicket& b) {
    return std::make_tuple(a.priority(), due(a), FromTimestamp(a.created_at()), a.id()) <
           std::make_tuple(b.priority(), due(b), FromTimestamp(b.created_at()), b.id());
  });
  return jobs;
}

std::string JobLine(const v1::BoardTicket& t, const std::string& lang, absl::TimeZone zone) {
  std::string status = t.status();
  if (v1::TicketStatus s;
      v1::TicketStatus_Parse("TICKET_STATUS_" + absl::AsciiStrToUpper(t.status()), &s))
    status = StatusText(s, lang);
  std::string line =
      absl::StrCat(t.id(), " ", v1::Priority_Name(t.priority()).substr(9), " ", t.category(),
                   t.building().empty() ? "" : ", " + t.building(), ": ", status);
  if (t.has_next_due() && !t.next_stage().empty()) {
    absl::StrAppend(&line, T(lang, "; ", "；", "；"), t.next_stage(),
                    T(lang, " by ", " 限 ", " 限 "),
                    absl::FormatTime("%m-%d %H:%M", FromTimestamp(t.next_due()), zone));
  }
  if (!t.breached().empty()) absl::StrAppend(&line, T(lang, " - LATE", "（已逾時）", "（已超时）"));
  return line;
}

std::optional<v1::HoldReason> HoldReasonNamed(const std::string& name) {
  if (name == "parts") return v1::HOLD_REASON_WAITING_PARTS;
  if (name == "absent") return v1::HOLD_REASON_RESIDENT_ABSENT;
  if (name == "access") return v1::HOLD_REASON_NO_ACCESS;
  return std::nullopt;
}

absl::StatusOr<JobResult> DoJob(StaffApi& api, const v1::StaffIdentity& who, const JobRequest& r) {
  auto transition = [&](v1::TicketAction action,
                        v1::HoldReason reason = v1::HOLD_REASON_UNSPECIFIED) {
    v1::TransitionRequest req;
    req.set_id(r.ticket);
    req.set_action(action);
    req.set_hold_reason(reason);
    req.set_note(r.note);
    for (const std::string& p : r.photos) {
      v1::Photo* photo = req.add_photos();
      photo->set_url(p);
      photo->set_content_type("image/jpeg");  // chat apps and MMS send photos as JPEG
    }
    return api.Act(who, req);
  };
  absl::StatusOr<v1::Ticket> done;
  if (r.verb == "ack" || r.verb == "take") {
    LOBBY_ASSIGN_OR_RETURN(auto t, api.Job(who, r.ticket));
    // A reopened job of theirs is taken on again through its own transition; an assigned one,
    // or a P1 someone else was given, through dispatch (the first to acknowledge owns it).
    done = t.status() == v1::TICKET_STATUS_REOPENED && t.assignee() == who.member()
               ? transition(v1::TICKET_ACTION_ACKNOWLEDGE)
               : api.Dispatch(who, Action::kAcknowledge, r.ticket, "");
  } else if (r.verb == "onway") {
    done = transition(v1::TICKET_ACTION_ON_THE_WAY);
  } else if (r.verb == "onsite") {
    done = transition(v1::TICKET_ACTION_ARRIVE);
  } else if (r.verb == "resume") {
    done = transition(v1::TICKET_ACTION_RESUME);
  } else if (r.verb == "hold") {
    auto reason = HoldReasonNamed(r.arg);
    if (!reason)
      return absl::InvalidArgumentError("a hold needs a reason: parts, absent or access");
    done = transition(v1::TICKET_ACTION_HOLD, *reason);
  } else if (r.verb == "resolve") {
    done = transition(v1::TICKET_ACTION_RESOLVE);
  } else if (r.verb == "decline") {
    if (r.note.empty()) return absl::InvalidArgumentError("a decline needs a reason");
    done = api.Dispatch(who, Action::kDecline, r.ticket, r.note);
  } else if (r.verb == "claim") {
    done = api.Dispatch(who, Action::kClaim, r.ticket, "");
  } else {
    return absl::InvalidArgumentError("unknown job action '" + r.verb + "'");
  }
  if (done.ok()) return JobResult{*std::move(done), absl::OkStatus(), false};
  if (!MovedOn(done.status())) return done.status();
  // Too late, or not theirs: the job as it stands, for the answer.
  LOBBY_ASSIGN_OR_RETURN(auto now, api.Job(who, r.ticket));
  bool urgent = now.priority() == v1::PRIORITY_P1 || now.emergency();
  bool other = !now.assignee().empty() && now.assignee() != who.member();
  return JobResult{std::move(now), done.status(), urgent && other};
}

}  // namespace lobby::adapters
