#pragma once

#include "lobby/v1/complaints.grpc.pb.h"
#include "services/common/grpc_server.h"
#include "services/complaints/complaint_logic.h"
#include "services/tickets/ticket_logic.h"

namespace lobby::complaints {

/// ComplaintService over gRPC: token and role check, proto in, TicketLogic, status out.
class ComplaintServiceImpl final : public v1::ComplaintService::CallbackService {
 public:
  ComplaintServiceImpl(tickets::TicketLogic& logic, ComplaintLogic& complaints, RpcEnv env);

  // v1::ComplaintService::CallbackService
  grpc::ServerUnaryReactor* CreateComplaint(grpc::CallbackServerContext* ctx,
                                            const v1::CreateTicketRequest* req,
                                            v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* GetComplaint(grpc::CallbackServerContext* ctx,
                                         const v1::GetTicketRequest* req,
                                         v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* ListComplaints(grpc::CallbackServerContext* ctx,
                                           const v1::ListTicketsRequest* req,
                                           v1::ListTicketsResponse* resp) override;
  grpc::ServerUnaryReactor* Annotate(grpc::CallbackServerContext* ctx,
                                     const v1::AnnotateRequest* req, v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* Assign(grpc::CallbackServerContext* ctx, const v1::AssignRequest* req,
                                   v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* Transition(grpc::CallbackServerContext* ctx,
                                       const v1::TransitionRequest* req, v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* AddComment(grpc::CallbackServerContext* ctx,
                                       const v1::AddCommentRequest* req, v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* RecordFollowUp(grpc::CallbackServerContext* ctx,
                                           const v1::RecordFollowUpRequest* req,
                                           v1::Ticket* resp) override;
  grpc::ServerUnaryReactor* CountByStatus(grpc::CallbackServerContext* ctx,
                                          const v1::CountByStatusRequest* req,
                                          v1::CountByStatusResponse* resp) override;

 private:
  tickets::TicketLogic& logic_;
  ComplaintLogic& complaints_;
  RpcEnv env_;
  RpcMethod create_, get_, list_, assign_, annotate_, transition_, comment_, follow_up_, count_;
};

}  // namespace lobby::complaints
