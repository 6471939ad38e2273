#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lobby/v1/hotline.pb.h"
#include "lobby/v1/repairs.pb.h"
#include "lobby/v1/residents.pb.h"
#include "lobby/v1/surveys.pb.h"
#include "services/calls/call_store.h"
#include "services/common/clock.h"
#include "services/common/roles.h"

namespace lobby::calls {

/// What the calls service asks of the other services (GrpcCallPeers calls them; tests fake it).
class CallPeers {
 public:
  virtual ~CallPeers() = default;
  /// The residents with this number on file, and the number in E.164.
  virtual absl::StatusOr<v1::ResolvePhoneResponse> ResolvePhone(const std::string& number) = 0;
  virtual absl::StatusOr<v1::Resident> GetResident(const std::string& id) = 0;
  /// The resident's latest repairs and complaints, newest first.
  virtual absl::StatusOr<std::vector<v1::Ticket>> ListReportedBy(const v1::Resident& resident,
                                                                 int limit) = 0;
  /// OK also when the entry's idempotency key was recorded before.
  virtual absl::Status AppendTimeline(const v1::AppendTimelineRequest& request) = 0;
  virtual absl::StatusOr<v1::CallbackTask> RequestCallback(
      const v1::RequestCallbackRequest& request) = 0;
  /// A repair (R-...) or a complaint (C-...).
  virtual absl::StatusOr<v1::Ticket> GetTicket(const std::string& id) = 0;
  /// `kind`: "repair" or "complaint".
  virtual absl::StatusOr<v1::Ticket> CreateTicket(const std::string& kind,
                                                  const v1::CreateTicketRequest& request) = 0;
  /// An internal comment (for staff, never shown to the resident).
  virtual absl::Status AddInternalComment(const std::string& ticket, const std::string& text) = 0;
  /// The ticket's survey; NOT_FOUND when it has none (yet).
  virtual absl::StatusOr<v1::Survey> GetSurvey(const std::string& ticket) = 0;
  virtual absl::Status SubmitSurvey(const v1::SubmitResponseRequest& request) = 0;
};

/// The hotline's calls: each event the phone system reports moves a call, kept by the CallStore
/// and published for WatchCalls in the same write.
///  - ringing: the caller's number is looked up in residents; the screen-pop carries the
///    resident, flat, open tickets and last survey score;
///  - answered / ended: the call goes on the resident's timeline;
///  - hung up before anyone answered: a callback task (reason missed_call) for the desk;
///  - a post-call DTMF rating answers the survey of the ticket the call was about (now, or
///    once the agent logs the ticket).
/// Thread-safe: a change to a call is written at the version it was read at, and read again
/// when another change came first (so several replicas may serve one hotline).
class CallLogic {
 public:
  CallLogic(CallStore& store, const Clock& clock, CallPeers& peers)
      : store_(store), clock_(clock), peers_(peers) {}

  /// One event from the hotline adapter. INVALID_ARGUMENT for a malformed report, NOT_FOUND for
  /// a rating of a call never reported.
  absl::StatusOr<v1::ReportCallResponse> Report(const v1::ReportCallRequest& request);
  /// An agent's record of a call (LogCall).
  absl::StatusOr<v1::LogCallResponse> Log(const v1::LogCallRequest& request,
                                          const auth::Principal& agent);
  absl::StatusOr<v1::Call> Get(const std::string& id);

 private:
  /// What a change did: the call as it stands (none for an unknown call) and whether it moved.
  struct Outcome {
    std::optional<v1::Call> call;
    bool changed = false;
  };
  /// Loads the call, lets `change` edit it (false: nothing to do) and saves and publishes it as
  /// `type`; again from the start when another change was saved first.
  absl::StatusOr<Outcome> Mutate(const std::string& id, const std::string& type,
                                 const std::function<bool(v1::Call&)>& change);

  absl::StatusOr<Outcome> Ringing(const v1::ReportCallRequest& r);
  absl::StatusOr<Outcome> Offered(const std::string& id, const std::string& agent);
  absl::StatusOr<Outcome> Answered(const std::string& id, const std::string& agent);
  absl::StatusOr<Outcome> Hangup(const std::string& id, const std::string& recording_url);
  absl::StatusOr<Outcome> Rating(const std::string& id, int digit, const std::string& ticket);
  /// The callback task of a missed call, and the call that names it.
  absl::StatusOr<Outcome> Missed(const v1::Call& call);

  /// The screen-pop for a caller; `number` becomes the caller's number in E.164 where it can
  /// be read (a withheld or unreadable one stays as the PBX sent it).
  v1::ScreenPop Lookup(std::string& number);
  void Timeline(const v1::Call& call, const std::string& text, const std::string& key,
                const std::string& ticket = "");
  /// Gives the call's rating to its ticket's survey when both are known; the call as it stands
  /// after.
  absl::StatusOr<v1::Call> RecordRating(v1::Call call);

  CallStore& store_;
  const Clock& clock_;
  CallPeers& peers_;
};

}  // namespace lobby::calls
