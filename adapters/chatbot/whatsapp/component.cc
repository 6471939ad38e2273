#include "adapters/chatbot/whatsapp/component.h"

#include "adapters/chatbot/chat.h"
#include "adapters/chatbot/whatsapp/whatsapp.h"

namespace lobby::whatsapp {

namespace {

using Field = config::Field<WhatsAppConfig>;
constexpr Field kFields[] = {
    {"whatsapp-phone-id", "", "the WhatsApp business number's id (Cloud API)",
     &WhatsAppConfig::phone_number_id, config::kRequired},
    {"whatsapp-token", "", "the WhatsApp Cloud API access token", &WhatsAppConfig::access_token,
     config::kSecret | config::kRequired},
    {"whatsapp-app-secret", "", "the Meta app secret that signs WhatsApp webhooks",
     &WhatsAppConfig::app_secret, config::kSecret | config::kRequired},
    {"whatsapp-verify-token", "", "the token of WhatsApp's webhook verification (hub.verify_token)",
     &WhatsAppConfig::verify_token, config::kSecret | config::kRequired},
    {"whatsapp-api", "https://graph.facebook.com", "the Graph API base URL", &WhatsAppConfig::api},
};

}  // namespace

void Component::Declare(config::Settings& settings) { chatbot::DeclareProvider(settings, kFields); }

absl::StatusOr<std::unique_ptr<lobby::Component>> Component::Create(
    const config::Settings& settings, Runtime& runtime) {
  return chatbot::HostProvider<WhatsApp>(
      settings, runtime, chatbot::ReadProvider(settings, kFields, "the WhatsApp adapter needs it"),
      v1::CHANNEL_WHATSAPP, 50);
}

}  // namespace lobby::whatsapp
