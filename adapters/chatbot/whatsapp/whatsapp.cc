#include "adapters/chatbot/whatsapp/whatsapp.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/common/crypto.h"
#include "services/common/log.h"

namespace lobby::whatsapp {
namespace {
using json = nlohmann::json;
}  // namespace

void WhatsApp::Register(httplib::Server& server) {
  server.Get("/v1/whatsapp", [this](const httplib::Request& req, httplib::Response& res) {
    if (req.get_param_value("hub.mode") == "subscribe" && !config_.verify_token.empty() &&
        adapters::ConstantTimeEqual(req.get_param_value("hub.verify_token"),
                                    config_.verify_token)) {
      res.set_content(req.get_param_value("hub.challenge"), "text/plain");
      return;
    }
    res.status = 403;
  });
  server.Post("/v1/whatsapp", [this](const httplib::Request& req, httplib::Response& res) {
    adapters::Respond(Webhook(req.get_header_value("X-Hub-Signature-256"), req.body), res);
  });
  server.Get(R"(/v1/whatsapp/media/([0-9A-Za-z_\-]{1,100}))", [this](const httplib::Request& req,
                                                                     httplib::Response& res) {
    if (!adapters::LinkSigned(config_.app_secret, std::string(req.matches[1]),
                              req.get_param_value("s"))) {
      res.status = 403;
      return;
    }
    httplib::Client graph(config_.api);
    graph.set_bearer_token_auth(config_.access_token);
    graph.set_connection_timeout(5);
    auto meta = graph.Get(absl::StrCat("/", config_.version, "/", std::string(req.matches[1])));
    json info = meta ? json::parse(meta->body, nullptr, false) : json();
    if (!meta || meta->status != 200 || info.is_discarded() || !info.contains("url")) {
      res.status = meta && meta->status == 404 ? 404 : 502;
      return;
    }
    // The media's own URL: scheme and host, then the rest.
    std::string url = info["url"];
    size_t slash = url.find('/', url.find("//") == std::string::npos ? 0 : url.find("//") + 2);
    httplib::Client cdn(url.substr(0, slash));
    cdn.set_bearer_token_auth(config_.access_token);
    auto file = cdn.Get(slash == std::string::npos ? "/" : url.substr(slash));
    if (!file || file->status != 200) {
      res.status = 502;
      return;
    }
    res.set_content(file->body, info.value("mime_type", "image/jpeg").c_str());
  });
}

absl::StatusOr<std::vector<chatbot::Inbound>> ParseMessages(const std::string& body,
                                                            const std::string& public_url,
                                                            const std::string& app_secret) {
  json payload = json::parse(body, nullptr, false);
  if (payload.is_discarded() || !payload.is_object() || !payload.contains("entry") ||
      !payload["entry"].is_array()) {
    return absl::InvalidArgumentError("not a WhatsApp webhook: no entry array");
  }
  std::vector<chatbot::Inbound> out;
  try {
    for (const json& entry : payload["entry"]) {
      for (const json& change : entry.value("changes", json::array())) {
        const json& value = change.at("value");
        // A "read" status: the resident saw a message of ours (an assisted resident's urgent
        // notice is watched until they do). Sent, delivered and failed statuses: nothing to do.
        for (const json& st : value.value("statuses", json::array())) {
          if (st.value("status", "") != "read") continue;
          chatbot::Inbound in;
          in.channel = v1::CHANNEL_WHATSAPP;
          in.user = st.at("recipient_id").get<std::string>();
          in.message_id = "read:" + st.at("id").get<std::string>();
          if (in.user.empty() || in.user.size() > 20 || in.message_id.size() > 205)
            return absl::InvalidArgumentError("a status names its recipient_id and id");
          in.read = true;
          out.push_back(std::move(in));
        }
        for (const json& m : value.value("messages", json::array())) {
          chatbot::Inbound in;
          in.channel = v1::CHANNEL_WHATSAPP;
          in.user = m.at("from").get<std::string>();
          if (in.user.empty() || in.user.size() > 20)
            return absl::InvalidArgumentError("from is a phone number");
          // WhatsApp ids are phone numbers: the country says which Chinese, if any.
          if (absl::StartsWith(in.user, "852") || absl::StartsWith(in.user, "853") ||
              absl::StartsWith(in.user, "886"))
            in.language = "zh-Hant";
          else if (absl::StartsWith(in.user, "86"))
            in.language = "zh-Hans";
          else
            in.language = "en";
          in.message_id = m.at("id").get<std::string>();
          if (in.message_id.empty() || in.message_id.size() > 200)
            return absl::InvalidArgumentError("id is required");
          std::string type = m.value("type", "");
          if (type == "text") {
            in.text = m.at("text").value("body", "");
          } else if (type == "image") {
            in.text = m.at("image").value("caption", "");
            std::string media = m.at("image").value("id", "");
            in.photos.push_back(absl::StrCat(public_url, "/v1/whatsapp/media/", media,
                                             "?s=", adapters::LinkSignature(app_secret, media)));
          } else if (type == "interactive") {
            const json& i = m.at("interactive");
            const json& reply = i.contains("button_reply") ? i["button_reply"] : i.at("list_reply");
            in.text = reply.value("id", "");
            in.button = true;
          } else if (type == "button") {  // a template's quick reply
            in.text = m.at("button").value("payload", "");
            in.button = true;
          }
          out.push_back(std::move(in));
        }
      }
    }
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("not a WhatsApp webhook: ", e.what()));
  }
  return out;
}

adapters::HttpAnswer WhatsApp::Webhook(const std::string& signature, const std::string& body) {
  adapters::Webhook<chatbot::Inbound> hook{
      .logger = "whatsapp",
      .max_body = config_.max_body,
      .verify = [&]() -> absl::Status {
        std::string expected =
            "sha256=" + adapters::Hex(adapters::HmacSha256(config_.app_secret, body));
        if (config_.app_secret.empty() || !adapters::ConstantTimeEqual(signature, expected))
          return absl::UnauthenticatedError("bad signature");
        return absl::OkStatus();
      },
      .parse =
          [this](const std::string& b) {
            return ParseMessages(b, config_.public_url, config_.app_secret);
          },
      .id = [](const chatbot::Inbound& in) { return in.message_id; },
      .handle = [this](
                    const chatbot::Inbound& in,
                    const std::string& seen) { return chatbot::Answer(host_, in, in.user, seen); }};
  return hook.Run(body, adapters::ReplayGuard(host_.redis, "whatsapp"));
}

namespace {

constexpr absl::Duration kFreeTextWindow = absl::Hours(24);

// A template's language as WhatsApp names it.
std::string TemplateLanguage(const std::string& lang) {
  if (lang == "zh-Hant") return "zh_HK";
  if (lang == "zh-Hans") return "zh_CN";
  return "en";
}

}  // namespace

adapters::SendResult WhatsApp::Send(const queue::Entry& m) {
  using adapters::SendResult;
  auto out = chatbot::ReadOutgoing(m, host_.recipient_of);
  if (!out.ok()) return adapters::Unsendable(out.status());
  if (out->survey)
    (void)adapters::ExpectSurvey(host_.redis, v1::CHANNEL_WHATSAPP, out->to,
                                 std::string(m.Get("survey_id")));
  const std::string& text = out->text;
  const auto& buttons = out->buttons;
  auto open = chatbot::InWindow(host_, v1::CHANNEL_WHATSAPP, m, out->to, kFreeTextWindow);
  if (!open.ok()) return {SendResult::kRetry, {}, std::string(open.status().message())};
  json body = {
      {"messaging_product", "whatsapp"}, {"recipient_type", "individual"}, {"to", out->to}};
  if (!*open) {
    // Free text only within 24 h of the resident's last message; after that only an approved
    // template, when the estate has one.
    std::string name(m.Get("template"));
    if (name.empty())
      return {SendResult::kFallback, {}, "outside WhatsApp's 24 h window, and no template"};
    auto [ticket, line] = chatbot::TemplateParameters(m, text);
    body["type"] = "template";
    body["template"] = {
        {"name", name},
        {"language", {{"code", TemplateLanguage(out->language)}}},
        {"components",
         json::array({{{"type", "body"},
                       {"parameters", json::array({{{"type", "text"}, {"text", ticket}},
                                                   {{"type", "text"}, {"text", line}}})}}})}};
  } else if (buttons.empty()) {
    body["type"] = "text";
    body["text"] = {{"body", text}};
  } else if (buttons.size() <= 3) {  // reply buttons: at most 3, titles up to 20 characters
    json list = json::array();
    for (const auto& [label, data] : buttons)
      list.push_back({{"type", "reply"},
                      {"reply", {{"id", data}, {"title", chatbot::Utf8Prefix(label, 20)}}}});
    body["type"] = "interactive";
    body["interactive"] = {
        {"type", "button"}, {"body", {{"text", text}}}, {"action", {{"buttons", list}}}};
  } else {  // more choices: a list of up to 10 rows
    json rows = json::array();
    for (size_t i = 0; i < buttons.size() && i < 10; ++i)
      rows.push_back(
          {{"id", buttons[i].second}, {"title", chatbot::Utf8Prefix(buttons[i].first, 24)}});
    body["type"] = "interactive";
    body["interactive"] = {{"type", "list"},
                           {"body", {{"text", text}}},
                           {"action",
                            {{"button", "Choose / 選擇"},
                             {"sections", json::array({{{"title", "Lobby"}, {"rows", rows}}})}}}};
  }
  httplib::Client client(config_.api);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  client.set_bearer_token_auth(config_.access_token);
  std::string path = absl::StrCat("/", config_.version, "/", config_.phone_number_id, "/messages");
  auto res = client.Post(path, body.dump(-1, ' ', false, json::error_handler_t::replace),
                         "application/json");
  if (!res)
    return {
        SendResult::kRetry, {}, "no answer from the Cloud API: " + httplib::to_string(res.error())};
  json answer = json::parse(res->body, nullptr, false);
  if (res->status == 200 && !answer.is_discarded() && answer.contains("messages")) {
    return {SendResult::kSent, {}, {}, answer["messages"][0].value("id", "")};
  }
  std::string why = answer.is_discarded() || !answer.contains("error")
                        ? res->body.substr(0, 200)
                        : answer["error"].value("message", "");
  int code =
      answer.is_discarded() || !answer.contains("error") ? 0 : answer["error"].value("code", 0);
  // Outside the window after all (131047: more than 24 hours since the resident wrote), or the
  // estate's template is not approved (132001): the resident is reached another way.
  if (code == 131047 || code == 132001) return {SendResult::kFallback, {}, why};
  // The Cloud API's throughput and pair rate limits (130429, 131056, 80007) are waited out too.
  int after = res->has_header("Retry-After")
                  ? std::max(1, std::atoi(res->get_header_value("Retry-After").c_str()))
                  : 1;
  return adapters::HttpFailure(res->status, why, code == 130429 || code == 131056 || code == 80007,
                               absl::Seconds(after));
}

}  // namespace lobby::whatsapp
