// A WhatsApp Cloud API webhook body, as received once its signature matched.
#include <cstddef>
#include <cstdint>
#include <string>

#include "adapters/chatbot/whatsapp/whatsapp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  auto messages = lobby::whatsapp::ParseMessages(body, "https://lobby.example.com", "app-secret");
  if (messages.ok()) {
    for (const auto& m : *messages) {
      if (m.user.empty() || m.message_id.empty()) __builtin_trap();
    }
  }
  return 0;
}
