// lobbyctl demo simulate: an estate's recent past, lived through Lobby's public APIs under the
// demo clock of a lobbyd started with --demo-clock, so that the dashboard has a history that the
// real services made (docs/dashboard.md, "The demo's history").
#include <queue>
#include <random>

#include "lobby/v1/demo.grpc.pb.h"
#include "tools/lobbyctl/lobbyctl.h"

namespace lobbyctl {
namespace {

using absl::Duration;
using absl::Time;

/// The same seed gives the same plan: what is reported, where, when, and how each job goes.
class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  double U() { return std::uniform_real_distribution<double>(0, 1)(g_); }
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g_); }
  double Normal(double sd) { return std::normal_distribution<double>(0, sd)(g_); }
  bool Chance(double p) { return U() < p; }
  Duration Minutes(double lo, double hi) { return absl::Seconds(60 * (lo + (hi - lo) * U())); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Int(0, static_cast<int>(v.size()) - 1)];
  }
  /// One of `items` by weight.
  template <typename T>
  const T& Weighted(const std::vector<std::pair<T, double>>& items) {
    double total = 0;
    for (const auto& [v, w] : items) total += w;
    double r = U() * total;
    for (const auto& [v, w] : items) {
      if ((r -= w) < 0) return v;
    }
    return items.back().first;
  }

 private:
  std::mt19937_64 g_;
};

/// How a team works, in minutes of wall time from one step to the next, and how residents rate
/// it. The electrical team is the slow one of the story.
struct Profile {
  double ack_lo, ack_hi, arrive_lo, arrive_hi, work_lo, work_hi;
  double hold, reopen;  // chance of a hold (for parts, an absent resident, no access), a reopen
  double score;         // the mean overall score its residents give
};
const Profile& ProfileOf(const std::string& team) {
  static const std::map<std::string, Profile> kProfiles = {
      {"plumbing", {8, 45, 60, 300, 30, 150, 0.10, 0.05, 4.3}},
      {"electrical", {60, 330, 600, 2400, 60, 240, 0.30, 0.10, 3.1}},
      {"maintenance", {10, 60, 60, 360, 30, 180, 0.12, 0.05, 4.0}},
      {"cleaning", {5, 30, 30, 120, 20, 60, 0.02, 0.03, 4.2}},
      {"security", {3, 20, 10, 60, 10, 60, 0.01, 0.02, 4.3}},
      {"service_desk", {30, 180, 240, 2400, 60, 1200, 0, 0.04, 3.7}},
  };
  static const Profile kOther = {15, 90, 60, 480, 30, 180, 0.1, 0.05, 3.9};
  auto it = kProfiles.find(team);
  return it == kProfiles.end() ? kOther : it->second;
}

struct Person {
  std::string id, language, building, floor, room;
  v1::Channel channel;
};

struct Job {
  bool complaint = false;
  std::string category, text, area;  // area: a common area (else the reporter's flat)
  Person who;
  v1::Channel channel = v1::CHANNEL_PHONE;
  bool incident = false;  // one of the incident's reports
  bool repeat = false;    // one of the repeat leaks
  std::string id, team, assignee;
  bool p1 = false, p2 = false, held = false, reopened = false, late = false;
  Time created;
};

enum class Step {
  kCreate,
  kAck,
  kArrive,
  kHold,
  kResume,
  kResolve,
  kReview,
  kApprove,
  kReopen,
  kClose,
  kAnswer,
  kFollowUp,
  kCancel,
  kIncidentOpen,
  kIncidentResolve,
};

struct Action {
  Time at;
  Step step;
  int job;
  uint64_t seq;  // ties keep the order they were planned in
  bool operator>(const Action& o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

struct Texts {
  const char* zh;
  const char* en;
};
const std::map<std::string, std::vector<Texts>>& Descriptions() {
  static const std::map<std::string, std::vector<Texts>> kTexts = {
      {"plumbing",
       {{"廚房水喉漏水，地下濕晒", "The kitchen tap is leaking, the floor is wet"},
        {"浴室天花板滴水", "Water is dripping from the bathroom ceiling"},
        {"廁所沖唔到水", "The toilet does not flush"},
        {"洗手盆去水好慢，塞咗", "The basin is blocked and drains slowly"}}},
      {"electrical",
       {{"客廳燈唔著", "The living room lights do not work"},
        {"成日跳掣", "The circuit breaker keeps tripping"},
        {"插蘇冇電", "The socket has no power"}}},
      {"air_conditioning",
       {{"冷氣機滴水", "The air conditioner is dripping water"},
        {"冷氣唔凍", "The air conditioner does not cool"}}},
      {"doors_locks",
       {{"大門門鎖壞咗，鎖唔到", "The front door lock is broken"},
        {"窗鉸鬆咗", "The window hinge is loose"}}},
      {"pest", {{"廚房有曱甴", "Cockroaches in the kitchen"}}},
      {"lift", {{"升降機門開關好慢", "The lift door is slow to open and close"}}},
      {"cleaning",
       {{"大堂地下好污糟", "The lobby floor is dirty"},
        {"垃圾房好臭", "The refuse room smells bad"}}},
      {"security", {{"停車場閘口有陌生人徘徊", "A stranger is hanging around the car park gate"}}},
      {"water_outage", {{"屋企冇水", "There is no water at home"}}},
      {"gas", {{"廚房有煤氣味", "I can smell gas in the kitchen"}}},
      {"flooding", {{"走廊水浸，水流緊入屋", "The corridor is flooded, water is coming in"}}},
      {"lift_trapped", {{"有人困咗喺升降機", "Someone is trapped in the lift"}}},
      {"noise", {{"樓上每晚凌晨都好嘈", "The flat above is noisy every night after midnight"}}},
      {"environment", {{"平台花園啲樹好耐冇剪", "The podium garden trees have not been trimmed"}}},
      {"neighbour", {{"隔籬喺走廊放雜物", "The neighbours leave their things in the corridor"}}},
      {"staff_conduct", {{"保安員態度差", "The guard was rude"}}},
      {"billing", {{"管理費單計錯數", "The management fee bill is wrong"}}},
  };
  return kTexts;
}

const char* CommentFor(Rng& rng, int overall, const std::string& language) {
  static const std::vector<Texts> kLow = {
      {"等咗兩日都未有人嚟", "I waited two days and nobody came"},
      {"師傅嚟完之後仲係有問題", "Still not right after the visit"},
      {"冇人通知幾時上嚟", "Nobody told me when they would come"},
      {"師傅態度麻麻", "The technician was not polite"}};
  static const std::vector<Texts> kHigh = {
      {"師傅好快嚟到，好有禮貌，多謝！", "Quick and polite, thank you!"},
      {"處理得好好，乾手淨腳", "Well done and tidy"}};
  const Texts* t = nullptr;
  if (overall <= 2 && rng.Chance(0.7)) t = &rng.Pick(kLow);
  if (overall >= 5 && rng.Chance(0.3)) t = &rng.Pick(kHigh);
  if (t == nullptr) return "";
  return language == "en" ? t->en : t->zh;
}

class Simulation {
 public:
  Simulation(Ctl& ctl, std::string site, int days, uint64_t seed)
      : ctl_(ctl),
        site_(std::move(site)),
        days_(days),
        rng_(seed),
        clock_(v1::DemoClockService::NewStub(ctl.channel)),
        surveys_(v1::SurveyService::NewStub(ctl.channel)) {}

  int Run(bool release);

 private:
  template <typename Req, typename Resp, typename Stub, typename Method>
  bool Try(Stub& stub, Method method, const Req& req, Resp* resp, const char* what) {
    grpc::Status s = ctl_.Invoke(stub, method, req, resp);
    if (!s.ok()) {
      ++failures_;
      if (++refused_[what] <= 3) std::cerr << "demo: " << what << ": " << ctl_.ErrorLine(s) << "\n";
    }
    return s.ok();
  }
  /// Moves the demo clock to `to` in steps of at most 30 minutes, so that each deadline is
  /// noticed within half an hour of passing.
  bool Advance(Time to);
  /// The demo clock's time now: it runs on with the system's from where it was last set.
  Time Current() const { return now_ + (absl::Now() - set_at_); }
  void Plan(Step step, Time at, int job);
  Time Working(Time t, bool urgent);  // night work waits for the morning, unless urgent
  bool LoadEstate();
  void MakeResidents();
  void PlanDays();
  void Do(const Action& a);
  bool Create(int j);
  bool Move(Job& job, v1::TicketAction action, v1::HoldReason hold = v1::HOLD_REASON_UNSPECIFIED,
            const std::string& note = "");
  bool Fetch(Job& job, v1::Ticket* t);
  void Answer(Job& job);
  double Mood(Time at) const;  // how residents feel about the estate then
  bool IsLeak(const Person& p) const {
    for (const Person& l : tower2_leaks_) {
      if (l.id == p.id) return true;
    }
    return false;
  }

  Ctl& ctl_;
  std::string site_;
  int days_;
  Rng rng_;
  std::unique_ptr<v1::DemoClockService::Stub> clock_;
  std::unique_ptr<v1::SurveyService::Stub> surveys_;
  absl::TimeZone tz_;
  Time now_, set_at_ = absl::Now(), begin_, end_, incident_at_;
  std::vector<Person> people_;
  std::vector<Person> tower2_leaks_;                              // the flats of the repeat leaks
  std::map<std::string, std::vector<std::string>> common_areas_;  // building -> areas
  std::map<std::string, std::vector<std::string>> members_;       // team -> members
  std::vector<std::pair<std::string, std::vector<std::string>>> flats_;  // building -> "F|R"
  std::vector<Job> jobs_;
  std::priority_queue<Action, std::vector<Action>, std::greater<>> agenda_;
  uint64_t seq_ = 0;
  std::string incident_id_;
  std::vector<int> incident_jobs_;
  std::map<std::string, int> refused_;  // what -> how many times
  int failures_ = 0, created_ = 0, resolved_ = 0, answered_ = 0, followed_ = 0, steps_ = 0;
};

bool Simulation::Advance(Time to) {
  while (Current() + absl::Seconds(1) < to) {
    v1::SetClockRequest req;
    *req.mutable_at() = lobby::ToTimestamp(std::min(to, Current() + absl::Minutes(30)));
    v1::ClockState state;
    grpc::Status s = ctl_.Invoke(*clock_, &v1::DemoClockService::Stub::SetClock, req, &state);
    if (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {  // it ran past meanwhile
      s = ctl_.Invoke(*clock_, &v1::DemoClockService::Stub::GetClock, v1::GetClockRequest(),
                      &state);
    }
    if (!s.ok()) {
      std::cerr << "demo: set the clock: " << ctl_.ErrorLine(s) << "\n";
      return false;
    }
    now_ = lobby::FromTimestamp(state.now());
    set_at_ = absl::Now();
    ++steps_;
  }
  return true;
}

void Simulation::Plan(Step step, Time at, int job) {
  if (at <= end_) agenda_.push(Action{at, step, job, seq_++});
}

Time Simulation::Working(Time t, bool urgent) {
  if (urgent) return t;
  absl::CivilSecond c = absl::ToCivilSecond(t, tz_);
  if (c.hour() >= 8 && c.hour() < 21) return t;
  absl::CivilDay day = absl::CivilDay(c);
  if (c.hour() >= 21) day += 1;
  return absl::FromCivil(absl::CivilMinute(day.year(), day.month(), day.day(), 8, 0), tz_) +
         rng_.Minutes(0, 90);
}

double Simulation::Mood(Time at) const {
  // Before the water main burst the estate was rated a little lower; after it was handled well
  // (everyone told at once, water back within hours), residents rate it higher, more so as the
  // weeks go by.
  if (at < incident_at_) return -0.35;
  double weeks = absl::ToDoubleHours(at - incident_at_) / (24 * 7);
  return std::min(0.45, 0.15 + 0.06 * weeks);
}

bool Simulation::LoadEstate() {
  v1::GetEstateRequest req;
  req.set_site_id(site_);
  v1::EstateRegister reg;
  if (!Try(*ctl_.dispatch, &v1::DispatchService::Stub::GetRegister, req, &reg, "the register"))
    return false;
  if (!absl::LoadTimeZone(reg.time_zone(), &tz_)) tz_ = absl::UTCTimeZone();
  for (const auto& b : reg.buildings()) {
    common_areas_[b.name()] = {b.common_areas().begin(), b.common_areas().end()};
    std::vector<std::string> flats;
    for (const auto& level : b.levels()) {
      for (const auto& f : level.floors()) {
        for (const auto& r : level.rooms()) flats.push_back(f + "|" + r);
      }
    }
    if (!flats.empty()) flats_.push_back({b.name(), std::move(flats)});
  }
  for (const auto& t : reg.teams()) members_[t.team()] = {t.members().begin(), t.members().end()};
  if (flats_.empty()) {
    std::cerr << "demo: estate " << site_ << " has no flats in its register: apply it first "
              << "(lobbyctl apply -f docs/examples/estate.yaml)\n";
    return false;
  }
  // The residents there already.
  v1::ListResidentsRequest list;
  list.set_site_id(site_);
  list.set_page_size(500);
  do {
    v1::ListResidentsResponse page;
    if (!Try(*ctl_.residents, &v1::ResidentService::Stub::ListResidents, list, &page,
             "the residents"))
      return false;
    for (const auto& r : page.residents()) {
      if (!r.has_unit() || r.unit().room().empty()) continue;
      people_.push_back({r.id(), r.language().empty() ? "zh-Hant" : r.language(),
                         r.unit().building(), r.unit().floor(), r.unit().room(),
                         r.preferred_channel()});
    }
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  return true;
}

void Simulation::MakeResidents() {
  static const std::vector<std::string> kSurnames = {"陳", "李", "張", "黃", "何", "林",
                                                     "吳", "劉", "梁", "鄭", "謝", "郭"};
  static const std::vector<std::string> kGiven = {"志明", "美玲", "家豪", "嘉欣", "偉強", "麗華",
                                                  "子軒", "詠詩", "國榮", "秀英", "俊傑", "慧敏"};
  static const std::vector<std::string> kEnglish = {"Alice", "Brian", "Carmen", "David",
                                                    "Emily", "Frank", "Grace",  "Henry"};
  static const std::vector<std::string> kEnglishSurnames = {"Chan",   "Wong",  "Lau",
                                                            "Cheung", "Smith", "Patel"};
  std::set<std::string> taken;
  for (const auto& p : people_) taken.insert(p.building + "|" + p.floor + "|" + p.room);
  // A resident in about half the flats, and the four stacked flats of Tower 2 whose leaks keep
  // coming back.
  std::vector<std::tuple<std::string, std::string, std::string>> homes;
  for (const char* floor : {"12", "15", "16", "17"})
    homes.push_back({flats_.size() > 1 ? flats_[1].first : flats_[0].first, floor, "C"});
  for (const auto& [building, flats] : flats_) {
    for (const auto& f : flats) {
      if (!rng_.Chance(0.55)) continue;
      std::vector<std::string> fr = absl::StrSplit(f, '|');
      homes.push_back({building, fr[0], fr[1]});
    }
  }
  int n = 0;
  for (const auto& [building, floor, room] : homes) {
    bool leak = n < 4;
    ++n;
    if (!taken.insert(building + "|" + floor + "|" + room).second && !leak) continue;
    v1::CreateResidentRequest req;
    v1::Resident* r = req.mutable_resident();
    std::string lang =
        rng_.Weighted<std::string>({{"zh-Hant", 0.65}, {"en", 0.2}, {"zh-Hans", 0.15}});
    r->set_name(lang == "en" ? rng_.Pick(kEnglish) + " " + rng_.Pick(kEnglishSurnames)
                             : rng_.Pick(kSurnames) + rng_.Pick(kGiven));
    // Prefixes of numbers in service (libphonenumber refuses the others).
    r->add_phones(absl::StrCat(
        "+852 ",
        rng_.Pick(std::vector<std::string>{"5347", "6104", "6181", "6323", "9018", "9212"}),
        rng_.Int(1000, 9999)));
    r->mutable_unit()->set_site_id(site_);
    r->mutable_unit()->set_building(building);
    r->mutable_unit()->set_floor(floor);
    r->mutable_unit()->set_room(room);
    r->set_role(rng_.Chance(0.6) ? v1::RESIDENT_ROLE_OWNER : v1::RESIDENT_ROLE_TENANT);
    r->set_language(lang);
    r->set_preferred_channel(rng_.Weighted<v1::Channel>(
        {{v1::CHANNEL_WHATSAPP, 0.4},
         {lang == "zh-Hans" ? v1::CHANNEL_WECHAT : v1::CHANNEL_SMS, 0.25},
         {v1::CHANNEL_LINE, 0.05},
         {v1::CHANNEL_TELEGRAM, 0.05},
         {v1::CHANNEL_PHONE, 0.25}}));
    v1::Resident made;
    if (!Try(*ctl_.residents, &v1::ResidentService::Stub::CreateResident, req, &made, "a resident"))
      continue;
    Person p{made.id(), lang, building, floor, room, made.preferred_channel()};
    people_.push_back(p);
    if (leak) tower2_leaks_.push_back(p);
  }
}

void Simulation::PlanDays() {
  static const std::vector<std::pair<std::string, double>> kRepairs = {
      {"plumbing", 28}, {"electrical", 16}, {"air_conditioning", 10}, {"doors_locks", 9},
      {"pest", 5},      {"lift", 6},        {"cleaning", 10},         {"security", 6},
      {"gas", 0.6},     {"flooding", 0.8},  {"lift_trapped", 0.6}};
  static const std::vector<std::pair<std::string, double>> kComplaints = {{"noise", 40},
                                                                          {"environment", 20},
                                                                          {"neighbour", 15},
                                                                          {"staff_conduct", 10},
                                                                          {"billing", 15}};
  static const std::set<std::string> kCommon = {"lift", "cleaning", "security", "lift_trapped"};
  std::vector<std::string> with_flats;
  for (const auto& [b, f] : flats_) with_flats.push_back(b);
  auto job_at = [&](Job job, Time at) {
    if (job.channel == v1::CHANNEL_UNSPECIFIED) job.channel = v1::CHANNEL_PHONE;
    const auto& texts = Descriptions().find(job.category);
    if (job.text.empty() && texts != Descriptions().end()) {
      const Texts& t = rng_.Pick(texts->second);
      job.text = job.who.language == "en" ? t.en : t.zh;
    }
    jobs_.push_back(std::move(job));
    Plan(Step::kCreate, at, static_cast<int>(jobs_.size()) - 1);
  };
  absl::CivilDay first = absl::ToCivilDay(begin_, tz_);
  for (int d = 0; d < days_; ++d) {
    absl::CivilDay day = first + d;
    Time midnight = absl::FromCivil(day, tz_);
    bool weekend = absl::GetWeekday(day) == absl::Weekday::saturday ||
                   absl::GetWeekday(day) == absl::Weekday::sunday;
    int repairs = (weekend ? 4 : 6) + rng_.Int(-2, 3);
    int complaints = rng_.Chance(0.8) ? 1 : 0;
    for (int i = 0; i < repairs + complaints; ++i) {
      Job job;
      job.complaint = i >= repairs;
      job.category = job.complaint ? rng_.Weighted(kComplaints) : rng_.Weighted(kRepairs);
      do {
        job.who = rng_.Pick(people_);
      } while (people_.size() > tower2_leaks_.size() && IsLeak(job.who));
      job.channel = rng_.Chance(0.75)
                        ? job.who.channel
                        : rng_.Pick(std::vector<v1::Channel>{v1::CHANNEL_PHONE, v1::CHANNEL_SMS,
                                                             v1::CHANNEL_COUNTER});
      if (kCommon.count(job.category)) {
        const auto& areas = common_areas_[job.who.building];
        job.area = areas.empty() ? "lobby" : rng_.Pick(areas);
      }
      // Reported mostly by day, most between 8 and 22.
      int hour = rng_.Weighted<int>({{7, 3},
                                     {8, 6},
                                     {9, 8},
                                     {10, 8},
                                     {11, 7},
                                     {12, 5},
                                     {13, 6},
                                     {14, 6},
                                     {15, 6},
                                     {16, 6},
                                     {17, 6},
                                     {18, 7},
                                     {19, 8},
                                     {20, 7},
                                     {21, 5},
                                     {22, 3},
                                     {23, 2},
                                     {1, 1},
                                     {3, 0.5}});
      job_at(job, midnight + absl::Hours(hour) + rng_.Minutes(0, 59));
    }
    // The leaks of Tower 2's C stack: each flat again every two to four weeks.
    for (const Person& p : tower2_leaks_) {
      if (rng_.Chance(1.0 / 15)) {
        Job job;
        job.category = "plumbing";
        job.who = p;
        job.channel = p.channel;
        job.repeat = true;
        job.text = p.language == "en" ? "Water is leaking through the ceiling again"
                                      : "天花板又再漏水，上次整完冇耐又漏";
        job_at(job, midnight + absl::Hours(rng_.Int(8, 21)) + rng_.Minutes(0, 59));
      }
    }
  }
  // The incident: the water main of the second building bursts early one morning, a little
  // past the middle of the period; a dozen residents report it within the hour and a half.
  absl::CivilDay day = first + days_ * 11 / 20;
  incident_at_ = absl::FromCivil(absl::CivilMinute(day.year(), day.month(), day.day(), 7, 20), tz_);
  const std::string& tower = flats_.size() > 1 ? flats_[1].first : flats_[0].first;
  jobs_.push_back(Job{.category = "water_outage", .who = people_.front(), .incident = true});
  Plan(Step::kIncidentOpen, incident_at_, static_cast<int>(jobs_.size()) - 1);
  std::vector<Person> there;
  for (const auto& p : people_) {
    if (p.building == tower) there.push_back(p);
  }
  for (int i = 0; i < 12 && !there.empty(); ++i) {
    Job job;
    job.category = "water_outage";
    job.who = there[i % there.size()];
    job.channel = job.who.channel;
    job.incident = true;
    job_at(job, incident_at_ + absl::Minutes(5 + i * 7) + rng_.Minutes(0, 5));
  }
}

bool Simulation::Fetch(Job& job, v1::Ticket* t) {
  v1::GetTicketRequest req;
  req.set_id(job.id);
  bool ok = job.complaint
                ? Try(*ctl_.complaints, &v1::ComplaintService::Stub::GetComplaint, req, t,
                      "read a complaint")
                : Try(*ctl_.repairs, &v1::RepairService::Stub::GetRepair, req, t, "read a repair");
  if (ok) {
    job.team = t->team();
    job.assignee = t->assignee();
  }
  return ok;
}

bool Simulation::Move(Job& job, v1::TicketAction action, v1::HoldReason hold,
                      const std::string& note) {
  v1::TransitionRequest req;
  req.set_id(job.id);
  req.set_action(action);
  req.set_hold_reason(hold);
  req.set_note(note);
  v1::Ticket t;
  return job.complaint
             ? Try(*ctl_.complaints, &v1::ComplaintService::Stub::Transition, req, &t,
                   "move a complaint")
             : Try(*ctl_.repairs, &v1::RepairService::Stub::Transition, req, &t, "move a repair");
}

bool Simulation::Create(int j) {
  Job& job = jobs_[j];
  v1::CreateTicketRequest req;
  v1::Ticket* t = req.mutable_ticket();
  t->set_site_id(site_);
  t->set_category(job.category);
  t->set_channel(job.channel);
  t->set_description(job.text);
  t->mutable_reporter()->set_resident_id(job.who.id);
  if (job.channel == v1::CHANNEL_PHONE || job.channel == v1::CHANNEL_COUNTER)
    t->mutable_reporter()->set_agent("desk");
  if (job.area.empty()) {
    v1::Unit* u = t->mutable_location()->mutable_unit();
    u->set_site_id(site_);
    u->set_building(job.who.building);
    u->set_floor(job.who.floor);
    u->set_room(job.who.room);
  } else {
    t->mutable_location()->set_building(job.who.building);
    t->mutable_location()->set_area(job.area);
  }
  v1::Ticket made;
  if (job.complaint) {
    static const std::map<std::string, v1::ComplaintSubject> kSubjects = {
        {"noise", v1::COMPLAINT_SUBJECT_NOISE},
        {"environment", v1::COMPLAINT_SUBJECT_ENVIRONMENT},
        {"neighbour", v1::COMPLAINT_SUBJECT_NEIGHBOUR},
        {"staff_conduct", v1::COMPLAINT_SUBJECT_STAFF},
        {"billing", v1::COMPLAINT_SUBJECT_BILLING}};
    auto it = kSubjects.find(job.category);
    t->mutable_complaint()->set_subject(it == kSubjects.end() ? v1::COMPLAINT_SUBJECT_OTHER
                                                              : it->second);
    if (!Try(*ctl_.complaints, &v1::ComplaintService::Stub::CreateComplaint, req, &made,
             "report a complaint"))
      return false;
  } else if (!Try(*ctl_.repairs, &v1::RepairService::Stub::CreateRepair, req, &made,
                  "report a repair")) {
    return false;
  }
  job.id = made.id();
  job.created = Current();
  job.p1 = made.priority() == v1::PRIORITY_P1;
  job.p2 = made.priority() == v1::PRIORITY_P2;
  ++created_;
  // Dispatch routes it from the ticket's event; wait for that, so that it happens now and not
  // after the clock has moved on.
  absl::Time give_up = absl::Now() + absl::Seconds(5);
  v1::Ticket t2 = made;
  while (t2.team().empty() && t2.not_routed().empty() && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(3));
    if (!Fetch(job, &t2)) break;
  }
  job.team = t2.team();
  job.assignee = t2.assignee();
  return true;
}

void Simulation::Answer(Job& job) {
  v1::GetSurveyRequest get;
  get.set_id("SV-" + job.id);
  v1::Survey s;
  grpc::Status st = ctl_.Invoke(*surveys_, &v1::SurveyService::Stub::GetSurvey, get, &s);
  if (!st.ok() ||
      (s.status() != v1::SURVEY_STATUS_SENT && s.status() != v1::SURVEY_STATUS_REMINDED))
    return;  // not sent (quiet hours, opted out) or closed: no answer
  const Profile& p = ProfileOf(job.team);
  double mean = p.score + Mood(now_) - (job.late ? 0.8 : 0) - (job.reopened ? 1.0 : 0) -
                (job.held ? 0.3 : 0) + (job.incident ? 0.8 : 0);
  auto score = [&](double m) {
    return std::clamp(static_cast<int>(std::lround(m + rng_.Normal(0.75))), 1, 5);
  };
  v1::SubmitResponseRequest req;
  req.set_survey_id(s.id());
  int overall = score(mean);
  req.mutable_answer()->set_overall(overall);
  req.mutable_answer()->set_speed(score(mean - (job.late ? 0.7 : 0)));
  req.mutable_answer()->set_attitude(score(mean + 0.2));
  req.mutable_answer()->set_comment(CommentFor(rng_, overall, job.who.language));
  v1::Survey answered;
  if (!Try(*surveys_, &v1::SurveyService::Stub::SubmitResponse, req, &answered, "answer a survey"))
    return;
  ++answered_;
  if (overall <= 2) {  // the low score's return call (回訪): mostly within the day
    Duration within = rng_.Chance(0.8) ? rng_.Minutes(60, 900) : rng_.Minutes(1600, 3000);
    Plan(Step::kFollowUp, Working(now_ + within, false), static_cast<int>(&job - jobs_.data()));
  }
}

void Simulation::Do(const Action& a) {
  Job& job = jobs_[a.job];
  const Profile& p = ProfileOf(job.team);
  // Emergencies are ten times as quick, urgent jobs four times (the slow team's only twice).
  auto pace = [&job] {
    return job.p1 ? 10 : job.incident ? 6 : job.p2 ? (job.team == "electrical" ? 2 : 4) : 1;
  };
  bool urgent = job.p1 || job.incident;
  auto after = [&](double lo, double hi) {
    return Working(now_ + rng_.Minutes(lo / pace(), hi / pace()), job.p1 || job.incident || job.p2);
  };
  v1::Ticket t;
  switch (a.step) {
    case Step::kIncidentOpen: {
      v1::CreateIncidentRequest req;
      v1::Incident* inc = req.mutable_incident();
      inc->set_site_id(site_);
      inc->add_buildings(flats_.size() > 1 ? flats_[1].first : flats_[0].first);
      inc->set_category("water_outage");
      inc->set_title("第二座食水總喉爆裂 Tower 2 water main burst");
      inc->set_description(
          "15 樓以上暫停供水，維修中 / No water above the 15th floor: being "
          "repaired");
      *inc->mutable_expected_at() = lobby::ToTimestamp(now_ + absl::Hours(4));
      inc->set_auto_attach(true);
      v1::Incident made;
      if (Try(*ctl_.repairs, &v1::RepairService::Stub::CreateIncident, req, &made,
              "open the incident")) {
        incident_id_ = made.id();
        Plan(Step::kIncidentResolve, now_ + absl::Hours(3) + rng_.Minutes(0, 20), a.job);
      }
      return;
    }
    case Step::kIncidentResolve: {
      v1::ResolveIncidentRequest req;
      req.set_id(incident_id_);
      req.set_resolution(
          "總喉已更換，全座恢復供水 / The main is replaced; water is back in every flat");
      v1::Incident done;
      if (!Try(*ctl_.repairs, &v1::RepairService::Stub::ResolveIncident, req, &done,
               "resolve the incident"))
        return;
      for (int j : incident_jobs_) {
        ++resolved_;
        Plan(Step::kAnswer, now_ + absl::Hours(2) + rng_.Minutes(20, 600), j);
      }
      return;
    }
    case Step::kCreate:
      if (!Create(a.job)) return;
      if (job.incident) incident_jobs_.push_back(a.job);
      if (!job.complaint && !urgent && rng_.Chance(0.02)) {  // sorted out before anyone came
        Plan(Step::kCancel, now_ + rng_.Minutes(5, 40), a.job);
        return;
      }
      Plan(Step::kAck, after(ProfileOf(job.team).ack_lo, ProfileOf(job.team).ack_hi), a.job);
      return;
    case Step::kCancel:
      Move(job, v1::TICKET_ACTION_CANCEL, v1::HOLD_REASON_UNSPECIFIED,
           "the resident called: sorted out");
      return;
    case Step::kAck: {
      // Dispatch's own loop may move the ticket meanwhile (to another member, back to the
      // pool): then it is read again, once.
      grpc::Status s;
      for (int attempt = 0; attempt < 2; ++attempt) {
        if (!Fetch(job, &t)) return;
        if (job.assignee.empty()) {  // in the pool: whoever of the team has room takes it
          auto m = members_.find(job.team);
          if (m == members_.end() || m->second.empty()) return;  // not routed: stays open
          v1::MemberActionRequest claim;
          claim.set_ticket_id(job.id);
          for (size_t i = 0, first = rng_.Int(0, static_cast<int>(m->second.size()) - 1);
               i < m->second.size() && job.assignee.empty(); ++i) {
            claim.set_member(m->second[(first + i) % m->second.size()]);
            if (ctl_.Invoke(*ctl_.dispatch, &v1::DispatchService::Stub::Claim, claim, &t).ok())
              job.assignee = t.assignee();
          }
          if (job.assignee.empty()) {  // the whole team is full: later
            Plan(Step::kAck, now_ + rng_.Minutes(60, 180), a.job);
            return;
          }
        }
        if (t.status() == v1::TICKET_STATUS_REOPENED) {
          v1::TransitionRequest req;
          req.set_id(job.id);
          req.set_action(v1::TICKET_ACTION_ACKNOWLEDGE);
          s = job.complaint
                  ? ctl_.Invoke(*ctl_.complaints, &v1::ComplaintService::Stub::Transition, req, &t)
                  : ctl_.Invoke(*ctl_.repairs, &v1::RepairService::Stub::Transition, req, &t);
        } else {
          v1::MemberActionRequest ack;
          ack.set_ticket_id(job.id);
          ack.set_member(job.assignee);
          s = ctl_.Invoke(*ctl_.dispatch, &v1::DispatchService::Stub::Acknowledge, ack, &t);
        }
        if (s.error_code() != grpc::StatusCode::FAILED_PRECONDITION) break;
      }
      if (!s.ok()) {
        ++failures_;
        if (++refused_["acknowledge"] <= 3)
          std::cerr << "demo: acknowledge: " << ctl_.ErrorLine(s) << "\n";
        return;
      }
      if (job.incident) return;  // the incident's tickets are resolved with it
      if (now_ - job.created > absl::Hours(2)) job.late = true;
      Plan(job.complaint ? Step::kReview : Step::kArrive, after(p.arrive_lo, p.arrive_hi), a.job);
      return;
    }
    case Step::kArrive:
      if (!Move(job, v1::TICKET_ACTION_ARRIVE)) return;
      if (now_ - job.created > absl::Hours(24)) job.late = true;
      if (!job.held && !urgent && rng_.Chance(p.hold)) {
        Plan(Step::kHold, now_ + rng_.Minutes(10, 40), a.job);
      } else {
        Plan(Step::kResolve, now_ + rng_.Minutes(p.work_lo / pace(), p.work_hi / pace()), a.job);
      }
      return;
    case Step::kHold: {
      v1::HoldReason why = rng_.Weighted<v1::HoldReason>({{v1::HOLD_REASON_WAITING_PARTS, 5},
                                                          {v1::HOLD_REASON_RESIDENT_ABSENT, 3},
                                                          {v1::HOLD_REASON_NO_ACCESS, 2}});
      if (!Move(job, v1::TICKET_ACTION_HOLD, why)) return;
      job.held = true;
      Plan(Step::kResume, Working(now_ + rng_.Minutes(360, 3600), false), a.job);
      return;
    }
    case Step::kResume:
      if (!Move(job, v1::TICKET_ACTION_RESUME)) return;
      Plan(Step::kArrive, after(30, 240), a.job);
      return;
    case Step::kResolve:
      if (!Move(job, v1::TICKET_ACTION_RESOLVE)) return;
      ++resolved_;
      if (now_ - job.created > absl::Hours(72)) job.late = true;
      if (!job.reopened && rng_.Chance(p.reopen)) {
        Plan(Step::kReopen, Working(now_ + rng_.Minutes(600, 4000), false), a.job);
      } else {
        if (rng_.Chance(0.65)) Plan(Step::kAnswer, now_ + rng_.Minutes(150, 1500), a.job);
        Plan(Step::kClose, Working(now_ + rng_.Minutes(4 * 1440, 6 * 1440), false), a.job);
      }
      return;
    case Step::kReview:
      if (!Move(job, v1::TICKET_ACTION_SUBMIT_REVIEW, v1::HOLD_REASON_UNSPECIFIED,
                "spoke to both parties; a notice was posted"))
        return;
      Plan(Step::kApprove, after(60, 1200), a.job);
      return;
    case Step::kApprove:
      if (!Move(job, v1::TICKET_ACTION_APPROVE)) return;
      ++resolved_;
      if (rng_.Chance(0.6)) Plan(Step::kAnswer, now_ + rng_.Minutes(150, 1500), a.job);
      return;
    case Step::kReopen:
      if (!Move(job, v1::TICKET_ACTION_REOPEN, v1::HOLD_REASON_UNSPECIFIED,
                "the resident called: it has happened again"))
        return;
      job.reopened = true;
      Plan(Step::kAck, after(p.ack_lo, p.ack_hi), a.job);
      return;
    case Step::kClose:
      Move(job, v1::TICKET_ACTION_CLOSE);  // refused if it was reopened meanwhile
      return;
    case Step::kAnswer:
      Answer(job);
      return;
    case Step::kFollowUp: {
      v1::CompleteFollowUpRequest req;
      req.set_id("FU-" + job.id);
      req.set_outcome(job.who.language == "en"
                          ? "Called the resident, apologised and booked a second visit"
                          : "已致電住戶致歉，並安排師傅再上門跟進");
      v1::FollowUpTask done;
      if (Try(*surveys_, &v1::SurveyService::Stub::CompleteFollowUp, req, &done, "follow up"))
        ++followed_;
      return;
    }
  }
}

int Simulation::Run(bool release) {
  v1::ClockState state;
  grpc::Status st =
      ctl_.Invoke(*clock_, &v1::DemoClockService::Stub::GetClock, v1::GetClockRequest(), &state);
  if (st.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
    std::cerr << "error: this lobbyd has no demo clock: start it with --demo-clock=-" << days_ + 1
              << "d (for the demo and tests only)\n";
    return 1;
  }
  if (!st.ok()) {
    std::cerr << ctl_.ErrorLine(st) << "\n";
    return 1;
  }
  now_ = lobby::FromTimestamp(state.now());
  Time system_now = lobby::FromTimestamp(state.system_now());
  if (!LoadEstate()) return 1;
  // From the first midnight at least `days` before the system's time, to a few minutes before it.
  absl::CivilDay first = absl::ToCivilDay(system_now, tz_) - days_;
  begin_ = absl::FromCivil(first, tz_);
  end_ = system_now - absl::Minutes(5);
  if (now_ > begin_ + absl::Hours(6)) {
    std::cerr << "error: FAILED_PRECONDITION: the clock is at " << absl::FormatTime(now_, tz_)
              << ", after the start of the " << days_ << " days; start lobbyd with --demo-clock=-"
              << days_ + 1 << "d\n";
    return 1;
  }
  if (!Advance(begin_)) return 1;
  MakeResidents();
  if (people_.empty()) {
    std::cerr << "error: FAILED_PRECONDITION: estate " << site_ << " has no residents\n";
    return 1;
  }
  PlanDays();
  if (!ctl_.json())
    std::cerr << "simulating " << days_ << " days of " << site_ << " from "
              << absl::FormatTime("%Y-%m-%d", begin_, tz_) << " (" << jobs_.size()
              << " reports planned)...\n";
  int day = -1;
  while (!agenda_.empty()) {
    Action a = agenda_.top();
    agenda_.pop();
    if (!Advance(a.at)) return 1;
    Do(a);
    int d = static_cast<int>((now_ - begin_) / absl::Hours(24));
    if (!ctl_.json() && d != day && d % 10 == 0) {
      day = d;
      std::cerr << "  day " << d << ": " << created_ << " tickets, " << answered_
                << " surveys answered\n";
    }
  }
  if (!Advance(end_)) return 1;
  if (release) {
    v1::SetClockRequest req;
    req.set_release(true);
    if (!Try(*clock_, &v1::DemoClockService::Stub::SetClock, req, &state, "hand the clock back"))
      return 1;
  }
  if (ctl_.json()) {
    std::cout << absl::StrFormat(
        "{\"site\":\"%s\",\"days\":%d,\"tickets\":%d,\"resolved\":%d,\"answered\":%d,"
        "\"followUps\":%d,\"incident\":\"%s\",\"clockSteps\":%d,\"failures\":%d}\n",
        site_, days_, created_, resolved_, answered_, followed_, incident_id_, steps_, failures_);
  } else {
    std::cout << "simulated " << days_ << " days of " << site_ << ": " << created_ << " tickets, "
              << resolved_ << " resolved, " << answered_ << " surveys answered, " << followed_
              << " follow-ups done, incident " << incident_id_ << "; " << failures_
              << " calls refused\n";
    for (const auto& [what, n] : refused_) std::cout << "  refused: " << what << " x" << n << "\n";
  }
  return 0;
}

}  // namespace

int Demo(Ctl& ctl, Args& a) {
  if (a.positional.size() < 2 || a.positional[1] != "simulate")
    throw UsageError{"demo simulate --site S [--days N] [--seed N] [--keep-clock]"};
  a.Allow({"site", "days", "seed", "keep-clock"}, 2);
  int days = 90;
  uint64_t seed = 7;
  if (a.Has("days") && (!absl::SimpleAtoi(a.Get("days"), &days) || days < 1 || days > 400))
    throw UsageError{"--days is 1 to 400"};
  if (a.Has("seed") && !absl::SimpleAtoi(a.Get("seed"), &seed))
    throw UsageError{"--seed is a number"};
  Simulation sim(ctl, ctl.Site(a), days, seed);
  return sim.Run(!a.Has("keep-clock"));
}

}  // namespace lobbyctl
