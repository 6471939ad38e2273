#include "adapters/common/messages.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/common/webhook.h"
#include "services/common/proto_util.h"
#include "services/common/status_macros.h"

namespace lobby::adapters {

absl::StatusOr<Outgoing> ReadOutgoing(const queue::Entry& m, const RecipientOf& recipient_of) {
  Outgoing out{std::string(m.Get("to")), std::string(m.Get("language")), std::string(m.Get("text")),
               DecodeButtons(m.Get("buttons"))};
  if (out.to.empty() && !m.Get("resident_id").empty()) {
    auto found = recipient_of(std::string(m.Get("resident_id")));
    if (!found.ok()) {  // no identity there: never; anything else: try again
      return absl::IsNotFound(found.status()) ? found.status()
                                              : absl::UnavailableError(found.status().message());
    }
    out.to = found->id;
    if (out.language.empty()) out.language = found->language;
  }
  if (out.to.empty()) return absl::FailedPreconditionError("no recipient");
  if (out.text.empty()) out.text = std::string(m.Get("text." + out.language));
  if (out.text.empty()) out.text = std::string(m.Get("text.en"));
  if (out.text.empty()) return absl::FailedPreconditionError("nothing to say");
  out.survey = m.Get("kind") == "survey" || m.Get("kind") == "survey_reminder";
  if (out.survey) {  // the first question, natively: score buttons (a digit typed back works too)
    absl::StrAppend(&out.text, "\n", m.Get("question.overall"));
    for (int n = 1; n <= 5; ++n)
      out.buttons.emplace_back(std::to_string(n),
                               absl::StrCat("survey:", m.Get("survey_id"), ":overall:", n));
  }
  return out;
}

std::string EncodeButtons(const std::vector<std::pair<std::string, std::string>>& buttons) {
  return queue::PackFields(buttons);
}

std::vector<std::pair<std::string, std::string>> DecodeButtons(absl::string_view encoded) {
  return queue::UnpackFields(encoded);
}

absl::Status QueueReplies(redis::Client& redis, v1::Channel channel,
                          const std::vector<Reply>& replies, const std::string& to,
                          const std::string& seen_key,
                          const std::vector<std::pair<std::string, std::string>>& extra_fields,
                          const std::string& seen_value) {
  std::vector<redis::Args> cmds;
  std::string stream = queue::OutboundStream(ChannelName(channel));
  if (!extra_fields.empty()) {
    queue::Fields f = {{"v", "1"}};
    f.insert(f.end(), extra_fields.begin(), extra_fields.end());
    cmds.push_back(queue::XAddArgs(stream, f));
  }
  for (size_t i = 0; i < replies.size(); ++i) {
    const Reply& r = replies[i];
    cmds.push_back(
        queue::XAddArgs(stream, {{"v", "1"},
                                 {"kind", "chat_reply"},
                                 {"to", to},
                                 {"text", r.text},
                                 {"buttons", EncodeButtons(r.buttons)},
                                 {"idempotency_key", absl::StrCat("reply:", seen_key, ":", i)}}));
  }
  cmds.push_back(ReplayGuard::MarkArgs(seen_key, seen_value));
  LOBBY_ASSIGN_OR_RETURN(auto done, redis.Run(cmds));
  for (const auto& reply : done) {
    if (reply.IsError()) return absl::UnavailableError("Redis refused a reply: " + reply.str);
  }
  return absl::OkStatus();
}

std::string RedisSessionStore::Key(v1::Channel channel, const std::string& user) {
  return absl::StrCat("lobby:chat:", ChannelName(channel), ":", user);
}

absl::StatusOr<SessionStore::Fields> RedisSessionStore::Load(v1::Channel channel,
                                                             const std::string& user) {
  LOBBY_ASSIGN_OR_RETURN(auto read, redis_.Run({{"HGETALL", Key(channel, user)}}));
  const redis::Reply& state = read[0];
  Fields f;
  for (size_t i = 0; i + 1 < state.elements.size(); i += 2)
    f[state.elements[i].str] = state.elements[i + 1].str;
  return f;
}

absl::Status RedisSessionStore::Save(v1::Channel channel, const std::string& user,
                                     const Fields& fields, absl::Duration ttl, absl::Time heard) {
  std::string key = Key(channel, user);
  std::vector<redis::Args> save = {{"DEL", key}};
  if (heard != absl::InfinitePast())
    save.push_back({"SET", HeardKey(channel, user), std::to_string(absl::ToUnixMillis(heard)), "EX",
                    "604800"});
  redis::Args set = {"HSET", key};
  for (const auto& [k, v] : fields) {
    if (v.empty()) continue;
    set.push_back(k);
    set.push_back(v);
  }
  if (set.size() > 2) {
    save.push_back(std::move(set));
    save.push_back({"EXPIRE", key, std::to_string(absl::ToInt64Seconds(ttl))});
  }
  return redis_.Run(save).status();
}

std::string HeardKey(v1::Channel channel, const std::string& user) {
  return absl::StrCat("lobby:chat:heard:", ChannelName(channel), ":", user);
}

absl::StatusOr<bool> HeardWithin(redis::Client& redis, v1::Channel channel, const std::string& user,
                                 absl::Duration window, absl::Time now) {
  LOBBY_ASSIGN_OR_RETURN(auto r, redis.Command({"GET", HeardKey(channel, user)}));
  int64_t ms = 0;
  if (r.IsNil() || !absl::SimpleAtoi(r.str, &ms)) return false;
  return now - absl::FromUnixMillis(ms) < window;
}

absl::Status ExpectSurvey(redis::Client& redis, v1::Channel channel, const std::string& user,
                          const std::string& survey_id) {
  std::string key = RedisSessionStore::Key(channel, user);
  return redis.Run({{"HSET", key, "survey", survey_id}, {"EXPIRE", key, "604800"}}).status();
}

absl::Status OfferButtons(redis::Client& redis, v1::Channel channel, const std::string& user,
                          const std::vector<std::pair<std::string, std::string>>& buttons) {
  std::string key = RedisSessionStore::Key(channel, user);
  // A day, as a conversation's state, without cutting a longer one short (a survey's week).
  return redis
      .Run({{"HSET", key, "options", EncodeButtons(buttons)},
            {"EXPIRE", key, "86400", "NX"},
            {"EXPIRE", key, "86400", "GT"}})
      .status();
}

}  // namespace lobby::adapters
