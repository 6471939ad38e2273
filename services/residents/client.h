#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "services/common/service_client.h"
#include "services/surveys/survey_logic.h"

namespace lobby::residents {

/// ResidentService over gRPC, for the other services and the adapters. Thread-safe.
class Client final : public surveys::ResidentDirectory {
 public:
  explicit Client(ClientEnv env) : service_(std::move(env), "residents") {}

  absl::StatusOr<v1::Resident> Get(absl::string_view id) override;
  /// Every resident of a building (pages of 500, at most 100,000).
  absl::StatusOr<std::vector<v1::Resident>> InBuilding(absl::string_view site,
                                                       absl::string_view building) override;
  /// NOT_FOUND when no resident has this identity.
  /// `seen`: the person just wrote or read a message (ResolveIdentityRequest.seen).
  absl::StatusOr<v1::ResolveIdentityResponse> ResolveIdentity(v1::Channel channel,
                                                              const std::string& external_id,
                                                              bool seen = false);
  /// The residents with this number, and the number in E.164 as the residents service reads it.
  absl::StatusOr<v1::ResolvePhoneResponse> ResolvePhone(const std::string& phone);
  absl::StatusOr<v1::StartVerificationResponse> StartVerification(
      const v1::StartVerificationRequest& request);
  absl::StatusOr<v1::ResolveIdentityResponse> ConfirmVerification(
      const v1::ConfirmVerificationRequest& request);
  absl::StatusOr<v1::CallbackTask> RequestCallback(const v1::RequestCallbackRequest& request);
  /// Adds `channel` to (or removes it from) the resident's opted_out_channels: read, change and
  /// write with the version read, again (up to four times) when it moved on meanwhile.
  absl::Status SetOptedOut(const std::string& resident, v1::Channel channel, bool opted_out);
  /// OK also when the entry's idempotency key was recorded before.
  absl::Status AppendTimeline(const v1::AppendTimelineRequest& request);

 private:
  using Stub = v1::ResidentService::Stub;
  ServiceClient<v1::ResidentService> service_;
};

/// Whether a message on `channel` reaches `resident`: they have not opted out of it, and have a
/// verified identity there (for SMS, a phone number). The phone and the counter reach no one.
bool Reaches(const v1::Resident& resident, v1::Channel channel);

}  // namespace lobby::residents
