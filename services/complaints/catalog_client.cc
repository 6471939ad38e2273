#include "services/complaints/catalog_client.h"

#include "services/common/grpc_server.h"
#include "services/common/status.h"

namespace lobby::complaints {

CatalogClient::CatalogClient(std::function<std::string()> address, std::string token)
    : address_(std::move(address)), token_(std::move(token)) {}

absl::StatusOr<v1::Catalog> CatalogClient::Get(absl::string_view site) {
  v1::RepairService::Stub* stub;
  {
    std::lock_guard lock(mu_);
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
    return absl::Status(st.code(),
                        absl::StrCat("the category catalog (RepairService): ", st.message()));
  }
  return catalog;
}

}  // namespace lobby::complaints
