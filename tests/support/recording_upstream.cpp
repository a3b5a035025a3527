// The recording upstream: a poll() loop on its own thread, a strict request parser and
// scripted answers; plus the fixture helpers of the smuggling tests.
#include "support/recording_upstream.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <stdexcept>

namespace quikedge::test {
namespace {

constexpr std::size_t max_head_bytes = 64 * 1024;
constexpr std::size_t max_body_bytes = 16 * 1024 * 1024;
constexpr std::size_t max_live_connections = 64;
constexpr std::size_t max_requests_per_read = 64;
constexpr int poll_ms = 50;
constexpr std::size_t max_described = 2048;  // bytes per connection in describe()

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_tchar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::uint64_t hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return static_cast<std::uint64_t>(c - '0');
  }
  return static_cast<std::uint64_t>(std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
}

bool is_field_value_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7f);
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

enum class parsed { incomplete, done, error };

struct parse_outcome {
  parsed result = parsed::incomplete;
  std::size_t consumed = 0;
  std::string error;
};

parse_outcome fail(std::string why) {
  return {parsed::error, 0, std::move(why)};
}

/// Finds the CRLF ending the line that starts at `from`. npos when there is none yet;
/// `bad` is set when a bare CR or bare LF comes first.
std::size_t find_crlf(std::string_view in, std::size_t from, bool& bad) {
  for (std::size_t i = from; i < in.size(); ++i) {
    if (in[i] == '\n') {
      bad = true;  // LF without CR before it
      return std::string_view::npos;
    }
    if (in[i] == '\r') {
      if (i + 1 == in.size()) {
        return std::string_view::npos;
      }
      if (in[i + 1] != '\n') {
        bad = true;
        return std::string_view::npos;
      }
      return i;
    }
  }
  return std::string_view::npos;
}

/// One `name: value` field line (no obs-fold, tchar name, no OWS before the colon).
bool parse_field_line(std::string_view line, header_list& out) {
  const std::size_t colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) {
    return false;
  }
  const std::string_view name = line.substr(0, colon);
  if (!std::all_of(name.begin(), name.end(), is_tchar)) {
    return false;
  }
  const std::string_view value = trim_ows(line.substr(colon + 1));
  if (!std::all_of(value.begin(), value.end(), is_field_value_char)) {
    return false;
  }
  out.emplace_back(std::string(name), std::string(value));
  return true;
}

/// Reads the field lines from `pos` up to and including the empty line.
parse_outcome parse_fields(std::string_view in, std::size_t& pos, header_list& out,
                           std::size_t limit) {
  for (;;) {
    bool bad = false;
    const std::size_t eol = find_crlf(in, pos, bad);
    if (bad) {
      return fail("bare CR or LF in a field line");
    }
    if (eol == std::string_view::npos) {
      return in.size() - pos > limit ? fail("field section too long") : parse_outcome{};
    }
    const std::string_view line = in.substr(pos, eol - pos);
    pos = eol + 2;
    if (line.empty()) {
      return {parsed::done, pos, {}};
    }
    if (line.front() == ' ' || line.front() == '\t') {
      return fail("obs-fold");
    }
    if (!parse_field_line(line, out)) {
      return fail("bad field line '" + printable(line) + "'");
    }
  }
}

parse_outcome parse_chunked(std::string_view in, std::size_t pos, recorded_request& out) {
  for (;;) {
    bool bad = false;
    const std::size_t eol = find_crlf(in, pos, bad);
    if (bad) {
      return fail("bare CR or LF in a chunk size line");
    }
    if (eol == std::string_view::npos) {
      return in.size() - pos > 4096 ? fail("chunk size line too long") : parse_outcome{};
    }
    const std::string_view line = in.substr(pos, eol - pos);
    std::size_t digits = 0;
    std::uint64_t size = 0;
    while (digits < line.size() && std::isxdigit(static_cast<unsigned char>(line[digits]))) {
      if (digits == 15) {
        return fail("chunk size too long");
      }
      size = size * 16 + hex_value(line[digits]);
      ++digits;
    }
    const std::string_view extension = line.substr(digits);
    if (digits == 0 || (!extension.empty() && trim_ows(extension).front() != ';') ||
        !std::all_of(extension.begin(), extension.end(), is_field_value_char)) {
      return fail("bad chunk size line '" + printable(line) + "'");
    }
    if (size > max_body_bytes || out.body.size() + size > max_body_bytes) {
      return fail("chunked body over the recorder's limit");
    }
    out.chunk_size_lines.emplace_back(line);
    if (!extension.empty()) {
      out.chunk_extensions.emplace_back(extension);
    }
    pos = eol + 2;
    if (size == 0) {
      auto trailers = parse_fields(in, pos, out.trailers, max_head_bytes);
      if (trailers.result == parsed::error) {
        return fail("trailer section: " + trailers.error);
      }
      return trailers;
    }
    if (in.size() < pos + size + 2) {
      return {};
    }
    out.body.append(in.substr(pos, size));
    pos += size;
    if (in.substr(pos, 2) != "\r\n") {
      return fail("chunk data not followed by CRLF");
    }
    pos += 2;
  }
}

/// Parses one request at the start of `in`, strictly.
parse_outcome parse_request(std::string_view in, recorded_request& out) {
  bool bad = false;
  const std::size_t eol = find_crlf(in, 0, bad);
  if (bad) {
    return fail("bare CR or LF in the request line");
  }
  if (eol == std::string_view::npos) {
    return in.size() > max_head_bytes ? fail("request line too long") : parse_outcome{};
  }
  const std::string_view line = in.substr(0, eol);
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == 0 || sp2 == std::string_view::npos || sp2 == sp1 + 1) {
    return fail("bad request line '" + printable(line) + "'");
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  const bool target_ok = std::all_of(target.begin(), target.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (!std::all_of(method.begin(), method.end(), is_tchar) || !target_ok ||
      (version != "HTTP/1.1" && version != "HTTP/1.0")) {
    return fail("bad request line '" + printable(line) + "'");
  }
  out.method = method;
  out.target = target;
  out.version_minor = version.back() - '0';
  std::size_t pos = eol + 2;
  auto fields = parse_fields(in, pos, out.headers, max_head_bytes);
  if (fields.result != parsed::done) {
    return fields;
  }
  std::size_t lengths = 0;
  std::size_t codings = 0;
  std::string length;
  std::string coding;
  for (const auto& [name, value] : out.headers) {
    if (iequals(name, "content-length")) {
      ++lengths;
      length = value;
    } else if (iequals(name, "transfer-encoding")) {
      ++codings;
      coding = value;
    }
  }
  if (lengths > 1 || codings > 1 || (lengths == 1 && codings == 1)) {
    return fail("ambiguous framing");
  }
  if (codings == 1) {
    if (!iequals(coding, "chunked")) {
      return fail("Transfer-Encoding '" + printable(coding) + "'");
    }
    out.chunked = true;
    auto body = parse_chunked(in, pos, out);
    if (body.result == parsed::done) {
      out.raw = in.substr(0, body.consumed);
    }
    return body;
  }
  std::uint64_t size = 0;
  if (lengths == 1) {
    if (length.empty() || length.size() > 15 ||
        !std::all_of(length.begin(), length.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return fail("Content-Length '" + printable(length) + "'");
    }
    size = std::stoull(length);
    if (size > max_body_bytes) {
      return fail("Content-Length over the recorder's limit");
    }
  }
  if (in.size() < pos + size) {
    return {};
  }
  out.body = in.substr(pos, size);
  out.raw = in.substr(0, pos + size);
  return {parsed::done, pos + size, {}};
}

/// printable(), cut to max_described bytes.
std::string clipped(std::string_view bytes) {
  std::string out = printable(bytes.substr(0, max_described));
  if (bytes.size() > max_described) {
    out += "... (" + std::to_string(bytes.size() - max_described) + " more bytes)";
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------

std::string recorded_request::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) {
      return v;
    }
  }
  return {};
}

std::size_t recorded_request::count(std::string_view name) const {
  return static_cast<std::size_t>(
      std::count_if(headers.begin(), headers.end(),
                    [&](const auto& field) { return iequals(field.first, name); }));
}

std::string default_response(std::string_view target, bool head_request) {
  std::string out =
      "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(target.size()) + "\r\n\r\n";
  if (!head_request) {
    out.append(target);
  }
  return out;
}

std::string printable(std::string_view bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (u < 0x20 || u >= 0x7f) {
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

struct recording_upstream::connection_state {
  std::size_t index = 0;
  int fd = -1;
  std::string in;  ///< received, not yet parsed
  struct pending {
    std::string bytes;
    bool gated = false;        ///< waits for release_part()
    bool close_after = false;  ///< close once this is written
  };
  std::deque<pending> out;
  bool gate_taken = false;  ///< the front part passed its gate
  bool reading = true;      ///< false after EOF or a parse error
  bool finished = false;    ///< closed by the recorder
};

recording_upstream::recording_upstream() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listen_fd_ < 0 ||
      ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      ::pipe2(wake_fd_, O_CLOEXEC | O_NONBLOCK) != 0) {
    const std::string why = std::strerror(errno);
    if (listen_fd_ >= 0) {
      ::close(listen_fd_);
    }
    throw std::runtime_error("recording_upstream: " + why);
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { run(); });
}

recording_upstream::~recording_upstream() {
  stopping_ = true;
  wake();
  thread_.join();
  for (auto& connection : live_) {
    if (connection->fd >= 0) {
      ::close(connection->fd);
    }
  }
  ::close(listen_fd_);
  ::close(wake_fd_[0]);
  ::close(wake_fd_[1]);
}

std::string recording_upstream::address() const {
  return "127.0.0.1:" + std::to_string(port_);
}

void recording_upstream::respond(const std::string& target, scripted_response response) {
  std::lock_guard lock(mutex_);
  by_target_[target] = std::move(response);
}

void recording_upstream::set_responder(responder r) {
  std::lock_guard lock(mutex_);
  responder_ = std::move(r);
}

void recording_upstream::release_part() {
  {
    std::lock_guard lock(mutex_);
    ++released_;
  }
  wake();
}

std::size_t recording_upstream::released_parts_written() const {
  std::lock_guard lock(mutex_);
  return released_written_;
}

std::vector<recorded_request> recording_upstream::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t recording_upstream::request_count() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

std::vector<recorded_connection> recording_upstream::connections() const {
  std::lock_guard lock(mutex_);
  return connections_;
}

std::size_t recording_upstream::connection_count() const {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

std::vector<std::string> recording_upstream::errors() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < connections_.size(); ++i) {
    if (!connections_[i].error.empty()) {
      out.push_back("connection " + std::to_string(i) + ": " + connections_[i].error +
                    "; received: " + clipped(connections_[i].received));
    }
  }
  return out;
}

std::string recording_upstream::describe() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (std::size_t i = 0; i < connections_.size(); ++i) {
    const auto& c = connections_[i];
    out += "upstream connection " + std::to_string(i) + " (" + std::to_string(c.requests) +
           " requests" + (c.error.empty() ? "" : ", error: " + c.error) +
           (c.peer_closed ? ", closed by the proxy" : "") + "): " + clipped(c.received) + "\n";
  }
  return out.empty() ? "upstream: no connection\n" : out;
}

testing::AssertionResult recording_upstream::wait_for_requests(
    std::size_t count, std::chrono::milliseconds timeout) const {
  auto result = eventually([&] { return request_count() >= count; }, timeout,
                           std::to_string(count) + " upstream requests");
  if (!result) {
    result << "\n" << describe();
  }
  return result;
}

testing::AssertionResult recording_upstream::wait_for_target(
    std::string_view target, std::chrono::milliseconds timeout) const {
  auto seen = [&] {
    std::lock_guard lock(mutex_);
    return std::any_of(requests_.begin(), requests_.end(),
                       [&](const auto& r) { return r.target == target; });
  };
  auto result = eventually(seen, timeout, "an upstream request for " + std::string(target));
  if (!result) {
    result << "\n" << describe();
  }
  return result;
}

void recording_upstream::wake() {
  const char byte = 1;
  [[maybe_unused]] auto ignored = ::write(wake_fd_[1], &byte, 1);
}

void recording_upstream::run() {
  std::vector<pollfd> fds;
  while (!stopping_) {
    fds.clear();
    fds.push_back({wake_fd_[0], POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    for (auto& connection : live_) {
      short events = connection->reading ? POLLIN : 0;
      if (!connection->out.empty()) {
        events |= POLLOUT;
      }
      fds.push_back({connection->fd, events, 0});
    }
    if (::poll(fds.data(), fds.size(), poll_ms) < 0 && errno != EINTR) {
      return;
    }
    char drain[64];
    while (::read(wake_fd_[0], drain, sizeof drain) > 0) {
    }
    if ((fds[1].revents & POLLIN) != 0) {
      accept_all();
    }
    for (std::size_t i = 0; i < live_.size(); ++i) {
      auto& connection = *live_[i];
      const short revents = i + 2 < fds.size() ? fds[i + 2].revents : 0;
      if (connection.reading && (revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        read_from(connection);
      }
      write_to(connection);
    }
    std::erase_if(live_, [](const auto& c) {
      if (c->finished) {
        ::close(c->fd);
        c->fd = -1;
      }
      return c->fd < 0;
    });
  }
}

void recording_upstream::accept_all() {
  for (int i = 0; i < 16; ++i) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      return;
    }
    if (live_.size() >= max_live_connections) {
      ::close(fd);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto connection = std::make_unique<connection_state>();
    connection->fd = fd;
    {
      std::lock_guard lock(mutex_);
      connection->index = connections_.size();
      connections_.emplace_back();
    }
    live_.push_back(std::move(connection));
  }
}

void recording_upstream::read_from(connection_state& connection) {
  char buffer[64 * 1024];
  const ssize_t n = ::recv(connection.fd, buffer, sizeof buffer, 0);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
    return;
  }
  if (n <= 0) {
    connection.reading = false;
    std::lock_guard lock(mutex_);
    auto& record = connections_[connection.index];
    record.peer_closed = true;
    record.unparsed = connection.in;
    if (connection.out.empty()) {
      connection.finished = true;
    }
    return;
  }
  connection.in.append(buffer, static_cast<std::size_t>(n));
  {
    std::lock_guard lock(mutex_);
    connections_[connection.index].received.append(buffer, static_cast<std::size_t>(n));
  }
  parse_requests(connection);
}

void recording_upstream::parse_requests(connection_state& connection) {
  for (std::size_t i = 0; i < max_requests_per_read && !connection.in.empty(); ++i) {
    recorded_request request;
    request.connection = connection.index;
    auto outcome = parse_request(connection.in, request);
    if (outcome.result == parsed::incomplete) {
      return;
    }
    if (outcome.result == parsed::error) {
      connection.reading = false;
      std::lock_guard lock(mutex_);
      connections_[connection.index].error = outcome.error;
      connections_[connection.index].unparsed = connection.in;
      if (connection.out.empty()) {
        connection.finished = true;
      } else {
        connection.out.back().close_after = true;
      }
      return;
    }
    connection.in.erase(0, outcome.consumed);
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
      ++connections_[connection.index].requests;
    }
    queue_response(connection, request);
  }
}

void recording_upstream::queue_response(connection_state& connection,
                                        const recorded_request& request) {
  responder chooser;
  std::optional<scripted_response> response;
  {
    std::lock_guard lock(mutex_);
    chooser = responder_;
    if (auto it = by_target_.find(request.target); it != by_target_.end()) {
      response = it->second;
    }
  }
  if (chooser) {
    if (auto chosen = chooser(request)) {
      response = std::move(chosen);
    }
  }
  if (!response) {
    response = scripted_response(default_response(request.target, request.method == "HEAD"));
  }
  for (std::size_t i = 0; i < response->parts.size(); ++i) {
    connection.out.push_back({std::move(response->parts[i]), i > 0,
                              response->close_after && i + 1 == response->parts.size()});
  }
  if (response->parts.empty() && response->close_after) {
    connection.out.push_back({{}, false, true});
  }
}

void recording_upstream::write_to(connection_state& connection) {
  while (!connection.out.empty() && !connection.finished) {
    auto& front = connection.out.front();
    if (front.gated && !connection.gate_taken) {
      std::lock_guard lock(mutex_);
      if (gates_taken_ >= released_) {
        return;
      }
      ++gates_taken_;
      connection.gate_taken = true;
    }
    while (!front.bytes.empty()) {
      const ssize_t n = ::send(connection.fd, front.bytes.data(), front.bytes.size(),
                               MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        return;  // POLLOUT brings us back
      }
      if (n <= 0) {
        connection.finished = true;
        return;
      }
      front.bytes.erase(0, static_cast<std::size_t>(n));
    }
    if (front.gated) {
      std::lock_guard lock(mutex_);
      ++released_written_;
    }
    const bool close_after = front.close_after;
    connection.out.pop_front();
    connection.gate_taken = false;
    if (close_after) {
      connection.finished = true;
      return;
    }
  }
  if (connection.out.empty() && !connection.reading) {
    connection.finished = true;
  }
}

// ---------------------------------------------------------------------------------------

std::string get_text(std::string_view target) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: " + std::string(test_host) + "\r\n\r\n";
}

testing::AssertionResult framed_canonically(const recorded_request& request) {
  const auto hosts = request.count("Host");
  if (request.version_minor == 1 && hosts != 1) {
    return testing::AssertionFailure() << request.target << " reached the upstream with " << hosts
                                       << " Host headers: " << printable(request.raw);
  }
  const auto lengths = request.count("Content-Length");
  const auto codings = request.count("Transfer-Encoding");
  if (lengths + codings > 1) {
    return testing::AssertionFailure()
           << "more than one framing header: " << printable(request.raw);
  }
  if (lengths == 1 && request.header("Content-Length") != std::to_string(request.body.size())) {
    return testing::AssertionFailure() << "Content-Length not the proxy's own '"
                                       << request.body.size() << "': " << printable(request.raw);
  }
  if (codings == 1 && request.header("Transfer-Encoding") != "chunked") {
    return testing::AssertionFailure()
           << "Transfer-Encoding not the proxy's own 'chunked': " << printable(request.raw);
  }
  if (!request.chunk_extensions.empty() || !request.trailers.empty()) {
    return testing::AssertionFailure()
           << "chunk extensions or trailers were forwarded: " << printable(request.raw);
  }
  for (const auto& line : request.chunk_size_lines) {
    if (line.size() > 1 && line.front() == '0') {
      return testing::AssertionFailure()
             << "chunk size line '" << line << "' is not canonical: " << printable(request.raw);
    }
  }
  return testing::AssertionSuccess();
}

void PrintTo(const request_case& c, std::ostream* out) {
  *out << c.name;
}

request_case refused(const char* name, std::string raw, std::vector<int> statuses) {
  return {name, std::move(raw), std::move(statuses), true, {}};
}

request_case forwarded(const char* name, std::string raw, std::vector<expected_request> upstream) {
  return {name, std::move(raw), {200}, false, std::move(upstream)};
}

request_case forwarded_then_closed(const char* name, std::string raw,
                                   std::vector<expected_request> upstream) {
  return {name, std::move(raw), {200}, true, std::move(upstream)};
}

request_case refused_while_streaming(const char* name, std::string raw, std::vector<int> statuses) {
  auto c = refused(name, std::move(raw), std::move(statuses));
  c.partial_upstream_ok = true;
  return c;
}

std::string post_head(std::string_view target, std::string_view fields) {
  return "POST " + std::string(target) + " HTTP/1.1\r\nHost: " + std::string(test_host) + "\r\n" +
         std::string(fields) + "\r\n";
}

std::string chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + std::string(data) + "\r\n";
}

std::string smuggled_request() {
  return get_text("/smuggled");
}

proxy_config recorded_proxy::config() const {
  proxy_config config;
  config.workers = 1;  // one pool: the next request reuses the previous upstream connection
  config.stacks = {{"origin", {upstream.address()}, 100}};
  config.top_level_extra =
      "timeouts: { connect: 1s, request_header: 2s, idle: 3s, upstream_response: 3s }\n"
      "limits: { max_request_body_bytes: 65536 }\n";
  return config;
}

testing::AssertionResult recorded_proxy::answered_itself(http_client& client,
                                                         std::string_view target) {
  if (!client.send(get_text(target), std::chrono::seconds(3))) {
    return testing::AssertionFailure() << "sending GET " << target << ": " << client.error();
  }
  auto response = client.read_response(false, std::chrono::seconds(3));
  if (response.status != 200 || response.body != target) {
    return testing::AssertionFailure()
           << "GET " << target << " was answered " << response.status << " '"
           << printable(response.body) << "' " << response.error << "\n"
           << upstream.describe();
  }
  return testing::AssertionSuccess();
}

testing::AssertionResult recorded_proxy::answered_itself(std::string_view target) {
  http_client client(port(), std::chrono::seconds(3));
  return answered_itself(client, target);
}

std::size_t recorded_proxy::warm_pool() {
  EXPECT_TRUE(answered_itself("/warm"));
  return upstream.request_count();
}

testing::AssertionResult recorded_proxy::upstream_saw(std::size_t base,
                                                      const std::vector<expected_request>& expected,
                                                      bool partial_ok) {
  if (auto sentinel = answered_itself("/sentinel"); !sentinel) {
    return sentinel;
  }
  if (auto seen = upstream.wait_for_target("/sentinel"); !seen) {
    return seen;
  }
  auto all = upstream.requests();
  std::vector<recorded_request> got(all.begin() + static_cast<std::ptrdiff_t>(base), all.end());
  auto wanted = expected;
  wanted.push_back({"GET", "/sentinel", ""});
  auto failure = [&]() { return testing::AssertionFailure() << "\n" << upstream.describe(); };
  if (got.size() != wanted.size()) {
    auto result = failure();
    result << "the upstream parsed " << got.size() << " requests, expected " << wanted.size()
           << ":";
    for (const auto& r : got) {
      result << "\n  " << r.method << " " << r.target << " body '" << printable(r.body) << "'";
    }
    return result;
  }
  for (std::size_t i = 0; i < got.size(); ++i) {
    const auto& r = got[i];
    const auto& w = wanted[i];
    if (r.method != w.method || r.target != w.target || r.body != w.body) {
      return failure() << "request " << i << " is " << r.method << " " << r.target << " body '"
                       << printable(r.body) << "', expected " << w.method << " " << w.target
                       << " body '" << printable(w.body) << "'";
    }
    if (w.host && r.header("Host") != *w.host) {
      return failure() << "request " << i << " has Host '" << printable(r.header("Host"))
                       << "', expected '" << *w.host << "'";
    }
    if (auto framed = framed_canonically(r); !framed) {
      return framed;
    }
  }
  if (auto errors = upstream.errors(); !errors.empty()) {
    return failure() << "the upstream could not parse: " << errors.front();
  }
  // Every byte the upstream received belongs to a request it parsed, unless a body that
  // was refused while it streamed was cut short; then that connection must be closed,
  // or the next request on it would extend the cut one.
  auto stray = [&](bool closed_counts) {
    const auto connections = upstream.connections();
    std::vector<std::size_t> parsed_bytes(connections.size());
    for (const auto& r : all) {
      parsed_bytes[r.connection] += r.raw.size();
    }
    for (std::size_t i = 0; i < connections.size(); ++i) {
      if (connections[i].received.size() != parsed_bytes[i] &&
          !(closed_counts && connections[i].peer_closed)) {
        return testing::AssertionFailure() << "upstream connection " << i << " received "
                                           << connections[i].received.size() - parsed_bytes[i]
                                           << " bytes that are not a whole request"
                                           << (closed_counts ? " and was not closed" : "");
      }
    }
    return testing::AssertionSuccess();
  };
  if (auto whole = partial_ok ? eventually([&] { return stray(true); }, std::chrono::seconds(3))
                              : stray(false);
      !whole) {
    return failure() << whole.message();
  }
  return testing::AssertionSuccess();
}

std::vector<recorded_request> recorded_proxy::expect_case(const request_case& c) {
  const std::size_t base = warm_pool();
  http_client client(port(), std::chrono::seconds(3));
  EXPECT_TRUE(client.send(c.raw, std::chrono::seconds(3))) << client.error();
  auto response = client.read_response(false, std::chrono::seconds(4));
  EXPECT_TRUE(std::find(c.statuses.begin(), c.statuses.end(), response.status) != c.statuses.end())
      << "status " << response.status << " " << response.error << ", expected one of "
      << testing::PrintToString(c.statuses) << "\n"
      << upstream.describe();
  if (response.status == 200 && !c.upstream.empty()) {
    EXPECT_EQ(printable(response.body), printable(c.upstream.front().target))
        << "the client got another request's answer";
  }
  auto expected = c.upstream;
  if (c.expect_closed) {
    if (response.status != 0) {
      EXPECT_EQ(response.header("Connection"), "close");
    }
    EXPECT_TRUE(client.wait_closed(std::chrono::seconds(3))) << "the connection stayed open";
    EXPECT_EQ(printable(client.unread_bytes()), "") << "bytes after the response";
  } else {
    EXPECT_TRUE(response.keep_alive) << "the connection is not kept";
    EXPECT_TRUE(answered_itself(client, "/follow-up"));
    expected.push_back({"GET", "/follow-up", ""});
  }
  EXPECT_TRUE(upstream_saw(base, expected, c.partial_upstream_ok));
  auto all = upstream.requests();
  return {all.begin() + static_cast<std::ptrdiff_t>(std::min(base, all.size())), all.end()};
}

}  // namespace quikedge::test
