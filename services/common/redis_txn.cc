#include "services/common/redis_txn.h"

#include <algorithm>

#include "services/common/status_macros.h"

namespace lobby::redis {
namespace {

const Script& TxnScript() {
  static const Script* script = new Script(R"lua(
local n = 1
local ncond = tonumber(ARGV[n]); n = n + 1
for i = 1, ncond do
  local kind, key, field, value, msg = ARGV[n], ARGV[n+1], ARGV[n+2], ARGV[n+3], ARGV[n+4]
  n = n + 5
  if kind == 'field' then
    local cur = redis.call('HGET', key, field)
    if cur and not string.find(',' .. value .. ',', ',' .. cur .. ',', 1, true) then
      local s, e = string.find(msg, '{}', 1, true)
      if s then msg = string.sub(msg, 1, s - 1) .. cur .. string.sub(msg, e + 1) end
      return redis.error_reply('LOBBY:ALREADY_EXISTS:' .. msg)
    end
  elseif kind == 'absent' then
    if redis.call('EXISTS', key) == 1 then
      return redis.error_reply('LOBBY:ALREADY_EXISTS:' .. msg)
    end
  elseif kind == 'version' then
    local cur = redis.call('HGET', key, 'v') or '0'
    if cur ~= value then return redis.error_reply('LOBBY:ABORTED:' .. msg) end
  end
end
local nops = tonumber(ARGV[n]); n = n + 1
local out = {}
for i = 1, nops do
  local argc = tonumber(ARGV[n]); n = n + 1
  local args = {}
  for j = 1, argc do args[j] = ARGV[n]; n = n + 1 end
  local r = redis.call(unpack(args))
  if r == false or r == nil then r = 0 end
  out[i] = r
end
return out
)lua");
  return *script;
}

}  // namespace

void Txn::AddKey(const std::string& key) {
  if (std::find(keys_.begin(), keys_.end(), key) == keys_.end()) keys_.push_back(key);
}

Txn& Txn::RequireFieldFreeOr(const std::string& key, const std::string& field,
                             const std::string& allowed, const std::string& message) {
  AddKey(key);
  conds_.insert(conds_.end(), {"field", key, field, allowed, message});
  ++ncond_;
  return *this;
}

Txn& Txn::RequireAbsent(const std::string& key, const std::string& message) {
  AddKey(key);
  conds_.insert(conds_.end(), {"absent", key, "", "", message});
  ++ncond_;
  return *this;
}

Txn& Txn::RequireVersion(const std::string& key, int64_t version, const std::string& message) {
  AddKey(key);
  conds_.insert(conds_.end(), {"version", key, "", std::to_string(version), message});
  ++ncond_;
  return *this;
}

Txn& Txn::Write(Args args, std::vector<int> key_positions) {
  for (int p : key_positions) {
    if (p >= 0 && static_cast<size_t>(p) < args.size()) AddKey(args[p]);
  }
  ops_.push_back(std::move(args));
  return *this;
}

absl::StatusOr<std::vector<Reply>> Txn::Run(Client& client) const {
  Args argv;
  argv.push_back(std::to_string(ncond_));
  argv.insert(argv.end(), conds_.begin(), conds_.end());
  argv.push_back(std::to_string(ops_.size()));
  for (const Args& op : ops_) {
    argv.push_back(std::to_string(op.size()));
    argv.insert(argv.end(), op.begin(), op.end());
  }
  LOBBY_ASSIGN_OR_RETURN(auto r, client.Eval(TxnScript(), keys_, argv));
  return std::move(r.elements);
}

absl::StatusOr<std::vector<std::string>> ClaimDue(Client& redis, const std::string& key,
                                                  absl::Time now, absl::Time lease_until,
                                                  int limit) {
  static const Script* script = new Script(R"lua(
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], ARGV[2], id) end
return ids
)lua");
  LOBBY_ASSIGN_OR_RETURN(
      auto r, redis.Eval(*script, {key},
                         {std::to_string(absl::ToUnixMillis(now)),
                          std::to_string(absl::ToUnixMillis(lease_until)), std::to_string(limit)}));
  std::vector<std::string> out;
  out.reserve(r.elements.size());
  for (auto& e : r.elements) out.push_back(std::move(e.str));
  return out;
}

}  // namespace lobby::redis
