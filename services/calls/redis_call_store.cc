#include "services/calls/redis_call_store.h"

#include "absl/strings/str_cat.h"
#include "services/common/redis_txn.h"

namespace lobby::calls {

namespace {
constexpr int kCallTtlSeconds = 90 * 86400;
std::string Key(const std::string& id) { return "lobby:calls:call:" + id; }
}  // namespace

absl::StatusOr<std::optional<v1::Call>> RedisCallStore::Load(const std::string& id) {
  return redis::ReadRecord<v1::Call>(redis_, Key(id));
}

absl::Status RedisCallStore::Save(const v1::Call& call, const std::string& type) {
  v1::CallEvent event;
  event.set_type(type);
  *event.mutable_call() = call;
  const std::string key = Key(call.id());
  redis::Txn txn;
  txn.RequireVersion(key, call.version() - 1,
                     absl::StrCat("call ", call.id(), " changed meanwhile"));
  txn.Write({"HSET", key, "pb", call.SerializeAsString(), "v", std::to_string(call.version())});
  txn.Write({"EXPIRE", key, std::to_string(kCallTtlSeconds)});
  // The events stream is for live screens: the newest 10,000 are plenty.
  txn.Write({"XADD", kEventsStream, "MAXLEN", "~", "10000", "*", "type", type, "site_id",
             call.site_id(), "event", event.SerializeAsString()});
  return txn.Run(redis_).status();
}

}  // namespace lobby::calls
