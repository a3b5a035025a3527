// Unary calls to etcd v3's JSON gateway (POST /v3/kv/range, /v3/kv/txn,
// /v3/lease/grant, ...) over one kept-alive HTTP/1.1 connection, on the control
// thread. Calls run one at a time in order. When the member in use cannot be
// reached, times out or answers "unavailable" (502/503/504), the call moves to
// the next member, so one dead or partitioned member costs a call at most one
// timeout and never fails it while another member answers.
//
// A call that timed out may still have been applied by the member it went to;
// callers that write decide from what the store holds afterwards (a CAS whose
// compare fails on the value the caller itself wrote has succeeded).
//
// With TLS (https:// members) every connection shakes hands first; with etcd
// authentication a member without a known token is asked for one before the
// call, and a call whose token the member refuses (expired, or the member
// restarted) authenticates once more and is sent again.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "etcd/access.hpp"
#include "etcd/member_stream.hpp"
#include "quikedge/config.hpp"

namespace quikedge::etcd {

class gateway_client : public std::enable_shared_from_this<gateway_client> {
 public:
  /// `status` is the HTTP status (0 when no member answered); `body` the answer's JSON.
  using reply_fn =
      std::function<void(const boost::system::error_code& ec, unsigned status, std::string body)>;

  gateway_client(boost::asio::io_context& io, access_ptr how, std::vector<address> members,
                 std::chrono::milliseconds call_timeout);

  /// Queues a POST of `body` to `path`; `done` runs on the io_context's thread.
  void call(std::string path, std::string body, reply_fn done);

  /// Fails every queued call with operation_aborted and closes the connection.
  void cancel_all();

  [[nodiscard]] const address& member() const { return members_[member_index_]; }
  [[nodiscard]] std::size_t member_index() const { return member_index_; }

 private:
  struct pending {
    std::string path;
    std::string body;
    reply_fn done;
    std::size_t attempts_left;
    bool authenticated_again = false;  ///< a refused token is renewed once per call
  };
  enum class phase { authenticating, calling };

  void start_next();
  void attempt();
  void open();
  void authenticate();
  void send(phase what, const std::string& path, const std::string& body, const std::string* token);
  void on_read(const boost::system::error_code& ec);
  void on_authenticated(unsigned status, std::string body);
  void on_called(unsigned status, std::string body);
  void fail_attempt(const boost::system::error_code& ec);
  void note_failure(const std::string& why);
  void finish(const boost::system::error_code& ec, unsigned status, std::string body);
  void drop_connection();

  boost::asio::io_context& io_;
  access_ptr access_;
  member_stream_ptr stream_;  ///< the connection to the member in use; null when closed
  std::vector<address> members_;
  std::chrono::milliseconds call_timeout_;
  std::size_t member_index_ = 0;
  bool connected_ = false;
  bool busy_ = false;
  phase phase_ = phase::calling;
  std::vector<std::string> logged_failures_;  ///< since the last call that succeeded
  std::string sent_token_;                    ///< with the request in flight; "" for none
  std::uint64_t generation_ = 0;              ///< bumped by cancel_all
  std::deque<pending> queue_;
  boost::beast::flat_buffer buffer_;
  boost::beast::http::request<boost::beast::http::string_body> request_;
  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
};

}  // namespace quikedge::etcd
