#include "services/tickets/resident_sites.h"

#include "services/common/grpc_server.h"
#include "services/common/status.h"

namespace lobby::tickets {

ResidentSites::ResidentSites(std::function<std::string()> address, std::string token,
                             const Clock& clock)
    : address_(std::move(address)), token_(std::move(token)), clock_(clock) {}

absl::StatusOr<std::string> ResidentSites::SiteOf(absl::string_view resident_id) {
  v1::ResidentService::Stub* stub;
  absl::Time now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(resident_id); it != cache_.end() && now - it->second.second < kTtl)
      return it->second.first;
    if (!stub_) stub_ = v1::ResidentService::NewStub(Dial(address_()));
    stub = stub_.get();
  }
  grpc::ClientContext ctx;
  PrepareClientContext(ctx, token_, absl::Seconds(5));
  v1::GetResidentRequest req;
  req.set_id(std::string(resident_id));
  v1::Resident r;
  if (grpc::Status s = stub->GetResident(&ctx, req, &r); !s.ok()) {
    absl::Status st = FromGrpcStatus(s);
    if (absl::IsNotFound(st)) return st;
    return absl::Status(st.code(),
                        absl::StrCat("the reporter's estate (ResidentService): ", st.message()));
  }
  std::lock_guard lock(mu_);
  if (cache_.size() >= kMaxEntries) cache_.clear();  // a crude bound: refilled at one call each
  cache_[std::string(resident_id)] = {r.unit().site_id(), now};
  return r.unit().site_id();
}

}  // namespace lobby::tickets
