#include "adapters/common/delivery.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "adapters/common/lobby_client.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/common/status_macros.h"
#include "services/residents/client.h"

namespace lobby::adapters {

SendResult Unsendable(const absl::Status& status) {
  bool never = absl::IsNotFound(status) || absl::IsFailedPrecondition(status);
  return {never ? SendResult::kFailed : SendResult::kRetry, {}, std::string(status.message())};
}

SendResult HttpFailure(int status, const std::string& why, bool rate_limited,
                       absl::Duration retry_after) {
  std::string error = absl::StrCat(status, " ", why);
  if (status == 429 || rate_limited) return {SendResult::kRetry, retry_after, error};
  if (status >= 500) return {SendResult::kRetry, {}, error};
  return {SendResult::kFailed, {}, error};
}

Delivery::Delivery(redis::Client& redis, DeliveryOptions options, SendFn send,
                   DeliveredFn delivered, FallbackFn fallback)
    : redis_(redis),
      options_(std::move(options)),
      send_(std::move(send)),
      delivered_(std::move(delivered)),
      fallback_(std::move(fallback)) {}

void Delivery::Pace() {
  absl::Time wait_until;
  {
    std::lock_guard lock(mu_);
    absl::Time now = absl::Now();
    next_slot_ = std::max(next_slot_, now);
    wait_until = next_slot_;
    next_slot_ += absl::Seconds(1) / std::max(0.001, options_.per_second);
  }
  absl::SleepFor(wait_until - absl::Now());
}

absl::Status Delivery::Handle(const queue::Entry& m) {
  auto logger = log::Get("delivery");
  std::string key(m.Get("idempotency_key"));
  std::string sent_key =
      key.empty() ? "" : absl::StrCat("lobby:adapters:sent:", options_.channel, ":", key);
  if (!sent_key.empty()) {
    LOBBY_ASSIGN_OR_RETURN(auto seen, redis_.Command({"EXISTS", sent_key}));
    if (seen.integer == 1) return absl::OkStatus();  // sent on an earlier delivery
  }
  std::string last;
  absl::Duration backoff = options_.backoff;
  for (int attempt = 0; attempt < options_.attempts; ++attempt) {
    Pace();
    SendResult r = send_(m);
    if (r.kind == SendResult::kSent) {
      if (!sent_key.empty())
        (void)redis_.Command(
            {"SET", sent_key, r.provider_id.empty() ? "1" : r.provider_id, "EX", "604800"});
      if (delivered_) delivered_(m, r);
      logger->info("event=delivered channel={} kind={} id={}", options_.channel, m.Get("kind"),
                   m.id);
      return absl::OkStatus();
    }
    if (r.kind == SendResult::kSkipped) {
      if (!sent_key.empty()) (void)redis_.Command({"SET", sent_key, "skipped", "EX", "604800"});
      logger->info("event=skipped channel={} kind={} id={} why=\"{}\"", options_.channel,
                   m.Get("kind"), m.id, r.error);
      return absl::OkStatus();
    }
    if (r.kind == SendResult::kFallback && fallback_) {
      logger->info("event=fallback channel={} kind={} id={} why=\"{}\"", options_.channel,
                   m.Get("kind"), m.id, r.error);
      LOBBY_RETURN_IF_ERROR(fallback_(m, r));
      if (!sent_key.empty()) (void)redis_.Command({"SET", sent_key, "fallback", "EX", "604800"});
      return absl::OkStatus();
    }
    if (r.kind == SendResult::kFailed || r.kind == SendResult::kFallback) {
      logger->warn("event=refused channel={} id={} error=\"{}\"", options_.channel, m.id, r.error);
      return queue::Permanent(absl::FailedPreconditionError(
          absl::StrCat(options_.channel, " refused the message: ", r.error)));
    }
    last = r.error;
    absl::Duration wait = std::min(std::max(backoff, r.retry_after), options_.max_wait);
    logger->info("event=retry channel={} id={} attempt={} wait_ms={} error=\"{}\"",
                 options_.channel, m.id, attempt + 1, absl::ToInt64Milliseconds(wait), r.error);
    if (attempt + 1 < options_.attempts) absl::SleepFor(wait);
    backoff *= 2;
  }
  return absl::UnavailableError(absl::StrCat(options_.channel, ": ", last));
}

namespace {

// lobby_outbound_fallbacks_total{channel, outcome}: messages a provider would not take, sent
// by SMS or undeliverable. One per process, for all its channels.
class FallbackStats {
 public:
  static FallbackStats& Of(Runtime& runtime) {
    return runtime.Shared<FallbackStats>([&] {
      auto stats = std::make_unique<FallbackStats>();
      FallbackStats* s = stats.get();
      runtime.metrics().AddCollector([s](std::string& out) { s->Render(out); });
      return stats;
    });
  }
  void Count(v1::Channel channel, const std::string& outcome) {
    std::lock_guard lock(mu_);
    ++counts_[{ChannelName(channel), outcome}];
  }
  void Render(std::string& out) {
    std::lock_guard lock(mu_);
    absl::StrAppend(&out,
                    "# HELP lobby_outbound_fallbacks_total Messages a chat provider would not "
                    "take (outside its window, no template): sent by SMS instead, or "
                    "undeliverable.\n# TYPE lobby_outbound_fallbacks_total counter\n");
    for (const auto& [key, n] : counts_)
      absl::StrAppend(&out, "lobby_outbound_fallbacks_total{channel=\"", key.first, "\",outcome=\"",
                      key.second, "\"} ", n, "\n");
  }

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, uint64_t> counts_;
};

}  // namespace

std::unique_ptr<Delivery> StartDelivery(Runtime& runtime, GrpcLobbyApi& api, v1::Channel c,
                                        double per_second, SendFn send) {
  const std::string channel = ChannelName(c);
  // Messages to residents land on their timeline once delivered (staff pushes and chat
  // replies to a sender carry no resident).
  DeliveredFn delivered = [&api, c](const queue::Entry& m, const SendResult&) {
    // A notice stands on the timeline already: notify wrote it with the message.
    if (m.Get("resident_id").empty() || m.Get("kind") == "notice") return;
    absl::Status s = api.RecordDelivery(std::string(m.Get("resident_id")), c, m);
    if (!s.ok())
      log::Get("delivery")
          ->warn("event=timeline_failed resident={} error=\"{}\"", m.Get("resident_id"),
                 s.message());
  };
  FallbackStats& stats = FallbackStats::Of(runtime);
  redis::Client& redis = runtime.redis();
  FallbackFn fallback = [&api, &redis, &stats, c](const queue::Entry& m,
                                                  const SendResult& why) -> absl::Status {
    std::string resident(m.Get("resident_id"));
    if (resident.empty())  // a staff push to a chat id: nowhere else to send it
      return queue::Permanent(absl::FailedPreconditionError(
          absl::StrCat(ChannelName(c), " will not take it now: ", why.error)));
    auto who = api.GetResident(resident);
    if (absl::IsNotFound(who.status())) return queue::Permanent(who.status());
    LOBBY_RETURN_IF_ERROR(who.status());
    if (residents::Reaches(*who, v1::CHANNEL_SMS)) {
      queue::Fields f = m.fields;
      std::erase_if(f, [](const auto& kv) { return kv.first == "to" || kv.first == "buttons"; });
      f.emplace_back("fallback_from", ChannelName(c));
      LOBBY_RETURN_IF_ERROR(
          redis.Command(queue::XAddArgs(queue::OutboundStream("sms"), f)).status());
      stats.Count(c, "sms");
      return absl::OkStatus();
    }
    // Never dropped silently: the desk sees on the timeline that it did not reach them.
    LOBBY_RETURN_IF_ERROR(api.RecordDelivery(resident, c, m, why.error));
    stats.Count(c, "undeliverable");
    log::Get("delivery")
        ->warn("event=undeliverable channel={} resident={} why=\"{}\"", ChannelName(c), resident,
               why.error);
    return absl::OkStatus();
  };
  auto delivery = std::make_unique<Delivery>(
      runtime.redis(), DeliveryOptions{.channel = channel, .per_second = per_second},
      std::move(send), std::move(delivered), std::move(fallback));
  Delivery* d = delivery.get();
  runtime.AddConsumer({.stream = queue::OutboundStream(channel), .group = channel},
                      [d](const queue::Entry& m) { return d->Handle(m); });
  return delivery;
}

}  // namespace lobby::adapters
