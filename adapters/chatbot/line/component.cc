#include "adapters/chatbot/line/component.h"

#include "adapters/chatbot/chat.h"
#include "adapters/chatbot/line/line.h"

namespace lobby::line {

namespace {

using Field = config::Field<LineConfig>;
constexpr Field kFields[] = {
    {"line-channel", "lobby", "the LINE channel's name in the webhook path /v1/line/<channel>",
     &LineConfig::channel},
    {"line-secret", "", "the LINE channel secret (signs webhooks)", &LineConfig::secret,
     config::kSecret | config::kRequired},
    {"line-token", "", "the LINE channel access token", &LineConfig::token,
     config::kSecret | config::kRequired},
    {"line-api", "https://api.line.me", "the LINE Messaging API base URL", &LineConfig::api},
    {"line-data-api", "https://api-data.line.me", "the LINE content API base URL (photos)",
     &LineConfig::data_api},
};

}  // namespace

void Component::Declare(config::Settings& settings) { chatbot::DeclareProvider(settings, kFields); }

absl::StatusOr<std::unique_ptr<lobby::Component>> Component::Create(
    const config::Settings& settings, Runtime& runtime) {
  return chatbot::HostProvider<Line>(
      settings, runtime, chatbot::ReadProvider(settings, kFields, "the LINE adapter needs it"),
      v1::CHANNEL_LINE, 50);
}

}  // namespace lobby::line
