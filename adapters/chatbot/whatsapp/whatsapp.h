#pragma once

#include <string>

#include "adapters/chatbot/conversation.h"
#include "adapters/common/delivery.h"
#include "adapters/common/webhook.h"
#include "services/common/queue.h"
#include "services/common/redis.h"

namespace httplib {
class Server;
}

namespace lobby::whatsapp {

struct WhatsAppConfig {
  std::string phone_number_id;  // the business number's id: where messages are sent from
  std::string access_token;     // Graph API bearer token (secret)
  std::string app_secret;       // signs the webhooks: X-Hub-Signature-256 (secret)
  std::string verify_token;     // the hub challenge's token (secret)
  std::string api = "https://graph.facebook.com";  // the Graph API's base URL (tests: a local fake)
  std::string version = "v19.0";
  std::string public_url = "http://localhost:7080";  // where staff reach this adapter: photo links
  size_t max_body = 1 << 20;
};

/// The WhatsApp Cloud API on both sides.
///  GET /v1/whatsapp: the hub verification (hub.mode=subscribe, hub.verify_token) echoes
///  hub.challenge.
///  POST /v1/whatsapp: X-Hub-Signature-256 ("sha256=" + hex HMAC-SHA256 of the raw body with the
///  app secret) is checked in constant time before parsing (401 otherwise); 413 over the size
///  limit, 400 malformed. Text, image (with caption) and interactive button replies go to the
///  conversation, each message id (wamid) once; delivery statuses are ignored.
///  Outbound: the messages endpoint, with reply buttons (up to 3) or a list (up to 10).
///  Photos: a ticket links <public_url>/v1/whatsapp/media/<media id>, which fetches the media
///  with the access token (never in the ticket).
/// The messages of a Cloud API webhook body, as the conversation takes them (statuses and other
/// changes carry none); photo links are signed with `app_secret` under `public_url`.
/// INVALID_ARGUMENT for a body that is not a webhook, or a message without a sender or id.
absl::StatusOr<std::vector<chatbot::Inbound>> ParseMessages(const std::string& body,
                                                            const std::string& public_url,
                                                            const std::string& app_secret);

class WhatsApp {
 public:
  WhatsApp(WhatsAppConfig config, chatbot::ProviderHost host)
      : config_(std::move(config)), host_(std::move(host)) {}

  void Register(httplib::Server& server);
  adapters::SendResult Send(const queue::Entry& message);

 private:
  adapters::HttpAnswer Webhook(const std::string& signature, const std::string& body);

  WhatsAppConfig config_;
  chatbot::ProviderHost host_;
};

}  // namespace lobby::whatsapp
