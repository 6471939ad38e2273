#include "adapters/chatbot/telegram/component.h"

#include "adapters/chatbot/chat.h"
#include "adapters/chatbot/telegram/telegram.h"
#include "services/common/status_macros.h"

namespace lobby::telegram {

namespace {

using Field = config::Field<TelegramConfig>;
constexpr Field kFields[] = {
    {"telegram-bot", "lobby", "the Telegram bot's name in the webhook path /v1/telegram/<bot>",
     &TelegramConfig::bot},
    {"telegram-token", "", "the Telegram Bot API token", &TelegramConfig::token,
     config::kSecret | config::kRequired},
    {"telegram-secret", "",
     "the secret token given to setWebhook (X-Telegram-Bot-Api-Secret-Token)",
     &TelegramConfig::secret, config::kSecret},
    {"telegram-api", "https://api.telegram.org", "the Telegram Bot API base URL",
     &TelegramConfig::api},
};

// The settings, checked.
absl::StatusOr<TelegramConfig> ConfigFrom(const config::Settings& settings) {
  LOBBY_ASSIGN_OR_RETURN(
      TelegramConfig cfg,
      chatbot::ReadProvider(settings, kFields, "the Telegram adapter needs the bot's token"));
  if (cfg.secret.size() < 16)
    return settings.Invalid("telegram-secret",
                            "at least 16 characters (the webhook's secret token)");
  return cfg;
}

}  // namespace

void Component::Declare(config::Settings& settings) { chatbot::DeclareProvider(settings, kFields); }

absl::StatusOr<std::unique_ptr<lobby::Component>> Component::Create(
    const config::Settings& settings, Runtime& runtime) {
  return chatbot::HostProvider<Telegram>(settings, runtime, ConfigFrom(settings),
                                         v1::CHANNEL_TELEGRAM, 25);
}

}  // namespace lobby::telegram
