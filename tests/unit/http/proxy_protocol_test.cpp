// PROXY protocol v1 and v2 headers: every valid form, every prefix of a valid
// header reported incomplete, and the malformed ones refused.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "http/proxy_protocol.hpp"

namespace quikedge::http {
namespace {

namespace ip = boost::asio::ip;

const std::string signature("\r\n\r\n\0\r\nQUIT\n", 12);

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) {
    out.push_back(static_cast<char>(v));
  }
  return out;
}

std::string be16(std::size_t v) {
  return bytes({static_cast<int>((v >> 8) & 0xff), static_cast<int>(v & 0xff)});
}

// A v2 header: signature, version/command, family/protocol, length, block.
std::string v2(int ver_cmd, int family, const std::string& block) {
  return signature + bytes({ver_cmd, family}) + be16(block.size()) + block;
}

std::string tlv(int type, const std::string& value) {
  return bytes({type}) + be16(value.size()) + value;
}

// 192.0.2.1:56324 -> 198.51.100.7:443
const std::string v4_block = bytes({192, 0, 2, 1, 198, 51, 100, 7, 0xdc, 0x04, 0x01, 0xbb});
// 2001:db8::1:8080 -> 2001:db8::2:443
const std::string v6_block =
    bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,    1,    0x20, 0x01,
           0x0d, 0xb8, 0,    0,    0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0x1f, 0x90, 0x01, 0xbb});

proxy_parse_status parse(std::string_view input) {
  proxy_header header;
  return parse_proxy_header(input, header);
}

proxy_header parse_ok(std::string_view input) {
  proxy_header header;
  EXPECT_EQ(parse_proxy_header(input, header), proxy_parse_status::ok) << header.reason;
  return header;
}

ip::tcp::endpoint endpoint(const char* address, unsigned short port) {
  return {ip::make_address(address), port};
}

// Every proper prefix of a valid header must ask for more, never fail early.
void expect_every_prefix_incomplete(const std::string& header) {
  for (std::size_t n = 0; n < header.size(); ++n) {
    proxy_header out;
    EXPECT_EQ(parse_proxy_header(std::string_view(header).substr(0, n), out),
              proxy_parse_status::incomplete)
        << "prefix of " << n << " bytes: " << out.reason;
  }
}

TEST(ProxyProtocolV1, Tcp4) {
  std::string line = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
  proxy_header h = parse_ok(line + "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(h.version, 1);
  EXPECT_FALSE(h.local);
  EXPECT_EQ(h.header_bytes, line.size());
  EXPECT_EQ(h.source, endpoint("192.168.0.1", 56324));
  EXPECT_EQ(h.destination, endpoint("192.168.0.11", 443));
  EXPECT_TRUE(h.tlvs.empty());
  expect_every_prefix_incomplete(line);
}

TEST(ProxyProtocolV1, Tcp6) {
  std::string line = "PROXY TCP6 2001:db8::1 2001:DB8::2 8080 443\r\n";
  proxy_header h = parse_ok(line);
  EXPECT_EQ(h.header_bytes, line.size());
  EXPECT_EQ(h.source, endpoint("2001:db8::1", 8080));
  EXPECT_EQ(h.destination, endpoint("2001:db8::2", 443));
  expect_every_prefix_incomplete(line);
}

TEST(ProxyProtocolV1, Tcp6WithMappedAddressAsInetNtopWritesIt) {
  proxy_header h = parse_ok("PROXY TCP6 ::ffff:10.1.2.3 ::1 1 2\r\n");
  EXPECT_EQ(h.source, endpoint("::ffff:10.1.2.3", 1));
}

TEST(ProxyProtocolV1, PortAndAddressEdges) {
  proxy_header h = parse_ok("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n");
  EXPECT_EQ(h.source, endpoint("0.0.0.0", 0));
  EXPECT_EQ(h.destination, endpoint("255.255.255.255", 65535));
}

TEST(ProxyProtocolV1, LongestTcp6LineFits) {
  std::string full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  std::string line = "PROXY TCP6 " + full + " " + full + " 65535 65535\r\n";
  ASSERT_EQ(line.size(), 104U);
  EXPECT_EQ(parse_ok(line).header_bytes, 104U);
}

TEST(ProxyProtocolV1, Unknown) {
  proxy_header h = parse_ok("PROXY UNKNOWN\r\nGET / HTTP/1.1\r\n");
  EXPECT_TRUE(h.local);
  EXPECT_EQ(h.version, 1);
  EXPECT_EQ(h.header_bytes, 15U);
  expect_every_prefix_incomplete("PROXY UNKNOWN\r\n");
}

TEST(ProxyProtocolV1, UnknownIgnoresTheRestOfTheLineUpTo107Bytes) {
  std::string full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  std::string line = "PROXY UNKNOWN " + full + " " + full + " 65535 65535\r\n";
  ASSERT_EQ(line.size(), max_proxy_v1_bytes);
  proxy_header h = parse_ok(line);
  EXPECT_TRUE(h.local);
  EXPECT_EQ(h.header_bytes, 107U);
  expect_every_prefix_incomplete(line);
  EXPECT_EQ(parse("PROXY UNKNOWN " + full + " " + full + " 65535 655350\r\n"),
            proxy_parse_status::invalid);
}

TEST(ProxyProtocolV1, LineOver107BytesWithoutCrlfIsInvalid) {
  std::string line = "PROXY UNKNOWN " + std::string(93, 'a');
  ASSERT_EQ(line.size(), 107U);
  EXPECT_EQ(parse(line), proxy_parse_status::invalid);
  EXPECT_EQ(parse(line.substr(0, 106)), proxy_parse_status::incomplete);
  EXPECT_EQ(parse(line.substr(0, 106) + "\r"), proxy_parse_status::invalid);
  EXPECT_EQ(parse(line + "\r\n"), proxy_parse_status::invalid);
  EXPECT_EQ(parse(line.substr(0, 105) + "\r\n"), proxy_parse_status::ok);
}

TEST(ProxyProtocolV1, MalformedLinesAreInvalid) {
  for (const char* line : {
           "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n",      // lower-case keyword
           "PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n",      // lower-case protocol
           "PROXY unknown\r\n",                       //
           "PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n",     // extra spaces
           "PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n",     //
           "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n",     //
           "PROXY TCP4 1.2.3.4 5.6.7.8 1  2\r\n",     //
           "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n",     //
           " PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n",     //
           "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",        // missing field
           "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",    // extra field
           "PROXY TCP4\r\n",                          //
           "PROXY TCP4 \r\n",                         //
           "PROXY\r\n",                               //
           "PROXY \r\n",                              //
           "PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n",      // unknown protocol
           "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",      //
           "PROXY UNKNOWNX\r\n",                      //
           "PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n",    // bad addresses
           "PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n",        //
           "PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n",    //
           "PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n",     // leading zero (octal?)
           "PROXY TCP4 1.2.3.4. 5.6.7.8 1 2\r\n",     //
           "PROXY TCP4 1..3.4 5.6.7.8 1 2\r\n",       //
           "PROXY TCP4 ::1 ::1 1 2\r\n",              // IPv6 under TCP4
           "PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n",      // IPv4 under TCP6
           "PROXY TCP4 1.2.3.4 ::1 1 2\r\n",          // mixed families
           "PROXY TCP6 ::1 1::2::3 1 2\r\n",          //
           "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n",     // zone
           "PROXY TCP6 [::1] ::1 1 2\r\n",            //
           "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",  // ports out of range
           "PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n",  //
           "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",     // leading zero
           "PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n",     //
           "PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n",     //
           "PROXY TCP4 1.2.3.4 5.6.7.8 0x1 2\r\n",    //
           "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",        // bare LF
           "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r",        // CR then something else
           "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n\r\n",    //
           "PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n",     // tab
           "PROXY UNKNOWN\n",                         //
           "PROXY UNKNOWN \x01\r\n",                  // control byte
           "PROXY UNKNOWN \xff\r\n",                  // non-ASCII
           "GET / HTTP/1.1\r\n\r\n",                  // no header at all
       }) {
    std::string input(line);
    if (input.back() == '\r') {
      input += 'x';
    }
    proxy_header out;
    EXPECT_EQ(parse_proxy_header(input, out), proxy_parse_status::invalid) << line;
    EXPECT_FALSE(out.reason.empty()) << line;
  }
}

TEST(ProxyProtocolV1, WrongBytesAreRefusedAtOnceNotAfterATimeout) {
  EXPECT_EQ(parse("G"), proxy_parse_status::invalid);
  EXPECT_EQ(parse("p"), proxy_parse_status::invalid);
  EXPECT_EQ(parse("PROXx"), proxy_parse_status::invalid);
  EXPECT_EQ(parse("\x16\x03\x01"), proxy_parse_status::invalid);  // TLS ClientHello
  EXPECT_EQ(parse("PROXY TCP4 1.2.3.4\n"), proxy_parse_status::invalid);
  EXPECT_EQ(parse("PROXY TCP4 1.2.3.4\rx"), proxy_parse_status::invalid);
}

TEST(ProxyProtocolV2, ProxyOverTcp4) {
  std::string header = v2(0x21, 0x11, v4_block);
  proxy_header h = parse_ok(header + "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(h.version, 2);
  EXPECT_FALSE(h.local);
  EXPECT_EQ(h.header_bytes, 28U);
  EXPECT_EQ(h.source, endpoint("192.0.2.1", 56324));
  EXPECT_EQ(h.destination, endpoint("198.51.100.7", 443));
  EXPECT_TRUE(h.tlvs.empty());
  expect_every_prefix_incomplete(header);
}

TEST(ProxyProtocolV2, ProxyOverTcp6) {
  std::string header = v2(0x21, 0x21, v6_block);
  proxy_header h = parse_ok(header);
  EXPECT_EQ(h.header_bytes, 52U);
  EXPECT_EQ(h.source, endpoint("2001:db8::1", 8080));
  EXPECT_EQ(h.destination, endpoint("2001:db8::2", 443));
  expect_every_prefix_incomplete(header);
}

TEST(ProxyProtocolV2, TlvsAreCheckedAndPassedOnUninterpreted) {
  // What an AWS NLB sends: a VPC endpoint id (0xEA), plus a CRC32C, NOOP and SSL TLV.
  std::string tlvs = tlv(0xea, std::string("\x01vpce-0123456789abcdef0", 23)) +
                     tlv(0x03, bytes({1, 2, 3, 4})) + tlv(0x04, "") +
                     tlv(0x20, bytes({0x01, 0, 0, 0, 0}) + tlv(0x21, "TLSv1.3"));
  std::string header = v2(0x21, 0x11, v4_block + tlvs);
  std::string input = header + "GET /";
  proxy_header h = parse_ok(input);
  EXPECT_EQ(h.header_bytes, header.size());
  EXPECT_EQ(h.source, endpoint("192.0.2.1", 56324));
  EXPECT_EQ(h.tlvs, tlvs);
  EXPECT_EQ(h.tlvs.data(), input.data() + 16 + v4_block.size());  // a view, not a copy
  expect_every_prefix_incomplete(header);

  std::string v6_header = v2(0x21, 0x21, v6_block + tlvs);
  EXPECT_EQ(parse_ok(v6_header).tlvs, tlvs);
}

TEST(ProxyProtocolV2, Local) {
  std::string header = v2(0x20, 0x00, "");
  proxy_header h = parse_ok(header + "GET /");
  EXPECT_TRUE(h.local);
  EXPECT_EQ(h.version, 2);
  EXPECT_EQ(h.header_bytes, 16U);
  expect_every_prefix_incomplete(header);
}

TEST(ProxyProtocolV2, LocalSkipsWhateverBlockItCarries) {
  // The spec: receivers must use the length, not assume 0, and ignore the family.
  std::string header = v2(0x20, 0x11, v4_block + tlv(0x04, "xx"));
  proxy_header h = parse_ok(header);
  EXPECT_TRUE(h.local);
  EXPECT_EQ(h.header_bytes, header.size());
  EXPECT_TRUE(h.tlvs.empty());
  EXPECT_TRUE(parse_ok(v2(0x20, 0x31, std::string(216, 'x'))).local);
}

TEST(ProxyProtocolV2, ProxyWithUnspecifiedFamilyIsLikeV1Unknown) {
  proxy_header h = parse_ok(v2(0x21, 0x00, "abc"));
  EXPECT_TRUE(h.local);
  EXPECT_EQ(h.header_bytes, 19U);
}

TEST(ProxyProtocolV2, LongestAllowedHeader) {
  std::string pad(max_proxy_v2_bytes - 16 - v4_block.size() - 3, 'p');
  std::string header = v2(0x21, 0x11, v4_block + tlv(0x04, pad));
  ASSERT_EQ(header.size(), max_proxy_v2_bytes);
  EXPECT_EQ(parse_ok(header).header_bytes, max_proxy_v2_bytes);
  EXPECT_EQ(parse(v2(0x21, 0x11, v4_block + tlv(0x04, pad + "p"))), proxy_parse_status::invalid);
}

TEST(ProxyProtocolV2, MalformedHeadersAreInvalid) {
  std::string bad_signature = v2(0x21, 0x11, v4_block);
  bad_signature[7] = 'q';  // "qUIT"
  std::string nul_missing = v2(0x21, 0x11, v4_block);
  nul_missing[4] = ' ';
  for (const std::string& input : {
           bad_signature,
           nul_missing,
           v2(0x11, 0x11, v4_block),                // version 1 in the binary form
           v2(0x31, 0x11, v4_block),                // version 3
           v2(0x01, 0x11, v4_block),                // version 0
           v2(0x22, 0x11, v4_block),                // unassigned command
           v2(0x2f, 0x11, v4_block),                //
           v2(0x21, 0x13, v4_block),                // unassigned protocol
           v2(0x21, 0x41, v4_block),                // unassigned family
           v2(0x20, 0xff, ""),                      // LOCAL still needs an assigned family byte
           v2(0x21, 0x12, v4_block),                // UDP over IPv4
           v2(0x21, 0x22, v6_block),                // UDP over IPv6
           v2(0x21, 0x31, std::string(216, 'u')),   // UNIX stream
           v2(0x21, 0x32, std::string(216, 'u')),   // UNIX datagram
           v2(0x21, 0x11, v4_block.substr(0, 11)),  // length too short for addresses
           v2(0x21, 0x21, v6_block.substr(0, 35)),  //
           v2(0x21, 0x21, v4_block),                //
           v2(0x21, 0x11, v4_block + "\x04"),       // truncated TLV header
           v2(0x21, 0x11, v4_block + bytes({0x04, 0})),
           v2(0x21, 0x11, v4_block + bytes({0x04, 0, 2, 'x'})),  // TLV past the end
           v2(0x21, 0x11, v4_block + tlv(0x04, "") + bytes({0x20, 0xff, 0xff})),
       }) {
    proxy_header out;
    EXPECT_EQ(parse_proxy_header(input, out), proxy_parse_status::invalid)
        << testing::PrintToString(input);
    EXPECT_FALSE(out.reason.empty());
    EXPECT_EQ(out.header_bytes, 0U);
  }
}

TEST(ProxyProtocolV2, BadFixedBytesAreRefusedBeforeTheRestArrives) {
  EXPECT_EQ(parse(signature.substr(0, 5) + "x"), proxy_parse_status::invalid);
  EXPECT_EQ(parse(signature + bytes({0x11})), proxy_parse_status::invalid);
  EXPECT_EQ(parse(signature + bytes({0x21, 0x12})), proxy_parse_status::invalid);
  // A length above the bound is refused once the length field is in, without
  // waiting (and buffering) for the bytes it announces.
  EXPECT_EQ(parse(signature + bytes({0x21, 0x11}) + be16(max_proxy_v2_bytes - 15)),
            proxy_parse_status::invalid);
  EXPECT_EQ(parse(signature + bytes({0x21, 0x11}) + be16(0xffff)), proxy_parse_status::invalid);
  EXPECT_EQ(parse(signature + bytes({0x21, 0x11}) + be16(max_proxy_v2_bytes - 16)),
            proxy_parse_status::incomplete);
}

TEST(ProxyProtocol, OutIsResetOnEveryCall) {
  proxy_header h;
  ASSERT_EQ(parse_proxy_header("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n", h), proxy_parse_status::ok);
  EXPECT_EQ(parse_proxy_header("PROXY UNKNOWN\r\n", h), proxy_parse_status::ok);
  EXPECT_TRUE(h.local);
  EXPECT_EQ(h.source, ip::tcp::endpoint{});
  EXPECT_EQ(parse_proxy_header("GET", h), proxy_parse_status::invalid);
  EXPECT_EQ(h.header_bytes, 0U);
  EXPECT_FALSE(h.local);
  EXPECT_EQ(parse_proxy_header("PROXY", h), proxy_parse_status::incomplete);
  EXPECT_TRUE(h.reason.empty());
}

TEST(ProxyProtocol, EmptyInputIsIncomplete) {
  EXPECT_EQ(parse(""), proxy_parse_status::incomplete);
}

}  // namespace
}  // namespace quikedge::http
