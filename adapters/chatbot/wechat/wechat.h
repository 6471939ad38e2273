#pragma once

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "adapters/chatbot/conversation.h"
#include "adapters/common/delivery.h"
#include "adapters/common/webhook.h"
#include "services/common/clock.h"
#include "services/common/queue.h"
#include "services/common/redis.h"

namespace httplib {
class Server;
}

namespace lobby::wechat {

struct WeChatConfig {
  std::string account;     // the name in the webhook path: /v1/wechat/<account>
  std::string token;       // the Token set in the Official Account's server settings (secret)
  std::string app_id;      // AppID
  std::string app_secret;  // AppSecret (secret): access tokens for the customer-service API
  std::string aes_key;     // EncodingAESKey (43 characters, secret): empty for plain mode
  std::string api = "https://api.weixin.qq.com";  // tests: a local fake
  std::string public_url = "http://localhost:7080";
  absl::Duration timestamp_window = absl::Minutes(5);        // older or newer requests are refused
  absl::Duration passive_budget = absl::Milliseconds(4000);  // WeChat waits 5 s for the answer
  size_t max_body = 256 << 10;
};

/// WeChat's message encryption ("safe mode"): AES-256-CBC with the key from EncodingAESKey and
/// its first 16 bytes as IV, PKCS#7 padding to 32 bytes, over
/// random(16) | length(4, big endian) | message | AppID; base64 outside.
/// One message or event of an Official Account, as the conversation takes it.
struct WeChatMessage {
  bool answered = true;  // false: unsubscribe, location and view events (nothing to say)
  chatbot::Inbound in;
  std::string account_id;  // ToUserName: the account's original id, for passive replies
};
/// Parses a (plain, or decrypted) message's XML; an image's link is `media_url` + its MediaId,
/// signed with `app_secret`. INVALID_ARGUMENT for XML that is not a message.
absl::StatusOr<WeChatMessage> ParseMessage(absl::string_view xml, const std::string& media_url,
                                           const std::string& app_secret);

class Cipher {
 public:
  /// INVALID_ARGUMENT unless `encoding_aes_key` is 43 base64 characters.
  static absl::StatusOr<Cipher> Create(const std::string& encoding_aes_key, std::string app_id);
  std::string Encrypt(const std::string& message) const;
  /// The message; INVALID_ARGUMENT when it does not decrypt or names another AppID.
  absl::StatusOr<std::string> Decrypt(const std::string& base64) const;

 private:
  std::string key_;  // 32 bytes
  std::string app_id_;
};

/// sha1 of the sorted parts, hex: WeChat's signature (token, timestamp, nonce[, Encrypt]).
std::string Signature(std::vector<std::string> parts);

/// The WeChat Official Account on both sides.
///  Inbound: GET /v1/wechat/<account> answers WeChat's server check (signature of token,
///  timestamp, nonce; echoes echostr). POST carries XML messages (text, image, events): the
///  URL's signature and timestamp window are checked before the body is read (401); in safe
///  mode the msg_signature over the Encrypt element too, and the message decrypts only with
///  the account's key and AppID. Each MsgId (events: sender + CreateTime) once.
///  The answer: WeChat waits 5 seconds for it. When the conversation is done within
///  `passive_budget`, its first reply goes back passively in the response XML (encrypted in
///  safe mode), the rest through the customer-service API; otherwise the response is "success"
///  and every reply goes through the customer-service API when ready.
///  Outbound: message/custom/send with an access token cached in Redis (shared by replicas)
///  until shortly before it expires, fetched again when WeChat says it is invalid. Text only:
///  buttons are numbered lines, and the resident types the number (or the label).
///  Photos: tickets link <public_url>/v1/wechat/<account>/media/<MediaId>?s=<signature>.
class WeChat {
 public:
  WeChat(WeChatConfig config, chatbot::ProviderHost host);
  ~WeChat();  // waits for answers still being worked out

  void Register(httplib::Server& server);
  adapters::SendResult Send(const queue::Entry& message);
  /// The text WeChat shows for a reply: buttons become numbered lines.
  static std::string Render(const std::string& text,
                            const std::vector<std::pair<std::string, std::string>>& buttons);

 private:
  struct Response {
    int status;
    std::string body;
    std::string content_type = "text/plain";
  };
  /// A refusal or failure, as every webhook maps it (adapters::AnswerFor).
  static Response Answer(const absl::Status& s) {
    adapters::HttpAnswer a = adapters::AnswerFor(s);
    return {a.status, a.body};
  }
  Response Webhook(const std::string& account, const std::string& signature,
                   const std::string& timestamp, const std::string& nonce,
                   const std::string& msg_signature, bool encrypted, const std::string& body);
  /// The reply XML from `account_id` (the account's original id) to `to`; "success" for no text.
  Response Passive(const std::string& account_id, const std::string& to, const std::string& text,
                   const std::string& timestamp, const std::string& nonce, bool encrypted);
  bool FreshTimestamp(const std::string& timestamp) const;
  /// The cached access token, or a new one. `stale`: the one WeChat just refused.
  absl::StatusOr<std::string> AccessToken(const std::string& stale = "");

  WeChatConfig config_;
  chatbot::ProviderHost host_;
  std::optional<Cipher> cipher_;
  std::mutex mu_;
  std::condition_variable idle_;
  int working_ = 0;    // conversations still running after their webhook answered
  std::string token_;  // the access token, and until when it is good
  absl::Time token_until_ = absl::InfinitePast();
};

}  // namespace lobby::wechat
