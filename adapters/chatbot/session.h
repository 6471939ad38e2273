#pragma once

// The conversation's per-message state, shared by its translation units (conversation.cc: the
// residents' part; staff.cc: the staff's).

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"
#include "adapters/chatbot/conversation.h"

namespace lobby::chatbot {

using Buttons = std::vector<std::pair<std::string, std::string>>;
using Replies = std::vector<Reply>;

// The words typed anywhere in the conversation.
inline std::string Clean(const std::string& text) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
}

inline bool Is(const std::string& text, std::initializer_list<const char*> words) {
  std::string t = Clean(text);
  for (const char* w : words) {
    if (t == w) return true;
  }
  return false;
}

inline bool IsCancel(const std::string& t) {
  return Is(t, {"cancel", "/cancel", "stop", "start over", "取消", "重新開始", "重新开始", "算了"});
}
inline bool IsMenu(const std::string& t) {
  return Is(t, {"menu", "/start", "/menu", "hi", "hello", "你好", "您好", "選單", "菜单", "主選單",
                "主菜单"});
}
inline bool IsStaffWord(const std::string& t) {
  return Is(t, {"staff", "/staff", "員工", "员工", "職員", "职员"});
}

/// One sender's state for the length of one message: read in one round trip, written back in one.
struct Conversation::Session {
  std::map<std::string, std::string>
      f;  // the stored fields: step, options, what the report holds so far
  std::optional<v1::Resident> resident;
  std::optional<v1::StaffIdentity> staff;  // a staff member writes (docs: staff)
  std::string lang;
  std::string site;
  int misses = 0;  // messages in a row not understood, before this one
  std::optional<v1::Catalog> catalog;
  std::optional<absl::StatusOr<v1::EstateRegister>> reg;  // asked once per message
  std::unique_ptr<EstateRegister> checker;                // its buildings, indexed

  std::string Get(const std::string& k) const {
    auto it = f.find(k);
    return it == f.end() ? "" : it->second;
  }
  // Asks a question: the step that expects the answer, and the buttons offered (typed labels and
  // numbers are read as presses).
  Reply Ask(const std::string& step, std::string text, Buttons buttons = {}) {
    f["step"] = step;
    f["question"] = text;
    f["options"] = EncodeButtons(buttons);
    return Reply{std::move(text), std::move(buttons)};
  }
  // The question in progress, asked again.
  Reply Again() { return Ask(Get("step"), Get("question"), DecodeButtons(Get("options"))); }
  // Forgets the flow in progress (language and a pending survey stay).
  void Reset() {
    std::map<std::string, std::string> keep;
    for (const char* k : {"lang", "survey", "guest"}) {
      if (f.count(k)) keep[k] = f[k];
    }
    f = std::move(keep);
  }
};

}  // namespace lobby::chatbot
