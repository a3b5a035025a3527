// Streamed bodies, no full buffering: 256 MiB each way through the proxy
// while its resident memory (VmRSS) is sampled during the transfer.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

constexpr std::uint64_t transfer_bytes = 256ULL * 1024 * 1024;
constexpr long max_growth_kib = 32 * 1024;
// While the client stops reading, a proxy that reads ahead of the slow side would fill
// its memory at loopback speed; this long is plenty to see that.
constexpr auto stall = std::chrono::milliseconds(300);

class large_bodies : public two_stacks {
 protected:
  void SetUp() override {
    ASSERT_TRUE(start_with_body_limit(1073741824));
    // Warm up the allocator and pools so that the baseline is the steady state.
    http_client client(port());
    ASSERT_EQ(client.post("/echo", make_test_body(1024 * 1024)).status, 200);
    baseline_kib_ = proxy.process().rss_kib();
    ASSERT_GT(baseline_kib_, 0);
  }

  void sample() { peak_kib_ = std::max(peak_kib_, proxy.process().rss_kib()); }

  /// Samples every 10 ms for the stall, without touching the socket.
  void stall_and_sample() {
    const auto end = test_clock::now() + stall;
    while (test_clock::now() < end) {
      sample();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  /// A 256 MiB Content-Length body of the upstream pattern, sampling RSS every 4 MiB.
  streamed_body sampled_upload() {
    streamed_body upload;
    upload.size = transfer_bytes;
    upload.fill = fill_upstream_pattern;
    upload.on_progress = [this, next = std::uint64_t{0}](std::uint64_t sent) mutable {
      if (sent >= next) {
        sample();
        next = sent + 4 * 1024 * 1024;
      }
    };
    return upload;
  }

  long baseline_kib_ = 0;
  long peak_kib_ = 0;
};

TEST_F(large_bodies, upload_of_256_mib_streams_through_echo_in_bounded_memory) {
  http_client client(port());
  std::uint64_t received = 0;
  bool intact = true;
  auto upload = sampled_upload();
  upload.pause_reading_at = 64ULL * 1024 * 1024;
  upload.pause_reading_for = stall;
  upload.stall_timeout = std::chrono::seconds(3);
  auto response = client.exchange_streaming(
      request_text("POST", "/echo", {{"Content-Length", std::to_string(transfer_bytes)}}), upload,
      [&](std::string_view bytes) {
        intact = intact && matches_upstream_pattern(received, bytes);
        received += bytes.size();
      },
      std::chrono::seconds(120));
  sample();
  if (response.status == 0 && response.error.starts_with("no progress") && received == 0) {
    ADD_FAILURE() << "BUG: the proxy reads the upstream response only after the whole request "
                     "body was sent, so an upstream that answers while reading (/echo) deadlocks "
                     "once the socket buffers are full: "
                  << response.error << ", 0 bytes echoed back";
  }
  ASSERT_EQ(response.status, 200) << response.error << " (" << received << " bytes echoed)";
  EXPECT_EQ(received, transfer_bytes);
  EXPECT_TRUE(intact) << "echoed bytes differ";
  RecordProperty("rss_growth_kib", std::to_string(peak_kib_ - baseline_kib_));
  EXPECT_LT(peak_kib_ - baseline_kib_, max_growth_kib)
      << "baseline " << baseline_kib_ << " KiB, peak " << peak_kib_ << " KiB";
}

TEST_F(large_bodies, upload_of_256_mib_to_a_reading_upstream_in_bounded_memory) {
  // /status/200 reads and drops the body before it answers.
  http_client client(port());
  auto upload = sampled_upload();
  upload.stall_timeout = std::chrono::seconds(3);
  auto response = client.exchange_streaming(
      request_text("POST", "/status/200", {{"Content-Length", std::to_string(transfer_bytes)}}),
      upload, {}, std::chrono::seconds(120));
  sample();
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(response.body, "blue\n");
  RecordProperty("rss_growth_kib", std::to_string(peak_kib_ - baseline_kib_));
  EXPECT_LT(peak_kib_ - baseline_kib_, max_growth_kib)
      << "baseline " << baseline_kib_ << " KiB, peak " << peak_kib_ << " KiB";
}

TEST_F(large_bodies, download_of_256_mib_streams_in_bounded_memory) {
  http_client client(port());
  ASSERT_TRUE(client.send(request_text("GET", "/bytes/" + std::to_string(transfer_bytes))));
  std::uint64_t received = 0;
  std::uint64_t next_sample = 0;
  bool stalled = false;
  bool intact = true;
  auto response =
      client.read_response(false, std::chrono::seconds(120), [&](std::string_view bytes) {
        intact = intact && matches_upstream_pattern(received, bytes);
        received += bytes.size();
        if (received >= next_sample) {
          sample();
          next_sample = received + 4 * 1024 * 1024;
        }
        if (!stalled && received >= 64ULL * 1024 * 1024) {
          stalled = true;
          stall_and_sample();
        }
      });
  sample();
  ASSERT_EQ(response.status, 200) << response.error;
  EXPECT_EQ(received, transfer_bytes);
  EXPECT_TRUE(intact) << "downloaded bytes differ from the pattern";
  RecordProperty("rss_growth_kib", std::to_string(peak_kib_ - baseline_kib_));
  EXPECT_LT(peak_kib_ - baseline_kib_, max_growth_kib)
      << "baseline " << baseline_kib_ << " KiB, peak " << peak_kib_ << " KiB";
}

}  // namespace
}  // namespace quikedge::test
