#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "adapters/common/delivery.h"

namespace lobby::sms {

/// Form or query parameters, in the order they came.
using Params = std::vector<std::pair<std::string, std::string>>;

/// An application/x-www-form-urlencoded body ('+' is a space). INVALID_ARGUMENT for a bad %-escape.
absl::StatusOr<Params> ParseForm(absl::string_view body);
std::string FormEncode(const Params& params);

/// X-Twilio-Signature as Twilio computes it: the URL Twilio called (exactly as configured,
/// query string included), then every POST parameter sorted by name as name+value, signed
/// with HMAC-SHA1 under the account's auth token, base64.
std::string TwilioSignature(absl::string_view auth_token, absl::string_view url, Params params);

/// RFC 3986 percent-encoding as Alibaba Cloud's signature wants it: unreserved characters
/// (A-Z a-z 0-9 - _ . ~) as they are, everything else %XX in upper case (a space is %20).
std::string PercentEncode(absl::string_view s);
/// Alibaba Cloud's RPC signature, version 1.0: the parameters sorted by name, each name and
/// value percent-encoded and joined "n=v&...", then "METHOD&%2F&" + that, percent-encoded;
/// HMAC-SHA1 under "<AccessKeySecret>&", base64.
std::string AliyunSignature(absl::string_view access_key_secret, absl::string_view method,
                            Params params);

/// One SMS as the providers send it.
struct Message {
  std::string to;    // E.164
  std::string text;  // already fitted to the segment limit
  std::string kind;  // verification_code, survey, chat_reply, ...
  std::string code;  // a verification code (Aliyun templates take it apart)
  std::string ticket_id;
  std::string idempotency_key;
};

struct TwilioConfig {
  std::string account_sid;
  std::string auth_token;  // secret
  std::string from;        // the sending number (E.164), or a Messaging Service SID ("MG...")
  std::string api = "https://api.twilio.com";
  std::string status_url;  // StatusCallback: <public-url>/v1/sms/twilio/status
};

/// Messages API: POST /2010-04-01/Accounts/<sid>/Messages.json with Basic auth. The provider id
/// is the message SID.
adapters::SendResult SendTwilio(const TwilioConfig& config, const Message& message);

struct AliyunConfig {
  std::string access_key_id;
  std::string access_key_secret;  // secret
  std::string sign_name;          // the approved 签名
  std::string region = "cn-hangzhou";
  std::string api = "https://dysmsapi.aliyuncs.com";
  std::map<std::string, std::string> templates;  // message kind -> TemplateCode; "*": the rest
};

/// The signed query string of a SendSms call (GET), with `nonce` and `now` fixed for tests.
absl::StatusOr<std::string> AliyunSendSmsQuery(const AliyunConfig& config, const Message& message,
                                               absl::Time now, const std::string& nonce);
/// SendSms for a mainland number (+86...): the message kind's template, with TemplateParam
/// {"code", "ticket", "text"}. The provider id is the BizId.
adapters::SendResult SendAliyun(const AliyunConfig& config, const Message& message);

}  // namespace lobby::sms
