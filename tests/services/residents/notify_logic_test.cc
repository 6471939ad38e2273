// The notify consumer's rules on their own: an in-memory NotifyStore that keeps what Redis
// would (held notices, due times, timelines with their idempotency keys, the queued messages),
// ticket events as the tickets service writes them, and the fake clock.
#include "services/residents/notify_logic.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "absl/strings/str_split.h"
#include "services/common/proto_util.h"

namespace lobby::residents {
namespace {

class MemoryNotifyStore final : public NotifyStore {
 public:
  struct Queued {
    std::string stream;
    queue::Fields fields;
    std::string Get(absl::string_view k) const {
      return std::string(queue::Entry{"", fields}.Get(k));
    }
  };

  absl::StatusOr<v1::Resident> Resident(absl::string_view id) override {
    auto it = residents.find(std::string(id));
    if (it == residents.end()) return absl::NotFoundError("no such resident");
    return it->second;
  }
  absl::Status Hold(const std::string& site, const std::string& resident_id,
                    const std::string& entry_id, const Notice& notice, absl::Time due) override {
    if (!seen.insert(entry_id).second) return absl::AlreadyExistsError("told before");
    held[site + "/" + resident_id][entry_id] = Notice::FromEntry({"", notice.ToFields()});
    auto [it, added] = this->due[site].emplace(resident_id, due);
    if (!added) it->second = std::min(it->second, due);
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<std::string>> Sites() override {
    std::set<std::string> out;
    for (const auto& [site, _] : due) out.insert(site);
    for (const auto& [site, _] : unread) out.insert(site);
    return std::vector<std::string>(out.begin(), out.end());
  }
  absl::Status WatchUnread(const std::string& site, const std::string& resident_id,
                           const std::string& ticket_id, absl::Time sent_at,
                           absl::Time due_at) override {
    unread[site].emplace(resident_id + "|" + ticket_id, std::make_pair(sent_at, due_at));
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<Unread>> ClaimUnread(const std::string& site, absl::Time now,
                                                  absl::Time lease_until, int) override {
    std::vector<Unread> out;
    for (auto& [member, times] : unread[site]) {
      if (times.second > now) continue;
      std::pair<std::string, std::string> p = absl::StrSplit(member, '|');
      out.push_back({p.first, p.second, times.first});
      times.second = lease_until;
    }
    return out;
  }
  absl::Status EndUnread(const std::string& site, const Unread& w) override {
    unread[site].erase(w.resident_id + "|" + w.ticket_id);
    return absl::OkStatus();
  }
  absl::StatusOr<absl::Time> SeenAt(const std::string&, const std::string& resident) override {
    auto it = seen_at.find(resident);
    return it == seen_at.end() ? absl::InfinitePast() : it->second;
  }
  absl::StatusOr<std::vector<std::string>> ClaimDue(const std::string& site, absl::Time now,
                                                    absl::Time lease_until, int) override {
    std::vector<std::string> out;
    for (auto& [resident, at] : due[site]) {
      if (at > now) continue;
      out.push_back(resident);
      at = lease_until;
    }
    return out;
  }
  absl::StatusOr<std::vector<Held>> HeldFor(const std::string& site,
                                            const std::string& resident_id) override {
    std::vector<Held> out;  // entry ids here sort as they happened
    for (const auto& [id, n] : held[site + "/" + resident_id]) out.push_back({id, n});
    return out;
  }
  absl::Status Tell(const v1::Resident& r, const v1::TimelineEntry& entry, const std::string& key,
                    const std::string& stream, const queue::Fields& message,
                    const std::vector<std::string>& told) override {
    if (fail_next_tell) {
      fail_next_tell = false;
      return absl::UnavailableError("Redis went away");
    }
    if (!keys.insert(key).second) return absl::AlreadyExistsError("recorded before");
    timeline[r.id()].push_back(entry);
    if (!stream.empty()) queued.push_back({stream, message});
    for (const auto& id : told) held[r.unit().site_id() + "/" + r.id()].erase(id);
    return absl::OkStatus();
  }
  absl::Status Forget(const std::string& site, const std::string& resident_id,
                      const std::vector<std::string>& entry_ids) override {
    auto& h = held[site + "/" + resident_id];
    for (const auto& id : entry_ids) h.erase(id);
    if (h.empty()) due[site].erase(resident_id);
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<v1::NoticeTemplates>> LoadTemplates(
      const std::string& site) override {
    auto it = templates.find(site);
    if (it == templates.end()) return std::nullopt;
    return it->second;
  }
  absl::Status SaveTemplates(const v1::NoticeTemplates& t) override {
    templates[t.site_id()] = t;
    return absl::OkStatus();
  }

  std::map<std::string, v1::NoticeTemplates> templates;
  std::map<std::string, v1::Resident> residents;
  // site -> "RID|TICKET" -> (sent, due)
  std::map<std::string, std::map<std::string, std::pair<absl::Time, absl::Time>>> unread;
  std::map<std::string, absl::Time> seen_at;
  std::set<std::string> seen, keys;
  std::map<std::string, std::map<std::string, Notice>> held;
  std::map<std::string, std::map<std::string, absl::Time>> due;
  std::map<std::string, std::vector<v1::TimelineEntry>> timeline;
  std::vector<Queued> queued;
  bool fail_next_tell = false;
};

const absl::TimeZone kHongKong = ZoneNamed("Asia/Hong_Kong");

class NotifyLogicTest : public ::testing::Test {
 protected:
  NotifyLogicTest()
      : clock_(absl::FromCivil(absl::CivilSecond(2026, 12, 3, 10, 0, 0), kHongKong)),
        logic_(store_, clock_, NotifyConfig{.coalesce = absl::Seconds(60)}, [](absl::string_view) {
          return EstateFacts{.zone = kHongKong, .team_names = {{"plumbing", "Plumbing"}}};
        }) {
    v1::Resident r;
    r.set_id("RS-10001");
    r.set_language("en");
    r.mutable_unit()->set_site_id("demo");
    r.add_phones("+85291234567");
    r.set_preferred_channel(v1::CHANNEL_WHATSAPP);
    v1::Identity* i = r.add_identities();
    i->set_channel(v1::CHANNEL_WHATSAPP);
    i->set_external_id("85291234567");
    i->set_verified(true);
    store_.residents["RS-10001"] = r;
  }

  // A ticket event as the tickets service writes it (docs/events.md).
  queue::Entry Event(const std::string& type, queue::Fields extra = {}) {
    queue::Fields f = {{"v", "1"},
                       {"type", type},
                       {"ticket_id", "R-10042"},
                       {"kind", "repair"},
                       {"site_id", "demo"},
                       {"priority", "P3"},
                       {"emergency", "0"},
                       {"channel", "whatsapp"},
                       {"team", "plumbing"},
                       {"resident_id", "RS-10001"}};
    for (auto& kv : extra) {
      bool replaced = false;
      for (auto& have : f)
        if (have.first == kv.first) have.second = kv.second, replaced = true;
      if (!replaced) f.push_back(kv);
    }
    return queue::Entry{absl::StrCat(1000 + ++seq_, "-0"), f};
  }

  // Lets the coalescing window pass and runs the loop once.
  void Later(absl::Duration d = absl::Seconds(61)) {
    clock_.Advance(d);
    ASSERT_TRUE(logic_.Tick().ok());
  }

  MemoryNotifyStore store_;
  FakeClock clock_;
  NotifyLogic logic_;
  int seq_ = 0;
};

TEST_F(NotifyLogicTest, ATechnicianOnHisWayIsToldOnThePreferredChannelInTheResidentsLanguage) {
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.acknowledged")).ok());
  EXPECT_TRUE(store_.queued.empty()) << "held for the coalescing window";
  Later();
  ASSERT_EQ(store_.queued.size(), 1u);
  const auto& m = store_.queued[0];
  EXPECT_EQ(m.stream, "lobby:q:outbound:whatsapp");
  EXPECT_EQ(m.Get("resident_id"), "RS-10001");
  EXPECT_EQ(m.Get("kind"), "notice");
  EXPECT_EQ(m.Get("text"), "R-10042: a technician has taken the job and will be with you.");
  EXPECT_EQ(m.Get("idempotency_key"), "notify:1001-0") << "sent once by the delivery worker";
  ASSERT_EQ(store_.timeline["RS-10001"].size(), 1u);
  const v1::TimelineEntry& e = store_.timeline["RS-10001"][0];
  EXPECT_EQ(e.kind(), v1::TimelineEntry::KIND_MESSAGE_OUT);
  EXPECT_EQ(e.channel(), v1::CHANNEL_WHATSAPP);
  EXPECT_EQ(e.text(), m.Get("text"));
  EXPECT_EQ(e.ticket_id(), "R-10042");
  EXPECT_EQ(logic_.told(), 1u);
}

TEST_F(NotifyLogicTest, ABurstOfChangesBecomesOneMessage) {
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.assigned")).ok());
  clock_.Advance(absl::Seconds(20));
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.acknowledged")).ok());
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.on_site")).ok());
  Later(absl::Seconds(41));
  ASSERT_EQ(store_.queued.size(), 1u);
  EXPECT_EQ(store_.queued[0].Get("text"),
            "R-10042:\n- the Plumbing team is taking care of it.\n"
            "- a technician has taken the job and will be with you.\n"
            "- our technician has arrived.");
  Later();
  EXPECT_EQ(store_.queued.size(), 1u) << "nothing is told twice";
}

TEST_F(NotifyLogicTest, ARedeliveredEventIsToldOnce) {
  queue::Entry e = Event("ticket.resolved", {{"note", "replaced the washer"}});
  ASSERT_TRUE(logic_.HandleEvent(e).ok());
  Later();
  ASSERT_TRUE(logic_.HandleEvent(e).ok()) << "the consumer died before its ack";
  Later();
  ASSERT_EQ(store_.queued.size(), 1u);
  EXPECT_EQ(store_.queued[0].Get("text"), "R-10042: it is resolved: replaced the washer");
}

TEST_F(NotifyLogicTest, ATellThatFailedIsRedoneAndSentOnce) {
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.on_site")).ok());
  store_.fail_next_tell = true;
  Later();
  EXPECT_TRUE(store_.queued.empty());
  Later();  // the lease ran out: due again
  EXPECT_EQ(store_.queued.size(), 1u);
  Later();
  EXPECT_EQ(store_.queued.size(), 1u);
}

TEST_F(NotifyLogicTest, QuietHoursHoldNonUrgentNewsUntilTheyEndInTheEstatesZone) {
  store_.residents["RS-10001"].mutable_quiet_hours()->set_start("22:00");
  store_.residents["RS-10001"].mutable_quiet_hours()->set_end("07:00");
  clock_.Set(absl::FromCivil(absl::CivilSecond(2026, 12, 3, 23, 30, 0), kHongKong));
  ASSERT_TRUE(
      logic_.HandleEvent(Event("ticket.on_hold", {{"note", "waiting_parts: washer"}})).ok());
  Later(absl::Hours(7));  // 06:30 in Hong Kong
  EXPECT_TRUE(store_.queued.empty());
  Later(absl::Minutes(31));  // 07:01
  ASSERT_EQ(store_.queued.size(), 1u);
  EXPECT_EQ(store_.queued[0].Get("text"),
            "R-10042: the work is on hold: we are waiting for parts. We will tell you when it goes "
            "on.")
      << "the reason in words; the technician's note is for the team";
}

TEST_F(NotifyLogicTest, AnEmergencyIsToldAtOnceEvenInQuietHours) {
  store_.residents["RS-10001"].mutable_quiet_hours()->set_start("00:00");
  store_.residents["RS-10001"].mutable_quiet_hours()->set_end("23:59");
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.acknowledged", {{"priority", "P1"}})).ok());
  EXPECT_EQ(store_.queued.size(), 1u) << "no window, no quiet hours";
  ASSERT_TRUE(
      logic_.HandleEvent(Event("ticket.on_site", {{"priority", "P3"}, {"emergency", "1"}})).ok());
  EXPECT_EQ(store_.queued.size(), 2u);
}

TEST_F(NotifyLogicTest, AnOptedOutChannelIsPassedOverAndNobodyReachableIsRecorded) {
  v1::Resident& r = store_.residents["RS-10001"];
  r.add_opted_out_channels(v1::CHANNEL_WHATSAPP);
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.on_site")).ok());
  Later();
  ASSERT_EQ(store_.queued.size(), 1u);
  EXPECT_EQ(store_.queued[0].stream, "lobby:q:outbound:sms") << "SMS to their phone instead";

  r.add_opted_out_channels(v1::CHANNEL_SMS);
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.resumed")).ok());
  Later();
  EXPECT_EQ(store_.queued.size(), 1u) << "no channel left";
  ASSERT_EQ(store_.timeline["RS-10001"].size(), 2u);
  const v1::TimelineEntry& e = store_.timeline["RS-10001"][1];
  EXPECT_EQ(e.attributes().at("delivery"), "undeliverable");
  EXPECT_EQ(e.text(), "R-10042: the work goes on again.");
  EXPECT_EQ(logic_.undeliverable(), 1u);
}

TEST_F(NotifyLogicTest, ChineseReadersGetChineseAndTheVisitInTheEstatesTime) {
  store_.residents["RS-10001"].set_language("zh-Hant");
  absl::Time start = absl::FromCivil(absl::CivilSecond(2026, 12, 4, 14, 0, 0), kHongKong);
  ASSERT_TRUE(logic_
                  .HandleEvent(Event(
                      "ticket.visit_proposed",
                      {{"visit_start", std::to_string(absl::ToUnixMillis(start))},
                       {"visit_end", std::to_string(absl::ToUnixMillis(start + absl::Hours(2)))}}))
                  .ok());
  Later();
  ASSERT_EQ(store_.queued.size(), 1u);
  EXPECT_EQ(store_.queued[0].Get("text"),
            "R-10042: 我們希望於 12月04日 14:00–16:00 上門；如時間不便，請通知管理處。");
}

TEST_F(NotifyLogicTest, AProposedVisitCarriesButtonsToConfirmOrMoveIt) {
  absl::Time start = absl::FromCivil(absl::CivilSecond(2026, 12, 4, 14, 0, 0), kHongKong);
  queue::Fields window = {
      {"visit_start", std::to_string(absl::ToUnixMillis(start))},
      {"visit_end", std::to_string(absl::ToUnixMillis(start + absl::Hours(2)))}};
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.visit_proposed", window)).ok());
  Later();
  ASSERT_EQ(store_.queued.size(), 1u);
  EXPECT_EQ(queue::UnpackFields(store_.queued[0].Get("buttons")),
            (queue::Fields{{"Confirm the visit", "visit:R-10042:confirm"},
                           {"Another time", "visit:R-10042:other"}}));
  // Confirmed in the same burst: nothing left to answer, so no buttons.
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.visit_proposed", window)).ok());
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.visit_confirmed", window)).ok());
  Later();
  ASSERT_EQ(store_.queued.size(), 2u);
  EXPECT_EQ(store_.queued[1].Get("buttons"), "");
  // By SMS there is nothing to press.
  store_.residents["RS-10001"].set_preferred_channel(v1::CHANNEL_SMS);
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.visit_proposed", window)).ok());
  Later();
  ASSERT_EQ(store_.queued.size(), 3u);
  EXPECT_EQ(store_.queued[2].stream, "lobby:q:outbound:sms");
  EXPECT_EQ(store_.queued[2].Get("buttons"), "");
}

TEST_F(NotifyLogicTest, AReportOfAKnownFaultIsToldSoWithWhenItShouldBeFixed) {
  absl::Time back = absl::FromCivil(absl::CivilSecond(2026, 12, 3, 18, 0, 0), kHongKong);
  ASSERT_TRUE(
      logic_
          .HandleEvent(Event("ticket.created",
                             {{"incident_id", "I-10001"},
                              {"incident_title", "No water in Tower 2"},
                              {"incident_expected_at", std::to_string(absl::ToUnixMillis(back))}}))
          .ok());
  Later();
  ASSERT_EQ(store_.queued.size(), 1u);
  EXPECT_EQ(store_.queued[0].Get("text"),
            "R-10042: this is a known fault we are already working on (No water in Tower 2); "
            "we expect it fixed by Thu 3 Dec 18:00. We will tell you when it is.");
  // Attached by the desk later, with no time said; in Chinese.
  store_.residents["RS-10001"].set_language("zh-Hant");
  ASSERT_TRUE(logic_
                  .HandleEvent(Event("ticket.incident_attached", {{"incident_id", "I-10001"},
                                                                  {"incident_title", "二座停水"},
                                                                  {"incident_expected_at", ""}}))
                  .ok());
  Later();
  ASSERT_EQ(store_.queued.size(), 2u);
  EXPECT_EQ(store_.queued[1].Get("text"),
            "R-10042: 這是我們已在處理的已知故障（二座停水），修復後會通知您。");
}

TEST_F(NotifyLogicTest, TheEstatesProviderTemplateTravelsWithTheNotice) {
  ASSERT_TRUE(logic_
                  .ApplyTemplates("notices:\n  site: demo\n  provider_templates:\n"
                                  "    whatsapp: lobby_ticket_update\n",
                                  false)
                  .ok());
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.on_site")).ok());
  Later();
  ASSERT_EQ(store_.queued.size(), 1u);
  EXPECT_EQ(store_.queued[0].Get("template"), "lobby_ticket_update");
  for (const char* bad : {"notices:\n  site: demo\n  provider_templates:\n    line: x\n",
                          "notices:\n  site: demo\n  provider_templates:\n    wechat: a b\n",
                          "notices:\n  site: demo\n  provider_templates: [x]\n"})
    EXPECT_TRUE(absl::IsInvalidArgument(logic_.ApplyTemplates(bad, true).status())) << bad;
}

TEST_F(NotifyLogicTest, WhatResidentsAreNotToldAbout) {
  for (const queue::Entry& e :
       {Event("ticket.created"), Event("ticket.sla_set"),
        Event("ticket.commented", {{"note", "(internal)"}}),
        Event("ticket.assigned", {{"previous_team", "plumbing"}}),  // within the team
        Event("ticket.sla_breached", {{"priority", "P4"}}),
        Event("ticket.cancelled", {{"by_reporter", "1"}}),  // they did it themselves
        Event("ticket.on_site", {{"resident_id", ""}}),     // a guest's report
        Event("ticket.on_site", {{"resident_id", "RS-99999"}})})
    ASSERT_TRUE(logic_.HandleEvent(e).ok()) << e.Get("type");
  Later();
  EXPECT_TRUE(store_.queued.empty());
  EXPECT_TRUE(store_.timeline.empty());
}

TEST_F(NotifyLogicTest, AStaffCommentForTheResidentAndAnUrgentBreachAreTold) {
  ASSERT_TRUE(
      logic_.HandleEvent(Event("ticket.commented", {{"note", "The plumber comes at 3pm."}})).ok());
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.sla_breached", {{"priority", "P2"}})).ok());
  Later();
  ASSERT_EQ(store_.queued.size(), 1u);
  EXPECT_EQ(store_.queued[0].Get("text"),
            "R-10042:\n- a message from the estate office: The plumber comes at 3pm.\n"
            "- we are sorry it is taking longer than it should. A supervisor is on it now.");
}

TEST_F(NotifyLogicTest, EachTicketHasItsOwnMessageSoAnAnonymousComplaintStaysApart) {
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.on_site")).ok());
  ASSERT_TRUE(
      logic_
          .HandleEvent(Event("ticket.resolved",
                             {{"ticket_id", "C-10001"}, {"kind", "complaint"}, {"anonymous", "1"}}))
          .ok());
  Later();
  ASSERT_EQ(store_.queued.size(), 2u);
  EXPECT_EQ(store_.queued[0].Get("text"), "R-10042: our technician has arrived.");
  EXPECT_EQ(store_.queued[1].Get("text"), "C-10001: it is resolved.");
  ASSERT_EQ(store_.timeline["RS-10001"].size(), 2u);
  EXPECT_EQ(store_.timeline["RS-10001"][1].ticket_id(), "C-10001")
      << "the timeline hides it from agents by this id";
}

TEST_F(NotifyLogicTest, HistoryIsNotNewsAndOneApologyIsEnough) {
  absl::Time old = clock_.Now() - absl::Hours(25);
  ASSERT_TRUE(
      logic_
          .HandleEvent(Event("ticket.resolved", {{"at", std::to_string(absl::ToUnixMillis(old))}}))
          .ok())
      << "a new consumer group reads the stream from its start";
  for (const char* stage : {"acknowledge", "arrive"})
    ASSERT_TRUE(
        logic_.HandleEvent(Event("ticket.sla_breached", {{"priority", "P1"}, {"stage", stage}}))
            .ok());
  Later();
  ASSERT_EQ(store_.queued.size(), 2u) << "urgent: each told at once";
  EXPECT_EQ(store_.queued[0].Get("text"), store_.queued[1].Get("text"));
  store_.queued.clear();
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.sla_breached", {{"priority", "P2"}})).ok());
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.sla_breached", {{"priority", "P2"}})).ok());
  Later();
  ASSERT_EQ(store_.queued.size(), 1u);
  EXPECT_EQ(store_.queued[0].Get("text"),
            "R-10042: we are sorry it is taking longer than it should. A supervisor is on it now.")
      << "two stages breached in one window: one apology";
}

TEST_F(NotifyLogicTest, AnEstateSaysItInItsOwnWordsWhereItHasThem) {
  auto applied = logic_.ApplyTemplates(R"(notices:
  site: demo
  texts:
    ticket.on_hold:
      en: "paused ({reason}); the {team} team will be back."
)",
                                       false);
  ASSERT_TRUE(applied.ok()) << applied.status();
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.on_hold", {{"note", "no_access"}})).ok());
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.resumed")).ok());
  Later();
  ASSERT_EQ(store_.queued.size(), 1u);
  EXPECT_EQ(store_.queued[0].Get("text"),
            "R-10042:\n- paused (we could not get access); the Plumbing team will be back.\n"
            "- the work goes on again.")
      << "their words for holds, Lobby's for the rest";
  EXPECT_EQ(logic_.Templates("demo")->texts().at("ticket.on_hold").by_language().at("en"),
            "paused ({reason}); the {team} team will be back.");
}

TEST_F(NotifyLogicTest, BadWordsAreRefusedAndChangeNothing) {
  for (const char* yaml : {
           "notices:\n  site: demo\n  texts:\n    ticket.created: {en: hi}\n",
           "notices:\n  site: demo\n  texts:\n    ticket.on_site: {fr: bonjour}\n",
           "notices:\n  site: demo\n  texts:\n    ticket.on_site: {en: \"at {door}\"}\n",
           "notices:\n  site: demo\n  texts:\n    ticket.on_site: {en: \"\"}\n",
           "notices:\n  site: Demo!\n",
           "notices:\n  site: demo\n  colour: red\n",
           "surveys:\n  site: demo\n",
           "[",
       }) {
    auto r = logic_.ApplyTemplates(yaml, false);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << yaml;
  }
  auto r = logic_.ApplyTemplates("notices:\n  site: demo\n  texts:\n    ticket.created: {en: hi}\n",
                                 false);
  EXPECT_NE(r.status().message().find("ticket.on_hold"), absl::string_view::npos)
      << "names the events there are: " << r.status();
  EXPECT_TRUE(store_.templates.empty());
  ASSERT_TRUE(logic_
                  .ApplyTemplates(
                      "notices:\n  site: demo\n  texts:\n    ticket.on_site: {en: here}\n", true)
                  .ok());
  EXPECT_TRUE(store_.templates.empty()) << "a dry run stores nothing";
}

TEST(NotifyChannelTest, PreferredThenTheTicketsThenSms) {
  v1::Resident r;
  EXPECT_FALSE(NotifyLogic::ChannelFor(r, v1::CHANNEL_PHONE).has_value()) << "no way to reach";
  r.add_phones("+85291234567");
  EXPECT_EQ(NotifyLogic::ChannelFor(r, v1::CHANNEL_PHONE), v1::CHANNEL_SMS);
  v1::Identity* line = r.add_identities();
  line->set_channel(v1::CHANNEL_LINE);
  line->set_external_id("U1");
  EXPECT_EQ(NotifyLogic::ChannelFor(r, v1::CHANNEL_LINE), v1::CHANNEL_SMS) << "not verified";
  line->set_verified(true);
  EXPECT_EQ(NotifyLogic::ChannelFor(r, v1::CHANNEL_LINE), v1::CHANNEL_LINE);
  r.set_preferred_channel(v1::CHANNEL_TELEGRAM);  // but no Telegram identity
  EXPECT_EQ(NotifyLogic::ChannelFor(r, v1::CHANNEL_LINE), v1::CHANNEL_LINE);
}

// An elderly resident told something urgent about a repair, who neither reads it nor writes
// back within the set time, is phoned by the desk: one callback task per ticket. Read in time,
// untagged, not urgent, or a complaint: no task.
TEST_F(NotifyLogicTest, AnUrgentNoticeAnElderlyResidentDoesNotReadBecomesACallbackTask) {
  std::vector<std::pair<v1::CallbackTask, std::string>> opened;
  logic_.SetOpenCallback([&](const v1::CallbackTask& t, const std::string& key) {
    opened.emplace_back(t, key);
    return absl::OkStatus();
  });
  store_.residents["RS-10001"].add_tags("elderly");
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.assigned", {{"priority", "P2"}})).ok());
  Later();  // told after the coalescing window
  ASSERT_EQ(store_.queued.size(), 1u);
  Later(absl::Minutes(29));
  EXPECT_TRUE(opened.empty()) << "not before the 30 minutes";
  Later(absl::Minutes(2));
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].first.resident_id(), "RS-10001");
  EXPECT_EQ(opened[0].first.ticket_id(), "R-10042");
  EXPECT_EQ(opened[0].first.reason(), "urgent_notice_unread");
  EXPECT_EQ(opened[0].first.text(),
            "An urgent update on R-10042 sent at 10:01 has not been read: please phone them.")
      << "the estate's time";
  EXPECT_EQ(opened[0].second, "unread:R-10042:RS-10001");
  EXPECT_EQ(logic_.unread_callbacks(), 1u);
  Later(absl::Hours(1));
  EXPECT_EQ(opened.size(), 1u) << "the watch is over";

  // Read (or answered) in time: nothing for the desk.
  ASSERT_TRUE(logic_
                  .HandleEvent(Event("ticket.on_hold", {{"priority", "P1"},
                                                        {"ticket_id", "R-10043"},
                                                        {"hold_reason", "waiting_parts"}}))
                  .ok());
  ASSERT_EQ(store_.queued.size(), 2u) << "P1: at once";
  clock_.Advance(absl::Minutes(5));
  store_.seen_at["RS-10001"] = clock_.Now();
  Later(absl::Minutes(30));
  EXPECT_EQ(opened.size(), 1u);

  // Not urgent, a complaint, or a resident without the tag: not watched.
  ASSERT_TRUE(logic_.HandleEvent(Event("ticket.acknowledged", {{"ticket_id", "R-10044"}})).ok());
  ASSERT_TRUE(
      logic_
          .HandleEvent(Event("ticket.acknowledged", {{"ticket_id", "C-10001"}, {"priority", "P2"}}))
          .ok());
  store_.residents["RS-10001"].clear_tags();
  ASSERT_TRUE(
      logic_
          .HandleEvent(Event("ticket.acknowledged", {{"ticket_id", "R-10045"}, {"priority", "P1"}}))
          .ok());
  Later(absl::Hours(1));
  EXPECT_EQ(store_.queued.size(), 5u);
  EXPECT_EQ(opened.size(), 1u);
}

}  // namespace
}  // namespace lobby::residents
