#include "services/complaints/complaint_service.h"

namespace lobby::complaints {
namespace {

using auth::Role;
constexpr char kPrefix[] = "lobby.v1.ComplaintService/";

}  // namespace

ComplaintServiceImpl::ComplaintServiceImpl(tickets::TicketLogic& logic, ComplaintLogic& complaints,
                                           RpcEnv env)
    : logic_(logic),
      complaints_(complaints),
      env_(env),
      create_(env.Method(std::string(kPrefix) + "CreateComplaint")),
      get_(env.InternalMethod(std::string(kPrefix) + "GetComplaint")),
      list_(env.Method(std::string(kPrefix) + "ListComplaints")),
      assign_(env.InternalMethod(std::string(kPrefix) + "Assign")),
      annotate_(env.InternalMethod(std::string(kPrefix) + "Annotate")),
      transition_(env.Method(std::string(kPrefix) + "Transition")),
      comment_(env.Method(std::string(kPrefix) + "AddComment")),
      follow_up_(env.Method(std::string(kPrefix) + "RecordFollowUp")),
      count_(env.Method(std::string(kPrefix) + "CountByStatus")) {}

grpc::ServerUnaryReactor* ComplaintServiceImpl::CreateComplaint(grpc::CallbackServerContext* ctx,
                                                                const v1::CreateTicketRequest* req,
                                                                v1::Ticket* resp) {
  return ServeUnary(
      env_, create_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal& p) { return logic_.Create(*req, p); }));
}

grpc::ServerUnaryReactor* ComplaintServiceImpl::GetComplaint(grpc::CallbackServerContext* ctx,
                                                             const v1::GetTicketRequest* req,
                                                             v1::Ticket* resp) {
  return ServeUnary(env_, get_, ctx, req, resp, Into(resp, [this, req](const auth::Principal& p) {
                      return logic_.Get(req->id(), p);
                    }));
}

grpc::ServerUnaryReactor* ComplaintServiceImpl::ListComplaints(grpc::CallbackServerContext* ctx,
                                                               const v1::ListTicketsRequest* req,
                                                               v1::ListTicketsResponse* resp) {
  return ServeUnary(env_, list_, ctx, req, resp, Into(resp, [this, req](const auth::Principal& p) {
                      return logic_.List(*req, p);
                    }));
}

grpc::ServerUnaryReactor* ComplaintServiceImpl::Annotate(grpc::CallbackServerContext* ctx,
                                                         const v1::AnnotateRequest* req,
                                                         v1::Ticket* resp) {
  return ServeUnary(
      env_, annotate_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal& p) { return logic_.Annotate(*req, p); }));
}

grpc::ServerUnaryReactor* ComplaintServiceImpl::Assign(grpc::CallbackServerContext* ctx,
                                                       const v1::AssignRequest* req,
                                                       v1::Ticket* resp) {
  return ServeUnary(
      env_, assign_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal& p) { return logic_.Assign(*req, p); }));
}

grpc::ServerUnaryReactor* ComplaintServiceImpl::Transition(grpc::CallbackServerContext* ctx,
                                                           const v1::TransitionRequest* req,
                                                           v1::Ticket* resp) {
  return ServeUnary(
      env_, transition_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal& p) { return logic_.Transition(*req, p); }));
}

grpc::ServerUnaryReactor* ComplaintServiceImpl::AddComment(grpc::CallbackServerContext* ctx,
                                                           const v1::AddCommentRequest* req,
                                                           v1::Ticket* resp) {
  return ServeUnary(
      env_, comment_, ctx, req, resp,
      Into(resp, [this, req](const auth::Principal& p) { return logic_.AddComment(*req, p); }));
}

grpc::ServerUnaryReactor* ComplaintServiceImpl::RecordFollowUp(grpc::CallbackServerContext* ctx,
                                                               const v1::RecordFollowUpRequest* req,
                                                               v1::Ticket* resp) {
  return ServeUnary(env_, follow_up_, ctx, req, resp,
                    Into(resp, [this, req](const auth::Principal& p) {
                      return complaints_.RecordFollowUp(req->id(), req->outcome(), p);
                    }));
}

grpc::ServerUnaryReactor* ComplaintServiceImpl::CountByStatus(grpc::CallbackServerContext* ctx,
                                                              const v1::CountByStatusRequest* req,
                                                              v1::CountByStatusResponse* resp) {
  return ServeUnary(env_, count_, ctx, req, resp, Into(resp, [this, req](const auth::Principal&) {
                      return logic_.CountByStatus(*req);
                    }));
}

}  // namespace lobby::complaints
