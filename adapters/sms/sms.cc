#include "adapters/sms/sms.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "adapters/common/crypto.h"
#include "adapters/common/webhook.h"
#include "adapters/sms/segments.h"
#include "services/common/config.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace lobby::sms {
namespace {

using json = nlohmann::json;
constexpr const char* kTwiml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>";

std::string Param(const Params& params, const std::string& name) {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return "";
}

bool E164(const std::string& s) {
  if (s.size() < 8 || s.size() > 16 || s[0] != '+') return false;
  return std::all_of(s.begin() + 1, s.end(), [](char c) { return absl::ascii_isdigit(c); });
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseRoutes(
    const std::string& text) {
  LOBBY_ASSIGN_OR_RETURN(auto out, config::SplitPairs(text));
  for (const auto& [prefix, provider] : out) {
    if (provider != "twilio" && provider != "aliyun") {
      return absl::InvalidArgumentError(
          absl::StrCat("'", prefix, "=", provider, "': the provider is twilio or aliyun"));
    }
    if (prefix != "*" && (prefix.size() < 2 || prefix[0] != '+' ||
                          !std::all_of(prefix.begin() + 1, prefix.end(),
                                       [](char c) { return absl::ascii_isdigit(c); }))) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", prefix, "=", provider, "': the prefix is +<digits> or *"));
    }
  }
  if (out.empty()) return absl::InvalidArgumentError("no routes: e.g. +86=aliyun,*=twilio");
  return out;
}

std::string Sms::Route(const std::string& to) const {
  for (const auto& [prefix, provider] : config_.routes) {
    if (prefix == "*" || absl::StartsWith(to, prefix)) return provider;
  }
  return "";
}

void Sms::Register(httplib::Server& server) {
  server.Post("/v1/sms/twilio", [this](const httplib::Request& req, httplib::Response& res) {
    adapters::HttpAnswer r = Twilio(req.get_header_value("X-Twilio-Signature"), req.body);
    res.status = r.status;
    res.set_content(r.body, r.status == 200 ? "text/xml" : "text/plain");
  });
  server.Post("/v1/sms/twilio/status", [this](const httplib::Request& req, httplib::Response& res) {
    adapters::Respond(TwilioStatus(req.get_header_value("X-Twilio-Signature"), req.body), res);
  });
  server.Post("/v1/sms/inbound", [this](const httplib::Request& req, httplib::Response& res) {
    adapters::HttpAnswer r = Generic(req.get_header_value("X-Lobby-Timestamp"),
                                     req.get_header_value("X-Lobby-Signature"), req.body);
    res.status = r.status;
    res.set_content(r.body, "application/json");
  });
}

absl::Status Sms::Queue(const Text& t, const std::string& seen) {
  queue::Fields f = {{"v", "1"},
                     {"from", t.from},
                     {"body", t.body},
                     {"message_id", t.message_id},
                     {"photos", absl::StrJoin(t.photos, "\x1f")}};
  auto done =
      redis_.Run({queue::XAddArgs(kInboundStream, f), adapters::ReplayGuard::MarkArgs(seen)});
  if (!done.ok()) return done.status();
  if ((*done)[0].IsError() || (*done)[1].IsError())
    return absl::UnavailableError("Redis refused the text");
  return absl::OkStatus();
}

adapters::Webhook<Text> Sms::Inbound(
    std::function<absl::Status()> verify,
    std::function<absl::StatusOr<Text>(const std::string&)> parse) {
  return {.logger = "sms",
          .max_body = config_.max_body,
          .verify = std::move(verify),
          .parse = [parse = std::move(parse)](
                       const std::string& body) -> absl::StatusOr<std::vector<Text>> {
            LOBBY_ASSIGN_OR_RETURN(auto t, parse(body));
            return std::vector<Text>{std::move(t)};
          },
          .id = [](const Text& t) { return t.message_id; },
          .handle = [this](const Text& t, const std::string& seen) { return Queue(t, seen); }};
}

adapters::HttpAnswer Sms::Twilio(const std::string& signature, const std::string& body) {
  // The signature covers the parsed parameters: the form is read once, by the verify step (the
  // pipeline runs it before parse), and parse takes the text from it.
  absl::StatusOr<Params> params = absl::FailedPreconditionError("not read yet");
  auto verify = [&]() -> absl::Status {
    if (!config_.twilio) return absl::NotFoundError("Twilio is not configured");
    params = ParseForm(body);
    if (!params.ok()) return params.status();
    std::string expected = TwilioSignature(config_.twilio_config.auth_token,
                                           config_.public_url + "/v1/sms/twilio", *params);
    if (signature.empty() || !adapters::ConstantTimeEqual(signature, expected))
      return absl::UnauthenticatedError("bad signature");
    return absl::OkStatus();
  };
  auto parse = [&](const std::string&) -> absl::StatusOr<Text> {
    if (!params.ok()) return params.status();
    std::string sid = Param(*params, "MessageSid"), from = Param(*params, "From");
    if (sid.empty() || !E164(from))
      return absl::InvalidArgumentError("MessageSid and From (E.164) are required");
    Text t{from, Param(*params, "Body"), "twilio:" + sid, {}};
    int media = 0;
    (void)absl::SimpleAtoi(Param(*params, "NumMedia"), &media);
    for (int i = 0; i < media && i < 10; ++i) {
      if (std::string url = Param(*params, absl::StrCat("MediaUrl", i)); !url.empty())
        t.photos.push_back(url);
    }
    return t;
  };
  adapters::HttpAnswer r = Inbound(verify, parse).Run(body, adapters::ReplayGuard(redis_, "sms"));
  if (r.status == 200) r.body = kTwiml;  // the answer goes out through the queue, not in TwiML
  return r;
}

adapters::HttpAnswer Sms::TwilioStatus(const std::string& signature, const std::string& body) {
  if (!config_.twilio) return {404, "Twilio is not configured"};
  if (absl::Status s = adapters::CheckSize(body, config_.max_body); !s.ok())
    return adapters::AnswerFor(s);
  auto params = ParseForm(body);
  if (!params.ok()) return {400, std::string(params.status().message())};
  std::string expected =
      TwilioSignature(config_.twilio_config.auth_token, config_.twilio_config.status_url, *params);
  if (signature.empty() || !adapters::ConstantTimeEqual(signature, expected)) {
    log::Get("sms")->warn("event=bad_signature provider=twilio_status");
    return {401, "bad signature"};
  }
  std::string sid = Param(*params, "MessageSid"), status = Param(*params, "MessageStatus");
  if (sid.empty() || status.empty()) return {400, "MessageSid and MessageStatus are required"};
  if (status != "delivered" && status != "undelivered" && status != "failed")
    return {200, "ok"};  // not final yet
  auto sent = redis_.Command(
      {"HMGET", absl::StrCat("lobby:adapters:sms:sent:", sid), "resident", "ticket"});
  if (!sent.ok()) return adapters::AnswerFor(sent.status());
  std::string resident = sent->elements.size() == 2 ? sent->elements[0].str : "";
  std::string ticket = sent->elements.size() == 2 ? sent->elements[1].str : "";
  if (resident.empty())
    return {200, "ok"};  // to a number without a resident (a code to a new number)
  std::string error = Param(*params, "ErrorCode");
  std::string text =
      status == "delivered"
          ? "SMS delivered"
          : absl::StrCat("SMS ", status, error.empty() ? "" : " (Twilio error " + error + ")");
  timeline_(resident, ticket, text, absl::StrCat("sms-status:", sid, ":", status));
  return {200, "ok"};
}

absl::StatusOr<Text> ParseGatewayText(const std::string& body) {
  json m = json::parse(body, nullptr, false);
  if (!m.is_object() || !m.contains("id") || !m["id"].is_string() || !m.contains("from") ||
      !m["from"].is_string() || !m.contains("text") || !m["text"].is_string()) {
    return absl::InvalidArgumentError("expected {\"id\", \"from\", \"text\"} strings");
  }
  Text t{m["from"].get<std::string>(),
         m["text"].get<std::string>(),
         "gateway:" + m["id"].get<std::string>(),
         {}};
  if (!E164(t.from) || m["id"].get<std::string>().empty() ||
      m["id"].get<std::string>().size() > 128) {
    return absl::InvalidArgumentError("from is an E.164 number and id 1-128 characters");
  }
  if (m.contains("media") && m["media"].is_array()) {
    for (const auto& u : m["media"]) {
      if (u.is_string() && t.photos.size() < 10) t.photos.push_back(u.get<std::string>());
    }
  }
  return t;
}

adapters::HttpAnswer Sms::Generic(const std::string& timestamp, const std::string& signature,
                                  const std::string& body) {
  auto verify = [&]() -> absl::Status {
    if (config_.webhook_secret.empty())
      return absl::NotFoundError("the generic SMS webhook is off");
    return adapters::CheckTimestampedSignature(config_.webhook_secret, timestamp, signature, body,
                                               clock_.Now());
  };
  adapters::HttpAnswer r =
      Inbound(verify, ParseGatewayText).Run(body, adapters::ReplayGuard(redis_, "sms"));
  r.body = r.status == 200 ? R"({"ok":true})" : json{{"error", r.body}}.dump();
  return r;
}

absl::Status Sms::Receive(const queue::Entry& e) {
  Text t{std::string(e.Get("from")), std::string(e.Get("body")), std::string(e.Get("message_id")),
         absl::StrSplit(e.Get("photos"), '\x1f', absl::SkipEmpty())};
  auto out = texting_.Handle(t);
  if (!out.ok()) {
    log::Get("sms")->warn("event=text_failed message={} error=\"{}\"", t.message_id,
                          out.status().message());
    return out.status();  // tried again; the ticket's idempotency key keeps it single
  }
  std::vector<adapters::Reply> replies;
  for (const auto& r : out->replies) replies.push_back({r, {}});
  std::vector<std::pair<std::string, std::string>> extra;
  if (!out->opt_out_confirmation.empty()) {
    extra = {{"kind", "opt_out_confirmation"},
             {"to", t.from},
             {"text", out->opt_out_confirmation},
             {"idempotency_key", "optout:" + t.message_id}};
  }
  return adapters::QueueReplies(redis_, v1::CHANNEL_SMS, replies, t.from,
                                "lobby:adapters:answered:sms:" + t.message_id, extra);
}

adapters::SendResult Sms::Send(const queue::Entry& m) {
  using adapters::SendResult;
  auto out = adapters::ReadOutgoing(m, phone_of_);
  if (!out.ok()) return adapters::Unsendable(out.status());
  if (m.Get("kind") != "opt_out_confirmation") {
    auto opted = Texting::OptedOut(redis_, out->to);
    if (!opted.ok()) return {SendResult::kRetry, {}, std::string(opted.status().message())};
    if (*opted) return {SendResult::kSkipped, {}, "the number opted out (STOP)"};
  }
  std::string text = out->text;
  if (out->survey) {
    absl::StrAppend(&text, "\n",
                    adapters::T(out->language, "Reply 1 (poor) to 5 (excellent).",
                                "請回覆 1（差）至 5（極好）。", "请回复 1（差）至 5（非常好）。"));
    (void)adapters::ExpectSurvey(redis_, v1::CHANNEL_SMS, out->to, std::string(m.Get("survey_id")));
  }
  Message msg{out->to,
              Fit(text, config_.max_segments),
              std::string(m.Get("kind")),
              std::string(m.Get("code")),
              std::string(m.Get("ticket_id")),
              std::string(m.Get("idempotency_key"))};
  std::string provider = Route(out->to);
  if (provider.empty())
    return {SendResult::kFailed, {}, "no SMS route for " + log::MaskPhone(out->to)};
  SendResult r = provider == "aliyun" ? SendAliyun(config_.aliyun_config, msg)
                                      : SendTwilio(config_.twilio_config, msg);
  if (r.kind == SendResult::kSent && provider == "twilio" && !r.provider_id.empty() &&
      !m.Get("resident_id").empty()) {
    // The receipt finds the resident by the message SID.
    std::string key = "lobby:adapters:sms:sent:" + r.provider_id;
    (void)redis_.Run({{"HSET", key, "resident", std::string(m.Get("resident_id")), "ticket",
                       std::string(m.Get("ticket_id"))},
                      {"EXPIRE", key, "604800"}});
  }
  return r;
}

}  // namespace lobby::sms
