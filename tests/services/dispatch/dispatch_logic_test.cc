// Dispatch's rules on their own: an in-memory DispatchStore, the tickets service faked in memory
// (versions, assignment and SLA annotations kept as the real one keeps them) and the fake clock;
// Tick() is called directly, so no timer loop, no Redis and no sleeping.
#include "services/dispatch/dispatch_logic.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "services/common/proto_util.h"
#include "services/common/status_macros.h"
#include "services/tickets/catalog.h"
#include "services/tickets/state_machine.h"
#include "services/tickets/ticket_logic.h"

namespace lobby::dispatch {
namespace {

class MemoryDispatchStore final : public DispatchStore {
 public:
  absl::StatusOr<std::optional<v1::Estate>> GetEstate(absl::string_view site) override {
    auto it = estates_.find(std::string(site));
    if (it == estates_.end()) return std::nullopt;
    return it->second;
  }
  absl::Status PutEstate(const v1::Estate& estate) override {
    estates_[estate.site_id()] = estate;
    return absl::OkStatus();
  }
  absl::StatusOr<Workloads> Loads(absl::string_view site,
                                  const std::vector<std::string>& members) override {
    Workloads out;
    for (const auto& m : members) {
      Workload& w = out[m];
      for (const auto& [ticket, held] : holders_[std::string(site)]) {
        if (held.member != m) continue;
        w.open++;
        w.buildings.push_back(held.building);
      }
      w.last_assigned_ms = last_[m];
    }
    return out;
  }
  absl::Status SetHolder(absl::string_view site, absl::string_view ticket, absl::string_view member,
                         absl::string_view building, int64_t at_ms) override {
    auto& held = holders_[std::string(site)];
    if (member.empty()) {
      held.erase(std::string(ticket));
      return absl::OkStatus();
    }
    auto& h = held[std::string(ticket)];
    if (h.member != member) last_[std::string(member)] = at_ms;
    h = {std::string(member), std::string(building)};
    return absl::OkStatus();
  }
  absl::Status Track(absl::string_view site, absl::string_view ticket, int64_t version,
                     const std::optional<v1::BoardTicket>& entry, absl::Time next) override {
    auto& t = tracked_[std::string(site)][std::string(ticket)];
    if (t.version > version) return absl::OkStatus();
    t.version = version;
    t.entry = entry;
    t.next = next;
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<std::string>> ClaimDue(absl::string_view site, absl::Time now,
                                                    absl::Time lease_until, int limit) override {
    std::vector<std::string> out;
    for (auto& [id, t] : tracked_[std::string(site)]) {
      if (t.next > now || static_cast<int>(out.size()) == limit) continue;
      t.next = lease_until;
      out.push_back(id);
    }
    return out;
  }
  absl::StatusOr<std::vector<std::string>> Sites() override {
    std::vector<std::string> out;
    for (const auto& [site, e] : estates_) out.push_back(site);
    return out;
  }
  absl::StatusOr<std::vector<v1::BoardTicket>> Board(absl::string_view site) override {
    std::vector<v1::BoardTicket> out;
    for (const auto& [id, t] : tracked_[std::string(site)]) {
      if (t.entry) out.push_back(*t.entry);
    }
    return out;
  }
  absl::Status SetDuty(absl::string_view, const DutyDay& day,
                       const std::vector<DutyDay>&) override {
    duties_.push_back(day);
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<DutyDay>> Duties(absl::string_view) override { return duties_; }
  std::vector<DutyDay> duties_;
  absl::Status Push(absl::string_view channel, const queue::Fields& message) override {
    pushed_.emplace_back(std::string(channel), message);
    return absl::OkStatus();
  }

  int OpenOf(const std::string& member) {
    int n = 0;
    for (const auto& [ticket, held] : holders_["demo"]) n += held.member == member;
    return n;
  }
  absl::Time NextOf(const std::string& ticket) { return tracked_["demo"][ticket].next; }

  std::vector<std::pair<std::string, queue::Fields>> pushed_;

 private:
  struct Held {
    std::string member, building;
  };
  struct Tracked {
    int64_t version = 0;
    std::optional<v1::BoardTicket> entry;
    absl::Time next = absl::InfiniteFuture();
  };
  std::map<std::string, v1::Estate> estates_;
  std::map<std::string, std::map<std::string, Held>> holders_;
  std::map<std::string, int64_t> last_;
  std::map<std::string, std::map<std::string, Tracked>> tracked_;
};

// The owning ticket service as dispatch reaches it: tickets with versions and history, assignment
// and SLA annotations applied as RepairService applies them, and every call counted.
class FakeTickets final : public TicketClient {
 public:
  explicit FakeTickets(const Clock& clock) : clock_(clock) {}

  // A new ticket, and the ticket.created event the tickets service publishes for it.
  queue::Entry Add(const std::string& id, const std::string& category, v1::Priority priority) {
    v1::Ticket& t = tickets_[id];
    t.set_id(id);
    t.set_site_id("demo");
    t.set_category(category);
    t.set_priority(priority);
    t.set_channel(v1::CHANNEL_TELEGRAM);
    t.mutable_location()->set_building("Tower 1");
    t.mutable_reporter()->set_resident_id("RS-10001");
    t.mutable_repair();
    *t.mutable_created_at() = ToTimestamp(clock_.Now());
    Record(t, "created", v1::TICKET_STATUS_NEW, "");
    t.set_version(1);
    return {"1-" + id, tickets::TicketEvent(t, "ticket.created", v1::TICKET_STATUS_UNSPECIFIED,
                                            "telegram", "", clock_.Now())};
  }
  void Acknowledge(const std::string& id) {
    v1::Ticket& t = tickets_.at(id);
    Record(t, "acknowledged", v1::TICKET_STATUS_ACKNOWLEDGED, "");
  }

  absl::StatusOr<v1::Ticket> Get(absl::string_view, absl::string_view id) override {
    auto it = tickets_.find(std::string(id));
    if (it == tickets_.end()) return absl::NotFoundError(absl::StrCat(id, " not found"));
    return it->second;
  }
  absl::StatusOr<v1::Ticket> Assign(absl::string_view, absl::string_view id, const v1::Decision& d,
                                    int64_t expected_version, bool acknowledged) override {
    LOBBY_ASSIGN_OR_RETURN(v1::Ticket * t, AtVersion(id, expected_version));
    if (!tickets::CanAssign(t->status()))
      return absl::FailedPreconditionError(absl::StrCat(id, " cannot be assigned"));
    assigns_++;
    t->set_team(d.team());
    t->set_assignee(d.assignee());
    t->clear_not_routed();
    Record(*t, "assigned",
           d.assignee().empty() ? v1::TICKET_STATUS_NEW
           : acknowledged       ? v1::TICKET_STATUS_ACKNOWLEDGED
                                : v1::TICKET_STATUS_ASSIGNED,
           d.explanation());
    return *t;
  }
  absl::StatusOr<v1::Ticket> Annotate(absl::string_view, const v1::AnnotateRequest& r) override {
    LOBBY_ASSIGN_OR_RETURN(v1::Ticket * t, AtVersion(r.id(), r.expected_version()));
    if (!r.not_routed().empty()) {
      if (!t->team().empty()) return absl::FailedPreconditionError("has a team");
      t->set_not_routed(r.not_routed());
    } else {
      google::protobuf::RepeatedPtrField<v1::SlaEvent> events;
      events.Swap(t->mutable_sla()->mutable_events());
      *t->mutable_sla() = r.sla();
      t->mutable_sla()->mutable_events()->Swap(&events);
      if (r.has_event()) {
        v1::SlaEvent* e = t->mutable_sla()->add_events();
        *e = r.event();
        *e->mutable_at() = ToTimestamp(clock_.Now());
      }
    }
    t->set_version(t->version() + 1);
    return *t;
  }
  absl::StatusOr<v1::Catalog> Catalog(absl::string_view site) override {
    v1::Catalog c = tickets::DefaultCatalog();
    c.set_site_id(std::string(site));
    return c;
  }

  int assigns_ = 0;

 private:
  absl::StatusOr<v1::Ticket*> AtVersion(absl::string_view id, int64_t expected) {
    auto it = tickets_.find(std::string(id));
    if (it == tickets_.end()) return absl::NotFoundError(absl::StrCat(id, " not found"));
    if (expected != 0 && expected != it->second.version())
      return absl::AbortedError(absl::StrCat(id, " changed"));
    return &it->second;
  }
  void Record(v1::Ticket& t, const std::string& action, v1::TicketStatus to,
              const std::string& note) {
    v1::HistoryEntry* h = t.add_history();
    *h->mutable_at() = ToTimestamp(clock_.Now());
    h->set_action(action);
    h->set_from_status(t.status());
    h->set_to_status(to);
    h->set_note(note);
    t.set_status(to);
    t.set_version(t.version() + 1);
  }

  const Clock& clock_;
  std::map<std::string, v1::Ticket> tickets_;
};

// Lee is the experienced plumber, Wong the junior; one job each at a time.
const char* kEstate = R"(
site: demo
time_zone: Asia/Hong_Kong
teams:
  - {id: plumbing, categories: [plumbing, flooding], supervisor: sup}
  - {id: management, categories: [billing]}
members:
  - {id: sup, teams: [management], seniority: 3, capacity: 5, on_call: true, contact: {channel: telegram, id: "5550001"}}
  - {id: lee, teams: [plumbing], skills: {plumbing: 3, flooding: 3}, seniority: 3, capacity: 1, on_call: true}
  - {id: wong, teams: [plumbing], skills: {plumbing: 2, flooding: 2}, seniority: 1, capacity: 1, on_call: true}
sla_policies:
  - name: urgent
    match: {priority: [P1, P2]}
    acknowledge: 15m
    resolve: 4h
    reassign_after: 10m
  - name: routine
    acknowledge: 30m
    resolve: 3d
escalation:
  - {to: supervisor, after: 0m}
)";

class DispatchLogicTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v1::ApplyEstateRequest req;
    req.set_yaml(kEstate);
    ASSERT_TRUE(logic_.ApplyEstate(req).ok());
  }
  v1::Ticket Get(const std::string& id) { return *tickets_.Get("repair", id); }
  queue::Entry Create(const std::string& id, const std::string& category, v1::Priority priority) {
    queue::Entry created = tickets_.Add(id, category, priority);
    EXPECT_TRUE(logic_.HandleEvent(created).ok());
    return created;
  }
  std::set<std::string> EventKinds(const std::string& id) {
    std::set<std::string> out;
    v1::Ticket t = Get(id);
    for (const auto& e : t.sla().events()) out.insert(e.kind() + ":" + e.stage());
    return out;
  }

  FakeClock clock_{absl::FromCivil(absl::CivilMinute(2026, 12, 2, 10, 0), absl::UTCTimeZone())};
  MemoryDispatchStore store_;
  FakeTickets tickets_{clock_};
  DispatchLogic logic_{store_, clock_, tickets_};
};

TEST_F(DispatchLogicTest, RoutineWorkGoesToTheJuniorUrgentToTheSeniorAndFullMembersAreSkipped) {
  Create("R-10001", "plumbing", v1::PRIORITY_P3);
  EXPECT_EQ(Get("R-10001").team(), "plumbing");
  EXPECT_EQ(Get("R-10001").assignee(), "wong");  // routine: juniors first, seniors kept free
  EXPECT_FALSE(Get("R-10001").history().rbegin()->note().empty());  // the decision says why
  EXPECT_EQ(store_.OpenOf("wong"), 1);

  Create("R-10002", "plumbing", v1::PRIORITY_P3);
  EXPECT_EQ(Get("R-10002").assignee(), "lee");  // wong is at capacity

  Create("R-10003", "plumbing", v1::PRIORITY_P3);  // both full: the team's pool
  EXPECT_EQ(Get("R-10003").team(), "plumbing");
  EXPECT_EQ(Get("R-10003").assignee(), "");
  EXPECT_EQ(Get("R-10003").status(), v1::TICKET_STATUS_NEW);

  // Work done frees the member: the next urgent job goes to the most experienced.
  ASSERT_TRUE(logic_
                  .HandleEvent({"2-0",
                                {{"type", "ticket.resolved"},
                                 {"site_id", "demo"},
                                 {"ticket_id", "R-10002"},
                                 {"kind", "repair"}}})
                  .ok());
  EXPECT_EQ(store_.OpenOf("lee"), 0);
  Create("R-10004", "flooding", v1::PRIORITY_P1);
  EXPECT_EQ(Get("R-10004").assignee(), "lee");
}

TEST_F(DispatchLogicTest, ARedeliveredCreationAssignsOnce) {
  queue::Entry created = Create("R-10001", "plumbing", v1::PRIORITY_P3);
  ASSERT_TRUE(logic_.HandleEvent(created).ok());
  EXPECT_EQ(tickets_.assigns_, 1);
  EXPECT_EQ(Get("R-10001").assignee(), "wong");
  EXPECT_EQ(store_.OpenOf("wong"), 1);
  EXPECT_EQ(store_.OpenOf("lee"), 0);
}

TEST_F(DispatchLogicTest, WorkNoTeamCoversIsSaidOnTheTicketAndTheBoard) {
  Create("R-10001", "lift", v1::PRIORITY_P3);
  v1::Ticket t = Get("R-10001");
  EXPECT_EQ(t.team(), "");
  EXPECT_NE(t.not_routed(), "");
  auto board = store_.Board("demo");
  ASSERT_TRUE(board.ok());
  ASSERT_EQ(board->size(), 1u);
  EXPECT_EQ((*board)[0].not_routed(), t.not_routed());
}

TEST_F(DispatchLogicTest, TheTickBreachesAndEscalatesWhenTheDeadlinePasses) {
  Create("R-10001", "plumbing", v1::PRIORITY_P3);
  v1::Ticket t = Get("R-10001");
  ASSERT_TRUE(t.sla().has_acknowledge_by());
  EXPECT_EQ(FromTimestamp(t.sla().acknowledge_by()), clock_.Now() + absl::Minutes(30));
  // The first timer is the warning, at 80% of the time allowed.
  EXPECT_EQ(store_.NextOf("R-10001"), clock_.Now() + absl::Minutes(24));

  clock_.Advance(absl::Minutes(23));
  EXPECT_EQ(*logic_.Tick(), 0);  // nothing due yet
  EXPECT_TRUE(EventKinds("R-10001").empty());

  clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(*logic_.Tick(), 1);
  EXPECT_EQ(EventKinds("R-10001"), (std::set<std::string>{"warning:acknowledge"}));
  EXPECT_EQ(Get("R-10001").sla().events(0).to(0), "wong");  // the assignee is warned

  clock_.Advance(absl::Minutes(6));
  EXPECT_EQ(*logic_.Tick(), 1);
  EXPECT_EQ(EventKinds("R-10001"),
            (std::set<std::string>{"warning:acknowledge", "breach:acknowledge",
                                   "escalation:acknowledge"}));
  const v1::SlaEvent up = *Get("R-10001").sla().events().rbegin();
  ASSERT_EQ(up.to_size(), 1);
  EXPECT_EQ(up.to(0), "sup");
  // 10:30 UTC is 18:30 in Hong Kong: the note reads in the estate's time.
  EXPECT_NE(up.note().find("18:30"), std::string::npos) << up.note();

  // The tick again changes nothing: each step is taken once.
  int64_t version = Get("R-10001").version();
  clock_.Advance(absl::Minutes(5));
  (void)logic_.Tick();
  EXPECT_EQ(Get("R-10001").version(), version);

  // The escalation event reaches the supervisor's chat.
  ASSERT_TRUE(logic_
                  .HandleEvent({"3-0",
                                {{"type", "ticket.escalated"},
                                 {"site_id", "demo"},
                                 {"ticket_id", "R-10001"},
                                 {"priority", "P3"},
                                 {"version", std::to_string(version)},
                                 {"notify", "sup"},
                                 {"note", up.note()}}})
                  .ok());
  ASSERT_EQ(store_.pushed_.size(), 1u);
  EXPECT_EQ(store_.pushed_[0].first, "telegram");
  queue::Entry notice{"", store_.pushed_[0].second};
  EXPECT_EQ(notice.Get("to"), "5550001");
  EXPECT_NE(notice.Get("text").find("escalated to you"), std::string::npos);
}

TEST_F(DispatchLogicTest, UrgentWorkNotAcknowledgedInTimeGoesToSomeoneElse) {
  Create("R-10001", "flooding", v1::PRIORITY_P1);
  ASSERT_EQ(Get("R-10001").assignee(), "lee") << Get("R-10001").history().rbegin()->note();
  EXPECT_TRUE(EventKinds("R-10001").count("page:acknowledge"));  // P1: the team is paged

  clock_.Advance(absl::Minutes(11));
  ASSERT_TRUE(logic_.Tick().ok());
  v1::Ticket t = Get("R-10001");
  EXPECT_EQ(t.assignee(), "wong");
  EXPECT_EQ(t.history().rbegin()->note().rfind("reassigned from lee", 0), 0u)
      << t.history().rbegin()->note();
  EXPECT_TRUE(EventKinds("R-10001").count("escalation:unacknowledged"));

  // Acknowledged in time, it stays: no reassignment after wong's own 10 minutes.
  tickets_.Acknowledge("R-10001");
  ASSERT_TRUE(logic_
                  .HandleEvent({"4-0",
                                {{"type", "ticket.acknowledged"},
                                 {"site_id", "demo"},
                                 {"ticket_id", "R-10001"},
                                 {"kind", "repair"},
                                 {"assignee", "wong"}}})
                  .ok());
  clock_.Advance(absl::Minutes(11));
  ASSERT_TRUE(logic_.Tick().ok());
  EXPECT_EQ(Get("R-10001").assignee(), "wong");
  EXPECT_EQ(tickets_.assigns_, 2);
}

}  // namespace
}  // namespace lobby::dispatch
