#include "adapters/sms/providers.h"

#include <httplib.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/common/crypto.h"

namespace lobby::sms {
namespace {

using json = nlohmann::json;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::StatusOr<std::string> Unescape(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      int hi = i + 2 < s.size() ? HexValue(s[i + 1]) : -1,
          lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) return absl::InvalidArgumentError("a bad %-escape in the form");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

void SortByName(Params& params) {
  std::stable_sort(params.begin(), params.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
}

std::string Random(size_t n) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) out.push_back(kHex[rng() % 16]);
  return out;
}

}  // namespace

absl::StatusOr<Params> ParseForm(absl::string_view body) {
  Params out;
  for (absl::string_view pair : absl::StrSplit(body, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(pair, absl::MaxSplits('=', 1));
    auto k = Unescape(kv.first);
    auto v = Unescape(kv.second);
    if (!k.ok()) return k.status();
    if (!v.ok()) return v.status();
    out.emplace_back(*std::move(k), *std::move(v));
  }
  return out;
}

std::string PercentEncode(absl::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string FormEncode(const Params& params) {
  std::string out;
  for (const auto& [k, v] : params)
    absl::StrAppend(&out, out.empty() ? "" : "&", PercentEncode(k), "=", PercentEncode(v));
  return out;
}

std::string TwilioSignature(absl::string_view auth_token, absl::string_view url, Params params) {
  SortByName(params);
  std::string data(url);
  for (const auto& [k, v] : params) absl::StrAppend(&data, k, v);
  return adapters::Base64(adapters::HmacSha1(auth_token, data));
}

std::string AliyunSignature(absl::string_view access_key_secret, absl::string_view method,
                            Params params) {
  SortByName(params);
  std::string canonical = FormEncode(params);
  std::string to_sign =
      absl::StrCat(method, "&", PercentEncode("/"), "&", PercentEncode(canonical));
  return adapters::Base64(adapters::HmacSha1(absl::StrCat(access_key_secret, "&"), to_sign));
}

adapters::SendResult SendTwilio(const TwilioConfig& config, const Message& m) {
  using adapters::SendResult;
  Params form = {
      {"To", m.to},
      {absl::StartsWith(config.from, "MG") ? "MessagingServiceSid" : "From", config.from},
      {"Body", m.text}};
  if (!config.status_url.empty()) form.emplace_back("StatusCallback", config.status_url);
  httplib::Client client(config.api);
  client.set_connection_timeout(5);
  client.set_read_timeout(15);
  client.set_basic_auth(config.account_sid, config.auth_token);
  auto res =
      client.Post(absl::StrCat("/2010-04-01/Accounts/", config.account_sid, "/Messages.json"),
                  FormEncode(form), "application/x-www-form-urlencoded");
  if (!res)
    return {SendResult::kRetry, {}, "no answer from Twilio: " + httplib::to_string(res.error())};
  json answer = json::parse(res->body, nullptr, false);
  if ((res->status == 201 || res->status == 200) && answer.is_object() && answer.contains("sid")) {
    return {SendResult::kSent, {}, {}, answer.value("sid", "")};
  }
  std::string why = answer.is_object()
                        ? absl::StrCat(answer.value("code", 0), " ", answer.value("message", ""))
                        : res->body.substr(0, 200);
  int after = res->has_header("Retry-After")
                  ? std::max(1, std::atoi(res->get_header_value("Retry-After").c_str()))
                  : 1;
  return adapters::HttpFailure(res->status, why, false, absl::Seconds(after));
}

absl::StatusOr<std::string> AliyunSendSmsQuery(const AliyunConfig& config, const Message& m,
                                               absl::Time now, const std::string& nonce) {
  auto it = config.templates.find(m.kind);
  if (it == config.templates.end()) it = config.templates.find("*");
  if (it == config.templates.end())
    return absl::FailedPreconditionError(
        absl::StrCat("no Aliyun template for '", m.kind, "' messages"));
  if (!absl::StartsWith(m.to, "+86"))
    return absl::FailedPreconditionError("Aliyun sends to mainland (+86) numbers only here");
  json param = json::object();
  if (!m.code.empty()) param["code"] = m.code;
  if (!m.ticket_id.empty()) param["ticket"] = m.ticket_id;
  param["text"] = m.text;
  Params p = {{"AccessKeyId", config.access_key_id},
              {"Action", "SendSms"},
              {"Format", "JSON"},
              {"PhoneNumbers", m.to.substr(3)},
              {"RegionId", config.region},
              {"SignName", config.sign_name},
              {"SignatureMethod", "HMAC-SHA1"},
              {"SignatureNonce", nonce},
              {"SignatureVersion", "1.0"},
              {"TemplateCode", it->second},
              {"TemplateParam", param.dump(-1, ' ', false, json::error_handler_t::replace)},
              {"Timestamp", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", now, absl::UTCTimeZone())},
              {"Version", "2017-05-25"}};
  if (!m.idempotency_key.empty()) p.emplace_back("OutId", m.idempotency_key.substr(0, 256));
  std::string signature = AliyunSignature(config.access_key_secret, "GET", p);
  p.insert(p.begin(), {"Signature", signature});
  return FormEncode(p);
}

adapters::SendResult SendAliyun(const AliyunConfig& config, const Message& m) {
  using adapters::SendResult;
  auto query = AliyunSendSmsQuery(config, m, absl::Now(), Random(32));
  if (!query.ok()) return adapters::Unsendable(query.status());
  httplib::Client client(config.api);
  client.set_connection_timeout(5);
  client.set_read_timeout(15);
  auto res = client.Get("/?" + *query);
  if (!res)
    return {SendResult::kRetry, {}, "no answer from Aliyun: " + httplib::to_string(res.error())};
  json answer = json::parse(res->body, nullptr, false);
  std::string code = answer.is_object() ? answer.value("Code", "") : "";
  if (res->status == 200 && code == "OK")
    return {SendResult::kSent, {}, {}, answer.value("BizId", "")};
  std::string why = answer.is_object() ? absl::StrCat(code, " ", answer.value("Message", ""))
                                       : res->body.substr(0, 200);
  // Flow control (per number per minute/hour/day) and throttling pass; so does a busy system.
  bool limited = absl::StartsWith(code, "Throttling") || code == "isv.BUSINESS_LIMIT_CONTROL";
  if (limited) return adapters::HttpFailure(429, why, true, absl::Seconds(60));
  if (code == "SignatureNonceUsed" || code == "isp.SYSTEM_ERROR" || code == "ServiceUnavailable") {
    return adapters::HttpFailure(503, why);
  }
  return adapters::HttpFailure(res->status >= 400 ? res->status : 400, why);
}

}  // namespace lobby::sms
