#include "adapters/chatbot/component.h"

#include "absl/strings/ascii.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/common/status.h"

namespace lobby::chatbot {

void GrpcLobbyApi::Connect() {
  std::lock_guard lock(mu_);
  if (residents_) return;
  auto channel = Dial(addr_());
  residents_ = v1::ResidentService::NewStub(channel);
  repairs_ = v1::RepairService::NewStub(channel);
  surveys_ = v1::SurveyService::NewStub(channel);
}

namespace {
template <typename Stub, typename Req, typename Resp>
absl::StatusOr<Resp> Call(Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*), const Req& req,
                          const std::string& token) {
  grpc::ClientContext ctx;
  PrepareClientContext(ctx, token, absl::Seconds(5));
  Resp resp;
  grpc::Status s = (stub.*method)(&ctx, req, &resp);
  if (!s.ok()) return FromGrpcStatus(s);
  return resp;
}
}  // namespace

absl::StatusOr<std::optional<v1::Resident>> GrpcLobbyApi::Resolve(v1::Channel channel, const std::string& user) {
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
  return Call(*repairs_, &v1::RepairService::Stub::GetRepair, req, token_);
}

absl::StatusOr<v1::Classification> GrpcLobbyApi::Classify(const std::string& site, const std::string& text) {
  Connect();
  v1::ClassifyRequest req;
  req.set_site_id(site);
  req.set_text(text);
  return Call(*repairs_, &v1::RepairService::Stub::Classify, req, token_);
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

absl::Status GrpcLobbyApi::RecordDelivery(const std::string& resident, v1::Channel channel, const queue::Entry& m) {
  Connect();
  v1::AppendTimelineRequest req;
  req.set_resident_id(resident);
  v1::TimelineEntry* e = req.mutable_entry();
  e->set_kind(v1::TimelineEntry::KIND_MESSAGE_OUT);
  e->set_channel(channel);
  std::string text(m.Get("text"));
  if (text.empty()) text = std::string(m.Get("kind"));  // safety instructions: every language; say what it was
  e->set_text(text.substr(0, 2000));
  e->set_ticket_id(std::string(m.Get("ticket_id")));
  e->set_actor("lobby");
  (*e->mutable_attributes())["kind"] = std::string(m.Get("kind"));
  req.set_idempotency_key(absl::StrCat("delivered:", ChannelName(channel), ":", m.Get("idempotency_key").empty() ? m.id : std::string(m.Get("idempotency_key"))));
  return Call(*residents_, &v1::ResidentService::Stub::AppendTimeline, req, token_).status();
}

absl::StatusOr<Recipient> GrpcLobbyApi::IdentityOf(const std::string& resident, v1::Channel channel) {
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
  settings.Declare("adapter-token", "", "the token adapters call Lobby with (default: the process's service token)", true);
  settings.Declare("telegram-bot", "lobby", "the Telegram bot's name in the webhook path /v1/telegram/<bot>");
  settings.Declare("telegram-token", "", "the Telegram Bot API token", true);
  settings.Declare("telegram-secret", "", "the secret token given to setWebhook (X-Telegram-Bot-Api-Secret-Token)", true);
  settings.Declare("telegram-api", "https://api.telegram.org", "the Telegram Bot API base URL");
  settings.Declare("lobby-addr", "", "Lobby's gRPC address for the adapters (default: this process)");
  settings.Declare("whatsapp-phone-id", "", "the WhatsApp business number's id (Cloud API)");
  settings.Declare("whatsapp-token", "", "the WhatsApp Cloud API access token", true);
  settings.Declare("whatsapp-app-secret", "", "the Meta app secret that signs WhatsApp webhooks", true);
  settings.Declare("whatsapp-verify-token", "", "the token of WhatsApp's webhook verification (hub.verify_token)", true);
  settings.Declare("whatsapp-api", "https://graph.facebook.com", "the Graph API base URL");
  settings.Declare("line-channel", "lobby", "the LINE channel's name in the webhook path /v1/line/<channel>");
  settings.Declare("line-secret", "", "the LINE channel secret (signs webhooks)", true);
  settings.Declare("line-token", "", "the LINE channel access token", true);
  settings.Declare("line-api", "https://api.line.me", "the LINE Messaging API base URL");
  settings.Declare("line-data-api", "https://api-data.line.me", "the LINE content API base URL (photos)");
  settings.Declare("public-url", "http://localhost:7080", "the adapters' public base URL (photo links in tickets)");
}

absl::StatusOr<std::unique_ptr<Component>> Component::Create(const config::Settings& settings, Runtime& runtime,
                                                             const std::set<std::string>& providers) {
  std::string token = settings.Get("adapter-token").empty() ? runtime.service_token() : settings.Get("adapter-token");
  auto c = std::unique_ptr<Component>(new Component(runtime, settings.Get("lobby-addr"), token));
  Component* self = c.get();
  if (providers.count("telegram")) {
    telegram::TelegramConfig cfg;
    cfg.bot = settings.Get("telegram-bot");
    cfg.token = settings.Get("telegram-token");
    cfg.secret = settings.Get("telegram-secret");
    cfg.api = settings.Get("telegram-api");
    cfg.public_url = settings.Get("public-url");
    if (cfg.token.empty()) return settings.Invalid("telegram-token", "the Telegram adapter needs the bot's token");
    if (cfg.secret.size() < 16) return settings.Invalid("telegram-secret", "at least 16 characters (the webhook's secret token)");
    c->telegram_ = std::make_unique<telegram::Telegram>(
        cfg, runtime.redis(), c->conversation_, c->RecipientsOn(v1::CHANNEL_TELEGRAM));
    c->telegram_->Register(runtime.http().routes());
    c->Deliver(runtime, "telegram", 25, [self](const queue::Entry& m) { return self->telegram_->Send(m); });
  }
  if (providers.count("whatsapp")) {
    whatsapp::WhatsAppConfig cfg;
    cfg.phone_number_id = settings.Get("whatsapp-phone-id");
    cfg.access_token = settings.Get("whatsapp-token");
    cfg.app_secret = settings.Get("whatsapp-app-secret");
    cfg.verify_token = settings.Get("whatsapp-verify-token");
    cfg.api = settings.Get("whatsapp-api");
    for (const char* required : {"whatsapp-phone-id", "whatsapp-token", "whatsapp-app-secret", "whatsapp-verify-token"}) {
      if (settings.Get(required).empty()) return settings.Invalid(required, "the WhatsApp adapter needs it");
    }
    c->whatsapp_ = std::make_unique<whatsapp::WhatsApp>(
        cfg, runtime.redis(), c->conversation_,
        c->RecipientsOn(v1::CHANNEL_WHATSAPP),
        settings.Get("public-url"));
    c->whatsapp_->Register(runtime.http().routes());
    c->Deliver(runtime, "whatsapp", 50, [self](const queue::Entry& m) { return self->whatsapp_->Send(m); });
  }
  if (providers.count("line")) {
    line::LineConfig cfg;
    cfg.channel = settings.Get("line-channel");
    cfg.secret = settings.Get("line-secret");
    cfg.token = settings.Get("line-token");
    cfg.api = settings.Get("line-api");
    cfg.data_api = settings.Get("line-data-api");
    for (const char* required : {"line-secret", "line-token"}) {
      if (settings.Get(required).empty()) return settings.Invalid(required, "the LINE adapter needs it");
    }
    c->line_ = std::make_unique<line::Line>(
        cfg, runtime.redis(), c->conversation_,
        c->RecipientsOn(v1::CHANNEL_LINE),
        settings.Get("public-url"));
    c->line_->Register(runtime.http().routes());
    c->Deliver(runtime, "line", 50, [self](const queue::Entry& m) { return self->line_->Send(m); });
  }
  return c;
}

RecipientOf Component::RecipientsOn(v1::Channel channel) {
  return [this, channel](const std::string& resident) { return api_.IdentityOf(resident, channel); };
}

void Component::Deliver(Runtime& runtime, const std::string& channel, double per_second, adapters::SendFn send) {
  v1::Channel c = v1::CHANNEL_UNSPECIFIED;
  (void)v1::Channel_Parse("CHANNEL_" + absl::AsciiStrToUpper(channel), &c);
  // Messages to residents land on their timeline once delivered (staff pushes and chat
  // replies to a sender carry no resident).
  adapters::DeliveredFn delivered = [this, c](const queue::Entry& m, const adapters::SendResult&) {
    if (m.Get("resident_id").empty()) return;
    absl::Status s = api_.RecordDelivery(std::string(m.Get("resident_id")), c, m);
    if (!s.ok()) log::Get("delivery")->warn("event=timeline_failed resident={} error=\"{}\"", m.Get("resident_id"), s.message());
  };
  deliveries_.push_back(std::make_unique<adapters::Delivery>(
      runtime.redis(), adapters::DeliveryOptions{.channel = channel, .per_second = per_second}, std::move(send),
      std::move(delivered)));
  adapters::Delivery* delivery = deliveries_.back().get();
  runtime.AddConsumer({.stream = queue::OutboundStream(channel), .group = channel},
                      [delivery](const queue::Entry& m) { return delivery->Handle(m); });
}

Component::Component(Runtime& runtime, std::string addr, std::string token)
    : api_([&runtime, addr] { return addr.empty() ? runtime.grpc().address() : addr; }, std::move(token)),
      conversation_(runtime.redis(), api_) {}

}  // namespace lobby::chatbot
