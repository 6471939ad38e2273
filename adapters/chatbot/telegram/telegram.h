#pragma once

#include <memory>
#include <string>

#include "adapters/chatbot/conversation.h"
#include "adapters/common/delivery.h"
#include "adapters/common/webhook.h"
#include "lobby/v1/residents.pb.h"
#include "services/common/queue.h"
#include "services/common/redis.h"

namespace httplib {
class Server;
}

namespace lobby::telegram {

struct TelegramConfig {
  std::string bot;     // the name in the webhook path: /v1/telegram/<bot>
  std::string token;   // the Bot API token (secret)
  std::string secret;  // X-Telegram-Bot-Api-Secret-Token set with setWebhook (secret)
  std::string api = "https://api.telegram.org";      // the Bot API's base URL (tests: a local fake)
  std::string public_url = "http://localhost:7080";  // where staff reach this adapter: photo links
  size_t max_body = 1 << 20;
};

/// The Telegram Bot API on both sides.
///  Inbound: POST /v1/telegram/<bot> — the secret token header is compared in constant time
///  before anything is parsed (401 otherwise), bodies over max_body are 413, malformed JSON
///  400; each update_id is remembered for a week, so a retried delivery is answered 200 and
///  ignored. Messages (text, photo with caption) and button presses (callback_query) go to the
///  conversation; its replies are queued on lobby:q:outbound:telegram before the 200.
///  Outbound: sendMessage (with an inline keyboard for buttons) and answerCallbackQuery.
///  Photos: a ticket links <public_url>/v1/telegram/<bot>/file/<file_id>, which fetches the
///  file through getFile (the bot's token never appears in a ticket).
/// One Bot API update as the conversation takes it.
struct TelegramUpdate {
  std::string update_id;
  bool answered = true;  // a message or a button press; false: edits, channel posts, ...
  chatbot::Inbound in;
  std::string chat;      // where to answer
  std::string callback;  // a button press's callback_query id, to be answered
};
/// Parses an update; a photo's link is `file_url` + its file id, signed with `secret`.
/// INVALID_ARGUMENT for a body that is not an update (or has a chat or sender id 0).
absl::StatusOr<TelegramUpdate> ParseUpdate(const std::string& body, const std::string& file_url,
                                           const std::string& secret);

class Telegram {
 public:
  Telegram(TelegramConfig config, chatbot::ProviderHost host)
      : config_(std::move(config)), host_(std::move(host)) {}

  void Register(httplib::Server& server);
  /// One outbound message through the Bot API.
  adapters::SendResult Send(const queue::Entry& message);

 private:
  adapters::HttpAnswer Webhook(const std::string& bot, const std::string& secret_header,
                               const std::string& body);

  TelegramConfig config_;
  chatbot::ProviderHost host_;
};

}  // namespace lobby::telegram
