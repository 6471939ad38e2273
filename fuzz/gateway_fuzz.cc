// A call's body as the HTTP API takes it from anyone: a Connect envelope, JSON or binary
// protobuf into a request, a Connect-Timeout-Ms header. The first byte picks which.
#include <cstddef>
#include <cstdint>

#include "adapters/gateway/connect.h"
#include "lobby/v1/repairs.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  absl::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  using lobby::gateway::Codec;
  lobby::v1::CreateTicketRequest req;
  switch (data[0] % 4) {
    case 0:
      (void)lobby::gateway::Decode(Codec::kJson, in, req);
      break;
    case 1:
      (void)lobby::gateway::Decode(Codec::kProto, in, req);
      break;
    case 2:
      if (auto one = lobby::gateway::OneEnvelope(in); one.ok())
        (void)lobby::gateway::Decode(Codec::kJson, *one, req);
      break;
    default:
      (void)lobby::gateway::Timeout(in, absl::Seconds(30));
      (void)lobby::gateway::UnaryCodec(in);
      break;
  }
  // What was taken is written back as the answer would be.
  (void)lobby::gateway::Encode(Codec::kJson, req);
  return 0;
}
