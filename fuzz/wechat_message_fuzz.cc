// A WeChat Official Account message's XML (plain mode's body, or safe mode's once decrypted).
#include <cstddef>
#include <cstdint>

#include "adapters/chatbot/wechat/wechat.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto m =
      lobby::wechat::ParseMessage(absl::string_view(reinterpret_cast<const char*>(data), size),
                                  "https://lobby.example.com/v1/wechat/lobby/media/", "app-secret");
  if (m.ok() && (m->in.user.empty() || m->in.message_id.empty())) __builtin_trap();
  return 0;
}
