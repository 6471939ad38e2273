#include "adapters/chatbot/whatsapp/component.h"

#include "adapters/chatbot/chat.h"
#include "adapters/chatbot/whatsapp/whatsapp.h"

namespace lobby::whatsapp {

void Component::Declare(config::Settings& settings) {
  chatbot::Chat::Declare(settings);
  settings.Declare("whatsapp-phone-id", "", "the WhatsApp business number's id (Cloud API)");
  settings.Declare("whatsapp-token", "", "the WhatsApp Cloud API access token", true);
  settings.Declare("whatsapp-app-secret", "", "the Meta app secret that signs WhatsApp webhooks",
                   true);
  settings.Declare("whatsapp-verify-token", "",
                   "the token of WhatsApp's webhook verification (hub.verify_token)", true);
  settings.Declare("whatsapp-api", "https://graph.facebook.com", "the Graph API base URL");
  adapters::DeclarePublicUrl(settings);
}

namespace {
// The settings, checked.
absl::StatusOr<WhatsAppConfig> ConfigFrom(const config::Settings& settings) {
  WhatsAppConfig cfg;
  cfg.phone_number_id = settings.Get("whatsapp-phone-id");
  cfg.access_token = settings.Get("whatsapp-token");
  cfg.app_secret = settings.Get("whatsapp-app-secret");
  cfg.verify_token = settings.Get("whatsapp-verify-token");
  cfg.api = settings.Get("whatsapp-api");
  cfg.public_url = settings.Get("public-url");
  if (absl::Status missing = settings.Required(
          {"whatsapp-phone-id", "whatsapp-token", "whatsapp-app-secret", "whatsapp-verify-token"},
          "the WhatsApp adapter needs it");
      !missing.ok())
    return missing;
  return cfg;
}
}  // namespace

absl::StatusOr<std::unique_ptr<lobby::Component>> Component::Create(
    const config::Settings& settings, Runtime& runtime) {
  return chatbot::HostProvider(settings, runtime, ConfigFrom(settings), v1::CHANNEL_WHATSAPP, 50,
                               [&](WhatsAppConfig cfg, chatbot::Chat& chat) {
                                 return std::make_unique<WhatsApp>(
                                     std::move(cfg), runtime.redis(), chat.conversation(),
                                     chat.RecipientsOn(v1::CHANNEL_WHATSAPP));
                               });
}

}  // namespace lobby::whatsapp
