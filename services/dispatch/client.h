#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "lobby/v1/dispatch.grpc.pb.h"
#include "services/common/service_client.h"

namespace lobby::dispatch {

/// DispatchService over gRPC, for the adapters. Thread-safe.
class Client {
 public:
  explicit Client(ClientEnv env) : service_(std::move(env), "dispatch") {}
  /// The estate's register (buildings, floors, flats, common areas); NOT_FOUND for no estate.
  absl::StatusOr<v1::EstateRegister> GetRegister(const std::string& site);

  /// The member actions, for whom `acting_for` names ("member:ID": a linked staff member).
  enum class Action { kClaim, kAcknowledge, kDecline };
  absl::StatusOr<v1::Ticket> Act(Action action, const v1::MemberActionRequest& request,
                                 const std::string& acting_for);
  absl::StatusOr<v1::Board> GetBoard(const std::string& site, const std::string& team,
                                     const std::string& acting_for);
  /// On or off duty today, for whom `acting_for` names.
  absl::StatusOr<v1::BoardMember> SetDuty(const std::string& site, bool on,
                                          const std::string& acting_for);

 private:
  ServiceClient<v1::DispatchService> service_;
};

}  // namespace lobby::dispatch
