#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "lobby/v1/dispatch.pb.h"
#include "services/common/clock.h"
#include "services/common/queue.h"
#include "services/common/roles.h"
#include "services/dispatch/dispatch_store.h"
#include "services/dispatch/sla.h"

namespace lobby::dispatch {

/// How dispatch reads and assigns tickets: through the owning service (RepairService or
/// ComplaintService, by kind: "repair" or "complaint").
class TicketClient {
 public:
  virtual ~TicketClient() = default;
  virtual absl::StatusOr<v1::Ticket> Get(absl::string_view kind, absl::string_view ticket) = 0;
  /// ABORTED when the ticket moved past `expected_version`, FAILED_PRECONDITION when it can no
  /// longer be assigned: both mean someone else acted first.
  /// `acknowledged`: the assignee has taken it on already (ticket.acknowledged).
  virtual absl::StatusOr<v1::Ticket> Assign(absl::string_view kind, absl::string_view ticket,
                                            const v1::Decision& decision, int64_t expected_version,
                                            bool acknowledged = false) = 0;
  /// Records SLA deadlines or an SLA event on the ticket (ABORTED as for Assign).
  virtual absl::StatusOr<v1::Ticket> Annotate(absl::string_view kind,
                                              const v1::AnnotateRequest& request) = 0;
  /// The site's category catalog (for safety instructions).
  virtual absl::StatusOr<v1::Catalog> Catalog(absl::string_view site) = 0;
};

/// Dispatch: estates, and the `dispatch` consumer of lobby:q:tickets that routes every new
/// ticket and keeps each member's workload from the events. Thread-safe.
class DispatchLogic {
 public:
  DispatchLogic(DispatchStore& store, const Clock& clock, TicketClient& tickets)
      : store_(store), clock_(clock), tickets_(tickets) {}

  absl::StatusOr<v1::ApplyEstateResponse> ApplyEstate(const v1::ApplyEstateRequest& request);
  absl::StatusOr<v1::Estate> GetEstate(absl::string_view site);
  /// The estate's register and team members; NOT_FOUND for an unknown site once any estate has
  /// a register (an empty register before that).
  absl::StatusOr<v1::EstateRegister> GetRegister(absl::string_view site);
  absl::StatusOr<v1::Decision> Explain(const v1::ExplainRequest& request);

  /// Member actions (see dispatch.proto). A technician acts for themself only.
  // A member's action is checked against the ticket as it is; when it changed before the action
  // landed (a comment, a photo), it is checked again and done on the ticket as it is now.
  absl::StatusOr<v1::Ticket> Claim(const v1::MemberActionRequest& request,
                                   const auth::Principal& actor) {
    return AgainIfChanged([&] { return ClaimOnce(request, actor); });
  }
  absl::StatusOr<v1::Ticket> Decline(const v1::MemberActionRequest& request,
                                     const auth::Principal& actor) {
    return AgainIfChanged([&] { return DeclineOnce(request, actor); });
  }
  absl::StatusOr<v1::Ticket> Transfer(const v1::MemberActionRequest& request,
                                      const auth::Principal& actor) {
    return AgainIfChanged([&] { return TransferOnce(request, actor); });
  }
  absl::StatusOr<v1::Ticket> Acknowledge(const v1::MemberActionRequest& request,
                                         const auth::Principal& actor) {
    return AgainIfChanged([&] { return AcknowledgeOnce(request, actor); });
  }

  /// A team's open tickets per member, oldest first.
  absl::StatusOr<v1::Board> GetBoard(const v1::GetBoardRequest& request);
  /// A member on or off duty for a day; answers whether they are on shift now.
  absl::StatusOr<v1::BoardMember> SetDuty(const v1::SetDutyRequest& request,
                                          const auth::Principal& actor);

  /// The timer loop's turn: every ticket whose clocks are due (warning, breach, escalation,
  /// reassignment) is brought up to date. Returns how many tickets it looked at.
  absl::StatusOr<int> Tick();
  /// Unacknowledged tickets of members who went off shift or on leave go to someone on duty.
  absl::StatusOr<int> Sweep();

  /// ticket.created: decide and assign (a ticket that already has a team is left alone; one no
  /// rule or team covers gets the reason on the ticket and every team's board), and
  /// for an emergency the safety instructions to the resident;
  /// ticket.assigned: the new holder's workload, and a push to their contact channel;
  /// resolved, closed, cancelled: work done;
  /// pages, warnings and escalations: a push to each member told;
  /// every change of status: the SLA clocks brought up to date (deadlines written back on the
  /// ticket, the next timer in Redis).
  /// Idempotent: a re-delivered event changes nothing.
  absl::Status HandleEvent(const queue::Entry& event);
  /// An event of lobby:q:surveys (dispatch's group there): report.monthly (the link to last
  /// month's report) and follow_up.overdue (a low score's return call not made in time) are
  /// pushed to each member named in `notify`, on their contact channel. Events older than a day
  /// (a group made after them) tell nobody. Idempotent.
  absl::Status HandleSurveyEvent(const queue::Entry& event);

 private:
  template <typename Act>
  static absl::StatusOr<v1::Ticket> AgainIfChanged(const Act& act) {
    for (int attempt = 1;; ++attempt) {
      absl::StatusOr<v1::Ticket> r = act();
      if (!absl::IsAborted(r.status()) || attempt == 5) return r;
    }
  }
  absl::StatusOr<v1::Ticket> ClaimOnce(const v1::MemberActionRequest& request,
                                       const auth::Principal& actor);
  absl::StatusOr<v1::Ticket> DeclineOnce(const v1::MemberActionRequest& request,
                                         const auth::Principal& actor);
  absl::StatusOr<v1::Ticket> TransferOnce(const v1::MemberActionRequest& request,
                                          const auth::Principal& actor);
  absl::StatusOr<v1::Ticket> AcknowledgeOnce(const v1::MemberActionRequest& request,
                                             const auth::Principal& actor);
  /// The estate as dispatch works with it: the YAML applied, with the members' duty days
  /// (off: a day of leave; on: on call all that day). Estate() keeps it 10 s; Live() reads it.
  absl::StatusOr<std::optional<v1::Estate>> Estate(absl::string_view site);
  absl::StatusOr<v1::Estate> Live(absl::string_view site);
  absl::Status AddDuty(v1::Estate& estate);
  /// Decides and assigns a new ticket last seen at `version`; decides again when it changed.
  absl::Status Route(const v1::Estate& estate, const std::string& ticket, TicketFacts facts,
                     int64_t version);
  absl::Status PushAssignment(const queue::Entry& event);
  absl::Status PushNotices(const queue::Entry& event);
  absl::Status PushSafetyInstructions(const queue::Entry& event);
  /// Brings the ticket's clocks up to date: deadlines, due actions, its board entry and timer.
  absl::Status Sync(absl::string_view kind, absl::string_view id);
  absl::Status Sync(absl::string_view kind, v1::Ticket ticket);
  /// Does one due SLA action; returns the ticket as it is afterwards.
  absl::StatusOr<v1::Ticket> Act(absl::string_view kind, const v1::Ticket& ticket,
                                 const v1::Estate& estate, const SlaAction& action);
  absl::StatusOr<v1::Decision> DecideNow(const v1::Estate& estate, const TicketFacts& facts,
                                         const std::vector<std::string>& exclude = {});
  struct Acting {
    std::string kind;
    v1::Ticket ticket;
    v1::Estate estate;
    const v1::Member* member;  // into estate
  };
  /// The ticket, its estate and the member acting, checked.
  absl::StatusOr<Acting> Prepare(const v1::MemberActionRequest& request,
                                 const auth::Principal& actor);

  DispatchStore& store_;
  const Clock& clock_;
  TicketClient& tickets_;
  std::mutex mu_;
  // Estates are read for every new ticket: kept for 10 seconds (ApplyEstate refreshes at once).
  absl::flat_hash_map<std::string, std::pair<std::optional<v1::Estate>, absl::Time>> estates_;
  absl::flat_hash_map<std::string, std::pair<v1::Catalog, absl::Time>> catalogs_;
  // New tickets of one site are decided one at a time (the consumer handles events in
  // parallel): each decision must see the loads the previous one left, including the
  // assignments still on their way to the owning service (`in_flight_`, per site and member,
  // added to the loads read from Redis). The assignment itself runs outside the lock.
  std::mutex& DecisionLock(absl::string_view site);
  absl::flat_hash_map<std::string, std::unique_ptr<std::mutex>> decision_locks_;
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, int>> in_flight_;
};

}  // namespace lobby::dispatch
