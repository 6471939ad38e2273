#include "services/complaints/catalog_client.h"

#include "services/common/grpc_server.h"
#include "services/common/status.h"

namespace lobby::complaints {

CatalogClient::CatalogClient(std::function<std::string()> address, std::string token, absl::Duration ttl)
    : address_(std::move(address)), token_(std::move(token)), ttl_(ttl) {}

absl::StatusOr<v1::Catalog> CatalogClient::Get(absl::string_view site) {
  v1::RepairService::Stub* stub;
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(site);
    if (it != cache_.end() && absl::Now() - it->second.second < ttl_) return it->second.first;
    if (!stub_) stub_ = v1::RepairService::NewStub(Dial(address_()));
    stub = stub_.get();
  }
  grpc::ClientContext ctx;
  PrepareClientContext(ctx, token_, absl::Seconds(5));
  v1::GetCatalogRequest req;
  req.set_site_id(std::string(site));
  v1::Catalog catalog;
  grpc::Status s = stub->GetCatalog(&ctx, req, &catalog);
  if (!s.ok()) {
    absl::Status st = FromGrpcStatus(s);
    return absl::Status(st.code(), absl::StrCat("the category catalog (RepairService): ", st.message()));
  }
  std::lock_guard lock(mu_);
  cache_[std::string(site)] = {catalog, absl::Now()};
  return catalog;
}

}  // namespace lobby::complaints
