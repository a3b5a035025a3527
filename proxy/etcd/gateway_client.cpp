// One call at a time: connect (and shake hands) if needed, authenticate if the
// member's token is unknown, write, read, and on a member's failure close,
// move to the next member and try again while attempts remain.
#include "etcd/gateway_client.hpp"

#include <algorithm>

#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "etcd/etcd_messages.hpp"
#include "util/log.hpp"

namespace quikedge::etcd {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::size_t answer_limit = std::size_t{16} * 1024 * 1024;
/// Reasons are per member and kind (refused, unavailable, TLS, sign-in): a few.
constexpr std::size_t max_remembered_failures = 16;

bool member_unavailable(unsigned status) {
  return status == 502 || status == 503 || status == 504;
}

/// A failure of quikedge's own side (an unreadable password file) in the
/// gateway's error shape, so callers report it like any etcd error.
std::string local_error(const std::string& why) {
  boost::json::object o;
  o["error"] = why;
  o["message"] = why;
  o["code"] = 16;  // unauthenticated
  return boost::json::serialize(o);
}

}  // namespace

gateway_client::gateway_client(boost::asio::io_context& io, access_ptr how,
                               std::vector<address> members, std::chrono::milliseconds call_timeout)
    : io_(io), access_(std::move(how)), members_(std::move(members)), call_timeout_(call_timeout) {
  if (members_.empty()) {
    throw std::invalid_argument("etcd: no endpoints");
  }
  if (!access_) {
    access_ = std::make_shared<access>();
  }
}

void gateway_client::call(std::string path, std::string body, reply_fn done) {
  // Each member once, plus one fresh try on the first: a kept-alive connection
  // the member closed while idle fails once without meaning the member is down.
  queue_.push_back({std::move(path), std::move(body), std::move(done), members_.size() + 1});
  start_next();
}

void gateway_client::cancel_all() {
  auto calls = std::move(queue_);
  queue_.clear();
  ++generation_;  // handlers of the operation in flight now find themselves stale
  drop_connection();
  busy_ = false;
  for (auto& c : calls) {
    c.done(boost::asio::error::operation_aborted, 0, {});
  }
}

void gateway_client::start_next() {
  if (busy_ || queue_.empty()) {
    return;
  }
  busy_ = true;
  attempt();
}

void gateway_client::attempt() {
  if (!connected_) {
    open();
    return;
  }
  const std::string* token = access_->token_for(member());
  if (access_->authenticates() && token == nullptr) {
    authenticate();
    return;
  }
  const pending& c = queue_.front();
  send(phase::calling, c.path, c.body, token);
}

void gateway_client::open() {
  stream_ = std::make_shared<member_stream>(io_, access_, member());
  stream_->async_open(call_timeout_,
                      [self = shared_from_this(), gen = generation_](
                          const boost::system::error_code& ec, const std::string& why) {
                        if (gen != self->generation_) {
                          return;
                        }
                        if (ec) {
                          self->note_failure(why);
                          self->fail_attempt(ec);
                          return;
                        }
                        self->connected_ = true;
                        self->attempt();
                      });
}

void gateway_client::authenticate() {
  std::string why;
  auto body = access_->authenticate_request(why);
  if (!body) {
    note_failure(why);
    finish({}, 401, local_error(why));
    return;
  }
  send(phase::authenticating, "/v3/auth/authenticate", *body, nullptr);
}

void gateway_client::send(phase what, const std::string& path, const std::string& body,
                          const std::string* token) {
  phase_ = what;
  sent_token_ = token != nullptr ? *token : std::string();
  // Writes, lease calls and linearizable reads all need the raft leader: a
  // member without one answers 503 at once and the call moves on, instead of
  // holding it for the whole call timeout while an election runs.
  request_ = gateway_post(member(), path, body, sent_token_, leader_check::required);
  stream_->tcp().expires_after(call_timeout_);
  http::async_write(*stream_, request_,
                    [self = shared_from_this(), gen = generation_, stream = stream_](
                        const boost::system::error_code& ec, std::size_t) {
                      if (gen != self->generation_) {
                        return;
                      }
                      if (ec) {
                        self->fail_attempt(ec);
                        return;
                      }
                      self->parser_.emplace();
                      self->parser_->body_limit(answer_limit);
                      http::async_read(*stream, self->buffer_, *self->parser_,
                                       [self, gen, stream](const boost::system::error_code& read_ec,
                                                           std::size_t) {
                                         if (gen == self->generation_) {
                                           self->on_read(read_ec);
                                         }
                                       });
                    });
}

void gateway_client::on_read(const boost::system::error_code& ec) {
  if (ec) {
    fail_attempt(ec);
    return;
  }
  auto answer = parser_->release();
  unsigned status = answer.result_int();
  if (!answer.keep_alive()) {
    drop_connection();
  }
  if (member_unavailable(status)) {
    etcd::gateway_error error;
    (void)parse_header_only(answer.body(), &error);  // only for etcd's reason
    note_failure(member().to_string() + " unavailable: " +
                 (error.message.empty() ? std::to_string(status) : error.message));
    fail_attempt(boost::asio::error::try_again);
    return;
  }
  if (phase_ == phase::authenticating) {
    on_authenticated(status, std::move(answer.body()));
  } else {
    on_called(status, std::move(answer.body()));
  }
}

void gateway_client::on_authenticated(unsigned status, std::string body) {
  std::string why;
  if (!access_->take_sign_in(member(), status, body, why)) {
    // A wrong password or an unknown user: every member would say the same,
    // so the call fails with etcd's own words.
    note_failure(why);
    finish({}, status == 200 ? 502 : status, std::move(body));
    return;
  }
  attempt();
}

void gateway_client::on_called(unsigned status, std::string body) {
  pending& c = queue_.front();
  if (access_->authenticates() && token_refused(status, body, !sent_token_.empty()) &&
      !c.authenticated_again) {
    c.authenticated_again = true;
    access_->forget(member(), sent_token_);
    attempt();
    return;
  }
  logged_failures_.clear();
  finish({}, status, std::move(body));
}

void gateway_client::fail_attempt(const boost::system::error_code& ec) {
  drop_connection();
  member_index_ = (member_index_ + 1) % members_.size();
  if (queue_.empty()) {
    busy_ = false;  // cancelled meanwhile
    return;
  }
  if (--queue_.front().attempts_left > 0) {
    attempt();
    return;
  }
  finish(ec, 0, {});
}

void gateway_client::note_failure(const std::string& why) {
  // A handshake or a login that fails fails on every retry, and during an
  // election the members take turns saying "no leader" and "refused": each
  // reason is logged once until a call succeeds again, not once per attempt.
  if (std::find(logged_failures_.begin(), logged_failures_.end(), why) != logged_failures_.end()) {
    return;
  }
  log::warn("etcd: " + why);
  if (logged_failures_.size() == max_remembered_failures) {
    logged_failures_.erase(logged_failures_.begin());
  }
  logged_failures_.push_back(why);
}

void gateway_client::finish(const boost::system::error_code& ec, unsigned status,
                            std::string body) {
  if (queue_.empty()) {
    busy_ = false;
    return;
  }
  reply_fn done = std::move(queue_.front().done);
  queue_.pop_front();
  busy_ = false;
  start_next();
  done(ec, status, std::move(body));
}

void gateway_client::drop_connection() {
  if (stream_) {
    stream_->close();
    stream_.reset();  // handlers still running hold their own reference
  }
  buffer_.clear();
  connected_ = false;
}

}  // namespace quikedge::etcd
