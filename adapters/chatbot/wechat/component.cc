#include "adapters/chatbot/wechat/component.h"

#include "adapters/chatbot/chat.h"
#include "adapters/chatbot/wechat/wechat.h"
#include "services/common/status_macros.h"

namespace lobby::wechat {

namespace {

using Field = config::Field<WeChatConfig>;
constexpr Field kFields[] = {
    {"wechat-account", "lobby",
     "the WeChat Official Account's name in the webhook path /v1/wechat/<account>",
     &WeChatConfig::account},
    {"wechat-token", "", "the Token of the Official Account's server settings (signs requests)",
     &WeChatConfig::token, config::kSecret | config::kRequired},
    {"wechat-app-id", "", "the Official Account's AppID", &WeChatConfig::app_id, config::kRequired},
    {"wechat-app-secret", "", "the Official Account's AppSecret (access tokens)",
     &WeChatConfig::app_secret, config::kSecret | config::kRequired},
    {"wechat-aes-key", "",
     "the EncodingAESKey for safe mode (43 characters); empty: plain mode only",
     &WeChatConfig::aes_key, config::kSecret},
    {"wechat-api", "https://api.weixin.qq.com", "the WeChat API base URL", &WeChatConfig::api},
};

// The settings, checked.
absl::StatusOr<WeChatConfig> ConfigFrom(const config::Settings& settings) {
  LOBBY_ASSIGN_OR_RETURN(WeChatConfig cfg,
                         chatbot::ReadProvider(settings, kFields, "the WeChat adapter needs it"));
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

void Component::Declare(config::Settings& settings) {
  chatbot::DeclareProvider(settings, kFields);
  settings.Declare(
      "wechat-passive-budget", "4s",
      "how long a WeChat answer may take to go back in the response (WeChat waits 5 s)");
}

absl::StatusOr<std::unique_ptr<lobby::Component>> Component::Create(
    const config::Settings& settings, Runtime& runtime) {
  return chatbot::HostProvider<WeChat>(settings, runtime, ConfigFrom(settings), v1::CHANNEL_WECHAT,
                                       20);
}

}  // namespace lobby::wechat
