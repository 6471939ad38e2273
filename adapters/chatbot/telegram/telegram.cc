#include "adapters/chatbot/telegram/telegram.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/common/crypto.h"
#include "adapters/common/webhook.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace lobby::telegram {
namespace {

using json = nlohmann::json;

}  // namespace

void Telegram::Register(httplib::Server& server) {
  server.Get(R"(/v1/telegram/([A-Za-z0-9_\-]+)/file/([A-Za-z0-9_\-]{1,200}))",
             [this](const httplib::Request& req, httplib::Response& res) {
               if (req.matches[1] != config_.bot) {
                 res.status = 404;
                 return;
               }
               if (!adapters::LinkSigned(config_.secret, std::string(req.matches[2]),
                                         req.get_param_value("s"))) {
                 res.status = 403;
                 return;
               }
               httplib::Client client(config_.api);
               client.set_connection_timeout(5);
               client.set_read_timeout(20);
               json ask = {{"file_id", std::string(req.matches[2])}};
               auto meta = client.Post(absl::StrCat("/bot", config_.token, "/getFile"), ask.dump(),
                                       "application/json");
               json info = meta ? json::parse(meta->body, nullptr, false) : json();
               if (!meta || info.is_discarded() || !info.value("ok", false)) {
                 res.status = meta && meta->status == 400 ? 404 : 502;
                 return;
               }
               auto file = client.Get(absl::StrCat("/file/bot", config_.token, "/",
                                                   info["result"].value("file_path", "")));
               if (!file || file->status != 200) {
                 res.status = 502;
                 return;
               }
               std::string type = file->has_header("Content-Type")
                                      ? file->get_header_value("Content-Type")
                                      : "image/jpeg";
               res.set_content(file->body, type.c_str());
             });
  server.Post(R"(/v1/telegram/([A-Za-z0-9_\-]+))", [this](const httplib::Request& req,
                                                          httplib::Response& res) {
    adapters::Respond(
        Webhook(req.matches[1], req.get_header_value("X-Telegram-Bot-Api-Secret-Token"), req.body),
        res);
  });
}

absl::StatusOr<TelegramUpdate> ParseUpdate(const std::string& body, const std::string& file_url,
                                           const std::string& secret) {
  json update = json::parse(body, nullptr, false);
  if (update.is_discarded() || !update.is_object() || !update.contains("update_id") ||
      !update["update_id"].is_number_integer()) {
    return absl::InvalidArgumentError("not a Telegram update");
  }
  TelegramUpdate out;
  out.update_id = std::to_string(update["update_id"].get<int64_t>());
  chatbot::Inbound& in = out.in;
  in.channel = v1::CHANNEL_TELEGRAM;
  try {
    if (update.contains("callback_query")) {
      const json& q = update["callback_query"];
      in.user = std::to_string(q.at("from").at("id").get<int64_t>());
      in.language = q.at("from").value("language_code", "");
      out.chat = std::to_string(q.at("message").at("chat").at("id").get<int64_t>());
      in.text = q.value("data", "");
      in.button = true;
      out.callback = q.value("id", "");
      in.message_id = "cb" + out.callback;
    } else if (update.contains("message")) {
      const json& m = update["message"];
      in.user = std::to_string(m.at("from").at("id").get<int64_t>());
      in.language = m.at("from").value("language_code", "");
      out.chat = std::to_string(m.at("chat").at("id").get<int64_t>());
      // Message ids are unique only within one chat: the chat makes them Lobby's key.
      in.message_id = absl::StrCat(out.chat, ":", m.at("message_id").get<int64_t>());
      in.text = m.value("text", "");
      if (in.text.empty()) in.text = m.value("caption", "");
      if (m.contains("photo") && m["photo"].is_array() && !m["photo"].empty()) {
        std::string file = m["photo"].back().value("file_id", "");  // the largest size
        in.photos.push_back(
            absl::StrCat(file_url, file, "?s=", adapters::LinkSignature(secret, file)));
      }
    } else {
      out.answered = false;
      return out;
    }
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not a Telegram update: ", e.what()));
  }
  if (out.chat == "0" || in.user == "0" || absl::StartsWith(in.user, "-")) {
    return absl::InvalidArgumentError(
        "not a Telegram update: chat and sender ids are never 0, and a sender's is positive");
  }
  return out;
}

adapters::HttpAnswer Telegram::Webhook(const std::string& bot, const std::string& secret,
                                       const std::string& body) {
  adapters::Webhook<TelegramUpdate> hook{
      .logger = "telegram",
      .max_body = config_.max_body,
      .verify = [&]() -> absl::Status {
        if (bot != config_.bot) return absl::NotFoundError("no such bot");
        if (config_.secret.empty() || !adapters::ConstantTimeEqual(secret, config_.secret))
          return absl::UnauthenticatedError("bad secret token");
        return absl::OkStatus();
      },
      .parse = [&](const std::string& b) -> absl::StatusOr<std::vector<TelegramUpdate>> {
        LOBBY_ASSIGN_OR_RETURN(
            auto parsed,
            ParseUpdate(b, absl::StrCat(config_.public_url, "/v1/telegram/", bot, "/file/"),
                        config_.secret));
        return std::vector<TelegramUpdate>{std::move(parsed)};
      },
      .id = [](const TelegramUpdate& u) { return u.update_id; },
      .handle = [this](const TelegramUpdate& u, const std::string& seen) -> absl::Status {
        // Edits, channel posts, ...: nothing to do, but not again either.
        if (!u.answered) return host_.redis.Command(adapters::ReplayGuard::MarkArgs(seen)).status();
        std::vector<std::pair<std::string, std::string>> answer;
        if (!u.callback.empty())
          answer = {{"kind", "callback_answer"},
                    {"callback_query_id", u.callback},
                    {"idempotency_key", "cb:" + u.callback}};
        return chatbot::Answer(host_, u.in, u.chat, seen, answer);
      }};
  return hook.Run(body, adapters::ReplayGuard(host_.redis, "telegram:" + bot));
}

adapters::SendResult Telegram::Send(const queue::Entry& m) {
  using adapters::SendResult;
  std::string method = "sendMessage";
  json body;
  if (m.Get("kind") == "callback_answer") {
    method = "answerCallbackQuery";
    body["callback_query_id"] = std::string(m.Get("callback_query_id"));
  } else {
    auto out = chatbot::ReadOutgoing(m, host_.recipient_of);
    if (!out.ok()) return adapters::Unsendable(out.status());
    const std::string& chat = out->to;
    const auto& buttons = out->buttons;
    if (out->survey) {  // a digit typed back answers it too (in a private chat the chat is the
                        // sender)
      (void)adapters::ExpectSurvey(host_.redis, v1::CHANNEL_TELEGRAM, chat,
                                   std::string(m.Get("survey_id")));
    }
    body["chat_id"] = chat;
    body["text"] = out->text;
    if (!buttons.empty()) {
      json row = json::array();
      for (const auto& [label, data] : buttons)
        row.push_back({{"text", label}, {"callback_data", data}});
      json rows = json::array();
      // Up to 5 buttons a row.
      json current = json::array();
      for (auto& b : row) {
        current.push_back(b);
        if (current.size() == 5) {
          rows.push_back(current);
          current = json::array();
        }
      }
      if (!current.empty()) rows.push_back(current);
      body["reply_markup"] = {{"inline_keyboard", rows}};
    }
  }
  httplib::Client client(config_.api);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  auto res =
      client.Post(absl::StrCat("/bot", config_.token, "/", method),
                  body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
  if (!res)
    return {
        SendResult::kRetry, {}, "no answer from the Bot API: " + httplib::to_string(res.error())};
  json answer = json::parse(res->body, nullptr, false);
  if (res->status == 200 && !answer.is_discarded() && answer.value("ok", false)) {
    std::string id;
    if (answer.contains("result") && answer["result"].is_object() &&
        answer["result"].contains("message_id")) {
      id = std::to_string(answer["result"]["message_id"].get<int64_t>());
    }
    return {SendResult::kSent, {}, {}, id};
  }
  std::string why =
      answer.is_discarded() ? res->body.substr(0, 200) : answer.value("description", "");
  int after = 1;  // a 429 says how long to wait in its parameters
  if (!answer.is_discarded() && answer.contains("parameters"))
    after = answer["parameters"].value("retry_after", 1);
  return adapters::HttpFailure(res->status, why, false, absl::Seconds(after));
}

}  // namespace lobby::telegram
