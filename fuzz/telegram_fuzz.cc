// A Telegram Bot API update, as the webhook receives it once the secret token matched.
#include <cstddef>
#include <cstdint>
#include <string>

#include "adapters/chatbot/telegram/telegram.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  auto update = lobby::telegram::ParseUpdate(
      body, "https://lobby.example.com/v1/telegram/lobby/file/", "secret");
  if (update.ok() && update->answered && (update->in.user.empty() || update->chat.empty()))
    __builtin_trap();
  return 0;
}
