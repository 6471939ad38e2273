#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "services/common/clock.h"

namespace lobby::complaints {

/// Site catalogs from RepairService over gRPC (the service that owns them), kept for `ttl` per
/// site so a complaint does not cost a call. The address is resolved on first use, so it may be
/// this process's own gRPC address, known only once the server listens. Thread-safe.
class CatalogClient {
 public:
  CatalogClient(std::function<std::string()> address, std::string token, absl::Duration ttl = absl::Seconds(30));
  absl::StatusOr<v1::Catalog> Get(absl::string_view site);

 private:
  std::function<std::string()> address_;
  std::string token_;
  absl::Duration ttl_;
  std::mutex mu_;
  std::unique_ptr<v1::RepairService::Stub> stub_;
  absl::flat_hash_map<std::string, std::pair<v1::Catalog, absl::Time>> cache_;
};

}  // namespace lobby::complaints
