#include "services/residents/client.h"

#include <algorithm>

#include "services/common/status_macros.h"

namespace lobby::residents {

absl::StatusOr<v1::Resident> Client::Get(absl::string_view id) {
  v1::GetResidentRequest req;
  req.set_id(std::string(id));
  return service_.Call(&Stub::GetResident, req);
}

absl::StatusOr<std::vector<v1::Resident>> Client::InBuilding(absl::string_view site,
                                                             absl::string_view building) {
  std::vector<v1::Resident> out;
  v1::ListResidentsRequest req;
  req.set_site_id(std::string(site));
  req.set_building(std::string(building));
  req.set_page_size(500);
  do {
    LOBBY_ASSIGN_OR_RETURN(auto page, service_.Call(&Stub::ListResidents, req, "", 2));
    for (auto& r : *page.mutable_residents()) out.push_back(std::move(r));
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty() && out.size() < 100000);
  return out;
}

absl::StatusOr<v1::ResolveIdentityResponse> Client::ResolveIdentity(v1::Channel channel,
                                                                    const std::string& external_id,
                                                                    bool seen) {
  v1::ResolveIdentityRequest req;
  req.set_channel(channel);
  req.set_external_id(external_id);
  req.set_seen(seen);
  return service_.Call(&Stub::ResolveIdentity, req);
}

absl::StatusOr<v1::ResolvePhoneResponse> Client::ResolvePhone(const std::string& phone) {
  v1::ResolvePhoneRequest req;
  req.set_phone(phone);
  return service_.Call(&Stub::ResolvePhone, req);
}

absl::StatusOr<v1::StartVerificationResponse> Client::StartVerification(
    const v1::StartVerificationRequest& req) {
  return service_.Call(&Stub::StartVerification, req);
}

absl::StatusOr<v1::ResolveIdentityResponse> Client::ConfirmVerification(
    const v1::ConfirmVerificationRequest& req) {
  return service_.Call(&Stub::ConfirmVerification, req);
}

absl::StatusOr<v1::CallbackTask> Client::RequestCallback(const v1::RequestCallbackRequest& req) {
  return service_.Call(&Stub::RequestCallback, req);
}

absl::Status Client::SetOptedOut(const std::string& resident, v1::Channel channel, bool opted_out) {
  for (int attempt = 0;; ++attempt) {
    LOBBY_ASSIGN_OR_RETURN(auto r, Get(resident));
    v1::UpdateResidentRequest req;
    req.set_expected_version(r.version());
    req.mutable_update_mask()->add_paths("opted_out_channels");
    req.mutable_resident()->set_id(r.id());
    bool has = false;
    for (int c : r.opted_out_channels()) {
      if (c == channel)
        has = true;
      else
        req.mutable_resident()->add_opted_out_channels(static_cast<v1::Channel>(c));
    }
    if (has == opted_out) return absl::OkStatus();
    if (opted_out) req.mutable_resident()->add_opted_out_channels(channel);
    auto done = service_.Call(&Stub::UpdateResident, req);
    if (!absl::IsAborted(done.status()) || attempt == 3) return done.status();
  }
}

absl::Status Client::AppendTimeline(const v1::AppendTimelineRequest& req) {
  auto done = service_.Call(&Stub::AppendTimeline, req);
  return absl::IsAlreadyExists(done.status()) ? absl::OkStatus() : done.status();
}

bool Reaches(const v1::Resident& r, v1::Channel c) {
  if (c == v1::CHANNEL_UNSPECIFIED || c == v1::CHANNEL_PHONE || c == v1::CHANNEL_COUNTER)
    return false;
  if (std::find(r.opted_out_channels().begin(), r.opted_out_channels().end(), c) !=
      r.opted_out_channels().end())
    return false;
  if (c == v1::CHANNEL_SMS) return r.phones_size() > 0;
  return std::any_of(r.identities().begin(), r.identities().end(), [&](const v1::Identity& i) {
    return i.channel() == c && i.verified() && !i.external_id().empty();
  });
}

}  // namespace lobby::residents
