#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/redis.h"

namespace lobby::redis {

/// Conditions, then writes, applied atomically by one Lua script in one round trip: either
/// every condition holds and every write is applied, or nothing is written and the failed
/// condition's status comes back. This is how a record, its indexes and the event announcing
/// the change are written together.
///
/// Every key is also passed in KEYS, so the script declares what it touches.
class Txn {
 public:
  /// Fails with ALREADY_EXISTS(message) unless hash `key` field `field` is absent or equal to
  /// one of `allowed` (comma separated). "{}" in `message` is replaced by the value found.
  Txn& RequireFieldFreeOr(const std::string& key, const std::string& field,
                          const std::string& allowed, const std::string& message);
  /// Fails with ALREADY_EXISTS(message) if `key` exists.
  Txn& RequireAbsent(const std::string& key, const std::string& message);
  /// Fails with ABORTED(message) unless hash `key` has field "v" equal to `version`
  /// (0 = the record must not exist). Used for optimistic concurrency on records.
  Txn& RequireVersion(const std::string& key, int64_t version, const std::string& message);
  /// A write command; `key_positions` are the indexes in `args` that are keys (usually {1}).
  Txn& Write(Args args, std::vector<int> key_positions = {1});

  bool empty() const { return ops_.empty(); }
  /// The replies of the writes, in order.
  absl::StatusOr<std::vector<Reply>> Run(Client& client) const;

 private:
  void AddKey(const std::string& key);
  std::vector<std::string> keys_;
  std::vector<std::string> conds_;  // 5 strings per condition
  size_t ncond_ = 0;
  std::vector<Args> ops_;
};

/// The members of sorted set `key` whose score (Unix ms) is due by `now`, at most `limit`, each
/// moved to `lease_until` in the same script: two processes never take the same member, and one
/// taken by a process that died is due again when its lease ends. Timers kept in Redis use it.
absl::StatusOr<std::vector<std::string>> ClaimDue(Client& redis, const std::string& key,
                                                  absl::Time now, absl::Time lease_until,
                                                  int limit);

/// The protobuf record in field "pb" of hash `key` (as a Txn writes records), or nothing when
/// the key does not exist; DATA_LOSS when it does not parse.
template <typename Proto>
absl::StatusOr<std::optional<Proto>> ReadRecord(Client& redis, const std::string& key) {
  auto r = redis.Command({"HGET", key, "pb"});
  if (!r.ok()) return r.status();
  if (r->IsNil()) return std::nullopt;
  Proto p;
  if (!p.ParseFromString(r->str)) return absl::DataLossError(key + " is unreadable");
  return p;
}

}  // namespace lobby::redis
