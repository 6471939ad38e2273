#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "lobby/v1/complaints.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "services/common/component.h"
#include "services/common/config.h"
#include "services/common/runtime.h"
#include "services/dispatch/dispatch_logic.h"
#include "services/dispatch/dispatch_service.h"
#include "services/dispatch/redis_dispatch_store.h"

namespace lobby::dispatch {

/// Reads and assigns through RepairService and ComplaintService over gRPC, with the service token.
class GrpcTicketClient final : public TicketClient {
 public:
  GrpcTicketClient(std::function<std::string()> repairs_addr,
                   std::function<std::string()> complaints_addr, std::string token)
      : repairs_addr_(std::move(repairs_addr)),
        complaints_addr_(std::move(complaints_addr)),
        token_(std::move(token)) {}

  // TicketClient
  absl::StatusOr<v1::Ticket> Get(absl::string_view kind, absl::string_view ticket) override;
  absl::StatusOr<v1::Ticket> Assign(absl::string_view kind, absl::string_view ticket,
                                    const v1::Decision& decision, int64_t expected_version,
                                    bool acknowledged) override;
  absl::StatusOr<v1::Ticket> Annotate(absl::string_view kind,
                                      const v1::AnnotateRequest& request) override;
  absl::StatusOr<v1::Catalog> Catalog(absl::string_view site) override;

 private:
  void Connect();
  std::function<std::string()> repairs_addr_, complaints_addr_;
  std::string token_;
  std::mutex mu_;
  std::unique_ptr<v1::RepairService::Stub> repairs_;
  std::unique_ptr<v1::ComplaintService::Stub> complaints_;
};

/// The dispatch service as lobbyd hosts it, with its `dispatch` consumer of lobby:q:tickets, the
/// loop that fires SLA timers (every --dispatch-tick) and the shift sweep (every
/// --dispatch-sweep).
class Component final : public lobby::Component {
 public:
  static void Declare(config::Settings& settings);
  static absl::StatusOr<std::unique_ptr<Component>> Create(const config::Settings& settings,
                                                           Runtime& runtime);

 private:
  explicit Component(Runtime& runtime);
  RedisDispatchStore store_;
  GrpcTicketClient tickets_;
  DispatchLogic logic_;
  Feed feed_;
  DispatchServiceImpl service_;
};

}  // namespace lobby::dispatch
