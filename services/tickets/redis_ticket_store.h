#pragma once

#include <string>

#include "services/common/redis.h"
#include "services/common/redis_txn.h"
#include "services/tickets/ticket_store.h"

namespace lobby::tickets {

/// TicketStore on Redis, under `prefix` ("lobby:repairs", "lobby:complaints"):
///   PREFIX:{SITE}:t:ID              hash: pb (the Ticket), v (version)
///   PREFIX:{SITE}:idx:all           zset, score = created ms: every ticket of the site
///   PREFIX:{SITE}:idx:status:S      the same per status; also team:T, assignee:A, building:B,
///                                   category:C, reporter:RESIDENT, priority:P
///   PREFIX:{SITE}:counts:team:T     hash status -> tickets of the team in that status
///   PREFIX:{SITE}:catalog           string: the Catalog protobuf
///   PREFIX:dir                      hash ID -> SITE
///   PREFIX:seq                      the id counter; ids are ID_PREFIX-(10000+n)
///   PREFIX:idem:KEY                 ID of the ticket created with that idempotency key (30 days)
///   PREFIX:{SITE}:incident:ID       hash: pb (the Incident, without ticket_ids), v
///   PREFIX:{SITE}:incident_tickets:ID  set of the incident's ticket ids
///   PREFIX:{SITE}:incidents         zset, score = created ms
///   PREFIX:{SITE}:incidents:auto    hash ID -> "category|building,building" of open auto-attach
///   ones PREFIX:incident_dir, PREFIX:incident_seq
class RedisTicketStore final : public TicketStore {
 public:
  RedisTicketStore(redis::Client& redis, std::string prefix, std::string id_prefix)
      : redis_(redis), prefix_(std::move(prefix)), id_prefix_(std::move(id_prefix)) {}

  // TicketStore
  absl::StatusOr<std::optional<IdempotencyRecord>> FindByIdempotencyKey(
      absl::string_view site, absl::string_view key) override;
  absl::StatusOr<CreatePrelude> PrepareCreate(absl::string_view site,
                                              absl::string_view idempotency_key) override;
  absl::Status Insert(const v1::Ticket& ticket, absl::string_view idempotency_key,
                      absl::string_view fingerprint, const queue::Fields& event) override;
  absl::StatusOr<v1::Ticket> Get(absl::string_view id) override;
  absl::Status Replace(const v1::Ticket& before, const v1::Ticket& after,
                       const queue::Fields& event) override;
  absl::StatusOr<TicketPage> List(const v1::ListTicketsRequest& query, int page_size) override;
  absl::StatusOr<std::map<std::string, int64_t>> CountByStatus(absl::string_view site,
                                                               absl::string_view team) override;
  absl::StatusOr<std::string> NextIncidentId() override;
  absl::Status InsertIncident(const v1::Incident& incident, const queue::Fields& event) override;
  absl::StatusOr<v1::Incident> GetIncident(absl::string_view id) override;
  absl::Status ReplaceIncident(const v1::Incident& before, const v1::Incident& after,
                               const queue::Fields& event) override;
  absl::StatusOr<std::vector<v1::Incident>> ListIncidents(absl::string_view site,
                                                          bool include_resolved) override;
  absl::StatusOr<std::optional<v1::Catalog>> GetCatalog(absl::string_view site) override;
  absl::Status PutCatalog(const v1::Catalog& catalog) override;

 private:
  std::string SiteKey(absl::string_view site, absl::string_view suffix) const;
  std::string IdempotencyKey(absl::string_view site, absl::string_view key) const;
  std::vector<std::string> IndexKeys(const v1::Ticket& t) const;
  void IncidentMembership(redis::Txn& txn, const v1::Ticket* before, const v1::Ticket& after) const;
  void IncidentIndexes(redis::Txn& txn, const v1::Incident& incident) const;
  static std::vector<OpenIncident> ParseAutoAttach(const redis::Reply& hash);
  absl::StatusOr<std::vector<v1::Incident>> FetchIncidents(absl::string_view site,
                                                           const std::vector<std::string>& ids);
  redis::Client& redis_;
  std::string prefix_;
  std::string id_prefix_;
};

}  // namespace lobby::tickets
