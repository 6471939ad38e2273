#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "adapters/chatbot/conversation.h"
#include "adapters/common/delivery.h"
#include "adapters/common/lobby_client.h"
#include "adapters/common/messages.h"
#include "services/common/component.h"
#include "services/common/config.h"
#include "services/common/runtime.h"
#include "services/common/status_macros.h"

namespace lobby::chatbot {

/// What the chat providers of one process share: the Lobby client, the sessions and the
/// conversation. Made once, by the first provider hosted.
class Chat {
 public:
  /// The settings every chat provider needs (the Lobby client, the estates served).
  static void Declare(config::Settings& settings);
  /// The process's chat; INVALID_ARGUMENT for bad settings.
  static absl::StatusOr<Chat*> Of(const config::Settings& settings, Runtime& runtime);

  Chat(adapters::GrpcLobbyApi& api, redis::Client& redis, const Clock& clock,
       adapters::ServedEstates estates);
  adapters::GrpcLobbyApi& api() { return api_; }
  Conversation& conversation() { return conversation_; }
  /// The residents' verified identities on `channel`, for outbound messages.
  RecipientOf RecipientsOn(v1::Channel channel);

 private:
  adapters::GrpcLobbyApi& api_;
  adapters::RedisSessionStore sessions_;
  Conversation conversation_;
};

/// A chat provider as lobbyd hosts it: its webhooks on the runtime's HTTP server and the delivery
/// worker of lobby:q:outbound:<channel>, sending through the provider at its rate.
template <typename Provider>
class ProviderComponent final : public lobby::Component {
 public:
  ProviderComponent(Runtime& runtime, Chat& chat, v1::Channel channel, double per_second,
                    std::unique_ptr<Provider> provider)
      : provider_(std::move(provider)) {
    provider_->Register(runtime.http().routes());
    Provider* p = provider_.get();
    delivery_ = adapters::StartDelivery(runtime, chat.api(), channel, per_second,
                                        [p](const queue::Entry& m) { return p->Send(m); });
  }

 private:
  std::unique_ptr<Provider> provider_;
  std::unique_ptr<adapters::Delivery> delivery_;
};

/// A provider's settings: the chat's, the provider's own `fields`, and where staff reach it.
template <typename Config, std::size_t N>
void DeclareProvider(config::Settings& settings, const config::Field<Config> (&fields)[N]) {
  Chat::Declare(settings);
  config::DeclareFields(settings, fields);
  adapters::DeclarePublicUrl(settings);
}

/// The provider's settings struct, read from `fields` and the public URL; a required field that
/// is empty is Invalid(name, why).
template <typename Config, std::size_t N>
absl::StatusOr<Config> ReadProvider(const config::Settings& settings,
                                    const config::Field<Config> (&fields)[N],
                                    absl::string_view why) {
  Config cfg;
  cfg.public_url = settings.Get("public-url");
  LOBBY_RETURN_IF_ERROR(config::ReadFields(settings, fields, cfg, why));
  return cfg;
}

/// A provider's Create: the settings checked (`config`), the process's chat, then the provider
/// made with them and hosted on `channel` at `per_second` sends.
template <typename Provider, typename Config>
absl::StatusOr<std::unique_ptr<lobby::Component>> HostProvider(const config::Settings& settings,
                                                               Runtime& runtime,
                                                               absl::StatusOr<Config> config,
                                                               v1::Channel channel,
                                                               double per_second) {
  if (!config.ok()) return config.status();
  LOBBY_ASSIGN_OR_RETURN(auto chat, Chat::Of(settings, runtime));
  auto provider = std::make_unique<Provider>(
      *std::move(config), ProviderHost{runtime.redis(), runtime.clock(), chat->conversation(),
                                       chat->RecipientsOn(channel)});
  return std::make_unique<ProviderComponent<Provider>>(runtime, *chat, channel, per_second,
                                                       std::move(provider));
}

}  // namespace lobby::chatbot
