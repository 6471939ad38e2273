#include "services/dispatch/client.h"

namespace lobby::dispatch {

absl::StatusOr<v1::EstateRegister> Client::GetRegister(const std::string& site) {
  v1::GetEstateRequest req;
  req.set_site_id(site);
  return service_.Call(&v1::DispatchService::Stub::GetRegister, req);
}

}  // namespace lobby::dispatch
