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

ServiceAddresses AddressesFrom(Runtime& runtime) {
  return [&runtime](const std::string& service) { return runtime.AddressOf(service); };
}

std::string AdapterToken(const config::Settings& settings, const Runtime& runtime) {
  const std::string& token = settings.Get("adapter-token");
  return token.empty() ? runtime.service_token() : token;
}

void GrpcLobbyApi::Connect() {
  std::lock_guard lock(mu_);
  if (residents_) return;
  // Services at the same address share one channel.
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels;
  auto channel = [&](const std::string& service) {
    std::string addr = addr_(service);
    auto& c = channels[addr];
    if (!c) c = Dial(addr);
    return c;
  };
  residents_ = v1::ResidentService::NewStub(channel("residents"));
  repairs_ = v1::RepairService::NewStub(channel("repairs"));
  complaints_ = v1::ComplaintService::NewStub(channel("complaints"));
  surveys_ = v1::SurveyService::NewStub(channel("surveys"));
  dispatch_ = v1::DispatchService::NewStub(channel("dispatch"));
}

namespace {
template <typename Stub, typename Req, typename Resp>
absl::StatusOr<Resp> Call(Stub& stub,
                          grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
                          const Req& req, const std::string& token,
                          const std::string& acting_for = "") {
  grpc::ClientContext ctx;
  PrepareClientContext(ctx, token, absl::Seconds(5));
  if (!acting_for.empty()) ctx.AddMetadata(auth::kActingForHeader, acting_for);
  Resp resp;
  grpc::Status s = (stub.*method)(&ctx, req, &resp);
  if (!s.ok()) return FromGrpcStatus(s);
  return resp;
}
}  // namespace

absl::StatusOr<std::optional<v1::Resident>> GrpcLobbyApi::Resolve(v1::Channel channel,
                                                                  const std::string& user) {
  Connect();
  v1::ResolveIdentityRequest req;
  req.set_channel(channel);
  req.set_external_id(user);
  auto r = Call(*residents_, &v1::ResidentService::Stub::ResolveIdentity, req, token_);
  if (absl::IsNotFound(r.status())) return std::nullopt;
  if (!r.ok()) return r.status();
  if (!r->identity().verified()) return std::nullopt;
  return r->resident();
}

absl::StatusOr<v1::Ticket> GrpcLobbyApi::GetTicket(const std::string& id) {
  Connect();
  v1::GetTicketRequest req;
  req.set_id(id);
  if (absl::StartsWith(id, "C-"))
    return Call(*complaints_, &v1::ComplaintService::Stub::GetComplaint, req, token_);
  return Call(*repairs_, &v1::RepairService::Stub::GetRepair, req, token_);
}

absl::StatusOr<std::vector<v1::Ticket>> GrpcLobbyApi::ListMine(const v1::Resident& resident,
                                                               int limit) {
  Connect();
  v1::ListTicketsRequest req;
  req.set_site_id(resident.unit().site_id());
  req.set_reporter_resident_id(resident.id());
  req.set_page_size(limit);
  auto repairs = Call(*repairs_, &v1::RepairService::Stub::ListRepairs, req, token_);
  if (!repairs.ok()) return repairs.status();
  auto complaints = Call(*complaints_, &v1::ComplaintService::Stub::ListComplaints, req, token_);
  if (!complaints.ok()) return complaints.status();
  std::vector<v1::Ticket> all(repairs->tickets().begin(), repairs->tickets().end());
  all.insert(all.end(), complaints->tickets().begin(), complaints->tickets().end());
  std::sort(all.begin(), all.end(), [](const v1::Ticket& a, const v1::Ticket& b) {
    return FromTimestamp(a.created_at()) > FromTimestamp(b.created_at());
  });
  if (static_cast<int>(all.size()) > limit) all.resize(limit);
  return all;
}

absl::StatusOr<v1::Ticket> GrpcLobbyApi::CreateComplaint(const v1::CreateTicketRequest& req) {
  Connect();
  return Call(*complaints_, &v1::ComplaintService::Stub::CreateComplaint, req, token_);
}

absl::StatusOr<v1::StartVerificationResponse> GrpcLobbyApi::StartVerification(
    const v1::StartVerificationRequest& req) {
  Connect();
  return Call(*residents_, &v1::ResidentService::Stub::StartVerification, req, token_);
}

absl::StatusOr<v1::Resident> GrpcLobbyApi::ConfirmVerification(
    const v1::ConfirmVerificationRequest& req) {
  Connect();
  auto r = Call(*residents_, &v1::ResidentService::Stub::ConfirmVerification, req, token_);
  if (!r.ok()) return r.status();
  return r->resident();
}

absl::StatusOr<v1::CallbackTask> GrpcLobbyApi::RequestCallback(
    const v1::RequestCallbackRequest& req) {
  Connect();
  return Call(*residents_, &v1::ResidentService::Stub::RequestCallback, req, token_);
}

absl::StatusOr<v1::Classification> GrpcLobbyApi::Classify(const std::string& site,
                                                          const std::string& text) {
  Connect();
  v1::ClassifyRequest req;
  req.set_site_id(site);
  req.set_text(text);
  return Call(*repairs_, &v1::RepairService::Stub::Classify, req, token_);
}

absl::StatusOr<v1::EstateRegister> GrpcLobbyApi::GetRegister(const std::string& site) {
  Connect();
  v1::GetEstateRequest req;
  req.set_site_id(site);
  return Call(*dispatch_, &v1::DispatchService::Stub::GetRegister, req, token_);
}

absl::StatusOr<v1::Catalog> GrpcLobbyApi::GetCatalog(const std::string& site) {
  Connect();
  v1::GetCatalogRequest req;
  req.set_site_id(site);
  return Call(*repairs_, &v1::RepairService::Stub::GetCatalog, req, token_);
}

absl::StatusOr<v1::Ticket> GrpcLobbyApi::CreateRepair(const v1::CreateTicketRequest& req) {
  Connect();
  return Call(*repairs_, &v1::RepairService::Stub::CreateRepair, req, token_);
}

absl::Status GrpcLobbyApi::SubmitSurvey(const v1::SubmitResponseRequest& req) {
  Connect();
  return Call(*surveys_, &v1::SurveyService::Stub::SubmitResponse, req, token_).status();
}

absl::StatusOr<v1::ResolvePhoneResponse> GrpcLobbyApi::ResolvePhone(const std::string& phone) {
  Connect();
  v1::ResolvePhoneRequest req;
  req.set_phone(phone);
  return Call(*residents_, &v1::ResidentService::Stub::ResolvePhone, req, token_);
}

absl::StatusOr<std::vector<v1::Resident>> GrpcLobbyApi::FindByPhone(const std::string& phone) {
  auto r = ResolvePhone(phone);
  if (!r.ok()) return r.status();
  return std::vector<v1::Resident>(r->residents().begin(), r->residents().end());
}

absl::Status GrpcLobbyApi::AddComment(const std::string& ticket, const std::string& text,
                                      bool internal, const std::string& acting_for) {
  Connect();
  v1::AddCommentRequest req;
  req.set_id(ticket);
  req.set_text(text);
  req.set_internal(internal);
  if (absl::StartsWith(ticket, "C-")) {
    return Call(*complaints_, &v1::ComplaintService::Stub::AddComment, req, token_, acting_for)
        .status();
  }
  return Call(*repairs_, &v1::RepairService::Stub::AddComment, req, token_, acting_for).status();
}

absl::Status GrpcLobbyApi::SetOptedOut(const std::string& resident, v1::Channel channel,
                                       bool opted_out) {
  Connect();
  for (int attempt = 0;;
       ++attempt) {  // read, change, write with the version read; again if it moved on
    v1::GetResidentRequest get;
    get.set_id(resident);
    auto r = Call(*residents_, &v1::ResidentService::Stub::GetResident, get, token_);
    if (!r.ok()) return r.status();
    v1::UpdateResidentRequest req;
    req.set_expected_version(r->version());
    req.mutable_update_mask()->add_paths("opted_out_channels");
    req.mutable_resident()->set_id(r->id());
    bool has = false;
    for (int c : r->opted_out_channels()) {
      if (c == channel)
        has = true;
      else
        req.mutable_resident()->add_opted_out_channels(static_cast<v1::Channel>(c));
    }
    if (has == opted_out) return absl::OkStatus();
    if (opted_out) req.mutable_resident()->add_opted_out_channels(channel);
    auto done = Call(*residents_, &v1::ResidentService::Stub::UpdateResident, req, token_);
    if (!absl::IsAborted(done.status()) || attempt == 3) return done.status();
  }
}

absl::Status GrpcLobbyApi::AppendTimeline(const v1::AppendTimelineRequest& req) {
  Connect();
  auto done = Call(*residents_, &v1::ResidentService::Stub::AppendTimeline, req, token_);
  return absl::IsAlreadyExists(done.status()) ? absl::OkStatus() : done.status();
}

absl::StatusOr<v1::Survey> GrpcLobbyApi::GetSurvey(const std::string& ticket) {
  Connect();
  v1::GetSurveyRequest req;
  req.set_ticket_id(ticket);
  return Call(*surveys_, &v1::SurveyService::Stub::GetSurvey, req, token_);
}

absl::StatusOr<v1::Resident> GrpcLobbyApi::GetResident(const std::string& id) {
  Connect();
  v1::GetResidentRequest req;
  req.set_id(id);
  return Call(*residents_, &v1::ResidentService::Stub::GetResident, req, token_);
}

absl::StatusOr<Recipient> GrpcLobbyApi::PhoneOf(const std::string& resident) {
  auto r = GetResident(resident);
  if (!r.ok()) return r.status();
  if (r->phones().empty())
    return absl::NotFoundError(absl::StrCat(resident, " has no phone number"));
  return Recipient{r->phones(0), r->language()};
}

absl::Status GrpcLobbyApi::RecordDelivery(const std::string& resident, v1::Channel channel,
                                          const queue::Entry& m) {
  v1::AppendTimelineRequest req;
  req.set_resident_id(resident);
  v1::TimelineEntry* e = req.mutable_entry();
  e->set_kind(v1::TimelineEntry::KIND_MESSAGE_OUT);
  e->set_channel(channel);
  std::string text(m.Get("text"));
  if (text.empty())
    text = std::string(m.Get("kind"));  // safety instructions: every language; say what it was
  e->set_text(text.substr(0, 2000));
  e->set_ticket_id(std::string(m.Get("ticket_id")));
  e->set_actor("lobby");
  (*e->mutable_attributes())["kind"] = std::string(m.Get("kind"));
  req.set_idempotency_key(absl::StrCat(
      "delivered:", ChannelName(channel), ":",
      m.Get("idempotency_key").empty() ? m.id : std::string(m.Get("idempotency_key"))));
  return AppendTimeline(req);
}

absl::StatusOr<Recipient> GrpcLobbyApi::IdentityOf(const std::string& resident,
                                                   v1::Channel channel) {
  Connect();
  v1::GetResidentRequest req;
  req.set_id(resident);
  auto r = Call(*residents_, &v1::ResidentService::Stub::GetResident, req, token_);
  if (!r.ok()) return r.status();
  for (const auto& i : r->identities()) {
    if (i.channel() == channel && i.verified()) return Recipient{i.external_id(), r->language()};
  }
  return absl::NotFoundError(absl::StrCat(resident, " has no verified identity on this channel"));
}

void Component::Declare(config::Settings& settings) {
  settings.Declare("adapter-token", "",
                   "the token adapters call Lobby with (default: the process's service token)",
                   true);
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
  auto c = std::unique_ptr<Component>(new Component(
      runtime, AddressesFrom(runtime), AdapterToken(settings, runtime), std::move(options)));
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

Component::Component(Runtime& runtime, ServiceAddresses addr, std::string token,
                     ConversationOptions options)
    : api_(std::move(addr), std::move(token)),
      sites_(options.sites),
      zone_(options.time_zone),
      conversation_(runtime.redis(), api_, runtime.clock(), std::move(options)) {}

}  // namespace lobby::chatbot
