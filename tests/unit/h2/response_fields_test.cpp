// The exchange's HTTP/1.1 response head becomes an HTTP/2 header list.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "h2/response_fields.hpp"

namespace quikedge::h2 {
namespace {

TEST(ResponseFields, StatusFirstNamesLowerCasedConnectionFieldsDropped) {
  const std::string bytes =
      "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
      "Connection: keep-alive\r\nX-QuikEdge-Stack: green\r\nSet-Cookie: a=1\r\n\r\n";
  http::message_head head;
  ASSERT_EQ(http::parse_response_head(bytes, {65536, 64}, false, head), http::parse_status::ok);
  std::string storage;
  std::vector<response_field> fields;
  response_fields(head, storage, fields);
  ASSERT_EQ(fields.size(), 4U);
  EXPECT_EQ(fields[0].name, ":status");
  EXPECT_EQ(fields[0].value, "201");
  EXPECT_EQ(fields[1].name, "content-type");
  EXPECT_EQ(fields[1].value, "text/plain");
  EXPECT_EQ(fields[2].name, "x-quikedge-stack");
  EXPECT_EQ(fields[2].value, "green");
  EXPECT_EQ(fields[3].name, "set-cookie");
}

TEST(ResponseFields, ConnectionSpecificNames) {
  EXPECT_TRUE(connection_specific("connection"));
  EXPECT_TRUE(connection_specific("keep-alive"));
  EXPECT_TRUE(connection_specific("transfer-encoding"));
  EXPECT_FALSE(connection_specific("content-length"));
  EXPECT_FALSE(connection_specific("grpc-status"));
}

}  // namespace
}  // namespace quikedge::h2
