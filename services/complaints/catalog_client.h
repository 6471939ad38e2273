#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "lobby/v1/repairs.grpc.pb.h"

namespace lobby::complaints {

/// Site catalogs from RepairService over gRPC (the service that owns them); TicketLogic keeps
/// them for a few seconds. The address is resolved on first use, so it may be this process's own
/// gRPC address, known only once the server listens. Thread-safe.
class CatalogClient {
 public:
  CatalogClient(std::function<std::string()> address, std::string token);
  absl::StatusOr<v1::Catalog> Get(absl::string_view site);

 private:
  std::function<std::string()> address_;
  std::string token_;
  std::mutex mu_;
  std::unique_ptr<v1::RepairService::Stub> stub_;
};

}  // namespace lobby::complaints
