// Twilio's webhook body: application/x-www-form-urlencoded, and its signature over it.
#include <cstddef>
#include <cstdint>

#include "adapters/sms/providers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view body(reinterpret_cast<const char*>(data), size);
  auto params = lobby::sms::ParseForm(body);
  if (params.ok()) {
    (void)lobby::sms::FormEncode(*params);
    (void)lobby::sms::TwilioSignature("auth-token", "https://lobby.example.com/v1/sms/twilio",
                                      *params);
  }
  return 0;
}
