// Access log formatting and writing.
#include "metrics/access_log.hpp"

#include <boost/asio/post.hpp>

#include <charconv>
#include <ctime>
#include <initializer_list>
#include <stdexcept>
#include <utility>

namespace quikedge::metrics {
namespace {

void append_uint(std::string& out, std::uint64_t value) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, result.ptr);
}

/// Microseconds as milliseconds with three decimals ("12.034").
void append_millis(std::string& out, std::chrono::microseconds value) {
  const auto micros = static_cast<std::uint64_t>(value.count());
  append_uint(out, micros / 1000);
  out.push_back('.');
  const auto frac = micros % 1000;
  out.append(frac < 100 ? (frac < 10 ? "00" : "0") : "");
  append_uint(out, frac);
}

void append_time(std::string& out, std::chrono::system_clock::time_point when) {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  n += static_cast<std::size_t>(
      std::snprintf(text + n, sizeof text - n, ".%06dZ", static_cast<int>(micros % 1000000)));
  out.push_back('"');
  out.append(text, n);
  out.push_back('"');
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out.append("\\u00");
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

access_log_writer::access_log_writer(const std::string& path)
    : file_(std::fopen(path.c_str(), "a")), work_(io_.get_executor()) {
  if (file_ == nullptr) {
    throw std::runtime_error("cannot open access log " + path);
  }
  thread_ = std::thread([this] { io_.run(); });
}

access_log_writer::~access_log_writer() {
  work_.reset();
  thread_.join();  // writes everything already submitted
  std::fclose(file_);
}

void access_log_writer::submit(std::string chunk) {
  boost::asio::post(io_, [this, chunk = std::move(chunk)] {
    std::fwrite(chunk.data(), 1, chunk.size(), file_);
    std::fflush(file_);
  });
}

access_log_buffer::access_log_buffer(access_log_writer& writer, double sample_rate,
                                     std::uint64_t seed)
    : writer_(writer), sample_rate_(sample_rate), rng_(seed | 1) {}

bool access_log_buffer::sample() {
  if (sample_rate_ >= 1.0) {
    return true;
  }
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  return static_cast<double>(rng_ >> 11) / 9007199254740992.0 < sample_rate_;
}

void access_log_buffer::append(const access_record& r) {
  // Fields in the documented order; the name lists live on the stack.
  using text_field = std::pair<std::string_view, std::string_view>;
  pending_.append("{\"time\":");
  append_time(pending_, r.time);
  for (auto [name, value] :
       {text_field{",\"request_id\":", r.request_id}, text_field{",\"client\":", r.client},
        text_field{",\"method\":", r.method}, text_field{",\"path\":", r.path}}) {
    pending_.append(name);
    append_json_string(pending_, value);
  }
  pending_.append(",\"status\":");
  append_uint(pending_, static_cast<std::uint64_t>(r.status));
  for (auto [name, value] :
       {text_field{",\"stack\":", r.stack}, text_field{",\"endpoint\":", r.endpoint}}) {
    pending_.append(name);
    append_json_string(pending_, value);
  }
  pending_.append(",\"bytes_in\":");
  append_uint(pending_, r.bytes_in);
  pending_.append(",\"bytes_out\":");
  append_uint(pending_, r.bytes_out);
  for (auto [name, value] : {std::pair{",\"duration_ms\":", r.duration},
                             std::pair{",\"upstream_ms\":", r.upstream_time}}) {
    pending_.append(name);
    append_millis(pending_, value);
  }
  pending_.append("}\n");
}

void access_log_buffer::flush() {
  if (pending_.empty()) {
    return;
  }
  std::string chunk;
  chunk.reserve(pending_.capacity());
  chunk.swap(pending_);
  writer_.submit(std::move(chunk));
}

}  // namespace quikedge::metrics
