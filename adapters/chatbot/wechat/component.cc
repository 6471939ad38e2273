#include "adapters/chatbot/wechat/component.h"

#include "adapters/chatbot/chat.h"
#include "adapters/chatbot/wechat/wechat.h"

namespace lobby::wechat {

void Component::Declare(config::Settings& settings) {
  chatbot::Chat::Declare(settings);
  settings.Declare("wechat-account", "lobby",
                   "the WeChat Official Account's name in the webhook path /v1/wechat/<account>");
  settings.Declare("wechat-token", "",
                   "the Token of the Official Account's server settings (signs requests)", true);
  settings.Declare("wechat-app-id", "", "the Official Account's AppID");
  settings.Declare("wechat-app-secret", "", "the Official Account's AppSecret (access tokens)",
                   true);
  settings.Declare("wechat-aes-key", "",
                   "the EncodingAESKey for safe mode (43 characters); empty: plain mode only",
                   true);
  settings.Declare("wechat-api", "https://api.weixin.qq.com", "the WeChat API base URL");
  settings.Declare(
      "wechat-passive-budget", "4s",
      "how long a WeChat answer may take to go back in the response (WeChat waits 5 s)");
  adapters::DeclarePublicUrl(settings);
}

namespace {
// The settings, checked.
absl::StatusOr<WeChatConfig> ConfigFrom(const config::Settings& settings) {
  WeChatConfig cfg;
  cfg.account = settings.Get("wechat-account");
  cfg.token = settings.Get("wechat-token");
  cfg.app_id = settings.Get("wechat-app-id");
  cfg.app_secret = settings.Get("wechat-app-secret");
  cfg.aes_key = settings.Get("wechat-aes-key");
  cfg.api = settings.Get("wechat-api");
  cfg.public_url = settings.Get("public-url");
  if (absl::Status missing = settings.Required(
          {"wechat-token", "wechat-app-id", "wechat-app-secret"}, "the WeChat adapter needs it");
      !missing.ok())
    return missing;
  if (!cfg.aes_key.empty()) {
    if (auto ok = Cipher::Create(cfg.aes_key, cfg.app_id); !ok.ok())
      return settings.Invalid("wechat-aes-key", std::string(ok.status().message()));
  }
  auto budget = settings.GetDuration("wechat-passive-budget");
  if (!budget.ok() || *budget <= absl::ZeroDuration() || *budget > absl::Milliseconds(4500))
    return settings.Invalid("wechat-passive-budget", "a duration up to 4.5s (WeChat waits 5 s)");
  cfg.passive_budget = *budget;
  return cfg;
}
}  // namespace

absl::StatusOr<std::unique_ptr<lobby::Component>> Component::Create(
    const config::Settings& settings, Runtime& runtime) {
  return chatbot::HostProvider(settings, runtime, ConfigFrom(settings), v1::CHANNEL_WECHAT, 20,
                               [&](WeChatConfig cfg, chatbot::Chat& chat) {
                                 return std::make_unique<WeChat>(
                                     std::move(cfg), runtime.redis(), runtime.clock(),
                                     chat.conversation(), chat.RecipientsOn(v1::CHANNEL_WECHAT));
                               });
}

}  // namespace lobby::wechat
