#include "adapters/chatbot/line/line.h"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "absl/strings/str_cat.h"
#include "adapters/common/crypto.h"
#include "services/common/log.h"

namespace lobby::line {
namespace {
using json = nlohmann::json;
}  // namespace

void Line::Register(httplib::Server& server) {
  server.Post(
      R"(/v1/line/([A-Za-z0-9_\-]+))", [this](const httplib::Request& req, httplib::Response& res) {
        adapters::Respond(
            Webhook(req.matches[1], req.get_header_value("X-Line-Signature"), req.body), res);
      });
  server.Get(
      R"(/v1/line/([A-Za-z0-9_\-]+)/content/([0-9]{1,30}))",
      [this](const httplib::Request& req, httplib::Response& res) {
        if (req.matches[1] != config_.channel) {
          res.status = 404;
          return;
        }
        if (!adapters::LinkSigned(config_.secret, std::string(req.matches[2]),
                                  req.get_param_value("s"))) {
          res.status = 403;
          return;
        }
        httplib::Client data(config_.data_api);
        data.set_bearer_token_auth(config_.token);
        data.set_connection_timeout(5);
        auto file =
            data.Get(absl::StrCat("/v2/bot/message/", std::string(req.matches[2]), "/content"));
        if (!file || file->status != 200) {
          res.status = file && file->status == 404 ? 404 : 502;
          return;
        }
        std::string type = file->has_header("Content-Type") ? file->get_header_value("Content-Type")
                                                            : "image/jpeg";
        res.set_content(file->body, type.c_str());
      });
}

absl::StatusOr<std::vector<LineEvent>> ParseEvents(const std::string& body,
                                                   const std::string& content_url,
                                                   const std::string& secret) {
  json payload = json::parse(body, nullptr, false);
  if (payload.is_discarded() || !payload.is_object() || !payload.contains("events") ||
      !payload["events"].is_array()) {
    return absl::InvalidArgumentError("not a LINE webhook: no events array");
  }
  std::vector<LineEvent> out;
  try {
    for (const json& ev : payload["events"]) {
      std::string type = ev.at("type").get<std::string>();
      if ((type != "message" && type != "postback") || ev.at("source").value("type", "") != "user")
        continue;
      LineEvent e;
      chatbot::Inbound& in = e.in;
      in.channel = v1::CHANNEL_LINE;
      in.user = ev.at("source").at("userId").get<std::string>();
      in.message_id = ev.at("webhookEventId").get<std::string>();
      if (in.user.empty() || in.message_id.empty())
        return absl::InvalidArgumentError("userId and webhookEventId are required");
      if (type == "postback") {
        in.text = ev.at("postback").value("data", "");
        in.button = true;
      } else {
        const json& m = ev.at("message");
        if (m.value("type", "") == "text") in.text = m.value("text", "");
        if (m.value("type", "") == "image") {
          std::string id = m.value("id", "");
          in.photos.push_back(
              absl::StrCat(content_url, id, "?s=", adapters::LinkSignature(secret, id)));
        }
      }
      e.reply_token = ev.value("replyToken", "");
      out.push_back(std::move(e));
    }
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not a LINE webhook: ", e.what()));
  }
  return out;
}

adapters::HttpAnswer Line::Webhook(const std::string& channel, const std::string& signature,
                                   const std::string& body) {
  adapters::Webhook<LineEvent> hook{
      .logger = "line",
      .max_body = config_.max_body,
      .verify = [&]() -> absl::Status {
        if (channel != config_.channel) return absl::NotFoundError("no such channel");
        std::string expected = adapters::Base64(adapters::HmacSha256(config_.secret, body));
        if (config_.secret.empty() || !adapters::ConstantTimeEqual(signature, expected))
          return absl::UnauthenticatedError("bad signature");
        return absl::OkStatus();
      },
      .parse =
          [&](const std::string& b) {
            return ParseEvents(b,
                               absl::StrCat(config_.public_url, "/v1/line/", channel, "/content/"),
                               config_.secret);
          },
      .id = [](const LineEvent& ev) { return ev.in.message_id; },
      .handle =
          [this](const LineEvent& ev, const std::string& seen) {
            const chatbot::Inbound& in = ev.in;
            // Replies carry the event's reply token: free, and valid for about a minute.
            std::vector<std::pair<std::string, std::string>> token;
            if (!ev.reply_token.empty())
              token = {{"kind", "reply_token"},
                       {"to", in.user},
                       {"reply_token", ev.reply_token},
                       {"idempotency_key", "token:" + in.message_id}};
            return chatbot::Answer(host_, in, in.user, seen, token);
          }};
  return hook.Run(body, adapters::ReplayGuard(host_.redis, "line"));
}

adapters::SendResult Line::Send(const queue::Entry& m) {
  using adapters::SendResult;
  if (m.Get("kind") == "reply_token") {
    // Remembered for the replies that follow it: the reply API is used while it is fresh.
    (void)host_.redis.Command({"SET", absl::StrCat("lobby:adapters:line:reply:", m.Get("to")),
                               std::string(m.Get("reply_token")), "EX", "50"});
    return {SendResult::kSent};
  }
  auto out = chatbot::ReadOutgoing(m, host_.recipient_of);
  if (!out.ok()) return adapters::Unsendable(out.status());
  if (out->survey)
    (void)adapters::ExpectSurvey(host_.redis, v1::CHANNEL_LINE, out->to,
                                 std::string(m.Get("survey_id")));
  const std::string& to = out->to;
  const auto& buttons = out->buttons;
  json message = {{"type", "text"}, {"text", chatbot::Utf8Prefix(out->text, 5000)}};
  if (!buttons.empty()) {
    json items = json::array();
    for (size_t i = 0; i < buttons.size() && i < 13; ++i) {
      items.push_back({{"type", "action"},
                       {"action",
                        {{"type", "postback"},
                         {"label", chatbot::Utf8Prefix(buttons[i].first, 20)},
                         {"data", buttons[i].second},
                         {"displayText", buttons[i].first}}}});
    }
    message["quickReply"] = {{"items", items}};
  }
  httplib::Client client(config_.api);
  client.set_bearer_token_auth(config_.token);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  // The reply API while this user's reply token is fresh (one use), else the push API.
  std::string token_key = absl::StrCat("lobby:adapters:line:reply:", to);
  auto token = host_.redis.Command({"GETDEL", token_key});
  std::optional<httplib::Result> res;
  if (token.ok() && !token->IsNil()) {
    res = client.Post("/v2/bot/message/reply",
                      json{{"replyToken", token->str}, {"messages", json::array({message})}}.dump(
                          -1, ' ', false, json::error_handler_t::replace),
                      "application/json");
    if (*res && (*res)->status == 400) res.reset();  // expired or used: push instead
  }
  if (!res)
    res = client.Post("/v2/bot/message/push",
                      json{{"to", to}, {"messages", json::array({message})}}.dump(
                          -1, ' ', false, json::error_handler_t::replace),
                      "application/json");
  httplib::Result& r = *res;
  if (!r)
    return {
        SendResult::kRetry, {}, "no answer from the LINE API: " + httplib::to_string(r.error())};
  if (r->status == 200) return {SendResult::kSent};
  json answer = json::parse(r->body, nullptr, false);
  std::string why = answer.is_discarded() ? r->body.substr(0, 200) : answer.value("message", "");
  int after = r->has_header("Retry-After")
                  ? std::max(1, std::atoi(r->get_header_value("Retry-After").c_str()))
                  : 1;
  return adapters::HttpFailure(r->status, why, false, absl::Seconds(after));
}

}  // namespace lobby::line
