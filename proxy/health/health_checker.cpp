// Health probes: connect, GET path, read the status line, judge, repeat.
#include "health/health_checker.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <memory>

#include "tls/client_context.hpp"
#include "upstream/tls_session_cache.hpp"
#include "upstream/upstream_stream.hpp"
#include "util/log.hpp"

namespace quikedge::health {

struct health_checker::probe : std::enable_shared_from_this<probe> {
  probe(boost::asio::io_context& io, std::string stack_name, address where,
        health_check_config check, health_checker::change_fn& notify)
      : io(io),
        stack(std::move(stack_name)),
        target(std::move(where)),
        settings(std::move(check)),
        timer(io),
        deadline(io),
        stream(std::make_unique<upstream::upstream_stream>(io)),
        on_change(notify) {}

  boost::asio::io_context& io;
  std::string stack;
  address target;
  health_check_config settings;
  boost::asio::steady_timer timer;     ///< next probe
  boost::asio::steady_timer deadline;  ///< this probe's timeout
  /// A fresh stream per probe: a TLS stream cannot be reused after a close.
  std::unique_ptr<upstream::upstream_stream> stream;
  std::uint64_t run_serial = 0;  ///< which probe a late deadline belongs to
  /// TLS stacks: their client context (null when it failed to load: the probe
  /// fails), the name sent and verified, and the sessions to resume.
  bool use_tls = false;
  tls::client_context_ptr tls;
  std::string tls_name;
  std::shared_ptr<upstream::tls_session_cache> sessions;
  routing::endpoint_id session_slot = 0;
  health_checker::change_fn& on_change;
  std::string request;
  std::array<char, 512> response{};
  std::size_t received = 0;
  bool healthy = true;
  int successes = 0;
  int failures = 0;
  bool stopped = false;

  void schedule(std::chrono::milliseconds delay) {
    timer.expires_after(delay);
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec && !self->stopped) {
        self->run();
      }
    });
  }

  boost::asio::ip::tcp::socket& socket() { return stream->socket(); }

  void run() {
    stream = std::make_unique<upstream::upstream_stream>(io);
    ++run_serial;
    boost::system::error_code ec;
    auto address = boost::asio::ip::make_address(target.host, ec);
    if (ec) {
      // Host names are resolved by the routing table build; a probe of a name
      // that is not an address uses the system resolver synchronously, rarely.
      boost::asio::ip::tcp::resolver resolver(io);
      auto results = resolver.resolve(target.host, std::to_string(target.port), ec);
      if (ec || results.empty()) {
        finish(false);
        return;
      }
      address = results.begin()->endpoint().address();
    }
    request = "GET " + settings.path + " HTTP/1.1\r\nHost: " + target.to_string() +
              "\r\nUser-Agent: quikedge-health-check\r\nConnection: close\r\n\r\n";
    received = 0;
    deadline.expires_after(settings.timeout);
    deadline.async_wait(
        [self = shared_from_this(), serial = run_serial](const boost::system::error_code& wait_ec) {
          if (!wait_ec && serial == self->run_serial) {
            boost::system::error_code ignored;
            self->socket().close(ignored);  // fails whatever is pending
          }
        });
    socket().async_connect({address, target.port}, [self = shared_from_this(), address](
                                                       const boost::system::error_code& c_ec) {
      if (c_ec) {
        self->finish(false);
        return;
      }
      if (self->use_tls) {
        self->handshake(address.to_string());
      } else {
        self->send_request();
      }
    });
  }

  void handshake(const std::string& ip) {
    if (!tls ||
        !stream->start_tls(tls, tls_name, tls_name.empty() ? ip : "", *sessions, session_slot)) {
      finish(false);
      return;
    }
    stream->async_handshake([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) {
        log::debug("health check of " + self->target.to_string() + " (stack " + self->stack +
                   "): TLS handshake failed: " + self->stream->failure_reason(ec));
        self->sessions->forget(self->session_slot);
        self->finish(false);
        return;
      }
      self->send_request();
    });
  }

  void send_request() {
    boost::asio::async_write(
        *stream, boost::asio::buffer(request),
        [self = shared_from_this()](const boost::system::error_code& w_ec, std::size_t) {
          if (w_ec) {
            self->finish(false);
            return;
          }
          self->read_status();
        });
  }

  void read_status() {
    stream->async_read_some(
        boost::asio::buffer(response.data() + received, response.size() - received),
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
          self->received += n;
          std::string_view text(self->response.data(), self->received);
          if (text.find("\r\n") != std::string_view::npos || text.size() >= 12) {
            // "HTTP/1.x NNN": 2xx and 3xx are healthy.
            bool ok = text.size() >= 12 && text.substr(0, 7) == "HTTP/1." &&
                      (text[9] == '2' || text[9] == '3');
            self->finish(ok);
            return;
          }
          if (ec || self->received == self->response.size()) {
            self->finish(false);
            return;
          }
          self->read_status();
        });
  }

  void finish(bool ok) {
    deadline.cancel();
    boost::system::error_code ignored;
    socket().close(ignored);
    if (stopped) {
      return;
    }
    if (ok) {
      failures = 0;
      ++successes;
    } else {
      successes = 0;
      ++failures;
    }
    bool flip = (healthy && failures >= settings.unhealthy_threshold) ||
                (!healthy && successes >= settings.healthy_threshold);
    if (flip) {
      healthy = !healthy;
      on_change(stack, target.to_string(), healthy);
    }
    schedule(settings.interval);
  }
};

namespace {

/// As the workers name the peer: the stack's sni, else the host unless it is an address.
std::string probe_tls_name(const upstream_tls_config& tls, const address& endpoint) {
  if (!tls.sni.empty()) {
    return tls.sni;
  }
  boost::system::error_code ec;
  boost::asio::ip::make_address(endpoint.host, ec);
  return ec ? endpoint.host : std::string();
}

}  // namespace

health_checker::health_checker(boost::asio::io_context& io, change_fn on_change)
    : io_(io),
      on_change_(std::move(on_change)),
      sessions_(std::make_shared<upstream::tls_session_cache>()) {}

health_checker::~health_checker() {
  stop();
}

void health_checker::stop() {
  for (auto& [key, p] : probes_) {
    p->stopped = true;
    p->timer.cancel();
    p->deadline.cancel();
    boost::system::error_code ignored;
    p->socket().close(ignored);
  }
  probes_.clear();
}

void health_checker::configure(const config& settings) {
  std::map<std::string, std::shared_ptr<probe>> next;
  routing::endpoint_id slot = 0;
  for (const auto& stack : settings.stacks) {
    if (!stack.health_check) {
      continue;
    }
    tls::client_context_ptr tls;
    if (stack.tls) {
      try {
        tls = std::make_shared<const tls::client_context>(stack.name, *stack.tls);
      } catch (const std::exception& e) {
        // Validation read the CA already; the file changed since. Probes fail.
        log::error(std::string("health checks: ") + e.what());
      }
    }
    for (const auto& endpoint : stack.endpoints) {
      std::string key = stack.name + '\n' + endpoint.to_string();
      auto p = std::make_shared<probe>(io_, stack.name, endpoint, *stack.health_check, on_change_);
      if (stack.tls) {
        p->use_tls = true;
        p->tls = tls;
        p->tls_name = probe_tls_name(*stack.tls, endpoint);
        p->sessions = sessions_;
        p->session_slot = slot++;
      }
      if (auto old = probes_.find(key); old != probes_.end()) {
        p->healthy = old->second->healthy;
      }
      next[key] = p;
    }
  }
  stop();
  probes_ = std::move(next);
  for (auto& [key, p] : probes_) {
    p->schedule(std::chrono::milliseconds(0));
  }
}

std::map<std::string, bool> health_checker::verdicts() const {
  std::map<std::string, bool> out;
  for (const auto& [key, p] : probes_) {
    out[key] = p->healthy;
  }
  return out;
}

}  // namespace quikedge::health
