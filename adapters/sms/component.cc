#include "adapters/sms/component.h"

#include "absl/strings/numbers.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace lobby::sms {

void Component::Declare(config::Settings& settings) {
  adapters::DeclareLobbyClient(settings);
  adapters::ServedEstates::Declare(settings);
  adapters::DeclarePublicUrl(settings);
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
}

namespace {
// The settings, checked.
absl::StatusOr<SmsConfig> ConfigFrom(const config::Settings& settings) {
  SmsConfig cfg;
  cfg.public_url = settings.Get("public-url");
  cfg.twilio = !settings.Get("sms-twilio-account-sid").empty();
  cfg.twilio_config = {settings.Get("sms-twilio-account-sid"),
                       settings.Get("sms-twilio-auth-token"), settings.Get("sms-twilio-from"),
                       settings.Get("sms-twilio-api"),
                       settings.Get("public-url") + "/v1/sms/twilio/status"};
  if (cfg.twilio) {
    if (absl::Status missing =
            settings.Required({"sms-twilio-auth-token", "sms-twilio-from"}, "Twilio needs it");
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
    if (absl::Status missing = settings.Required(
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
  auto parsed = ParseRoutes(routes);
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
  if (!absl::SimpleAtod(settings.Get("sms-per-second"), &cfg.per_second) || cfg.per_second <= 0)
    return settings.Invalid("sms-per-second", "a positive number");
  cfg.webhook_secret = settings.Get("sms-webhook-secret");
  if (!cfg.webhook_secret.empty() && cfg.webhook_secret.size() < 16)
    return settings.Invalid("sms-webhook-secret", "at least 16 characters");
  return cfg;
}
}  // namespace

absl::StatusOr<std::unique_ptr<Component>> Component::Create(const config::Settings& settings,
                                                             Runtime& runtime) {
  LOBBY_ASSIGN_OR_RETURN(auto cfg, ConfigFrom(settings));
  LOBBY_ASSIGN_OR_RETURN(auto estates, adapters::ServedEstates::From(settings));
  return std::unique_ptr<Component>(new Component(
      runtime, adapters::SharedLobbyApi(settings, runtime), std::move(estates), std::move(cfg)));
}

Component::Component(Runtime& runtime, adapters::GrpcLobbyApi& api, adapters::ServedEstates estates,
                     SmsConfig config)
    : api_(api),
      texting_(runtime.redis(), api_, std::move(estates.sites), estates.time_zone, &api_),
      sms_(
          config, runtime.redis(), runtime.clock(), texting_,
          [this](const std::string& r) { return api_.PhoneOf(r); },
          [this](const std::string& resident, const std::string& ticket, const std::string& text,
                 const std::string& key) {
            v1::AppendTimelineRequest req;
            req.set_resident_id(resident);
            req.set_idempotency_key(key);
            v1::TimelineEntry* e = req.mutable_entry();
            e->set_kind(v1::TimelineEntry::KIND_NOTE);
            e->set_channel(v1::CHANNEL_SMS);
            e->set_text(text);
            e->set_ticket_id(ticket);
            e->set_actor("sms");
            if (absl::Status s = api_.AppendTimeline(req); !s.ok())
              log::Get("sms")->warn("event=timeline_failed resident={} error=\"{}\"", resident,
                                    s.message());
          }) {
  sms_.Register(runtime.http().routes());
  delivery_ = adapters::StartDelivery(runtime, api_, v1::CHANNEL_SMS, config.per_second,
                                      [this](const queue::Entry& m) { return sms_.Send(m); });
  runtime.AddConsumer(
      {.stream = Sms::kInboundStream, .group = "sms-inbound", .parallel = 4, .shard_field = "from"},
      [this](const queue::Entry& e) { return sms_.Receive(e); });
}

}  // namespace lobby::sms
