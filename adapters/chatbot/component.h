#pragma once

#include <memory>
#include <mutex>
#include <set>

#include "absl/status/statusor.h"
#include "adapters/chatbot/conversation.h"
#include "adapters/common/delivery.h"
#include "adapters/common/lobby_client.h"
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
  Component(Runtime& runtime, adapters::ServiceAddresses addr, std::string token,
            ConversationOptions options);
  /// The residents' verified identities on `channel`.
  RecipientOf RecipientsOn(v1::Channel channel);
  void Deliver(Runtime& runtime, const std::string& channel, double per_second,
               adapters::SendFn send);
  adapters::GrpcLobbyApi api_;
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
