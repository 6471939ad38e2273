#include "adapters/chatbot/component.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/common/status.h"

namespace lobby::chatbot {

void Component::Declare(config::Settings& settings) {
  adapters::DeclareLobbyClient(settings);
  settings.Declare("telegram-bot", "lobby",
                   "the Telegram bot's name in the webhook path /v1/telegram/<bot>");
  settings.Declare("telegram-token", "", "the Telegram Bot API token", true);
  settings.Declare("telegram-secret", "",
                   "the secret token given to setWebhook (X-Telegram-Bot-Api-Secret-Token)", true);
  settings.Declare("telegram-api", "https://api.telegram.org", "the Telegram Bot API base URL");
  settings.Declare("whatsapp-phone-id", "", "the WhatsApp business number's id (Cloud API)");
  settings.Declare("whatsapp-token", "", "the WhatsApp Cloud API access token", true);
  settings.Declare("whatsapp-app-secret", "", "the Meta app secret that signs WhatsApp webhooks",
                   true);
  settings.Declare("whatsapp-verify-token", "",
                   "the token of WhatsApp's webhook verification (hub.verify_token)", true);
  settings.Declare("whatsapp-api", "https://graph.facebook.com", "the Graph API base URL");
  settings.Declare("line-channel", "lobby",
                   "the LINE channel's name in the webhook path /v1/line/<channel>");
  settings.Declare("line-secret", "", "the LINE channel secret (signs webhooks)", true);
  settings.Declare("line-token", "", "the LINE channel access token", true);
  settings.Declare("line-api", "https://api.line.me", "the LINE Messaging API base URL");
  settings.Declare("line-data-api", "https://api-data.line.me",
                   "the LINE content API base URL (photos)");
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
  settings.Declare("sms-twilio-account-sid", "", "the Twilio Account SID (SMS)");
  settings.Declare("sms-twilio-auth-token", "",
                   "the Twilio auth token (signs webhooks, authenticates sends)", true);
  settings.Declare("sms-twilio-from", "",
                   "the sending number (E.164) or Messaging Service SID (MG...)");
  settings.Declare("sms-twilio-api", "https://api.twilio.com", "the Twilio REST API base URL");
  settings.Declare("sms-aliyun-access-key-id", "",
                   "the Alibaba Cloud AccessKey ID (SMS to mainland numbers)");
  settings.Declare("sms-aliyun-access-key-secret", "", "the Alibaba Cloud AccessKey secret", true);
  settings.Declare("sms-aliyun-sign-name", "", "the approved SMS signature (签名)");
  settings.Declare(
      "sms-aliyun-templates", "",
      "message kind=TemplateCode pairs, * for the rest, e.g. verification_code=SMS_1,*=SMS_2");
  settings.Declare("sms-aliyun-region", "cn-hangzhou", "the Alibaba Cloud region of the SMS API");
  settings.Declare("sms-aliyun-api", "https://dysmsapi.aliyuncs.com",
                   "the Alibaba Cloud SMS API base URL");
  settings.Declare("sms-routes", "",
                   "number prefix=provider, first match wins (default: +86=aliyun,*=twilio with "
                   "both, else the one configured)");
  settings.Declare("sms-max-segments", "3",
                   "the most SMS segments one message may take (longer ones are cut)");
  settings.Declare("sms-per-second", "10", "SMS sends per second (the providers' rate limit)");
  settings.Declare("sms-webhook-secret", "",
                   "the HMAC key of the generic SMS gateway webhook /v1/sms/inbound; empty: off",
                   true);
  settings.Declare("public-url", "http://localhost:7080",
                   "the adapters' public base URL (photo links in tickets)");
  settings.Declare("chat-sites", "",
                   "the estates (site ids, comma-separated) the chat bot serves: new residents "
                   "link a flat there");
  settings.Declare("chat-timezone", "Asia/Hong_Kong",
                   "the time zone of estates without an estate YAML applied (an estate's own "
                   "time_zone wins): visit windows and times are shown in it");
}

namespace {
// The first of `names` that is not set, as the settings' error.
absl::Status Required(const config::Settings& settings, std::initializer_list<const char*> names,
                      const char* why) {
  for (const char* name : names) {
    if (settings.Get(name).empty()) return settings.Invalid(name, why);
  }
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<std::unique_ptr<Component>> Component::Create(
    const config::Settings& settings, Runtime& runtime, const std::set<std::string>& providers) {
  ConversationOptions options;
  for (absl::string_view site :
       absl::StrSplit(settings.Get("chat-sites"), ',', absl::SkipWhitespace())) {
    std::string id(absl::StripAsciiWhitespace(site));
    if (absl::Status s = ValidateSiteId(id); !s.ok())
      return settings.Invalid("chat-sites", std::string(s.message()));
    options.sites.push_back(id);
  }
  if (options.sites.empty())
    return settings.Invalid("chat-sites",
                            "name the estates the chat bot serves (site ids, comma-separated)");
  if (!absl::LoadTimeZone(settings.Get("chat-timezone"), &options.time_zone)) {
    return settings.Invalid("chat-timezone", "an IANA time zone, e.g. Asia/Hong_Kong");
  }
  auto c = std::unique_ptr<Component>(new Component(runtime, adapters::AddressesFrom(runtime),
                                                    adapters::AdapterToken(settings, runtime),
                                                    std::move(options)));
  Component* self = c.get();
  if (providers.count("telegram")) {
    telegram::TelegramConfig cfg;
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
    c->telegram_ = std::make_unique<telegram::Telegram>(cfg, runtime.redis(), c->conversation_,
                                                        c->RecipientsOn(v1::CHANNEL_TELEGRAM));
    c->telegram_->Register(runtime.http().routes());
    c->Deliver(runtime, "telegram", 25,
               [self](const queue::Entry& m) { return self->telegram_->Send(m); });
  }
  if (providers.count("whatsapp")) {
    whatsapp::WhatsAppConfig cfg;
    cfg.phone_number_id = settings.Get("whatsapp-phone-id");
    cfg.access_token = settings.Get("whatsapp-token");
    cfg.app_secret = settings.Get("whatsapp-app-secret");
    cfg.verify_token = settings.Get("whatsapp-verify-token");
    cfg.api = settings.Get("whatsapp-api");
    if (absl::Status missing = Required(
            settings,
            {"whatsapp-phone-id", "whatsapp-token", "whatsapp-app-secret", "whatsapp-verify-token"},
            "the WhatsApp adapter needs it");
        !missing.ok())
      return missing;
    c->whatsapp_ = std::make_unique<whatsapp::WhatsApp>(cfg, runtime.redis(), c->conversation_,
                                                        c->RecipientsOn(v1::CHANNEL_WHATSAPP),
                                                        settings.Get("public-url"));
    c->whatsapp_->Register(runtime.http().routes());
    c->Deliver(runtime, "whatsapp", 50,
               [self](const queue::Entry& m) { return self->whatsapp_->Send(m); });
  }
  if (providers.count("line")) {
    line::LineConfig cfg;
    cfg.channel = settings.Get("line-channel");
    cfg.secret = settings.Get("line-secret");
    cfg.token = settings.Get("line-token");
    cfg.api = settings.Get("line-api");
    cfg.data_api = settings.Get("line-data-api");
    if (absl::Status missing =
            Required(settings, {"line-secret", "line-token"}, "the LINE adapter needs it");
        !missing.ok())
      return missing;
    c->line_ =
        std::make_unique<line::Line>(cfg, runtime.redis(), c->conversation_,
                                     c->RecipientsOn(v1::CHANNEL_LINE), settings.Get("public-url"));
    c->line_->Register(runtime.http().routes());
    c->Deliver(runtime, "line", 50, [self](const queue::Entry& m) { return self->line_->Send(m); });
  }
  if (providers.count("wechat")) {
    wechat::WeChatConfig cfg;
    cfg.account = settings.Get("wechat-account");
    cfg.token = settings.Get("wechat-token");
    cfg.app_id = settings.Get("wechat-app-id");
    cfg.app_secret = settings.Get("wechat-app-secret");
    cfg.aes_key = settings.Get("wechat-aes-key");
    cfg.api = settings.Get("wechat-api");
    cfg.public_url = settings.Get("public-url");
    if (absl::Status missing =
            Required(settings, {"wechat-token", "wechat-app-id", "wechat-app-secret"},
                     "the WeChat adapter needs it");
        !missing.ok())
      return missing;
    if (!cfg.aes_key.empty()) {
      if (auto ok = wechat::Cipher::Create(cfg.aes_key, cfg.app_id); !ok.ok())
        return settings.Invalid("wechat-aes-key", std::string(ok.status().message()));
    }
    auto budget = settings.GetDuration("wechat-passive-budget");
    if (!budget.ok() || *budget <= absl::ZeroDuration() || *budget > absl::Milliseconds(4500)) {
      return settings.Invalid("wechat-passive-budget", "a duration up to 4.5s (WeChat waits 5 s)");
    }
    cfg.passive_budget = *budget;
    c->wechat_ =
        std::make_unique<wechat::WeChat>(cfg, runtime.redis(), runtime.clock(), c->conversation_,
                                         c->RecipientsOn(v1::CHANNEL_WECHAT));
    c->wechat_->Register(runtime.http().routes());
    // The customer-service API allows a few hundred thousand calls a day: 20/s keeps well within.
    c->Deliver(runtime, "wechat", 20,
               [self](const queue::Entry& m) { return self->wechat_->Send(m); });
  }
  if (providers.count("sms")) {
    sms::SmsConfig cfg;
    cfg.public_url = settings.Get("public-url");
    cfg.twilio = !settings.Get("sms-twilio-account-sid").empty();
    cfg.twilio_config = {settings.Get("sms-twilio-account-sid"),
                         settings.Get("sms-twilio-auth-token"), settings.Get("sms-twilio-from"),
                         settings.Get("sms-twilio-api"),
                         settings.Get("public-url") + "/v1/sms/twilio/status"};
    if (cfg.twilio) {
      if (absl::Status missing =
              Required(settings, {"sms-twilio-auth-token", "sms-twilio-from"}, "Twilio needs it");
          !missing.ok())
        return missing;
    }
    cfg.aliyun = !settings.Get("sms-aliyun-access-key-id").empty();
    cfg.aliyun_config.access_key_id = settings.Get("sms-aliyun-access-key-id");
    cfg.aliyun_config.access_key_secret = settings.Get("sms-aliyun-access-key-secret");
    cfg.aliyun_config.sign_name = settings.Get("sms-aliyun-sign-name");
    cfg.aliyun_config.region = settings.Get("sms-aliyun-region");
    cfg.aliyun_config.api = settings.Get("sms-aliyun-api");
    auto templates = config::SplitPairs(settings.Get("sms-aliyun-templates"));
    if (!templates.ok())
      return settings.Invalid("sms-aliyun-templates",
                              "kind=TemplateCode pairs, e.g. verification_code=SMS_1,*=SMS_2");
    cfg.aliyun_config.templates.insert(templates->begin(), templates->end());
    if (cfg.aliyun) {
      if (absl::Status missing = Required(
              settings,
              {"sms-aliyun-access-key-secret", "sms-aliyun-sign-name", "sms-aliyun-templates"},
              "Aliyun SMS needs it");
          !missing.ok())
        return missing;
    }
    if (!cfg.twilio && !cfg.aliyun)
      return settings.Invalid("sms-twilio-account-sid",
                              "the SMS adapter needs Twilio or Aliyun (sms-aliyun-access-key-id)");
    std::string routes = settings.Get("sms-routes");
    if (routes.empty())
      routes = cfg.twilio && cfg.aliyun ? "+86=aliyun,*=twilio"
               : cfg.twilio             ? "*=twilio"
                                        : "*=aliyun";
    auto parsed = sms::ParseRoutes(routes);
    if (!parsed.ok()) return settings.Invalid("sms-routes", std::string(parsed.status().message()));
    for (const auto& [prefix, provider] : *parsed) {
      if ((provider == "twilio" && !cfg.twilio) || (provider == "aliyun" && !cfg.aliyun)) {
        return settings.Invalid("sms-routes", provider + " is routed to but not configured");
      }
    }
    cfg.routes = *std::move(parsed);
    int segments = 0;
    if (!absl::SimpleAtoi(settings.Get("sms-max-segments"), &segments) || segments < 1 ||
        segments > 10) {
      return settings.Invalid("sms-max-segments", "1 to 10");
    }
    cfg.max_segments = segments;
    double per_second = 0;
    if (!absl::SimpleAtod(settings.Get("sms-per-second"), &per_second) || per_second <= 0)
      return settings.Invalid("sms-per-second", "a positive number");
    cfg.webhook_secret = settings.Get("sms-webhook-secret");
    if (!cfg.webhook_secret.empty() && cfg.webhook_secret.size() < 16)
      return settings.Invalid("sms-webhook-secret", "at least 16 characters");
    c->texting_ = std::make_unique<sms::Texting>(runtime.redis(), c->api_, c->sites_, c->zone_);
    auto timeline = [self](const std::string& resident, const std::string& ticket,
                           const std::string& text, const std::string& key) {
      v1::AppendTimelineRequest req;
      req.set_resident_id(resident);
      req.set_idempotency_key(key);
      v1::TimelineEntry* e = req.mutable_entry();
      e->set_kind(v1::TimelineEntry::KIND_NOTE);
      e->set_channel(v1::CHANNEL_SMS);
      e->set_text(text);
      e->set_ticket_id(ticket);
      e->set_actor("sms");
      if (absl::Status s = self->api_.AppendTimeline(req); !s.ok())
        log::Get("sms")->warn("event=timeline_failed resident={} error=\"{}\"", resident,
                              s.message());
    };
    c->sms_ = std::make_unique<sms::Sms>(
        cfg, runtime.redis(), runtime.clock(), *c->texting_,
        [self](const std::string& r) { return self->api_.PhoneOf(r); }, timeline);
    c->sms_->Register(runtime.http().routes());
    c->Deliver(runtime, "sms", per_second,
               [self](const queue::Entry& m) { return self->sms_->Send(m); });
    runtime.AddConsumer({.stream = sms::Sms::kInboundStream,
                         .group = "sms-inbound",
                         .parallel = 4,
                         .shard_field = "from"},
                        [self](const queue::Entry& e) { return self->sms_->Receive(e); });
  }
  return c;
}

RecipientOf Component::RecipientsOn(v1::Channel channel) {
  return
      [this, channel](const std::string& resident) { return api_.IdentityOf(resident, channel); };
}

void Component::Deliver(Runtime& runtime, const std::string& channel, double per_second,
                        adapters::SendFn send) {
  v1::Channel c = v1::CHANNEL_UNSPECIFIED;
  (void)v1::Channel_Parse("CHANNEL_" + absl::AsciiStrToUpper(channel), &c);
  // Messages to residents land on their timeline once delivered (staff pushes and chat
  // replies to a sender carry no resident).
  adapters::DeliveredFn delivered = [this, c](const queue::Entry& m, const adapters::SendResult&) {
    if (m.Get("resident_id").empty()) return;
    absl::Status s = api_.RecordDelivery(std::string(m.Get("resident_id")), c, m);
    if (!s.ok())
      log::Get("delivery")
          ->warn("event=timeline_failed resident={} error=\"{}\"", m.Get("resident_id"),
                 s.message());
  };
  deliveries_.push_back(std::make_unique<adapters::Delivery>(
      runtime.redis(), adapters::DeliveryOptions{.channel = channel, .per_second = per_second},
      std::move(send), std::move(delivered)));
  adapters::Delivery* delivery = deliveries_.back().get();
  runtime.AddConsumer({.stream = queue::OutboundStream(channel), .group = channel},
                      [delivery](const queue::Entry& m) { return delivery->Handle(m); });
}

Component::Component(Runtime& runtime, adapters::ServiceAddresses addr, std::string token,
                     ConversationOptions options)
    : api_(std::move(addr), std::move(token)),
      sites_(options.sites),
      zone_(options.time_zone),
      conversation_(runtime.redis(), api_, runtime.clock(), std::move(options)) {}

}  // namespace lobby::chatbot
