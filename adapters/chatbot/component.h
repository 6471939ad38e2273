#pragma once

#include <memory>
#include <mutex>
#include <set>

#include "absl/status/statusor.h"
#include "adapters/chatbot/conversation.h"
#include "adapters/common/delivery.h"
#include "adapters/line/line.h"
#include "adapters/sms/sms.h"
#include "adapters/sms/texting.h"
#include "adapters/telegram/telegram.h"
#include "adapters/wechat/wechat.h"
#include "adapters/whatsapp/whatsapp.h"
#include "lobby/v1/complaints.grpc.pb.h"
#include "lobby/v1/dispatch.grpc.pb.h"
#include "lobby/v1/repairs.grpc.pb.h"
#include "lobby/v1/residents.grpc.pb.h"
#include "lobby/v1/surveys.grpc.pb.h"
#include "services/common/config.h"
#include "services/common/runtime.h"

namespace lobby::chatbot {

/// Where each Lobby service is, by short name ("residents", "repairs", "complaints", "surveys",
/// "dispatch").
using ServiceAddresses = std::function<std::string(const std::string& service)>;
/// The runtime's directory (Runtime::AddressOf), read when first needed.
ServiceAddresses AddressesFrom(Runtime& runtime);
/// The token adapters call Lobby with: `--adapter-token`, else the process's service token.
std::string AdapterToken(const config::Settings& settings, const Runtime& runtime);

/// Lobby's gRPC API as the chat bot uses it, with the adapter's token.
class GrpcLobbyApi final : public LobbyApi {
 public:
  GrpcLobbyApi(ServiceAddresses addr, std::string token)
      : addr_(std::move(addr)), token_(std::move(token)) {}
  absl::StatusOr<std::optional<v1::Resident>> Resolve(v1::Channel channel,
                                                      const std::string& user) override;
  absl::StatusOr<v1::Ticket> GetTicket(const std::string& id) override;
  absl::StatusOr<std::vector<v1::Ticket>> ListMine(const v1::Resident& resident,
                                                   int limit) override;
  absl::StatusOr<v1::Ticket> CreateComplaint(const v1::CreateTicketRequest& request) override;
  absl::StatusOr<v1::StartVerificationResponse> StartVerification(
      const v1::StartVerificationRequest& request) override;
  absl::StatusOr<v1::Resident> ConfirmVerification(
      const v1::ConfirmVerificationRequest& request) override;
  absl::StatusOr<v1::CallbackTask> RequestCallback(
      const v1::RequestCallbackRequest& request) override;
  absl::StatusOr<v1::Classification> Classify(const std::string& site,
                                              const std::string& text) override;
  absl::StatusOr<v1::Catalog> GetCatalog(const std::string& site) override;
  absl::StatusOr<v1::EstateRegister> GetRegister(const std::string& site) override;
  absl::StatusOr<v1::Ticket> CreateRepair(const v1::CreateTicketRequest& request) override;
  absl::Status SubmitSurvey(const v1::SubmitResponseRequest& request) override;
  absl::StatusOr<std::vector<v1::Resident>> FindByPhone(const std::string& phone) override;
  /// The residents with this number, and the number in E.164 as the residents service reads it.
  absl::StatusOr<v1::ResolvePhoneResponse> ResolvePhone(const std::string& phone);
  absl::Status AddComment(const std::string& ticket, const std::string& text, bool internal,
                          const std::string& acting_for) override;
  absl::StatusOr<v1::Survey> GetSurvey(const std::string& ticket);
  absl::StatusOr<v1::Resident> GetResident(const std::string& id);
  absl::Status SetOptedOut(const std::string& resident, v1::Channel channel,
                           bool opted_out) override;
  /// Records a message delivered to a resident on their timeline (once per idempotency key).
  absl::Status RecordDelivery(const std::string& resident, v1::Channel channel,
                              const queue::Entry& message);
  /// The resident's verified external id on `channel`, and their language.
  absl::StatusOr<Recipient> IdentityOf(const std::string& resident, v1::Channel channel);
  /// The resident's primary phone number, and their language.
  absl::StatusOr<Recipient> PhoneOf(const std::string& resident);
  absl::Status AppendTimeline(const v1::AppendTimelineRequest& request);

 private:
  void Connect();
  ServiceAddresses addr_;
  std::string token_;
  std::mutex mu_;
  std::unique_ptr<v1::ResidentService::Stub> residents_;
  std::unique_ptr<v1::RepairService::Stub> repairs_;
  std::unique_ptr<v1::ComplaintService::Stub> complaints_;
  std::unique_ptr<v1::SurveyService::Stub> surveys_;
  std::unique_ptr<v1::DispatchService::Stub> dispatch_;
};

/// The chat-bot and SMS adapters as lobbyd hosts them
/// (--adapters=telegram,whatsapp,line,wechat,sms): each provider's webhook on the HTTP server, and
/// a delivery consumer of lobby:q:outbound:<channel> each (SMS also a consumer of the texts it
/// received).
class Component {
 public:
  static void Declare(config::Settings& settings);
  /// `providers`: "telegram", "whatsapp", "line", "wechat", "sms" (others are ignored).
  static absl::StatusOr<std::unique_ptr<Component>> Create(const config::Settings& settings,
                                                           Runtime& runtime,
                                                           const std::set<std::string>& providers);

 private:
  Component(Runtime& runtime, ServiceAddresses addr, std::string token,
            ConversationOptions options);
  /// The residents' verified identities on `channel`.
  RecipientOf RecipientsOn(v1::Channel channel);
  void Deliver(Runtime& runtime, const std::string& channel, double per_second,
               adapters::SendFn send);
  GrpcLobbyApi api_;
  std::vector<std::string> sites_;
  absl::TimeZone zone_;
  Conversation conversation_;
  std::unique_ptr<telegram::Telegram> telegram_;
  std::unique_ptr<whatsapp::WhatsApp> whatsapp_;
  std::unique_ptr<line::Line> line_;
  std::unique_ptr<wechat::WeChat> wechat_;
  std::unique_ptr<sms::Texting> texting_;
  std::unique_ptr<sms::Sms> sms_;
  std::vector<std::unique_ptr<adapters::Delivery>> deliveries_;
};

}  // namespace lobby::chatbot
