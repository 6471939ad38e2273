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

namespace lobby::line {

struct LineConfig {
  std::string channel;                      // the name in the webhook path: /v1/line/<channel>
  std::string secret;                       // the channel secret: signs webhooks (secret)
  std::string token;                        // the channel access token (secret)
  std::string api = "https://api.line.me";  // tests: a local fake
  std::string data_api = "https://api-data.line.me";  // message content (photos)
  std::string public_url = "http://localhost:7080";   // where staff reach this adapter: photo links
  size_t max_body = 1 << 20;
};

/// The LINE Messaging API on both sides.
///  Inbound: POST /v1/line/<channel> — X-Line-Signature (base64 HMAC-SHA256 of the raw body with
///  the channel secret) checked in constant time before parsing (401 otherwise); 413, 400 as
///  usual. Message (text, image) and postback events of users go to the conversation, each
///  webhookEventId once (LINE redelivers).
///  Outbound: the reply API while the event's reply token is fresh, the push API otherwise;
///  buttons as quick replies (postback actions).
/// One event of a LINE webhook that the conversation answers: a user's message or postback.
struct LineEvent {
  chatbot::Inbound in;
  std::string reply_token;
};
/// The message and postback events of a webhook body (others are left out); an image's link is
/// `content_url` + its id, signed with `secret`. INVALID_ARGUMENT for a body that is not one.
absl::StatusOr<std::vector<LineEvent>> ParseEvents(const std::string& body,
                                                   const std::string& content_url,
                                                   const std::string& secret);

class Line {
 public:
  Line(LineConfig config, chatbot::ProviderHost host)
      : config_(std::move(config)), host_(std::move(host)) {}

  void Register(httplib::Server& server);
  adapters::SendResult Send(const queue::Entry& message);

 private:
  adapters::HttpAnswer Webhook(const std::string& channel, const std::string& signature,
                               const std::string& body);

  LineConfig config_;
  chatbot::ProviderHost host_;
};

}  // namespace lobby::line
