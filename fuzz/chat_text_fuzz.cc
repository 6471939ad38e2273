// What residents type: keywords, ticket numbers, blank and invisible text, cut to a length.
#include <cstddef>
#include <cstdint>
#include <string>

#include "adapters/chatbot/conversation.h"
#include "adapters/sms/texting.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string rest;
  (void)lobby::sms::ParseKeyword(text, &rest);
  (void)lobby::chatbot::FindTicketNumber(text);
  (void)lobby::chatbot::IsBlank(text);
  std::string cut = lobby::chatbot::Utf8Prefix(text, size % 64);
  if (cut.size() > text.size()) __builtin_trap();
  return 0;
}
