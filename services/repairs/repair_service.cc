#include "services/repairs/repair_service.h"

namespace lobby::repairs {
namespace {

using auth::Role;
constexpr char kPrefix[] = "lobby.v1.RepairService/";

}  // namespace

RepairServiceImpl::RepairServiceImpl(tickets::TicketLogic& logic, RepairLogic& repairs, RpcEnv env)
    : logic_(logic),
      repairs_(repairs),
      env_(env),
      create_(env.Method(std::string(kPrefix) + "CreateRepair")),
      get_(env.InternalMethod(std::string(kPrefix) + "GetRepair")),
      list_(env.Method(std::string(kPrefix) + "ListRepairs")),
      assign_(env.InternalMethod(std::string(kPrefix) + "Assign")),
      annotate_(env.InternalMethod(std::string(kPrefix) + "Annotate")),
      transition_(env.Method(std::string(kPrefix) + "Transition")),
      propose_visit_(env.Method(std::string(kPrefix) + "ProposeVisit")),
      confirm_visit_(env.Method(std::string(kPrefix) + "ConfirmVisit")),
      comment_(env.Method(std::string(kPrefix) + "AddComment")),
      count_(env.Method(std::string(kPrefix) + "CountByStatus")),
      apply_catalog_(env.Method(std::string(kPrefix) + "ApplyCatalog")),
      get_catalog_(env.InternalMethod(std::string(kPrefix) + "GetCatalog")),
      classify_(env.Method(std::string(kPrefix) + "Classify")),
      create_incident_(env.Method(std::string(kPrefix) + "CreateIncident")),
      attach_incident_(env.Method(std::string(kPrefix) + "AttachToIncident")),
      resolve_incident_(env.Method(std::string(kPrefix) + "ResolveIncident")),
      get_incident_(env.Method(std::string(kPrefix) + "GetIncident")),
      list_incidents_(env.Method(std::string(kPrefix) + "ListIncidents")) {}

grpc::ServerUnaryReactor* RepairServiceImpl::CreateIncident(grpc::CallbackServerContext* ctx,
                                                            const v1::CreateIncidentRequest* req,
                                                            v1::Incident* resp) {
  return ServeUnary(env_, create_incident_, ctx, req, resp,
                    Into(resp, [this, req](const auth::Principal& p) {
                      return repairs_.CreateIncident(*req, p);
                    }));
}

grpc::ServerUnaryReactor* RepairServiceImpl::AttachToIncident(
    grpc::CallbackServerContext* ctx, const v1::AttachToIncidentRequest* req, v1::Incident* resp) {
  return ServeUnary(env_, attach_incident_, ctx, req, resp,
                    Into(resp, [this, req](const auth::Principal& p) {
                      return repairs_.AttachToIncident(*req, p);
                    }));
}

grpc::ServerUnaryReactor* RepairServiceImpl::ResolveIncident(grpc::CallbackServerContext* ctx,
                                                             const v1::ResolveIncidentRequest* req,
                                                             v1::Incident* resp) {
  return ServeUnary(env_, resolve_incident_, ctx, req, resp,
                    Into(resp, [this, req](const auth::Principal& p) {
                      return repairs_.ResolveIncident(*req, p);
                    }));
}

grpc::ServerUnaryReactor* RepairServiceImpl::GetIncident(grpc::CallbackServerContext* ctx,
                                                         const v1::GetIncidentRequest* req,
                                                         v1::Incident* resp) {
  return ServeUnary(
      env_, get_incident_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal&) { return repairs_.GetIncident(req->id()); }));
}

grpc::ServerUnaryReactor* RepairServiceImpl::ListIncidents(grpc::CallbackServerContext* ctx,
                                                           const v1::ListIncidentsRequest* req,
                                                           v1::ListIncidentsResponse* resp) {
  return ServeUnary(
      env_, list_incidents_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal&) { return repairs_.ListIncidents(*req); }));
}

grpc::ServerUnaryReactor* RepairServiceImpl::CreateRepair(grpc::CallbackServerContext* ctx,
                                                          const v1::CreateTicketRequest* req,
                                                          v1::Ticket* resp) {
  return ServeUnary(
      env_, create_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal& p) { return logic_.Create(*req, p); }));
}

grpc::ServerUnaryReactor* RepairServiceImpl::GetRepair(grpc::CallbackServerContext* ctx,
                                                       const v1::GetTicketRequest* req,
                                                       v1::Ticket* resp) {
  return ServeUnary(env_, get_, ctx, req, resp, Into(resp, [this, req](const auth::Principal& p) {
                      return logic_.Get(req->id(), p);
                    }));
}

grpc::ServerUnaryReactor* RepairServiceImpl::ListRepairs(grpc::CallbackServerContext* ctx,
                                                         const v1::ListTicketsRequest* req,
                                                         v1::ListTicketsResponse* resp) {
  return ServeUnary(env_, list_, ctx, req, resp, Into(resp, [this, req](const auth::Principal& p) {
                      return logic_.List(*req, p);
                    }));
}

grpc::ServerUnaryReactor* RepairServiceImpl::Annotate(grpc::CallbackServerContext* ctx,
                                                      const v1::AnnotateRequest* req,
                                                      v1::Ticket* resp) {
  return ServeUnary(
      env_, annotate_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal& p) { return logic_.Annotate(*req, p); }));
}

grpc::ServerUnaryReactor* RepairServiceImpl::Assign(grpc::CallbackServerContext* ctx,
                                                    const v1::AssignRequest* req,
                                                    v1::Ticket* resp) {
  return ServeUnary(
      env_, assign_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal& p) { return logic_.Assign(*req, p); }));
}

grpc::ServerUnaryReactor* RepairServiceImpl::Transition(grpc::CallbackServerContext* ctx,
                                                        const v1::TransitionRequest* req,
                                                        v1::Ticket* resp) {
  return ServeUnary(
      env_, transition_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal& p) { return logic_.Transition(*req, p); }));
}

grpc::ServerUnaryReactor* RepairServiceImpl::ProposeVisit(grpc::CallbackServerContext* ctx,
                                                          const v1::ProposeVisitRequest* req,
                                                          v1::Ticket* resp) {
  return ServeUnary(
      env_, propose_visit_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal& p) { return repairs_.ProposeVisit(*req, p); }));
}

grpc::ServerUnaryReactor* RepairServiceImpl::ConfirmVisit(grpc::CallbackServerContext* ctx,
                                                          const v1::GetTicketRequest* req,
                                                          v1::Ticket* resp) {
  return ServeUnary(env_, confirm_visit_, ctx, req, resp,
                    Into(resp, [this, req](const auth::Principal& p) {
                      return repairs_.ConfirmVisit(req->id(), p);
                    }));
}

grpc::ServerUnaryReactor* RepairServiceImpl::AddComment(grpc::CallbackServerContext* ctx,
                                                        const v1::AddCommentRequest* req,
                                                        v1::Ticket* resp) {
  return ServeUnary(
      env_, comment_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal& p) { return logic_.AddComment(*req, p); }));
}

grpc::ServerUnaryReactor* RepairServiceImpl::CountByStatus(grpc::CallbackServerContext* ctx,
                                                           const v1::CountByStatusRequest* req,
                                                           v1::CountByStatusResponse* resp) {
  return ServeUnary(env_, count_, ctx, req, resp, Into(resp, [this, req](const auth::Principal&) {
                      return logic_.CountByStatus(*req);
                    }));
}

grpc::ServerUnaryReactor* RepairServiceImpl::ApplyCatalog(grpc::CallbackServerContext* ctx,
                                                          const v1::ApplyCatalogRequest* req,
                                                          v1::ApplyCatalogResponse* resp) {
  return ServeUnary(
      env_, apply_catalog_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal&) { return repairs_.ApplyCatalog(*req); }));
}

grpc::ServerUnaryReactor* RepairServiceImpl::GetCatalog(grpc::CallbackServerContext* ctx,
                                                        const v1::GetCatalogRequest* req,
                                                        v1::Catalog* resp) {
  return ServeUnary(env_, get_catalog_, ctx, req, resp,
                    Into(resp, [this, req](const auth::Principal&) {
                      return repairs_.GetCatalog(req->site_id());
                    }));
}

grpc::ServerUnaryReactor* RepairServiceImpl::Classify(grpc::CallbackServerContext* ctx,
                                                      const v1::ClassifyRequest* req,
                                                      v1::Classification* resp) {
  return ServeUnary(
      env_, classify_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal&) { return repairs_.Classify(*req); }));
}

}  // namespace lobby::repairs
