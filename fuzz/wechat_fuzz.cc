// WeChat's safe-mode envelope: the <Encrypt> element's base64, AES and padding, as an attacker
// who does not know the key can send it (the signature check comes first in the webhook, but
// the decryption must hold on its own).
#include <cstddef>
#include <cstdint>
#include <string>

#include "adapters/chatbot/wechat/wechat.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* cipher = new lobby::wechat::Cipher(*lobby::wechat::Cipher::Create(
      "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wx5823bf96d3bd56c7"));
  std::string input(reinterpret_cast<const char*>(data), size);
  (void)cipher->Decrypt(input);
  // And the round trip of whatever the resident wrote.
  auto back = cipher->Decrypt(cipher->Encrypt(input));
  if (!back.ok() || *back != input) __builtin_trap();
  return 0;
}
