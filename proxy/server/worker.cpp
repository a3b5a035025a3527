// Worker thread: accept loop, deadline sweeper, routing table installation.
#include "server/worker.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <random>

#include "http/downstream_connection.hpp"

namespace quikedge::server {
namespace {

// Deadlines are checked this often; timeouts are therefore exact to ~100 ms,
// which costs no timer operation per request.
constexpr std::chrono::milliseconds sweep_period{100};

// After a shutdown starts, how long a keep-alive client has to send the request
// it may already have written before its idle connection is closed.
constexpr std::chrono::milliseconds idle_close_delay{200};

std::uint64_t random_seed(unsigned index) {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device() ^ index;
}

}  // namespace

worker::worker(unsigned index, std::atomic<std::int64_t>& open_connections)
    : index_(index),
      metrics_(std::make_unique<metrics::worker_metrics>()),
      open_connections_(open_connections),
      context_(io_, *metrics_, open_connections, random_seed(index)),
      sweep_timer_(io_) {}

worker::~worker() {
  stop();
}

void worker::add_acceptor(boost::asio::ip::tcp::acceptor acceptor, std::size_t listener,
                          tls::server_context_ptr tls, bool proxy_protocol) {
  acceptors_.push_back(std::make_unique<acceptor_slot>(
      acceptor_slot{std::move(acceptor), listener, proxy_protocol, nullptr}));
  if (tls_.size() <= listener) {
    tls_.resize(listener + 1);
  }
  tls_[listener] = std::move(tls);
}

void worker::install_tls(std::vector<tls::server_context_ptr> contexts,
                         std::function<void()> done) {
  boost::asio::post(io_, [this, contexts = std::move(contexts), done = std::move(done)]() mutable {
    // Only the pointers of listeners this worker accepts on; the old
    // contexts live on in the connections that still use them.
    for (std::size_t i = 0; i < tls_.size() && i < contexts.size(); ++i) {
      if (tls_[i]) {
        tls_[i] = std::move(contexts[i]);
      }
    }
    done();
  });
}

void worker::enable_access_log(metrics::access_log_writer& writer, double sample_rate) {
  access_log_ =
      std::make_unique<metrics::access_log_buffer>(writer, sample_rate, random_seed(index_ + 1000));
  context_.access_log = access_log_.get();
}

void worker::start(routing::routing_table_ptr table) {
  install_now(std::move(table));
  for (auto& slot : acceptors_) {
    slot->retry_timer = std::make_unique<boost::asio::steady_timer>(io_);
    do_accept(*slot);
  }
  do_sweep();
  thread_ = std::thread([this] { io_.run(); });
}

void worker::install_now(routing::routing_table_ptr table) {
  // Sessions copy the worker's pointer per request. Aliasing a control block
  // that only this worker touches keeps those reference counts off the cache
  // lines other workers write.
  auto holder = std::make_shared<routing::routing_table_ptr>(std::move(table));
  context_.table = routing::routing_table_ptr(holder, holder->get());
  context_.tunnels.apply_drains(*context_.table, http::clock::now());
  context_.outliers.clear_unreachable();
}

void worker::install(routing::routing_table_ptr table, std::function<void()> done) {
  boost::asio::post(io_, [this, table = std::move(table), done = std::move(done)]() mutable {
    install_now(std::move(table));
    done();
  });
}

void worker::stop_accepting(std::chrono::milliseconds drain) {
  boost::asio::post(io_, [this, drain] {
    for (auto& slot : acceptors_) {
      boost::system::error_code ignored;
      slot->acceptor.close(ignored);
    }
    // From now on every response says Connection: close. A connection that is
    // idle now may already have the client's next request on the wire (its last
    // response said keep-alive): closing it at once would reset that request.
    // Such clients send within a round trip, so idle ones close a moment later.
    context_.shutting_down = true;
    close_idle_at_ = http::clock::now() + idle_close_delay;
    schedule_tunnel_closes(drain);
  });
}

void worker::schedule_tunnel_closes(std::chrono::milliseconds drain) {
  const auto now = http::clock::now();
  std::size_t count = 0;
  for (auto* tunnel = context_.tunnels.head(); tunnel != nullptr; tunnel = tunnel->next) {
    count += tunnel->closing ? 0 : 1;
  }
  // Spread, so that clients do not all reconnect to the new process at once;
  // the last quarter of the window is left for the close handshakes.
  const auto window = std::chrono::duration_cast<http::clock::duration>(drain * 3 / 4);
  std::size_t slot = 0;
  for (auto* tunnel = context_.tunnels.head(); tunnel != nullptr;) {
    auto* following = tunnel->next;
    if (!tunnel->closing) {
      if (window.count() == 0 || count <= 1) {
        tunnel->begin_close();
      } else {
        tunnel->close_at = now + window * static_cast<long>(slot) / static_cast<long>(count - 1);
        ++slot;
      }
    }
    tunnel = following;
  }
}

void worker::close_idle_sessions() {
  for (auto* entry = context_.deadlines.head(); entry != nullptr;) {
    auto* following = entry->next;
    entry->on_shutdown();
    entry = following;
  }
}

void worker::stop() {
  io_.stop();
  if (thread_.joinable()) {
    thread_.join();
  }
  if (access_log_) {
    access_log_->flush();  // the thread is gone: safe from here
  }
}

void worker::do_accept(acceptor_slot& slot) {
  slot.acceptor.async_accept(
      io_, slot.peer,
      [this, &slot](const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket) {
        on_accept(slot, ec, std::move(socket));
      });
}

void worker::on_accept(acceptor_slot& slot, const boost::system::error_code& ec,
                       boost::asio::ip::tcp::socket socket) {
  if (ec == boost::asio::error::operation_aborted || (ec && !slot.acceptor.is_open())) {
    return;
  }
  if (!slot.acceptor.is_open()) {
    // Accepted just before the acceptor closed for a shutdown: the client is
    // connected and gets its answer (with Connection: close), never a reset.
    serve(slot, std::move(socket));
    return;
  }
  if (ec) {
    // Out of file descriptors or similar: back off instead of spinning.
    slot.retry_timer->expires_after(std::chrono::milliseconds(50));
    slot.retry_timer->async_wait([this, &slot](const boost::system::error_code& wait_ec) {
      if (!wait_ec) {
        do_accept(slot);
      }
    });
    return;
  }
  serve(slot, std::move(socket));
  do_accept(slot);
}

void worker::serve(acceptor_slot& slot, boost::asio::ip::tcp::socket socket) {
  metrics_->record_accept();
  const auto limit = static_cast<std::int64_t>(context_.table->settings().limits.max_connections);
  if (open_connections_.fetch_add(1, std::memory_order_relaxed) >= limit) {
    open_connections_.fetch_sub(1, std::memory_order_relaxed);
    boost::system::error_code ignored;
    socket.close(ignored);
  } else {
    const auto peer = slot.peer;
    boost::system::error_code ignored;
    socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    const auto listener = static_cast<std::uint16_t>(slot.listener);
    if (const auto& tls = tls_[slot.listener]) {
      using tls_stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
      SSL* ssl = SSL_new(tls->native());  // holds the contexts for the connection's life
      if (ssl == nullptr) {
        open_connections_.fetch_sub(1, std::memory_order_relaxed);
        boost::system::error_code ignored;
        socket.close(ignored);
        return;
      }
      std::make_shared<http::downstream_connection<tls_stream>>(
          context_, tls_stream(std::move(socket), ssl), peer, true, slot.proxy_protocol, listener)
          ->start();
    } else {
      std::make_shared<http::downstream_connection<boost::asio::ip::tcp::socket>>(
          context_, std::move(socket), peer, false, slot.proxy_protocol, listener)
          ->start();
    }
  }
}

void worker::do_sweep() {
  sweep_timer_.expires_after(sweep_period);
  sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) {
      return;
    }
    auto now = http::clock::now();
    context_.deadlines.expire(now);
    context_.tunnels.expire(now);
    if (context_.shutting_down && now >= close_idle_at_) {
      close_idle_sessions();  // every sweep: connections that became idle since
    }
    context_.pool.close_idle(now, context_.table->settings().timeouts.idle);
    if (access_log_) {
      access_log_->flush();
    }
    do_sweep();
  });
}

}  // namespace quikedge::server
