#include "services/residents/notify_logic.h"

#include <algorithm>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/common/status_macros.h"
#include "services/residents/client.h"
#include "services/residents/resident_store.h"

namespace lobby::residents {
namespace {

constexpr absl::Duration kLease = absl::Minutes(1);  // a claimed resident is due again after it

// One message for a ticket's held notices: a line per change under its number.
std::string MessageText(const std::string& ticket, const std::vector<Notice>& notices,
                        absl::string_view lang, absl::TimeZone zone,
                        const v1::NoticeTemplates& own) {
  std::vector<std::string> lines;
  for (const Notice& n : notices)
    if (std::string line = NoticeText(n, lang, zone, &own);
        !line.empty() && std::find(lines.begin(), lines.end(), line) == lines.end())
      lines.push_back(std::move(line));  // two stages breached at once: one apology
  if (lines.size() == 1) return absl::StrCat(ticket, ": ", lines[0]);
  return absl::StrCat(ticket, ":\n- ", absl::StrJoin(lines, "\n- "));
}

// What the resident can answer with a press: a visit proposed, and not confirmed in the same
// message, is confirmed or asked to move (the chat conversation acts on the press).
queue::Fields ButtonsFor(const std::vector<Notice>& notices, absl::string_view lang) {
  auto last = std::find_if(notices.rbegin(), notices.rend(), [](const Notice& n) {
    return n.type == "ticket.visit_proposed" || n.type == "ticket.visit_confirmed";
  });
  if (last == notices.rend() || last->type != "ticket.visit_proposed") return {};
  return {{InLanguage(lang, "Confirm the visit", "確認上門時間", "确认上门时间"),
           absl::StrCat("visit:", last->ticket_id, ":confirm")},
          {InLanguage(lang, "Another time", "另約時間", "另约时间"),
           absl::StrCat("visit:", last->ticket_id, ":other")}};
}

}  // namespace

void NotifyConfig::Declare(config::Settings& s) {
  s.Declare("notify-coalesce", "60s",
            "changes to a resident's tickets within this time are told in one message (0: at "
            "once); P1 and emergencies are always told at once");
  s.Declare("notify-unread-callback", "30m",
            "a resident tagged elderly or needs_assistance who has not read (or answered) an "
            "urgent (P1/P2) notice about a repair within this time gets a callback task for the "
            "desk (0: never)");
}

absl::StatusOr<NotifyConfig> NotifyConfig::From(const config::Settings& s) {
  NotifyConfig c;
  auto coalesce = s.GetDuration("notify-coalesce");
  if (!coalesce.ok() || *coalesce > absl::Minutes(30))
    return s.Invalid("notify-coalesce", "a duration from 0 to 30m");
  c.coalesce = *coalesce;
  auto unread = s.GetDuration("notify-unread-callback");
  if (!unread.ok() || *unread > absl::Hours(24))
    return s.Invalid("notify-unread-callback", "a duration from 0 to 24h");
  c.unread_callback = *unread;
  c.default_language = s.Get("default-language");
  return c;
}

NotifyLogic::NotifyLogic(NotifyStore& store, const Clock& clock, NotifyConfig config,
                         EstateOf estate_of)
    : store_(store), clock_(clock), config_(std::move(config)), estate_of_(std::move(estate_of)) {}

std::optional<v1::Channel> NotifyLogic::ChannelFor(const v1::Resident& r,
                                                   v1::Channel ticket_channel) {
  for (v1::Channel c : {r.preferred_channel(), ticket_channel, v1::CHANNEL_SMS})
    if (Reaches(r, c)) return c;
  return std::nullopt;
}

absl::Status NotifyLogic::HandleEvent(const queue::Entry& e) {
  std::string resident_id(e.Get("resident_id"));
  if (resident_id.empty()) return absl::OkStatus();  // a guest or staff report: nobody to tell
  std::optional<Notice> notice = NoticeFor(e);
  if (!notice) return absl::OkStatus();
  absl::Time now = clock_.Now();
  int64_t at_ms = 0;
  if (absl::SimpleAtoi(e.Get("at"), &at_ms) && now - absl::FromUnixMillis(at_ms) > kNoticeMaxAge)
    return absl::OkStatus();  // history, not news
  auto r = store_.Resident(resident_id);
  if (absl::IsNotFound(r.status())) {
    log::Get("notify")->warn("event=notify_skip reason=unknown_resident resident={} entry={}",
                             resident_id, e.id);
    return absl::OkStatus();
  }
  LOBBY_RETURN_IF_ERROR(r.status());
  const std::string& site = r->unit().site_id();
  absl::Time due = now;
  if (!notice->urgent) {
    due += config_.coalesce;
    if (auto until = QuietUntil(r->quiet_hours(), due, estate_of_(site).zone)) due = *until;
  }
  absl::Status held = store_.Hold(site, r->id(), e.id, *notice, due);
  if (absl::IsAlreadyExists(held)) return absl::OkStatus();  // a redelivery: held before
  LOBBY_RETURN_IF_ERROR(held);
  if (due <= now) return Tell(site, r->id());
  return absl::OkStatus();
}

absl::StatusOr<int> NotifyLogic::Tick() {
  LOBBY_ASSIGN_OR_RETURN(auto sites, store_.Sites());
  int n = 0;
  absl::Time now = clock_.Now();
  for (const auto& site : sites) {
    LOBBY_ASSIGN_OR_RETURN(auto due, store_.ClaimDue(site, now, now + kLease, 200));
    for (const auto& resident : due) {
      if (absl::Status s = Tell(site, resident); !s.ok()) {
        log::Get("notify")->warn("event=notify_failed site={} resident={} error=\"{}\"", site,
                                 resident, s.message());  // again when the lease ends
        continue;
      }
      ++n;
    }
    LOBBY_ASSIGN_OR_RETURN(auto unread, store_.ClaimUnread(site, now, now + kLease, 200));
    for (const auto& w : unread) {
      if (absl::Status s = CheckRead(site, w); !s.ok()) {
        log::Get("notify")->warn(
            "event=unread_check_failed site={} resident={} ticket={} error=\"{}\"", site,
            w.resident_id, w.ticket_id, s.message());  // again when the lease ends
      }
    }
  }
  return n;
}

bool NotifyLogic::NeedsWatching(const v1::Resident& r, const std::string& ticket,
                                const std::vector<Notice>& notices) const {
  // Complaints stay apart: a callback about one would show the desk who complained.
  if (config_.unread_callback <= absl::ZeroDuration() || !absl::StartsWith(ticket, "R-"))
    return false;
  bool assisted = std::any_of(r.tags().begin(), r.tags().end(), [](const std::string& t) {
    return t == "elderly" || t == "needs_assistance";
  });
  bool urgent = std::any_of(notices.begin(), notices.end(), [](const Notice& n) {
    return n.urgent || n.priority == "P1" || n.priority == "P2";
  });
  return assisted && urgent;
}

absl::Status NotifyLogic::CheckRead(const std::string& site, const NotifyStore::Unread& w) {
  LOBBY_ASSIGN_OR_RETURN(absl::Time seen, store_.SeenAt(site, w.resident_id));
  if (seen < w.sent_at && open_callback_) {
    v1::CallbackTask task;
    task.set_site_id(site);
    task.set_resident_id(w.resident_id);
    task.set_ticket_id(w.ticket_id);
    task.set_reason("urgent_notice_unread");
    task.set_text(absl::StrCat("An urgent update on ", w.ticket_id, " sent at ",
                               absl::FormatTime("%H:%M", w.sent_at, estate_of_(site).zone),
                               " has not been read: please phone them."));
    // One task per ticket, however many of its notices went unread.
    LOBBY_RETURN_IF_ERROR(
        open_callback_(task, absl::StrCat("unread:", w.ticket_id, ":", w.resident_id)));
    unread_callbacks_.fetch_add(1, std::memory_order_relaxed);
    log::Get("notify")->info("event=unread_callback site={} resident={} ticket={}", site,
                             w.resident_id, w.ticket_id);
  }
  return store_.EndUnread(site, w);
}

absl::Status NotifyLogic::Tell(const std::string& site, const std::string& resident_id) {
  LOBBY_ASSIGN_OR_RETURN(auto held, store_.HeldFor(site, resident_id));
  std::vector<std::string> ids;
  for (const auto& h : held) ids.push_back(h.entry_id);
  if (held.empty()) return store_.Forget(site, resident_id, ids);
  auto r = store_.Resident(resident_id);
  if (absl::IsNotFound(r.status())) return store_.Forget(site, resident_id, ids);
  LOBBY_RETURN_IF_ERROR(r.status());
  // A message per ticket, in the order their news came: one message never mentions two tickets,
  // so a complaint filed anonymously stays apart on the timeline.
  std::vector<std::string> tickets;
  std::map<std::string, std::vector<const NotifyStore::Held*>> by_ticket;
  for (const auto& h : held) {
    auto& group = by_ticket[h.notice.ticket_id];
    if (group.empty()) tickets.push_back(h.notice.ticket_id);
    group.push_back(&h);
  }
  EstateFacts estate = estate_of_(site);
  LOBBY_ASSIGN_OR_RETURN(auto own, Templates(site));
  for (const std::string& ticket : tickets)
    LOBBY_RETURN_IF_ERROR(TellTicket(*r, site, estate, own, ticket, by_ticket[ticket]));
  return store_.Forget(site, resident_id, {});
}

absl::Status NotifyLogic::TellTicket(const v1::Resident& r, const std::string& site,
                                     const EstateFacts& estate, const v1::NoticeTemplates& own,
                                     const std::string& ticket,
                                     const std::vector<const NotifyStore::Held*>& held) {
  std::string lang = r.language().empty() ? config_.default_language : r.language();
  std::vector<Notice> notices;
  std::vector<std::string> ids;
  for (const auto* h : held) {
    notices.push_back(h->notice);
    if (auto name = estate.team_names.find(h->notice.team); name != estate.team_names.end())
      notices.back().team = name->second;  // "Plumbing", not "plumbing"
    ids.push_back(h->entry_id);
  }
  std::string text = MessageText(ticket, notices, lang, estate.zone, own);
  std::optional<v1::Channel> channel = ChannelFor(r, ChannelFromName(held.back()->notice.channel));

  absl::Time now = clock_.Now();
  v1::TimelineEntry entry;
  entry.set_id(TimelineEntryId(now));
  *entry.mutable_at() = ToTimestamp(now);
  entry.set_kind(v1::TimelineEntry::KIND_MESSAGE_OUT);
  entry.set_ticket_id(ticket);
  entry.set_actor("notify");
  entry.set_text(text);
  (*entry.mutable_attributes())["notices"] = std::to_string(held.size());
  std::string stream;
  queue::Fields message;
  if (channel) {
    entry.set_channel(*channel);
    stream = queue::OutboundStream(ChannelName(*channel));
    // The delivery workers send each idempotency key once, however often it is delivered.
    message = {{"v", "1"},
               {"kind", "notice"},
               {"resident_id", r.id()},
               {"language", lang},
               {"text", text},
               {"ticket_id", ticket},
               {"site_id", site},
               {"idempotency_key", "notify:" + ids.front()}};
    if (queue::Fields buttons = ButtonsFor(notices, lang);
        !buttons.empty() && *channel != v1::CHANNEL_SMS)
      message.emplace_back("buttons", queue::PackFields(buttons));
    // Sent as the estate's template where the provider allows free text only in a window.
    if (auto t = own.provider_templates().find(ChannelName(*channel));
        t != own.provider_templates().end())
      message.emplace_back("template", t->second);
  } else {
    // Never dropped silently: the desk sees on the timeline that this did not reach them.
    (*entry.mutable_attributes())["delivery"] = "undeliverable";
  }
  // The key is the first event told: a Tell redone after a crash writes nothing twice.
  absl::Status s = store_.Tell(r, entry, "notify:" + ids.front(), stream, message, ids);
  if (!s.ok() && !absl::IsAlreadyExists(s)) return s;
  // Set also when the tell was redone: the watch is the one step that may not have happened.
  if (channel && NeedsWatching(r, ticket, notices)) {
    LOBBY_RETURN_IF_ERROR(
        store_.WatchUnread(site, r.id(), ticket, now, now + config_.unread_callback));
  }
  if (absl::IsAlreadyExists(s)) return absl::OkStatus();
  (channel ? told_ : undeliverable_).fetch_add(1, std::memory_order_relaxed);
  if (!channel) {
    log::Get("notify")->warn("event=notify_undeliverable site={} resident={} ticket={}", site,
                             r.id(), ticket);
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::NoticeTemplates> NotifyLogic::ApplyTemplates(absl::string_view yaml,
                                                                bool dry_run) {
  LOBBY_ASSIGN_OR_RETURN(auto t, ParseNoticeTemplates(yaml));
  if (dry_run) return t;
  LOBBY_RETURN_IF_ERROR(store_.SaveTemplates(t));
  std::lock_guard lock(mu_);
  templates_[t.site_id()] = {t, clock_.Now()};
  return t;
}

absl::StatusOr<v1::NoticeTemplates> NotifyLogic::Templates(absl::string_view site) {
  LOBBY_RETURN_IF_ERROR(ValidateSiteId(site));
  absl::Time now = clock_.Now();
  {
    std::lock_guard lock(mu_);
    if (auto it = templates_.find(site);
        it != templates_.end() && now - it->second.at < kTemplatesTtl)
      return it->second.templates;
  }
  LOBBY_ASSIGN_OR_RETURN(auto stored, store_.LoadTemplates(std::string(site)));
  v1::NoticeTemplates t;
  if (stored) t = *std::move(stored);
  t.set_site_id(std::string(site));
  std::lock_guard lock(mu_);
  templates_[std::string(site)] = {t, now};
  return t;
}

}  // namespace lobby::residents
