#include "adapters/hotline/hotline.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "adapters/common/crypto.h"
#include "services/common/log.h"
#include "services/common/status_macros.h"

namespace lobby::hotline {

namespace {
using json = nlohmann::json;
}  // namespace

absl::Status Hotline::Ringing(const std::string& id, const std::string& caller,
                              const std::string& line) {
  auto site = config_.lines.find(line);
  if (site == config_.lines.end()) return absl::OkStatus();  // not a hotline call
  return Report(id, v1::CALL_REPORT_RINGING, [&](v1::ReportCallRequest& r) {
    r.set_site_id(site->second);
    r.set_caller(caller);
    r.set_line(line);
  });
}

absl::Status Hotline::Report(const std::string& id, v1::CallReport event,
                             const std::function<void(v1::ReportCallRequest&)>& fill) {
  v1::ReportCallRequest req;
  req.set_call_id(id);
  req.set_event(event);
  if (fill) fill(req);
  return calls_.Report(req).status();
}

std::string Hotline::AgentName(const std::string& channel) const {
  // "PJSIP/1001-0000002a" is interface "PJSIP/1001" on its 42nd channel.
  std::string iface = channel;
  if (size_t dash = iface.rfind('-'); dash != std::string::npos && iface.find('/') < dash)
    iface = iface.substr(0, dash);
  auto it = config_.agents.find(iface);
  return it == config_.agents.end() ? iface : it->second;
}

void Hotline::OnAmi(const AmiMessage& e) {
  std::string event = e.Get("Event");
  std::string id = e.Get("Linkedid");
  absl::Status s;
  if (event == "Newchannel") {
    if (!id.empty() && e.Get("Uniqueid") == id)
      s = Ringing(id, e.Get("CallerIDNum"), e.Get("Exten"));
  } else if (event == "QueueCallerJoin") {
    s = Ringing(id, e.Get("CallerIDNum"), e.Get("Queue"));
  } else if (event == "DialBegin") {
    s = Report(id, v1::CALL_REPORT_OFFERED,
               [&](v1::ReportCallRequest& r) { r.set_agent(AgentName(e.Get("DestChannel"))); });
  } else if (event == "BridgeEnter") {
    if (e.Get("Uniqueid") != id) {
      s = Report(id, v1::CALL_REPORT_ANSWERED,
                 [&](v1::ReportCallRequest& r) { r.set_agent(AgentName(e.Get("Channel"))); });
    }
  } else if (event == "Hangup") {
    if (e.Get("Uniqueid") == id) s = Report(id, v1::CALL_REPORT_HANGUP);
  } else if (event == "UserEvent" && e.Get("UserEvent") == "LobbyRating") {
    int digit = 0;
    if (!absl::SimpleAtoi(e.Get("Digit"), &digit)) digit = 0;
    s = Report(id.empty() ? e.Get("CallId") : id, v1::CALL_REPORT_RATING,
               [&](v1::ReportCallRequest& r) {
                 r.set_digit(digit);
                 r.set_ticket_id(e.Get("Ticket"));
               });
  } else {
    return;
  }
  if (!s.ok() && !absl::IsNotFound(s))
    log::Get("hotline")->warn("event=ami_event_failed ami_event={} call={} error=\"{}\"", event, id,
                              s.message());
}

absl::StatusOr<CtiEvent> ParseCtiEvent(const std::string& body) {
  json m = json::parse(body, nullptr, false);
  if (!m.is_object()) return absl::InvalidArgumentError("not JSON");
  auto str = [&](const char* k) {
    return m.contains(k) && m[k].is_string() ? m[k].get<std::string>() : std::string();
  };
  CtiEvent e{str("event"), str("call_id"),       str("from"), str("to"),
             str("agent"), str("recording_url"), 0,           str("ticket_id")};
  LOBBY_RETURN_IF_ERROR(calls::ValidCallId(e.call_id));
  if (e.event != "newCall" && e.event != "answer" && e.event != "hangup" && e.event != "rating") {
    return absl::InvalidArgumentError("event is newCall, answer, hangup or rating");
  }
  if (e.event == "answer" && e.agent.empty())
    return absl::InvalidArgumentError("answer needs the agent");
  if (e.event == "rating") {
    e.digit = m.contains("digit") && m["digit"].is_number_integer() ? m["digit"].get<int>() : 0;
    if (e.digit == 0) (void)absl::SimpleAtoi(str("digit"), &e.digit);
  }
  return e;
}

std::pair<int, std::string> Hotline::OnWebhook(const std::string& timestamp,
                                               const std::string& signature,
                                               const std::string& body) {
  auto error = [](int status, const std::string& why) {
    return std::make_pair(status, json{{"error", why}}.dump());
  };
  if (config_.webhook_secret.empty()) return error(404, "the CTI webhook is off");
  if (body.size() > 64 * 1024) return error(413, "too large");
  if (absl::Status auth = adapters::CheckTimestampedSignature(config_.webhook_secret, timestamp,
                                                              signature, body, clock_.Now());
      !auth.ok()) {
    log::Get("hotline")->warn("event=bad_signature error=\"{}\"", auth.message());
    return error(401, std::string(auth.message()));
  }
  auto parsed = ParseCtiEvent(body);
  if (!parsed.ok()) return error(400, std::string(parsed.status().message()));
  const CtiEvent& e = *parsed;
  absl::Status s;
  if (e.event == "newCall") {
    if (config_.lines.find(e.to) == config_.lines.end())
      return error(400, "'to' is not a hotline line Lobby knows");
    s = Ringing(e.call_id, e.from, e.to);
  } else if (e.event == "answer") {
    s = Report(e.call_id, v1::CALL_REPORT_ANSWERED,
               [&](v1::ReportCallRequest& r) { r.set_agent(e.agent); });
  } else if (e.event == "hangup") {
    s = Report(e.call_id, v1::CALL_REPORT_HANGUP,
               [&](v1::ReportCallRequest& r) { r.set_recording_url(e.recording_url); });
  } else {
    s = Report(e.call_id, v1::CALL_REPORT_RATING, [&](v1::ReportCallRequest& r) {
      r.set_digit(e.digit);
      r.set_ticket_id(e.ticket_id);
    });
  }
  if (absl::IsInvalidArgument(s) || absl::IsNotFound(s))
    return error(absl::IsNotFound(s) ? 404 : 400, std::string(s.message()));
  if (!s.ok()) return error(503, std::string(s.message()));  // the call centre retries
  return {200, R"({"ok":true})"};
}

void Hotline::Register(httplib::Server& server) {
  server.Post("/v1/hotline/events", [this](const httplib::Request& req, httplib::Response& res) {
    auto [status, body] = OnWebhook(req.get_header_value("X-Lobby-Timestamp"),
                                    req.get_header_value("X-Lobby-Signature"), req.body);
    res.status = status;
    res.set_content(body, "application/json");
  });
}

}  // namespace lobby::hotline
