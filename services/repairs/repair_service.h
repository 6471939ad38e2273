#pragma once

#include "lobby/v1/repairs.grpc.pb.h"
#include "services/common/grpc_server.h"
#include "services/repairs/repair_logic.h"
#include "services/tickets/ticket_logic.h"

namespace lobby::repairs {

/// RepairService over gRPC: token and role check, proto in, TicketLogic, status out.
class RepairServiceImpl final : public v1::RepairService::CallbackService {
 public:
  RepairServiceImpl(tickets::TicketLogic& logic, RepairLogic& repairs, RpcEnv env);

  // v1::RepairService::CallbackService
  grpc::ServerUnaryReactor* CreateRepair(grpc::CallbackServerContext* ctx,
                                         const v1::CreateTicketRequest* req,
                                         v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* GetRepair(grpc::CallbackServerContext* ctx,
                                      const v1::GetTicketRequest* req, v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* ListRepairs(grpc::CallbackServerContext* ctx,
                                        const v1::ListTicketsRequest* req,
                                        v1::ListTicketsResponse* resp) override;
  grpc::ServerUnaryReactor* Annotate(grpc::CallbackServerContext* ctx,
                                     const v1::AnnotateRequest* req, v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* Assign(grpc::CallbackServerContext* ctx, const v1::AssignRequest* req,
                                   v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* Transition(grpc::CallbackServerContext* ctx,
                                       const v1::TransitionRequest* req, v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* ProposeVisit(grpc::CallbackServerContext* ctx,
                                         const v1::ProposeVisitRequest* req,
                                         v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* ConfirmVisit(grpc::CallbackServerContext* ctx,
                                         const v1::GetTicketRequest* req,
                                         v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* AddComment(grpc::CallbackServerContext* ctx,
                                       const v1::AddCommentRequest* req, v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* CountByStatus(grpc::CallbackServerContext* ctx,
                                          const v1::CountByStatusRequest* req,
                                          v1::CountByStatusResponse* resp) override;
  grpc::ServerUnaryReactor* CreateIncident(grpc::CallbackServerContext* ctx,
                                           const v1::CreateIncidentRequest* req,
                                           v1::Incident* resp) override;
  grpc::ServerUnaryReactor* AttachToIncident(grpc::CallbackServerContext* ctx,
                                             const v1::AttachToIncidentRequest* req,
                                             v1::Incident* resp) override;
  grpc::ServerUnaryReactor* ResolveIncident(grpc::CallbackServerContext* ctx,
                                            const v1::ResolveIncidentRequest* req,
                                            v1::Incident* resp) override;
  grpc::ServerUnaryReactor* GetIncident(grpc::CallbackServerContext* ctx,
                                        const v1::GetIncidentRequest* req,
                                        v1::Incident* resp) override;
  grpc::ServerUnaryReactor* ListIncidents(grpc::CallbackServerContext* ctx,
                                          const v1::ListIncidentsRequest* req,
                                          v1::ListIncidentsResponse* resp) override;
  grpc::ServerUnaryReactor* ApplyCatalog(grpc::CallbackServerContext* ctx,
                                         const v1::ApplyCatalogRequest* req,
                                         v1::ApplyCatalogResponse* resp) override;
  grpc::ServerUnaryReactor* GetCatalog(grpc::CallbackServerContext* ctx,
                                       const v1::GetCatalogRequest* req,
                                       v1::Catalog* resp) override;
  grpc::ServerUnaryReactor* Classify(grpc::CallbackServerContext* ctx,
                                     const v1::ClassifyRequest* req,
                                     v1::Classification* resp) override;

 private:
  tickets::TicketLogic& logic_;
  RepairLogic& repairs_;
  RpcEnv env_;
  RpcMethod create_, get_, list_, assign_, annotate_, transition_, propose_visit_, confirm_visit_,
      comment_, count_, apply_catalog_, get_catalog_, classify_, create_incident_, attach_incident_,
      resolve_incident_, get_incident_, list_incidents_;
};

}  // namespace lobby::repairs
