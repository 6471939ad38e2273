#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "absl/status/statusor.h"
#include "lobby/v1/complaints.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "services/common/component.h"
#include "services/common/config.h"
#include "services/common/runtime.h"
#include "services/surveys/redis_survey_store.h"
#include "services/surveys/survey_logic.h"
#include "services/surveys/survey_service.h"

namespace lobby::surveys {

/// The residents and ticket services over gRPC, with the service token; addresses resolved on
/// first use (default: this process).
class GrpcClients final : public ResidentDirectory, public TicketReopener {
 public:
  using Addr = std::function<std::string()>;
  GrpcClients(Addr residents, Addr repairs, Addr complaints, std::string token)
      : residents_addr_(std::move(residents)),
        repairs_addr_(std::move(repairs)),
        complaints_addr_(std::move(complaints)),
        token_(std::move(token)) {}

  absl::StatusOr<v1::Resident> Get(absl::string_view id) override;
  absl::StatusOr<std::vector<v1::Resident>> InBuilding(absl::string_view site,
                                                       absl::string_view building) override;
  absl::Status Reopen(absl::string_view ticket, absl::string_view note) override;

 private:
  void Connect();
  Addr residents_addr_, repairs_addr_, complaints_addr_;
  std::string token_;
  std::mutex mu_;
  std::unique_ptr<v1::ResidentService::Stub> residents_;
  std::unique_ptr<v1::RepairService::Stub> repairs_;
  std::unique_ptr<v1::ComplaintService::Stub> complaints_;
};

/// The survey service as lobbyd hosts it: its `surveys` consumer of lobby:q:tickets and the
/// loop that sends, reminds and expires surveys (every --surveys-tick).
class Component final : public lobby::Component {
 public:
  static void Declare(config::Settings& settings);
  static absl::StatusOr<std::unique_ptr<Component>> Create(const config::Settings& settings,
                                                           Runtime& runtime);

  SurveyLogic& logic() { return logic_; }

 private:
  Component(Runtime& runtime, const config::Settings& settings);
  RedisSurveyStore store_;
  GrpcClients clients_;
  SurveyLogic logic_;
  SurveyServiceImpl service_;
};

}  // namespace lobby::surveys
