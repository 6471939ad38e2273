// A LINE Messaging API webhook body, as received once its signature matched.
#include <cstddef>
#include <cstdint>
#include <string>

#include "adapters/chatbot/line/line.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  auto events = lobby::line::ParseEvents(body, "https://lobby.example.com/v1/line/main/content/",
                                         "channel-secret");
  if (events.ok()) {
    for (const auto& e : *events) {
      if (e.in.user.empty() || e.in.message_id.empty()) __builtin_trap();
    }
  }
  return 0;
}
