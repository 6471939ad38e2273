#include "adapters/chatbot/telegram/component.h"

#include "adapters/chatbot/chat.h"
#include "adapters/chatbot/telegram/telegram.h"

namespace lobby::telegram {

void Component::Declare(config::Settings& settings) {
  chatbot::Chat::Declare(settings);
  settings.Declare("telegram-bot", "lobby",
                   "the Telegram bot's name in the webhook path /v1/telegram/<bot>");
  settings.Declare("telegram-token", "", "the Telegram Bot API token", true);
  settings.Declare("telegram-secret", "",
                   "the secret token given to setWebhook (X-Telegram-Bot-Api-Secret-Token)", true);
  settings.Declare("telegram-api", "https://api.telegram.org", "the Telegram Bot API base URL");
  adapters::DeclarePublicUrl(settings);
}

namespace {
// The settings, checked.
absl::StatusOr<TelegramConfig> ConfigFrom(const config::Settings& settings) {
  TelegramConfig cfg;
  cfg.bot = settings.Get("telegram-bot");
  cfg.token = settings.Get("telegram-token");
  cfg.secret = settings.Get("telegram-secret");
  cfg.api = settings.Get("telegram-api");
  cfg.public_url = settings.Get("public-url");
  if (cfg.token.empty())
    return settings.Invalid("telegram-token", "the Telegram adapter needs the bot's token");
  if (cfg.secret.size() < 16)
    return settings.Invalid("telegram-secret",
                            "at least 16 characters (the webhook's secret token)");
  return cfg;
}
}  // namespace

absl::StatusOr<std::unique_ptr<lobby::Component>> Component::Create(
    const config::Settings& settings, Runtime& runtime) {
  return chatbot::HostProvider(settings, runtime, ConfigFrom(settings), v1::CHANNEL_TELEGRAM, 25,
                               [&](TelegramConfig cfg, chatbot::Chat& chat) {
                                 return std::make_unique<Telegram>(
                                     std::move(cfg), runtime.redis(), chat.conversation(),
                                     chat.RecipientsOn(v1::CHANNEL_TELEGRAM));
                               });
}

}  // namespace lobby::telegram
