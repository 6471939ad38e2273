#include "adapters/chatbot/line/component.h"

#include "adapters/chatbot/chat.h"
#include "adapters/chatbot/line/line.h"

namespace lobby::line {

void Component::Declare(config::Settings& settings) {
  chatbot::Chat::Declare(settings);
  settings.Declare("line-channel", "lobby",
                   "the LINE channel's name in the webhook path /v1/line/<channel>");
  settings.Declare("line-secret", "", "the LINE channel secret (signs webhooks)", true);
  settings.Declare("line-token", "", "the LINE channel access token", true);
  settings.Declare("line-api", "https://api.line.me", "the LINE Messaging API base URL");
  settings.Declare("line-data-api", "https://api-data.line.me",
                   "the LINE content API base URL (photos)");
  adapters::DeclarePublicUrl(settings);
}

namespace {
// The settings, checked.
absl::StatusOr<LineConfig> ConfigFrom(const config::Settings& settings) {
  LineConfig cfg;
  cfg.channel = settings.Get("line-channel");
  cfg.secret = settings.Get("line-secret");
  cfg.token = settings.Get("line-token");
  cfg.api = settings.Get("line-api");
  cfg.data_api = settings.Get("line-data-api");
  cfg.public_url = settings.Get("public-url");
  if (absl::Status missing =
          settings.Required({"line-secret", "line-token"}, "the LINE adapter needs it");
      !missing.ok())
    return missing;
  return cfg;
}
}  // namespace

absl::StatusOr<std::unique_ptr<lobby::Component>> Component::Create(
    const config::Settings& settings, Runtime& runtime) {
  return chatbot::HostProvider(settings, runtime, ConfigFrom(settings), v1::CHANNEL_LINE, 50,
                               [&](LineConfig cfg, chatbot::Chat& chat) {
                                 return std::make_unique<Line>(std::move(cfg), runtime.redis(),
                                                               chat.conversation(),
                                                               chat.RecipientsOn(v1::CHANNEL_LINE));
                               });
}

}  // namespace lobby::line
