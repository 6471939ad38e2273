#include "adapters/chatbot/wechat/wechat.h"

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/common/crypto.h"
#include "adapters/common/webhook.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace lobby::wechat {
namespace {

using json = nlohmann::json;
constexpr size_t kBlock = 32;  // WeChat pads to 32 bytes, not AES's 16

// AES-256-CBC without OpenSSL's padding (WeChat's is applied by hand).
absl::StatusOr<std::string> Aes(bool encrypt, const std::string& key, const std::string& in) {
  if (in.size() % 16 != 0 || in.empty())
    return absl::InvalidArgumentError("not a whole number of AES blocks");
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(),
                                                                      EVP_CIPHER_CTX_free);
  const auto* k = reinterpret_cast<const unsigned char*>(key.data());
  if (EVP_CipherInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, k, k, encrypt ? 1 : 0) != 1) {
    return absl::InternalError("AES setup failed");
  }
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  std::string out(in.size() + 32, '\0');
  int n = 0, tail = 0;
  if (EVP_CipherUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n,
                       reinterpret_cast<const unsigned char*>(in.data()),
                       static_cast<int>(in.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + n, &tail) != 1) {
    return absl::InvalidArgumentError("AES failed");
  }
  out.resize(n + tail);
  return out;
}

std::string Nonce() {
  unsigned char b[8];
  RAND_bytes(b, sizeof(b));
  std::string out;
  for (unsigned char c : b) out += static_cast<char>('a' + c % 26);
  return out;
}

std::string XmlText(const pugi::xml_node& root, const char* name) {
  return root.child(name).text().as_string();
}

std::string Dump(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw | pugi::format_no_declaration);
  return out.str();
}

void Cdata(pugi::xml_node root, const char* name, const std::string& value) {
  root.append_child(name).append_child(pugi::node_cdata).set_value(value.c_str());
}

}  // namespace

// ------------------------------------------------------------------ crypto

std::string Signature(std::vector<std::string> parts) {
  std::sort(parts.begin(), parts.end());
  return adapters::Hex(adapters::Sha1(absl::StrJoin(parts, "")));
}

absl::StatusOr<Cipher> Cipher::Create(const std::string& encoding_aes_key, std::string app_id) {
  std::string key;
  if (encoding_aes_key.size() != 43 || !absl::Base64Unescape(encoding_aes_key + "=", &key) ||
      key.size() != 32) {
    return absl::InvalidArgumentError("EncodingAESKey is 43 base64 characters");
  }
  Cipher c;
  c.key_ = std::move(key);
  c.app_id_ = std::move(app_id);
  return c;
}

std::string Cipher::Encrypt(const std::string& message) const {
  std::string plain(16, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(plain.data()), 16);
  uint32_t n = static_cast<uint32_t>(message.size());
  for (int shift : {24, 16, 8, 0}) plain += static_cast<char>((n >> shift) & 0xFF);
  plain += message;
  plain += app_id_;
  size_t pad = kBlock - plain.size() % kBlock;
  plain.append(pad, static_cast<char>(pad));
  auto sealed = Aes(true, key_, plain);
  return sealed.ok() ? adapters::Base64(*sealed) : "";
}

absl::StatusOr<std::string> Cipher::Decrypt(const std::string& base64) const {
  std::string sealed;
  if (!absl::Base64Unescape(base64, &sealed))
    return absl::InvalidArgumentError("Encrypt is not base64");
  LOBBY_ASSIGN_OR_RETURN(auto plain, Aes(false, key_, sealed));
  size_t pad = static_cast<unsigned char>(plain.back());
  if (pad < 1 || pad > kBlock || pad > plain.size())
    return absl::InvalidArgumentError("bad padding");
  plain.resize(plain.size() - pad);
  if (plain.size() < 20) return absl::InvalidArgumentError("too short");
  uint32_t n = 0;
  for (int i = 16; i < 20; ++i) n = (n << 8) | static_cast<unsigned char>(plain[i]);
  if (n > plain.size() - 20) return absl::InvalidArgumentError("bad length");
  std::string app_id = plain.substr(20 + n);
  if (!adapters::ConstantTimeEqual(app_id, app_id_))
    return absl::InvalidArgumentError("for another AppID");
  return plain.substr(20, n);
}

// ------------------------------------------------------------------ inbound

WeChat::WeChat(WeChatConfig config, chatbot::ProviderHost host)
    : config_(std::move(config)), host_(std::move(host)) {
  if (!config_.aes_key.empty()) {
    auto c = Cipher::Create(config_.aes_key, config_.app_id);
    if (c.ok()) cipher_ = *std::move(c);
  }
}

WeChat::~WeChat() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return working_ == 0; });
}

bool WeChat::FreshTimestamp(const std::string& timestamp) const {
  int64_t t = 0;
  if (!absl::SimpleAtoi(timestamp, &t)) return false;
  return absl::AbsDuration(absl::FromUnixSeconds(t) - host_.clock.Now()) <=
         config_.timestamp_window;
}

void WeChat::Register(httplib::Server& server) {
  server.Get(R"(/v1/wechat/([A-Za-z0-9_\-]+))", [this](const httplib::Request& req,
                                                       httplib::Response& res) {
    // WeChat's server check: the signature proves it knows the Token.
    std::string expected =
        Signature({config_.token, req.get_param_value("timestamp"), req.get_param_value("nonce")});
    if (req.matches[1] != config_.account) {
      res.status = 404;
    } else if (config_.token.empty() ||
               !adapters::ConstantTimeEqual(req.get_param_value("signature"), expected) ||
               !FreshTimestamp(req.get_param_value("timestamp"))) {
      res.status = 401;
    } else {
      res.set_content(req.get_param_value("echostr"), "text/plain");
    }
  });
  server.Post(R"(/v1/wechat/([A-Za-z0-9_\-]+))",
              [this](const httplib::Request& req, httplib::Response& res) {
                Response r = Webhook(req.matches[1], req.get_param_value("signature"),
                                     req.get_param_value("timestamp"), req.get_param_value("nonce"),
                                     req.get_param_value("msg_signature"),
                                     req.get_param_value("encrypt_type") == "aes", req.body);
                res.status = r.status;
                res.set_content(r.body, r.content_type.c_str());
              });
  server.Get(R"(/v1/wechat/([A-Za-z0-9_\-]+)/media/([A-Za-z0-9_\-]{1,128}))",
             [this](const httplib::Request& req, httplib::Response& res) {
               std::string media(req.matches[2]);
               if (req.matches[1] != config_.account) {
                 res.status = 404;
                 return;
               }
               if (!adapters::LinkSigned(config_.app_secret, media, req.get_param_value("s"))) {
                 res.status = 403;
                 return;
               }
               auto token = AccessToken();
               if (!token.ok()) {
                 res.status = 502;
                 return;
               }
               httplib::Client api(config_.api);
               api.set_connection_timeout(5);
               api.set_read_timeout(20);
               auto file = api.Get("/cgi-bin/media/get",
                                   httplib::Params{{"access_token", *token}, {"media_id", media}},
                                   httplib::Headers{});
               std::string type = file && file->has_header("Content-Type")
                                      ? file->get_header_value("Content-Type")
                                      : "";
               if (!file || file->status != 200 || type.rfind("application/json", 0) == 0 ||
                   type.rfind("text/", 0) == 0) {
                 res.status = 502;  // WeChat answers errors (an expired media id) as JSON
                 return;
               }
               res.set_content(file->body, type.empty() ? "image/jpeg" : type.c_str());
             });
}

WeChat::Response WeChat::Passive(const std::string& account_id, const std::string& to,
                                 const std::string& text, const std::string& timestamp,
                                 const std::string& nonce, bool encrypted) {
  if (text.empty()) return {200, "success"};
  pugi::xml_document doc;
  pugi::xml_node x = doc.append_child("xml");
  Cdata(x, "ToUserName", to);
  Cdata(x, "FromUserName", account_id);
  x.append_child("CreateTime")
      .text()
      .set(static_cast<long long>(absl::ToUnixSeconds(host_.clock.Now())));
  Cdata(x, "MsgType", "text");
  Cdata(x, "Content", text);
  std::string plain = Dump(doc);
  if (!encrypted) return {200, plain, "application/xml"};
  std::string sealed = cipher_->Encrypt(plain);
  std::string reply_nonce = nonce.empty() ? Nonce() : nonce;
  pugi::xml_document out;
  pugi::xml_node e = out.append_child("xml");
  Cdata(e, "Encrypt", sealed);
  Cdata(e, "MsgSignature", Signature({config_.token, timestamp, reply_nonce, sealed}));
  e.append_child("TimeStamp").text().set(timestamp.c_str());
  Cdata(e, "Nonce", reply_nonce);
  return {200, Dump(out), "application/xml"};
}

absl::StatusOr<WeChatMessage> ParseMessage(absl::string_view xml, const std::string& media_url,
                                           const std::string& app_secret) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8) ||
      !doc.child("xml")) {
    return absl::InvalidArgumentError("not a WeChat message");
  }
  pugi::xml_node x = doc.child("xml");
  std::string from = XmlText(x, "FromUserName"), type = XmlText(x, "MsgType"),
              msg_id = XmlText(x, "MsgId");
  if (from.empty() || type.empty())
    return absl::InvalidArgumentError("FromUserName and MsgType are required");
  if (!msg_id.empty() &&
      (msg_id.size() > 20 || !std::all_of(msg_id.begin(), msg_id.end(), absl::ascii_isdigit))) {
    return absl::InvalidArgumentError("MsgId is a positive whole number");
  }
  if (msg_id.empty())
    msg_id = absl::StrCat(from, "-", XmlText(x, "CreateTime"));  // events have no MsgId
  WeChatMessage out;
  out.account_id = XmlText(x, "ToUserName");
  chatbot::Inbound& in = out.in;
  in.channel = v1::CHANNEL_WECHAT;
  in.user = from;
  in.message_id = msg_id;
  if (type == "text") {
    in.text = XmlText(x, "Content");
  } else if (type == "image") {
    std::string media = XmlText(x, "MediaId");
    if (media.empty()) return absl::InvalidArgumentError("an image without MediaId");
    in.photos.push_back(
        absl::StrCat(media_url, media, "?s=", adapters::LinkSignature(app_secret, media)));
  } else if (type == "event") {
    std::string event = XmlText(x, "Event");
    if (event == "subscribe") {
      in.text = "menu";
    } else if (event == "CLICK") {  // a custom menu item: its key is the button's data
      in.text = XmlText(x, "EventKey");
      in.button = true;
    } else {
      out.answered = false;
    }
  }  // voice, video, location...: no text, the conversation asks again
  return out;
}

WeChat::Response WeChat::Webhook(const std::string& account, const std::string& signature,
                                 const std::string& timestamp, const std::string& nonce,
                                 const std::string& msg_signature, bool encrypted,
                                 const std::string& body) {
  if (account != config_.account) return {404, "unknown account"};
  // The URL's signature and time first: nothing of the body is read before they hold.
  if (config_.token.empty() ||
      !adapters::ConstantTimeEqual(signature, Signature({config_.token, timestamp, nonce}))) {
    log::Get("wechat")->warn("event=bad_signature account={}", account);
    return {401, "bad signature"};
  }
  if (!FreshTimestamp(timestamp)) return {401, "stale timestamp"};
  if (absl::Status s = adapters::CheckSize(body, config_.max_body); !s.ok()) return Answer(s);
  if (encrypted && !cipher_) return {400, "safe mode is not configured: set wechat-aes-key"};
  // With an AES key, only safe mode: there msg_signature covers the body. In plain mode the
  // URL's signature covers only the time and the nonce, so anyone who saw one URL could post
  // any body with it.
  if (!encrypted && cipher_) {
    log::Get("wechat")->warn("event=plain_refused account={}", account);
    return {401, "this account is in safe mode: plain messages are refused"};
  }
  if (!encrypted) {
    // Plain mode: one (timestamp, nonce) carries one body. WeChat's own retries repeat the body.
    std::string used =
        absl::StrCat("lobby:adapters:wechat:nonce:", account, ":", timestamp, ":", nonce);
    std::string digest = adapters::Hex(adapters::Sha1(body));
    auto claimed = host_.redis.Command(
        {"SET", used, digest, "NX", "GET", "EX",
         std::to_string(2 * absl::ToInt64Seconds(config_.timestamp_window) + 60)});
    if (!claimed.ok()) return {503, "try again"};
    if (!claimed->IsNil() && claimed->str != digest) {
      log::Get("wechat")->warn("event=replay_refused account={}", account);
      return {401, "this signed URL was used for another message"};
    }
  }
  std::string plain = body;
  if (encrypted) {
    pugi::xml_document doc;
    if (!doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8) ||
        !doc.child("xml")) {
      return {400, "not a WeChat message"};
    }
    std::string sealed = XmlText(doc.child("xml"), "Encrypt");
    if (!adapters::ConstantTimeEqual(msg_signature,
                                     Signature({config_.token, timestamp, nonce, sealed}))) {
      log::Get("wechat")->warn("event=bad_msg_signature account={}", account);
      return {401, "bad msg_signature"};
    }
    auto opened = cipher_->Decrypt(sealed);
    if (!opened.ok()) return {401, std::string(opened.status().message())};
    plain = *std::move(opened);
  }
  auto parsed =
      ParseMessage(plain, absl::StrCat(config_.public_url, "/v1/wechat/", account, "/media/"),
                   config_.app_secret);
  if (!parsed.ok()) return {400, std::string(parsed.status().message())};
  if (!parsed->answered) return {200, "success"};  // unsubscribe, location, views: nothing to say
  const chatbot::Inbound& in = parsed->in;
  const std::string& from = in.user;
  const std::string& msg_id = in.message_id;
  const std::string& account_id = parsed->account_id;
  std::string seen = adapters::ReplayGuard(host_.redis, "wechat").Key(msg_id);
  auto dup = host_.redis.Command({"GET", seen});
  if (!dup.ok()) return {503, "try again"};
  if (!dup->IsNil()) {  // a retry: the same passive answer again, if there was one
    return dup->str == "1" ? Response{200, "success"}
                           : Passive(account_id, from, dup->str, timestamp, nonce, encrypted);
  }

  // The conversation runs apart, so the answer can go back passively if it is ready within the
  // budget, or later through the customer-service API if it is not.
  struct Pending {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false, abandoned = false;
    absl::StatusOr<std::vector<chatbot::Reply>> replies;
  };
  auto p = std::make_shared<Pending>();
  {
    std::lock_guard lock(mu_);
    ++working_;
  }
  std::thread([this, p, in, seen] {
    auto replies = host_.conversation.Handle(in);
    bool abandoned;
    {
      std::lock_guard lock(p->mu);
      p->replies = replies;
      p->done = true;
      abandoned = p->abandoned;
    }
    p->cv.notify_all();
    if (abandoned) {  // WeChat was told "success": every reply goes out through the API
      for (int attempt = 1; !replies.ok() && attempt < 3; ++attempt) {
        absl::SleepFor(absl::Seconds(attempt));
        replies = host_.conversation.Handle(in);
      }
      if (!replies.ok() ||
          !adapters::QueueReplies(host_.redis, v1::CHANNEL_WECHAT, *replies, in.user, seen).ok()) {
        log::Get("wechat")->error("event=late_answer_lost message={} error=\"{}\"", in.message_id,
                                  replies.ok() ? "redis" : replies.status().message());
      }
    }
    std::lock_guard lock(mu_);
    --working_;
    idle_.notify_all();
  }).detach();

  std::unique_lock lock(p->mu);
  if (!p->cv.wait_for(lock, absl::ToChronoMilliseconds(config_.passive_budget),
                      [&] { return p->done; })) {
    p->abandoned = true;
    log::Get("wechat")->info("event=answer_late message={}", in.message_id);
    return {200, "success"};
  }
  if (!p->replies.ok()) {
    log::Get("wechat")->warn("event=conversation_failed message={} error=\"{}\"", in.message_id,
                             p->replies.status().message());
    // WeChat retries; the ticket's idempotency key keeps it single.
    return Answer(absl::UnavailableError(p->replies.status().message()));
  }
  std::vector<chatbot::Reply> rest = *p->replies;
  std::string first;
  if (!rest.empty()) {
    first = Render(rest.front().text, rest.front().buttons);
    rest.erase(rest.begin());
  }
  if (absl::Status queued = adapters::QueueReplies(host_.redis, v1::CHANNEL_WECHAT, rest, in.user,
                                                   seen, {}, first.empty() ? "1" : first);
      !queued.ok()) {
    return Answer(queued);
  }
  return Passive(account_id, from, first, timestamp, nonce, encrypted);
}

std::string WeChat::Render(const std::string& text,
                           const std::vector<std::pair<std::string, std::string>>& buttons) {
  std::string out = text;
  for (size_t i = 0; i < buttons.size(); ++i)
    absl::StrAppend(&out, "\n", i + 1, ". ", buttons[i].first);
  return out;
}

// ------------------------------------------------------------------ outbound

absl::StatusOr<std::string> WeChat::AccessToken(const std::string& stale) {
  std::lock_guard lock(mu_);
  absl::Time now = host_.clock.Now();
  if (!token_.empty() && token_ != stale && now < token_until_) return token_;
  std::string key = absl::StrCat("lobby:adapters:wechat:", config_.account, ":token");
  auto cached = host_.redis.Command({"GET", key});
  if (cached.ok() && !cached->IsNil() && cached->str != stale) {
    token_ = cached->str;
    token_until_ = now + absl::Minutes(1);  // looked at again soon: another replica may renew it
    return token_;
  }
  httplib::Client api(config_.api);
  api.set_connection_timeout(5);
  api.set_read_timeout(10);
  auto r = api.Get("/cgi-bin/token",
                   httplib::Params{{"grant_type", "client_credential"},
                                   {"appid", config_.app_id},
                                   {"secret", config_.app_secret}},
                   httplib::Headers{});
  if (!r)
    return absl::UnavailableError("no answer from WeChat's token API: " +
                                  httplib::to_string(r.error()));
  json answer = json::parse(r->body, nullptr, false);
  if (r->status != 200 || answer.is_discarded() || !answer.contains("access_token")) {
    std::string why = answer.is_discarded() ? r->body.substr(0, 200) : answer.value("errmsg", "");
    return absl::UnavailableError(absl::StrCat(
        "WeChat refused an access token: ", answer.is_discarded() ? 0 : answer.value("errcode", 0),
        " ", why));
  }
  token_ = answer["access_token"].get<std::string>();
  int64_t expires = std::max<int64_t>(answer.value("expires_in", 7200) - 300, 60);
  token_until_ = now + absl::Seconds(expires);
  (void)host_.redis.Command({"SET", key, token_, "EX", std::to_string(expires)});
  return token_;
}

adapters::SendResult WeChat::Send(const queue::Entry& m) {
  using adapters::SendResult;
  auto out = chatbot::ReadOutgoing(m, host_.recipient_of);
  if (!out.ok()) return adapters::Unsendable(out.status());
  if (out->survey)
    (void)adapters::ExpectSurvey(host_.redis, v1::CHANNEL_WECHAT, out->to,
                                 std::string(m.Get("survey_id")));
  // Customer-service messages only within 48 h of the resident's last message; after that the
  // estate's template message, when it has one.
  auto open = chatbot::InWindow(host_, v1::CHANNEL_WECHAT, m, out->to, absl::Hours(48));
  if (!open.ok()) return {SendResult::kRetry, {}, std::string(open.status().message())};
  std::string template_id(m.Get("template"));
  if (!*open && template_id.empty())
    return {SendResult::kFallback, {}, "outside WeChat's 48 h window, and no template"};
  std::string path = "/cgi-bin/message/custom/send";
  std::string body;
  if (*open) {
    // The list shows numbers: a number typed back presses this message's button.
    if (!out->buttons.empty() && m.Get("kind") != "chat_reply")
      (void)adapters::OfferButtons(host_.redis, v1::CHANNEL_WECHAT, out->to, out->buttons);
    body = json{{"touser", out->to},
                {"msgtype", "text"},
                {"text", {{"content", chatbot::Utf8Prefix(Render(out->text, out->buttons), 600)}}}}
               .dump(-1, ' ', false, json::error_handler_t::replace);
  } else {
    auto [ticket, line] = chatbot::TemplateParameters(m, out->text);
    path = "/cgi-bin/message/template/send";
    body = json{{"touser", out->to},
                {"template_id", template_id},
                {"data", {{"ticket", {{"value", ticket}}}, {"content", {{"value", line}}}}}}
               .dump(-1, ' ', false, json::error_handler_t::replace);
  }
  std::string stale;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto token = AccessToken(stale);
    if (!token.ok()) return {SendResult::kRetry, {}, std::string(token.status().message())};
    httplib::Client api(config_.api);
    api.set_connection_timeout(5);
    api.set_read_timeout(10);
    auto r = api.Post(path + "?access_token=" + httplib::detail::encode_query_param(*token), body,
                      "application/json");
    if (!r)
      return {SendResult::kRetry, {}, "no answer from WeChat: " + httplib::to_string(r.error())};
    if (r->status != 200) return adapters::HttpFailure(r->status, r->body.substr(0, 200));
    json answer = json::parse(r->body, nullptr, false);
    int code = answer.is_discarded() ? -1 : answer.value("errcode", 0);
    std::string why =
        absl::StrCat("errcode ", code, " ",
                     answer.is_discarded() ? r->body.substr(0, 200) : answer.value("errmsg", ""));
    switch (code) {
      case 0:
        return {SendResult::kSent};
      case 40001:
      case 40014:
      case 42001:  // the token is invalid or expired: a new one, once
        stale = *token;
        continue;
      case -1:
        return {SendResult::kRetry, {}, why};  // system busy
      case 45009:
        return {SendResult::kRetry, absl::Minutes(1), why};  // the API's daily/minute quota
      case 45015:  // not within 48 h of the resident's last message after all
      case 40037:  // the estate's template_id is not valid
        return {SendResult::kFallback, {}, why};
      default:
        return {SendResult::kFailed, {}, why};
    }
  }
  return {SendResult::kRetry, {}, "WeChat kept refusing fresh access tokens"};
}

}  // namespace lobby::wechat
