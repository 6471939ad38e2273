#pragma once

// The Connect protocol's rules (connectrpc.com/docs/protocol) that do not depend on an HTTP
// server: code names, HTTP statuses, content types, the envelope of streams, timeouts.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace google::protobuf {
class Message;
}

namespace lobby::gateway {

/// Connect's name of a status code: "permission_denied" (lower snake case of gRPC's).
absl::string_view CodeName(absl::StatusCode code);

/// The HTTP status a unary error of `code` answers with.
int HttpStatus(absl::StatusCode code);

/// {"code":"not_found","message":"..."}: a unary error's body, and an end of stream's "error".
std::string ErrorJson(const absl::Status& status);

/// How a message is written: protobuf JSON (as `lobbyctl -o json` prints) or binary.
enum class Codec { kJson, kProto };

/// The codec of a unary call's Content-Type ("application/json", "application/proto", either
/// with "; charset=utf-8"); none for anything else.
std::optional<Codec> UnaryCodec(absl::string_view content_type);
/// The codec of a stream's Content-Type ("application/connect+json", "application/connect+proto").
std::optional<Codec> StreamCodec(absl::string_view content_type);

/// Reads `data` into `m`: INVALID_ARGUMENT, with the parser's reason, when it is not one.
/// Unknown JSON fields are refused (a misspelt field must not be silently dropped).
absl::Status Decode(Codec codec, absl::string_view data, google::protobuf::Message& m);
/// `m` written in `codec`; JSON with the proto field names in lowerCamelCase, defaults left out.
std::string Encode(Codec codec, const google::protobuf::Message& m);

/// A stream's flags: the message is compressed; it is the end of the stream.
inline constexpr uint8_t kCompressed = 0x01;
inline constexpr uint8_t kEndStream = 0x02;

/// One message of a stream: its flags, its length (4 bytes, big-endian), the message.
std::string Envelope(uint8_t flags, absl::string_view data);

/// The one message of a server-streaming call's request body: INVALID_ARGUMENT when the body
/// is not exactly one envelope, or it is compressed (Lobby accepts only identity).
absl::StatusOr<absl::string_view> OneEnvelope(absl::string_view body);

/// The end of a stream: {} after success, {"error":{...}} after a failure.
std::string EndOfStream(const absl::Status& status);

/// The deadline a Connect-Timeout-Ms header asks for ("" none: `cap`), never past `cap`.
/// INVALID_ARGUMENT unless it is 1 to 10 ASCII digits.
absl::StatusOr<absl::Duration> Timeout(absl::string_view header, absl::Duration cap);

}  // namespace lobby::gateway
