#include "services/tickets/ticket_logic.h"

#include <openssl/sha.h>

#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/time_util.h"
#include "services/common/log.h"
#include "services/common/proto_util.h"
#include "services/common/status_macros.h"
#include "services/tickets/catalog.h"

namespace lobby::tickets {
namespace {

using google::protobuf::util::TimeUtil;
using v1::Ticket;
constexpr int kMaxRetries = 8;

bool HasControl(absl::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 && c != '\n' && c != '\t';
  });
}

// What a retry must repeat exactly: the request's ticket, serialized deterministically.
std::string Fingerprint(const Ticket& requested) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.SetSerializationDeterministic(true);
    requested.SerializeToCodedStream(&out);
  }
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), d);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(d), 16));
}

// Who may learn who filed an anonymous complaint: supervisors, and the adapter that answers the
// resident themself.
bool SeesAnonymous(const auth::Principal& p) {
  return auth::IsManagement(p.role) || p.role == auth::Role::kAdapter;
}

bool IsAnonymous(const Ticket& t) { return t.has_complaint() && t.complaint().anonymous(); }

}  // namespace

absl::Status CheckTicketId(absl::string_view id) {
  if (absl::StripAsciiWhitespace(id).empty())
    return absl::InvalidArgumentError("id is required (e.g. R-10042)");
  absl::string_view digits = id;
  bool ok = (absl::ConsumePrefix(&digits, "R-") || absl::ConsumePrefix(&digits, "C-")) &&
            !digits.empty() && digits.size() <= 12 &&
            std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit);
  if (!ok)
    return absl::InvalidArgumentError(absl::StrCat("'", absl::CHexEscape(id.substr(0, 40)),
                                                   "' is not a ticket id (R-10042, C-10007)"));
  return absl::OkStatus();
}

absl::Status CheckText(absl::string_view what, absl::string_view s, size_t max, bool required) {
  if ((required && absl::StripAsciiWhitespace(s).empty()) || s.size() > max || HasControl(s)) {
    return absl::InvalidArgumentError(absl::StrCat(what, required ? " is required and" : "",
                                                   " must be at most ", max, " bytes of text"));
  }
  return absl::OkStatus();
}

size_t CodePoints(absl::string_view s) {
  return std::count_if(s.begin(), s.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

/// Photos as a ticket takes them: http(s) links to images or videos, 20 at most with the
/// `already` it has.
absl::Status CheckPhotos(const google::protobuf::RepeatedPtrField<v1::Photo>& photos, int already) {
  if (photos.size() + already > 20) return absl::InvalidArgumentError("at most 20 photos");
  for (const auto& p : photos) {
    if (!(absl::StartsWith(p.url(), "https://") || absl::StartsWith(p.url(), "http://")) ||
        p.url().size() > 2000) {
      return absl::InvalidArgumentError("a photo url is http(s)://..., at most 2000 characters");
    }
    if (!absl::StartsWith(p.content_type(), "image/") &&
        !absl::StartsWith(p.content_type(), "video/")) {
      return absl::InvalidArgumentError("a photo content_type is image/... or video/...");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckName(absl::string_view what, absl::string_view s) {
  bool ok = s.size() <= 64 && !HasControl(s) && s.find('\n') == absl::string_view::npos;
  if (!ok)
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be at most 64 characters on one line"));
  return absl::OkStatus();
}

void TicketsConfig::Declare(config::Settings& s) {
  s.Declare("reopen-days", "14", "days after resolution during which a ticket may be reopened");
  s.Declare("technicians-see-phone", "",
            "estates whose technicians see the resident's phone number on their own tickets: a "
            "list, or * for all");
}

absl::StatusOr<TicketsConfig> TicketsConfig::From(const config::Settings& s) {
  TicketsConfig c;
  LOBBY_ASSIGN_OR_RETURN(auto days, s.GetInt("reopen-days", 0, 365));
  c.reopen_days = static_cast<int>(days);
  for (absl::string_view site :
       absl::StrSplit(s.Get("technicians-see-phone"), ',', absl::SkipWhitespace())) {
    site = absl::StripAsciiWhitespace(site);
    if (site != "*" && !ValidateSiteId(site).ok())
      return s.Invalid("technicians-see-phone", "estate ids separated by commas, or *");
    c.technicians_see_phone.insert(std::string(site));
  }
  return c;
}

queue::Fields TicketEvent(const Ticket& t, absl::string_view type, v1::TicketStatus from,
                          absl::string_view actor, absl::string_view note, absl::Time at) {
  std::string building =
      t.location().has_unit() ? t.location().unit().building() : t.location().building();
  queue::Fields f = {{"v", "1"},
                     {"type", std::string(type)},
                     {"ticket_id", t.id()},
                     {"kind", t.has_complaint() ? "complaint" : "repair"},
                     {"site_id", t.site_id()},
                     {"building", building},
                     {"category", t.category()},
                     {"priority", PriorityName(t.priority())},
                     {"emergency", t.emergency() ? "1" : "0"},
                     {"channel", ChannelName(t.channel())},
                     {"status", StatusName(t.status())},
                     {"from_status", from == v1::TICKET_STATUS_UNSPECIFIED ? "" : StatusName(from)},
                     {"team", t.team()},
                     {"assignee", t.assignee()},
                     {"resident_id", t.reporter().resident_id()},
                     {"anonymous", t.has_complaint() && t.complaint().anonymous() ? "1" : "0"},
                     {"actor", std::string(actor)},
                     {"note", std::string(note)},
                     {"at", std::to_string(absl::ToUnixMillis(at))},
                     {"version", std::to_string(t.version())},
                     {"incident_id", t.repair().incident_id()}};
  if (t.location().has_unit()) {
    const v1::Unit& u = t.location().unit();
    f.emplace_back("unit", absl::StrCat(u.building(), "/", u.floor(), "/", u.room()));
  }
  if (absl::StartsWith(type, "ticket.visit_") && t.repair().has_visit_window()) {
    const v1::VisitWindow& w = t.repair().visit_window();
    f.emplace_back("visit_start", std::to_string(absl::ToUnixMillis(FromTimestamp(w.start()))));
    f.emplace_back("visit_end", std::to_string(absl::ToUnixMillis(FromTimestamp(w.end()))));
  }
  return f;
}

queue::Fields IncidentEvent(const v1::Incident& i, absl::string_view type, absl::string_view actor,
                            absl::Time at) {
  return {{"v", "1"},
          {"type", std::string(type)},
          {"incident_id", i.id()},
          {"site_id", i.site_id()},
          {"buildings", absl::StrJoin(i.buildings(), ",")},
          {"category", i.category()},
          {"title", i.title()},
          {"expected_at", i.has_expected_at()
                              ? std::to_string(TimeUtil::TimestampToMilliseconds(i.expected_at()))
                              : ""},
          {"tickets", std::to_string(i.ticket_ids_size())},
          {"note", i.resolution()},
          {"actor", std::string(actor)},
          {"at", std::to_string(absl::ToUnixMillis(at))},
          {"version", std::to_string(i.version())}};
}

TicketLogic::TicketLogic(TicketStore& store, const Clock& clock, Kind kind, TicketsConfig config,
                         CatalogSource catalog_source, ResidentSite resident_site,
                         RegisterCache* registers)
    : store_(store),
      clock_(clock),
      kind_(kind),
      config_(std::move(config)),
      catalog_source_(std::move(catalog_source)),
      resident_site_(std::move(resident_site)),
      registers_(registers) {}

absl::Status TicketLogic::CheckReporter(Ticket& t, const v1::Catalog& catalog,
                                        std::string* raised) const {
  const std::string& resident = t.reporter().resident_id();
  if (resident.empty() || !resident_site_) return absl::OkStatus();
  auto facts = resident_site_(resident);
  if (absl::IsNotFound(facts.status()) || absl::IsInvalidArgument(facts.status())) {
    return absl::InvalidArgumentError(absl::StrCat("reporter.resident_id: no resident ", resident));
  }
  if (!facts.ok()) return facts.status();
  if (facts->site != t.site_id()) {
    return absl::InvalidArgumentError(absl::StrCat("reporter ", resident, " lives in estate ",
                                                   facts->site, ", not ", t.site_id()));
  }
  if (t.priority() <= v1::PRIORITY_P1) return absl::OkStatus();
  for (const std::string& tag : facts->tags) {
    if (std::find(catalog.raise_priority_for().begin(), catalog.raise_priority_for().end(), tag) ==
        catalog.raise_priority_for().end())
      continue;
    *raised = absl::StrCat("priority raised from ", PriorityName(t.priority()),
                           ": the resident is tagged ", tag);
    t.set_priority(static_cast<v1::Priority>(t.priority() - 1));
    break;
  }
  return absl::OkStatus();
}

absl::Status TicketLogic::ValidateNew(Ticket& t, const v1::Catalog& catalog,
                                      const auth::Principal& actor) const {
  v1::Location& loc = *t.mutable_location();
  if (loc.has_unit()) {
    v1::Unit& u = *loc.mutable_unit();
    if (u.site_id().empty()) u.set_site_id(t.site_id());
    if (u.site_id() != t.site_id())
      return absl::InvalidArgumentError("location.unit.site_id differs from site_id");
    if (u.building().empty() || u.floor().empty() || u.room().empty()) {
      return absl::InvalidArgumentError("a unit needs building, floor and room");
    }
    if (!loc.building().empty() || !loc.area().empty()) {
      return absl::InvalidArgumentError("location is a unit or a common area, not both");
    }
  } else if (loc.building().empty() || (loc.area().empty() && loc.floor().empty())) {
    return absl::InvalidArgumentError(
        "location is required: a unit, or a common area with building and floor or area");
  }
  for (absl::string_view part : {loc.building(), loc.floor(), loc.area()}) {
    LOBBY_RETURN_IF_ERROR(CheckName("location", part));
  }
  if (t.category().empty())
    return absl::InvalidArgumentError(
        "category is required (see GetCatalog, or Classify free text)");
  const v1::Category* cat = FindCategory(catalog, t.category());
  std::string kind = kind_ == Kind::kRepair ? "repair" : "complaint";
  if (cat == nullptr || cat->kind() != kind) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", t.category(), "' is not a ", kind, " category of site ", t.site_id()));
  }
  if (t.priority() == v1::PRIORITY_UNSPECIFIED) t.set_priority(cat->default_priority());
  if (!v1::Priority_IsValid(t.priority()))
    return absl::InvalidArgumentError("priority is P1 to P4");
  if (cat->emergency()) {
    t.set_emergency(true);
    t.set_priority(v1::PRIORITY_P1);
  }
  if (registers_ != nullptr) {
    // An emergency is never refused for where it is: a place the register does not know is
    // kept as given (a refused check changes nothing) and logged, so that the on-duty team is
    // paged at once.
    absl::Status s = registers_->CheckLocation(t.site_id(), loc);
    if (!s.ok() && !cat->emergency()) return s;
    if (!s.ok()) {
      log::Get("tickets")->warn(
          "event=emergency_location_unchecked site={} category={} reason=\"{}\"", t.site_id(),
          t.category(), s.message());
    }
  }
  if (t.channel() == v1::CHANNEL_UNSPECIFIED || !v1::Channel_IsValid(t.channel())) {
    return absl::InvalidArgumentError("channel is required: where the report came in");
  }
  // As long as the longest message a resident can send on any channel (LINE's 5,000 characters).
  if (CodePoints(t.description()) > kMaxDescriptionChars) {
    return absl::InvalidArgumentError(absl::StrCat("description is at most ", kMaxDescriptionChars,
                                                   " characters (this one has ",
                                                   CodePoints(t.description()), ")"));
  }
  if (absl::Status s = CheckText("description", t.description(), 4 * kMaxDescriptionChars, true);
      !s.ok())
    return s;
  LOBBY_RETURN_IF_ERROR(CheckPhotos(t.photos(), 0));
  v1::Reporter& r = *t.mutable_reporter();
  if (actor.role == auth::Role::kAgent && r.agent().empty()) r.set_agent(actor.name);
  if (r.resident_id().empty() && r.agent().empty() && r.name().empty()) {
    return absl::InvalidArgumentError(
        "reporter is required: a resident id, the agent, or a guest's name");
  }
  for (absl::string_view part : {r.resident_id(), r.agent(), r.name(), r.phone()}) {
    LOBBY_RETURN_IF_ERROR(CheckName("reporter", part));
  }
  if (!t.team().empty() || !t.assignee().empty() || t.has_sla() || t.history_size() ||
      t.comments_size()) {
    return absl::InvalidArgumentError(
        "team, assignee, sla, history and comments are set by Lobby, not on create");
  }
  if (kind_ == Kind::kRepair) {
    if (t.has_complaint()) return absl::InvalidArgumentError("complaint details on a repair");
    if (absl::Status s = CheckText("key_note", t.repair().key_note(), 500, false); !s.ok())
      return s;
    t.mutable_repair()->clear_incident_id();
    t.mutable_repair()->clear_hold_reason();
    if (t.repair()
            .has_visit_window()) {  // the resident's preferred window; staff propose the visit
      const v1::VisitWindow& w = t.repair().visit_window();
      if (!w.has_start() || !w.has_end() || FromTimestamp(w.end()) <= FromTimestamp(w.start()) ||
          FromTimestamp(w.end()) - FromTimestamp(w.start()) > absl::Hours(24 * 14)) {
        return absl::InvalidArgumentError(
            "visit_window needs start before end, at most 14 days apart");
      }
      t.mutable_repair()->mutable_visit_window()->set_confirmed(false);
    }
  } else {
    if (t.has_repair()) return absl::InvalidArgumentError("repair details on a complaint");
    v1::ComplaintDetails& c = *t.mutable_complaint();
    if (c.subject() == v1::COMPLAINT_SUBJECT_UNSPECIFIED ||
        !v1::ComplaintSubject_IsValid(c.subject())) {
      return absl::InvalidArgumentError(
          "subject is required: neighbour, staff, service, noise, environment, billing, other");
    }
    c.clear_review_note();
    c.clear_reviewed_by();
    c.clear_follow_up();
  }
  return absl::OkStatus();
}

absl::StatusOr<Ticket> TicketLogic::Create(const v1::CreateTicketRequest& req,
                                           const auth::Principal& actor) {
  if (req.idempotency_key().size() > 200)
    return absl::InvalidArgumentError("idempotency_key is at most 200 bytes");
  Ticket t = req.ticket();
  if (t.site_id().empty() && t.location().has_unit()) t.set_site_id(t.location().unit().site_id());
  LOBBY_RETURN_IF_ERROR(ValidateSiteId(t.site_id()));
  if (!t.id().empty()) return absl::InvalidArgumentError("id is assigned by Lobby");
  LOBBY_ASSIGN_OR_RETURN(auto cached, CatalogFor(t.site_id()));
  const v1::Catalog& catalog = cached->catalog();
  LOBBY_RETURN_IF_ERROR(ValidateNew(t, catalog, actor));
  std::string raised;
  LOBBY_RETURN_IF_ERROR(CheckReporter(t, catalog, &raised));

  // One round trip for what the create needs to read: an earlier attempt with the same key, a
  // number, and the open incidents a report may belong to.
  std::string fingerprint = req.idempotency_key().empty() ? "" : Fingerprint(req.ticket());
  LOBBY_ASSIGN_OR_RETURN(auto prelude, store_.PrepareCreate(t.site_id(), req.idempotency_key()));
  if (prelude.existing)
    return Retried(*prelude.existing, req.idempotency_key(), fingerprint, actor);
  absl::Time now = clock_.Now();
  const OpenIncident* joined = nullptr;
  if (kind_ == Kind::kComplaint) {
    const v1::Category* cat = FindCategory(catalog, t.category());
    if (cat->response_hours() > 0)
      *t.mutable_sla()->mutable_respond_by() =
          ToTimestamp(now + absl::Hours(cat->response_hours()));
  } else {
    // A new report of a fault that is already known joins its incident.
    std::string building =
        t.location().has_unit() ? t.location().unit().building() : t.location().building();
    for (const OpenIncident& inc : prelude.auto_attach) {
      bool in_building =
          inc.buildings.empty() ||
          std::find(inc.buildings.begin(), inc.buildings.end(), building) != inc.buildings.end();
      if (inc.category == t.category() && in_building) {
        t.mutable_repair()->set_incident_id(inc.id);
        joined = &inc;
        break;
      }
    }
  }
  t.set_id(prelude.next_id);
  t.set_status(v1::TICKET_STATUS_NEW);
  t.clear_not_routed();  // dispatch's to say
  t.set_version(1);
  *t.mutable_created_at() = ToTimestamp(now);
  *t.mutable_updated_at() = t.created_at();
  v1::HistoryEntry* h = t.add_history();
  *h->mutable_at() = t.created_at();
  h->set_actor(actor.name);
  h->set_action("created");
  h->set_to_status(v1::TICKET_STATUS_NEW);
  h->set_note(raised);
  queue::Fields event =
      TicketEvent(t, "ticket.created", v1::TICKET_STATUS_UNSPECIFIED, actor.name, "", now);
  // Routing rules may look for words in the description: the first 500 bytes travel along.
  size_t cut = std::min<size_t>(t.description().size(), 500);
  while (cut < t.description().size() && cut > 0 &&
         (static_cast<unsigned char>(t.description()[cut]) & 0xC0) == 0x80)
    --cut;
  event.emplace_back("description", t.description().substr(0, cut));
  if (joined != nullptr) {  // the reporter is told it is a known fault, and when it should end
    event.emplace_back("incident_title", joined->title);
    event.emplace_back("incident_expected_at", joined->expected_at);
  }
  absl::Status s = store_.Insert(t, req.idempotency_key(), fingerprint, event);
  if (absl::IsAlreadyExists(s) && !req.idempotency_key().empty()) {
    // A concurrent retry won the race: answer with its ticket.
    LOBBY_ASSIGN_OR_RETURN(auto existing,
                           store_.FindByIdempotencyKey(t.site_id(), req.idempotency_key()));
    if (existing.has_value()) return Retried(*existing, req.idempotency_key(), fingerprint, actor);
  }
  if (!s.ok()) return s;
  log::Get(kind_ == Kind::kRepair ? "repairs" : "complaints")
      ->info("event=ticket_created ticket={} site={} category={} priority={} channel={}", t.id(),
             t.site_id(), t.category(), PriorityName(t.priority()), ChannelName(t.channel()));
  return Redact(std::move(t), actor);
}

absl::Status TicketLogic::MayChange(const Ticket& t, const auth::Principal& actor,
                                    bool internal_comment) const {
  if (actor.role == auth::Role::kTechnician && t.assignee() != actor.name) {
    return absl::PermissionDeniedError(absl::StrCat(
        t.id(), " is not assigned to ", actor.name,
        "; a technician acts only on their own tickets (claim it from the pool first)"));
  }
  if (actor.role != auth::Role::kAdapter) return absl::OkStatus();
  absl::string_view whom = actor.acting_for;
  bool bound = false;
  if (absl::ConsumePrefix(&whom, "resident:")) {
    bound = !whom.empty() && t.reporter().resident_id() == whom;
  } else if (absl::ConsumePrefix(&whom, "phone:")) {
    bound = !whom.empty() && t.reporter().resident_id().empty() && t.reporter().phone() == whom;
  } else if (absl::ConsumePrefix(&whom, "staff:")) {
    bound =
        !whom.empty() && internal_comment;  // a note for the team by a person the adapter signed in
  }
  if (!bound) {
    return absl::PermissionDeniedError(
        absl::StrCat("an adapter acts on ", t.id(), " only for the resident who reported it (",
                     auth::kActingForHeader,
                     ": resident:ID or phone:NUMBER; staff:NAME for internal comments)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Ticket> TicketLogic::Retried(const IdempotencyRecord& earlier, absl::string_view key,
                                            absl::string_view fingerprint,
                                            const auth::Principal& actor) {
  if (!earlier.fingerprint.empty() && earlier.fingerprint != fingerprint) {
    return absl::AlreadyExistsError(
        absl::StrCat("idempotency key '", key, "' was used for ", earlier.ticket_id,
                     " with a different report; a new report needs a new key"));
  }
  return Get(earlier.ticket_id, actor);  // a retry: the same ticket
}

Ticket TicketLogic::Redact(Ticket t, const auth::Principal& viewer) const {
  // An anonymous complaint's reporter is for supervisors (and the adapter that answers the
  // resident) only.
  if (IsAnonymous(t) && !SeesAnonymous(viewer)) {
    t.clear_reporter();
    t.mutable_reporter()->set_name("anonymous");
    // The history and the comments name the adapter or agent that filed it, never the resident;
    // the timeline entries the residents service keeps are hidden there (docs/permissions.md).
  } else if (viewer.role == auth::Role::kTechnician) {
    // A technician learns who the resident is only from a ticket of theirs, and their number
    // only where the estate allows it.
    std::string agent = t.reporter().agent();
    if (t.assignee() != viewer.name) {
      t.clear_reporter();
      t.mutable_reporter()->set_agent(agent);
    } else if (!config_.technicians_see_phone.contains(t.site_id()) &&
               !config_.technicians_see_phone.contains("*")) {
      t.mutable_reporter()->clear_phone();
    }
  }
  // Internal comments are for the team: the adapter shows tickets to residents.
  if (viewer.role == auth::Role::kAdapter) {
    auto* comments = t.mutable_comments();
    comments->erase(std::remove_if(comments->begin(), comments->end(),
                                   [](const v1::Comment& c) { return c.internal(); }),
                    comments->end());
  }
  return t;
}

absl::StatusOr<Ticket> TicketLogic::Get(absl::string_view id, const auth::Principal& viewer) {
  LOBBY_RETURN_IF_ERROR(CheckTicketId(id));
  LOBBY_ASSIGN_OR_RETURN(auto t, store_.Get(id));
  return Redact(std::move(t), viewer);
}

absl::StatusOr<v1::ListTicketsResponse> TicketLogic::List(const v1::ListTicketsRequest& req,
                                                          const auth::Principal& viewer) {
  LOBBY_RETURN_IF_ERROR(ValidateSiteId(req.site_id()));
  if (req.page_size() < 0) return absl::InvalidArgumentError("page_size must not be negative");
  if (!v1::TicketStatus_IsValid(req.status()) || !v1::Priority_IsValid(req.priority())) {
    return absl::InvalidArgumentError("unknown status or priority");
  }
  int size = req.page_size() == 0 ? 50 : std::min(req.page_size(), 500);
  LOBBY_ASSIGN_OR_RETURN(auto page, store_.List(req, size));
  v1::ListTicketsResponse out;
  bool by_reporter = !req.reporter_resident_id().empty() && !SeesAnonymous(viewer);
  for (auto& t : page.tickets) {
    // Filtering by reporter must not reveal who filed an anonymous complaint.
    if (by_reporter && IsAnonymous(t)) continue;
    *out.add_tickets() = Redact(std::move(t), viewer);
  }
  out.set_next_page_token(page.next_page_token);
  return out;
}

absl::StatusOr<Ticket> TicketLogic::Mutate(absl::string_view id, int64_t expected_version,
                                           const auth::Principal& actor, const Change& change,
                                           const queue::Fields* extra) {
  LOBBY_RETURN_IF_ERROR(CheckTicketId(id));
  for (int attempt = 0;; ++attempt) {
    LOBBY_ASSIGN_OR_RETURN(auto cur, store_.Get(id));
    LOBBY_RETURN_IF_ERROR(auth::CheckEstate(actor, cur.site_id()));
    if (expected_version != 0 && cur.version() != expected_version) {
      return absl::AbortedError(
          absl::StrCat(id, " is at version ", cur.version(), ", not ", expected_version));
    }
    Ticket next = cur;
    std::string type, note;
    LOBBY_RETURN_IF_ERROR(change(next, type, note));
    if (type.empty()) return Redact(std::move(cur), actor);  // nothing to change
    absl::Time now = clock_.Now();
    next.set_version(cur.version() + 1);
    *next.mutable_updated_at() = ToTimestamp(now);
    v1::HistoryEntry* h = next.add_history();
    *h->mutable_at() = next.updated_at();
    h->set_actor(actor.name);
    h->set_action(type.substr(type.find('.') + 1));
    h->set_from_status(cur.status());
    h->set_to_status(next.status());
    h->set_note(note);
    queue::Fields event = TicketEvent(next, type, cur.status(), actor.name, note, now);
    // An adapter acting for the ticket's own reporter: the resident did this themselves (and
    // has had their answer in the conversation already).
    if (absl::string_view whom = actor.acting_for;
        actor.role == auth::Role::kAdapter &&
        (absl::ConsumePrefix(&whom, "resident:") || absl::ConsumePrefix(&whom, "phone:")))
      event.emplace_back("by_reporter", "1");
    if (extra != nullptr) event.insert(event.end(), extra->begin(), extra->end());
    absl::Status s = store_.Replace(cur, next, event);
    if (s.ok()) return Redact(std::move(next), actor);
    if (!absl::IsAborted(s) || expected_version != 0 || attempt + 1 >= kMaxRetries) return s;
  }
}

absl::StatusOr<Ticket> TicketLogic::Assign(const v1::AssignRequest& req,
                                           const auth::Principal& actor) {
  if (req.team().empty()) return absl::InvalidArgumentError("team is required");
  for (absl::string_view part : {req.team(), req.assignee()}) {
    LOBBY_RETURN_IF_ERROR(CheckName("team and assignee", part));
  }
  LOBBY_RETURN_IF_ERROR(CheckText("note", req.note(), 2000, false));
  queue::Fields extra;
  return Mutate(
      req.id(), req.expected_version(), actor,
      [&](Ticket& t, std::string& type, std::string& note) {
        if (!CanAssign(t.status())) {
          return absl::FailedPreconditionError(
              absl::StrCat("cannot assign a ticket that is ", StatusName(t.status())));
        }
        if (registers_ != nullptr) {
          if (absl::Status s = registers_->CheckAssignee(t.site_id(), req.team(), req.assignee());
              !s.ok())
            return s;
        }
        bool same = t.team() == req.team() && t.assignee() == req.assignee();
        if (same && t.status() != v1::TICKET_STATUS_REOPENED &&
            !(req.acknowledged() && t.status() == v1::TICKET_STATUS_ASSIGNED)) {
          return absl::FailedPreconditionError(absl::StrCat(
              t.id(), " is already with ", req.assignee().empty() ? req.team() : req.assignee()));
        }
        extra = {{"previous_team", t.team()}, {"previous_assignee", t.assignee()}};
        t.set_team(req.team());
        t.set_assignee(req.assignee());
        t.clear_not_routed();
        // With nobody named, the ticket waits in the team's pool.
        t.set_status(req.assignee().empty() ? v1::TICKET_STATUS_NEW : v1::TICKET_STATUS_ASSIGNED);
        if (t.has_repair()) t.mutable_repair()->clear_hold_reason();
        type = "ticket.assigned";
        if (req.acknowledged() && !req.assignee().empty()) {
          t.set_status(v1::TICKET_STATUS_ACKNOWLEDGED);
          type = "ticket.acknowledged";
        }
        note = req.note();
        return absl::OkStatus();
      },
      &extra);
}

absl::StatusOr<Ticket> TicketLogic::Annotate(const v1::AnnotateRequest& req,
                                             const auth::Principal& actor) {
  static const std::map<std::string, std::string, std::less<>> kEvents = {
      {"warning", "ticket.sla_warning"},
      {"breach", "ticket.sla_breached"},
      {"escalation", "ticket.escalated"},
      {"page", "ticket.paged"}};
  const v1::SlaEvent& ev = req.event();
  auto type_of = kEvents.find(ev.kind());
  if (req.has_event() && type_of == kEvents.end()) {
    return absl::InvalidArgumentError("event.kind is warning, breach, escalation or page");
  }
  if (ev.to_size() > 50) return absl::InvalidArgumentError("event.to names at most 50 members");
  for (const auto& m : ev.to()) {
    LOBBY_RETURN_IF_ERROR(CheckName("event.to", m));
  }
  LOBBY_RETURN_IF_ERROR(CheckText("event.note", ev.note(), 2000, false));
  LOBBY_RETURN_IF_ERROR(CheckText("sla.policy", req.sla().policy(), 200, false));
  LOBBY_RETURN_IF_ERROR(CheckText("not_routed", req.not_routed(), 2000, false));
  queue::Fields extra;
  return Mutate(
      req.id(), req.expected_version(), actor,
      [&](Ticket& t, std::string& type, std::string& note) {
        if (!req.not_routed().empty()) {
          if (!t.team().empty())
            return absl::FailedPreconditionError(absl::StrCat(t.id(), " is with team ", t.team()));
          if (t.not_routed() == req.not_routed()) return absl::OkStatus();  // said already
          t.set_not_routed(req.not_routed());
          type = "ticket.not_routed";
          note = req.not_routed();
          return absl::OkStatus();
        }
        if (t.sla().events_size() >= 200)
          return absl::FailedPreconditionError(absl::StrCat(t.id(), " has 200 SLA events already"));
        google::protobuf::RepeatedPtrField<v1::SlaEvent> events;
        events.Swap(t.mutable_sla()->mutable_events());
        *t.mutable_sla() = req.sla();
        t.mutable_sla()->mutable_events()->Swap(&events);
        if (!req.has_event()) {
          type = "ticket.sla_set";
          note = req.sla().policy();
          return absl::OkStatus();
        }
        v1::SlaEvent* e = t.mutable_sla()->add_events();
        *e = ev;
        *e->mutable_at() = ToTimestamp(clock_.Now());
        type = type_of->second;
        note = ev.note();
        extra = {{"stage", ev.stage()},
                 {"level", std::to_string(ev.level())},
                 {"notify", absl::StrJoin(ev.to(), ",")},
                 {"due",
                  ev.has_due() ? std::to_string(absl::ToUnixMillis(FromTimestamp(ev.due()))) : ""}};
        return absl::OkStatus();
      },
      &extra);
}

absl::StatusOr<Ticket> TicketLogic::Transition(const v1::TransitionRequest& req,
                                               const auth::Principal& actor) {
  if (req.action() == v1::TICKET_ACTION_UNSPECIFIED || !v1::TicketAction_IsValid(req.action())) {
    return absl::InvalidArgumentError("action is required");
  }
  if (!MayAct(actor.role, req.action())) {
    return absl::PermissionDeniedError(absl::StrCat(
        "role '", auth::RoleName(actor.role), "' may not ", ActionName(req.action()), " a ticket"));
  }
  LOBBY_RETURN_IF_ERROR(CheckText("note", req.note(), 2000, false));
  LOBBY_RETURN_IF_ERROR(CheckPhotos(req.photos(), 0));
  if (req.action() == v1::TICKET_ACTION_HOLD && (req.hold_reason() == v1::HOLD_REASON_UNSPECIFIED ||
                                                 !v1::HoldReason_IsValid(req.hold_reason()))) {
    return absl::InvalidArgumentError(
        "hold needs a reason: resident_absent, waiting_parts or no_access");
  }
  return Mutate(req.id(), req.expected_version(), actor,
                [&](Ticket& t, std::string& type, std::string& note) {
                  LOBBY_RETURN_IF_ERROR(MayChange(t, actor, false));
                  LOBBY_ASSIGN_OR_RETURN(auto next, Next(kind_, t.status(), req.action()));
                  absl::Time now = clock_.Now();
                  if (req.action() == v1::TICKET_ACTION_ON_THE_WAY && SetOut(t)) {
                    // Once per visit: the resident is not told twice.
                    return absl::FailedPreconditionError(
                        absl::StrCat(t.id(), ": the technician is on the way already"));
                  }
                  if (req.action() == v1::TICKET_ACTION_REOPEN) {
                    absl::Time resolved = FromTimestamp(t.resolved_at());
                    if (now - resolved > absl::Hours(24) * config_.reopen_days) {
                      return absl::FailedPreconditionError(
                          absl::StrCat("a ticket can be reopened within ", config_.reopen_days,
                                       " days of resolution; report it again instead"));
                    }
                  }
                  if (req.action() == v1::TICKET_ACTION_CLOSE && t.has_complaint() &&
                      !t.complaint().has_follow_up()) {
                    return absl::FailedPreconditionError(
                        "a complaint closes only after the follow-up contact is recorded");
                  }
                  if (req.action() == v1::TICKET_ACTION_RESOLVE ||
                      req.action() == v1::TICKET_ACTION_APPROVE) {
                    *t.mutable_resolved_at() = ToTimestamp(now);
                  }
                  if (t.has_repair()) {
                    if (req.action() == v1::TICKET_ACTION_HOLD)
                      t.mutable_repair()->set_hold_reason(req.hold_reason());
                    if (req.action() == v1::TICKET_ACTION_RESUME)
                      t.mutable_repair()->clear_hold_reason();
                  }
                  if (t.has_complaint() && (req.action() == v1::TICKET_ACTION_APPROVE ||
                                            req.action() == v1::TICKET_ACTION_REJECT)) {
                    t.mutable_complaint()->set_reviewed_by(actor.name);
                    t.mutable_complaint()->set_review_note(req.note());
                  }
                  LOBBY_RETURN_IF_ERROR(CheckPhotos(req.photos(), t.photos_size()));
                  t.mutable_photos()->MergeFrom(req.photos());
                  t.set_status(next.to);
                  type = next.event;
                  note = req.note();
                  if (req.photos_size() > 0) {
                    absl::StrAppend(&note, note.empty() ? "" : " ", "(", req.photos_size(),
                                    req.photos_size() == 1 ? " photo)" : " photos)");
                  }
                  if (req.action() == v1::TICKET_ACTION_HOLD) {
                    note = absl::StrCat(
                        absl::AsciiStrToLower(v1::HoldReason_Name(req.hold_reason()).substr(12)),
                        req.note().empty() ? "" : ": ", req.note());
                  }
                  return absl::OkStatus();
                });
}

absl::StatusOr<Ticket> TicketLogic::AddComment(const v1::AddCommentRequest& req,
                                               const auth::Principal& actor) {
  LOBBY_RETURN_IF_ERROR(CheckText("text", req.text(), 4000, true));
  return Mutate(req.id(), 0, actor, [&](Ticket& t, std::string& type, std::string& note) {
    LOBBY_RETURN_IF_ERROR(MayChange(t, actor, req.internal()));
    if (t.comments_size() >= 500)
      return absl::FailedPreconditionError("this ticket has 500 comments already");
    v1::Comment* c = t.add_comments();
    c->set_id(absl::StrCat("c", t.comments_size()));
    *c->mutable_at() = ToTimestamp(clock_.Now());
    absl::string_view staff = actor.acting_for;
    c->set_author(actor.role == auth::Role::kAdapter && absl::ConsumePrefix(&staff, "staff:")
                      ? absl::StrCat(staff, " (", actor.name, ")")
                      : actor.name);
    c->set_internal(req.internal());
    c->set_text(req.text());
    type = "ticket.commented";
    note = req.internal() ? "(internal)" : req.text();
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::CountByStatusResponse> TicketLogic::CountByStatus(
    const v1::CountByStatusRequest& req) {
  LOBBY_RETURN_IF_ERROR(ValidateSiteId(req.site_id()));
  if (req.team().empty()) return absl::InvalidArgumentError("team is required");
  LOBBY_ASSIGN_OR_RETURN(auto counts, store_.CountByStatus(req.site_id(), req.team()));
  v1::CountByStatusResponse out;
  for (const auto& [k, v] : counts) (*out.mutable_counts())[k] = v;
  return out;
}

// ------------------------------------------------------------------ catalog

absl::StatusOr<std::shared_ptr<const Classifier>> TicketLogic::CatalogFor(absl::string_view site) {
  LOBBY_RETURN_IF_ERROR(ValidateSiteId(site));
  {
    std::lock_guard lock(mu_);
    auto it = catalogs_.find(site);
    if (it != catalogs_.end() && clock_.Now() - it->second.second < kCatalogTtl)
      return it->second.first;
  }
  v1::Catalog c;
  if (catalog_source_) {
    LOBBY_ASSIGN_OR_RETURN(auto remote, catalog_source_(site));
    c = std::move(remote);
  } else {
    LOBBY_ASSIGN_OR_RETURN(auto stored, store_.GetCatalog(site));
    if (stored.has_value()) {
      c = *std::move(stored);
    } else {
      c = DefaultCatalog();
      c.set_site_id(std::string(site));
    }
  }
  // The classifier is built from the catalog it was loaded with, and expires with it.
  auto entry = std::make_shared<const Classifier>(std::move(c));
  std::lock_guard lock(mu_);
  catalogs_[std::string(site)] = {entry, clock_.Now()};
  return entry;
}

void TicketLogic::ForgetCatalog(absl::string_view site) {
  std::lock_guard lock(mu_);
  catalogs_.erase(site);
}

}  // namespace lobby::tickets
