#include "adapters/gateway/connect.h"

#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace lobby::gateway {

absl::string_view CodeName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return "ok";
    case absl::StatusCode::kCancelled:
      return "canceled";
    case absl::StatusCode::kUnknown:
      return "unknown";
    case absl::StatusCode::kInvalidArgument:
      return "invalid_argument";
    case absl::StatusCode::kDeadlineExceeded:
      return "deadline_exceeded";
    case absl::StatusCode::kNotFound:
      return "not_found";
    case absl::StatusCode::kAlreadyExists:
      return "already_exists";
    case absl::StatusCode::kPermissionDenied:
      return "permission_denied";
    case absl::StatusCode::kResourceExhausted:
      return "resource_exhausted";
    case absl::StatusCode::kFailedPrecondition:
      return "failed_precondition";
    case absl::StatusCode::kAborted:
      return "aborted";
    case absl::StatusCode::kOutOfRange:
      return "out_of_range";
    case absl::StatusCode::kUnimplemented:
      return "unimplemented";
    case absl::StatusCode::kInternal:
      return "internal";
    case absl::StatusCode::kUnavailable:
      return "unavailable";
    case absl::StatusCode::kDataLoss:
      return "data_loss";
    case absl::StatusCode::kUnauthenticated:
      return "unauthenticated";
    default:
      return "unknown";
  }
}

int HttpStatus(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kCancelled:
      return 499;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;  // unknown, internal, data_loss
  }
}

namespace {
nlohmann::json ErrorObject(const absl::Status& status) {
  nlohmann::json e = {{"code", CodeName(status.code())}};
  if (!status.message().empty()) e["message"] = std::string(status.message());
  return e;
}
}  // namespace

std::string ErrorJson(const absl::Status& status) { return ErrorObject(status).dump(); }

std::string EndOfStream(const absl::Status& status) {
  if (status.ok()) return "{}";
  return nlohmann::json{{"error", ErrorObject(status)}}.dump();
}

namespace {
// The media type of a Content-Type, lower case, without parameters other than a UTF-8 charset
// (which JSON always is); "" when another parameter makes it one Lobby does not speak.
std::string MediaType(absl::string_view content_type) {
  std::string type = absl::AsciiStrToLower(content_type);
  size_t semi = type.find(';');
  if (semi == std::string::npos) return std::string(absl::StripAsciiWhitespace(type));
  std::string params(absl::StripAsciiWhitespace(type.substr(semi + 1)));
  if (params != "charset=utf-8" && params != "charset=\"utf-8\"") return "";
  return std::string(absl::StripAsciiWhitespace(type.substr(0, semi)));
}
}  // namespace

std::optional<Codec> UnaryCodec(absl::string_view content_type) {
  std::string type = MediaType(content_type);
  if (type == "application/json") return Codec::kJson;
  if (type == "application/proto") return Codec::kProto;
  return std::nullopt;
}

std::optional<Codec> StreamCodec(absl::string_view content_type) {
  std::string type = MediaType(content_type);
  if (type == "application/connect+json") return Codec::kJson;
  if (type == "application/connect+proto") return Codec::kProto;
  return std::nullopt;
}

absl::Status Decode(Codec codec, absl::string_view data, google::protobuf::Message& m) {
  if (codec == Codec::kProto) {
    if (!m.ParseFromArray(data.data(), static_cast<int>(data.size())))
      return absl::InvalidArgumentError(
          absl::StrCat("the body is not a binary ", m.GetDescriptor()->full_name()));
    return absl::OkStatus();
  }
  // An empty body is the empty message, as an empty binary one is.
  if (absl::StripAsciiWhitespace(data).empty()) return absl::OkStatus();
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = false;
  auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(data.data(), data.size()), &m, opts);
  if (!parsed.ok())
    return absl::InvalidArgumentError(absl::StrCat("the body is not a JSON ",
                                                   m.GetDescriptor()->full_name(), ": ",
                                                   std::string(parsed.message())));
  return absl::OkStatus();
}

std::string Encode(Codec codec, const google::protobuf::Message& m) {
  std::string out;
  if (codec == Codec::kProto) {
    m.SerializeToString(&out);
    return out;
  }
  google::protobuf::util::JsonPrintOptions opts;
  (void)google::protobuf::util::MessageToJsonString(m, &out, opts);
  return out;
}

std::string Envelope(uint8_t flags, absl::string_view data) {
  std::string out;
  out.reserve(5 + data.size());
  out.push_back(static_cast<char>(flags));
  uint32_t n = static_cast<uint32_t>(data.size());
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((n >> shift) & 0xff));
  out.append(data.data(), data.size());
  return out;
}

absl::StatusOr<absl::string_view> OneEnvelope(absl::string_view body) {
  if (body.size() < 5)
    return absl::InvalidArgumentError("a stream's request is one enveloped message (5+ bytes)");
  uint8_t flags = static_cast<uint8_t>(body[0]);
  if (flags & kCompressed)
    return absl::InvalidArgumentError("compressed messages are not accepted (identity only)");
  if (flags != 0) return absl::InvalidArgumentError("the request's envelope has unknown flags");
  uint32_t n = 0;
  for (int i = 1; i <= 4; ++i) n = (n << 8) | static_cast<uint8_t>(body[i]);
  if (body.size() - 5 != n)
    return absl::InvalidArgumentError(
        absl::StrCat("the envelope says ", n, " bytes, the body has ", body.size() - 5));
  return body.substr(5);
}

absl::StatusOr<absl::Duration> Timeout(absl::string_view header, absl::Duration cap) {
  if (header.empty()) return cap;
  int64_t ms = 0;
  bool digits = header.size() <= 10 && std::all_of(header.begin(), header.end(), [](char c) {
                  return absl::ascii_isdigit(static_cast<unsigned char>(c));
                });
  if (!digits || !absl::SimpleAtoi(header, &ms))
    return absl::InvalidArgumentError(
        absl::StrCat("Connect-Timeout-Ms must be 1 to 10 digits, not '", header, "'"));
  return std::min(absl::Milliseconds(ms), cap);
}

}  // namespace lobby::gateway
