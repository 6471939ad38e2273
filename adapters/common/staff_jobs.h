#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "adapters/common/lobby_client.h"

namespace lobby::adapters {

/// What a staff member asks of a job, from a chat button or an SMS command.
///   verb: ack, take (a P1's "I take it"), onway, onsite, hold (arg: parts, absent, access),
///   resume,
///         resolve (note, photos), decline (note: the reason), claim.
struct JobRequest {
  std::string ticket;
  std::string verb;
  std::string arg;
  std::string note;
  std::vector<std::string> photos;  // links to photos of the work, for resolve
};

/// The job after the request; or, when the service refused it because the job has moved on (or
/// is not theirs), `refused` and the job as it stands now.
struct JobResult {
  v1::Ticket ticket;
  absl::Status refused;
  /// An urgent job someone else holds now: they were faster.
  bool taken_by_other = false;
};

/// Does `request` for `who` through the owning service (RepairService / ComplaintService for
/// the transitions, DispatchService for ack, take, decline and claim). INVALID_ARGUMENT for an
/// unknown verb or hold reason; a transient failure is returned as it is.
absl::StatusOr<JobResult> DoJob(StaffApi& api, const v1::StaffIdentity& who,
                                const JobRequest& request);

/// "R-10042: technician on site, with lee." / "...: received, waiting in the team's pool.", in
/// `lang`.
std::string WhereItStands(const v1::Ticket& t, const std::string& lang);

/// The member's open jobs on their teams' boards (`pool`: the jobs waiting in those pools
/// instead), each once, the most urgent first, then the nearest deadline, then the oldest.
std::vector<v1::BoardTicket> JobsOf(const std::vector<v1::Board>& boards, const std::string& member,
                                    bool pool);

/// One line of a job list: "R-10042 P2 plumbing, Tower 1: acknowledged; arrive by 12-03 14:30",
/// LATE when a deadline has passed; times in `zone`.
std::string JobLine(const v1::BoardTicket& t, const std::string& lang, absl::TimeZone zone);

/// The hold reasons by their short names: parts, absent, access.
std::optional<v1::HoldReason> HoldReasonNamed(const std::string& name);

}  // namespace lobby::adapters
