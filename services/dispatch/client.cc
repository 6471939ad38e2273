#include "services/dispatch/client.h"

namespace lobby::dispatch {

absl::StatusOr<v1::EstateRegister> Client::GetRegister(const std::string& site) {
  v1::GetEstateRequest req;
  req.set_site_id(site);
  return service_.Call(&v1::DispatchService::Stub::GetRegister, req);
}

absl::StatusOr<v1::Ticket> Client::Act(Action action, const v1::MemberActionRequest& req,
                                       const std::string& acting_for) {
  using Stub = v1::DispatchService::Stub;
  switch (action) {
    case Action::kClaim:
      return service_.Call(&Stub::Claim, req, acting_for);
    case Action::kAcknowledge:
      return service_.Call(&Stub::Acknowledge, req, acting_for);
    case Action::kDecline:
      return service_.Call(&Stub::Decline, req, acting_for);
  }
  return absl::InvalidArgumentError("unknown member action");
}

absl::StatusOr<v1::Board> Client::GetBoard(const std::string& site, const std::string& team,
                                           const std::string& acting_for) {
  v1::GetBoardRequest req;
  req.set_site_id(site);
  req.set_team(team);
  return service_.Call(&v1::DispatchService::Stub::GetBoard, req, acting_for);
}

absl::StatusOr<v1::BoardMember> Client::SetDuty(const std::string& site, bool on,
                                                const std::string& acting_for) {
  v1::SetDutyRequest req;
  req.set_site_id(site);
  req.set_on_duty(on);
  return service_.Call(&v1::DispatchService::Stub::SetDuty, req, acting_for);
}

}  // namespace lobby::dispatch
