#include "adapters/chatbot/chat.h"

#include "services/common/status_macros.h"

namespace lobby::chatbot {

void Chat::Declare(config::Settings& settings) {
  adapters::DeclareLobbyClient(settings);
  adapters::ServedEstates::Declare(settings);
}

absl::StatusOr<Chat*> Chat::Of(const config::Settings& settings, Runtime& runtime) {
  LOBBY_ASSIGN_OR_RETURN(auto estates, adapters::ServedEstates::From(settings));
  adapters::GrpcLobbyApi& api = adapters::SharedLobbyApi(settings, runtime);
  return &runtime.Shared<Chat>([&] {
    return std::make_unique<Chat>(api, runtime.redis(), runtime.clock(), std::move(estates));
  });
}

Chat::Chat(adapters::GrpcLobbyApi& api, redis::Client& redis, const Clock& clock,
           adapters::ServedEstates estates)
    : api_(api),
      sessions_(redis),
      conversation_(sessions_, api_, clock,
                    ConversationOptions{std::move(estates.sites), estates.time_zone}, &api_) {}

RecipientOf Chat::RecipientsOn(v1::Channel channel) {
  return
      [this, channel](const std::string& resident) { return api_.IdentityOf(resident, channel); };
}

}  // namespace lobby::chatbot
