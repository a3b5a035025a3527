// etcd gateway JSON, built with boost::json and read defensively: a missing field
// is its zero value (the gateway omits zeros and false), a wrong type is an error.
#include "etcd/etcd_messages.hpp"

#include <boost/json.hpp>

#include <charconv>

#include "etcd/base64.hpp"

namespace quikedge::etcd {
namespace {

namespace json = boost::json;

std::string text_of(const json::value& v) {
  return json::serialize(v);
}

std::string int_text(std::int64_t n) {
  return std::to_string(n);
}

/// An int64 the gateway wrote as a string (or, leniently, a number); 0 when absent.
bool read_int(const json::object& o, std::string_view name, std::int64_t& out) {
  out = 0;
  const json::value* v = o.if_contains(name);
  if (v == nullptr) {
    return true;
  }
  if (v->is_int64()) {
    out = v->as_int64();
    return true;
  }
  if (v->is_uint64()) {
    out = static_cast<std::int64_t>(v->as_uint64());
    return true;
  }
  if (!v->is_string()) {
    return false;
  }
  const auto& s = v->as_string();
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool read_uint(const json::object& o, std::string_view name, std::uint64_t& out) {
  out = 0;
  const json::value* v = o.if_contains(name);
  if (v == nullptr) {
    return true;
  }
  if (v->is_string()) {
    const auto& s = v->as_string();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
  }
  return false;
}

bool read_bool(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr && v->is_bool() && v->as_bool();
}

bool read_bytes(const json::object& o, std::string_view name, std::string& out) {
  out.clear();
  const json::value* v = o.if_contains(name);
  if (v == nullptr) {
    return true;
  }
  if (!v->is_string()) {
    return false;
  }
  auto decoded = base64_decode(v->as_string());
  if (!decoded) {
    return false;
  }
  out = std::move(*decoded);
  return true;
}

bool read_header(const json::object& o, response_header& out) {
  const json::value* h = o.if_contains("header");
  if (h == nullptr || !h->is_object()) {
    return false;
  }
  return read_int(h->as_object(), "revision", out.revision) &&
         read_uint(h->as_object(), "member_id", out.member_id);
}

bool read_kv(const json::value& v, key_value& out) {
  if (!v.is_object()) {
    return false;
  }
  const auto& o = v.as_object();
  return read_bytes(o, "key", out.key) && read_bytes(o, "value", out.value) &&
         read_int(o, "create_revision", out.create_revision) &&
         read_int(o, "mod_revision", out.mod_revision) && read_int(o, "version", out.version) &&
         read_int(o, "lease", out.lease);
}

bool read_kvs(const json::object& o, std::vector<key_value>& out) {
  const json::value* list = o.if_contains("kvs");
  if (list == nullptr) {
    return true;
  }
  if (!list->is_array()) {
    return false;
  }
  for (const auto& item : list->as_array()) {
    key_value kv;
    if (!read_kv(item, kv)) {
      return false;
    }
    out.push_back(std::move(kv));
  }
  return true;
}

/// The parsed object, or nullptr with `error` set for {"error":...} answers.
const json::object* object_of(const json::value& v, gateway_error* error) {
  if (!v.is_object()) {
    return nullptr;
  }
  const auto& o = v.as_object();
  const json::value* e = o.if_contains("error");
  if (e == nullptr && o.if_contains("result") != nullptr && o.at("result").is_object()) {
    e = o.at("result").as_object().if_contains("error");
  }
  if (e != nullptr) {
    if (error != nullptr) {
      std::int64_t code = 0;
      read_int(o, "code", code);
      error->code = static_cast<int>(code);
      const json::value* message = o.if_contains("message");
      error->message = message != nullptr && message->is_string()
                           ? std::string(message->as_string())
                       : e->is_string() ? std::string(e->as_string())
                                        : text_of(*e);
    }
    return nullptr;
  }
  return &o;
}

std::optional<json::value> parse_json(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    return std::nullopt;
  }
  return v;
}

/// Parses `text`, then lets `read` fill a T from the answer object; nullopt when
/// either fails (with `error` set for the gateway's error answers).
template <class T, class Read>
std::optional<T> parse_answer(std::string_view text, gateway_error* error, Read read) {
  auto v = parse_json(text);
  const json::object* o = v ? object_of(*v, error) : nullptr;
  T out;
  if (o == nullptr || !read(*o, out)) {
    return std::nullopt;
  }
  return out;
}

bool read_event(const json::value& e, watch_event& event) {
  if (!e.is_object()) {
    return false;
  }
  const json::value* type = e.as_object().if_contains("type");
  event.type = type != nullptr && type->is_string() && type->as_string() == "DELETE"
                   ? watch_event::kind::remove
                   : watch_event::kind::put;
  const json::value* kv = e.as_object().if_contains("kv");
  return kv != nullptr && read_kv(*kv, event.kv);
}

/// A watch line is {"result": {header, created, canceled, compact_revision, events}}.
bool read_watch_result(const json::object& answer, watch_message& out) {
  const json::value* result = answer.if_contains("result");
  if (result == nullptr || !result->is_object()) {
    return false;
  }
  const auto& r = result->as_object();
  if (!read_header(r, out.header) || !read_int(r, "compact_revision", out.compact_revision)) {
    return false;
  }
  out.created = read_bool(r, "created");
  out.canceled = read_bool(r, "canceled");
  if (const json::value* reason = r.if_contains("cancel_reason"); reason && reason->is_string()) {
    out.cancel_reason = std::string(reason->as_string());
  }
  const json::value* events = r.if_contains("events");
  if (events == nullptr) {
    return true;
  }
  if (!events->is_array()) {
    return false;
  }
  for (const auto& e : events->as_array()) {
    watch_event event;
    if (!read_event(e, event)) {
      return false;
    }
    out.events.push_back(std::move(event));
  }
  return true;
}

json::object key_range(std::string_view key, bool whole_prefix) {
  json::object o;
  o["key"] = base64_encode(key);
  if (whole_prefix) {
    o["range_end"] = base64_encode(prefix_end(key));
  }
  return o;
}

}  // namespace

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key: etcd's "\0" range end
}

std::string range_request(std::string_view key, bool whole_prefix) {
  return text_of(key_range(key, whole_prefix));
}

std::string put_request(std::string_view key, std::string_view value, std::int64_t lease) {
  json::object o;
  o["key"] = base64_encode(key);
  o["value"] = base64_encode(value);
  if (lease != 0) {
    o["lease"] = int_text(lease);
  }
  return text_of(o);
}

std::string delete_request(std::string_view key) {
  return text_of(key_range(key, false));
}

namespace {

/// One txn compare: `key`'s `target` revision ("MOD" or "CREATE") equals `revision`.
json::object revision_equals(std::string_view key, std::string_view target, std::int64_t revision) {
  json::object compare;
  compare["key"] = base64_encode(key);
  compare["result"] = "EQUAL";
  compare["target"] = target;
  compare[target == "MOD" ? "mod_revision" : "create_revision"] = int_text(revision);
  return compare;
}

/// A txn that puts `put` (a put_request body) when `compare` holds.
json::object txn_putting(json::object compare, const std::string& put) {
  json::object txn;
  txn["compare"] = json::array{std::move(compare)};
  txn["success"] = json::array{json::object{{"request_put", json::parse(put).as_object()}}};
  return txn;
}

}  // namespace

std::string compare_and_put_request(std::string_view key, std::string_view value,
                                    std::int64_t expected_mod_revision, std::int64_t lease) {
  json::object txn = txn_putting(revision_equals(key, "MOD", expected_mod_revision),
                                 put_request(key, value, lease));
  txn["failure"] = json::array{json::object{{"request_range", key_range(key, false)}}};
  return text_of(txn);
}

std::string fenced_compare_and_put_request(std::string_view key, std::string_view value,
                                           std::int64_t expected_mod_revision,
                                           std::string_view fence_key,
                                           std::int64_t fence_revision) {
  json::object txn =
      txn_putting(revision_equals(key, "MOD", expected_mod_revision), put_request(key, value));
  txn["compare"].as_array().push_back(revision_equals(fence_key, "CREATE", fence_revision));
  txn["failure"] = json::array{json::object{{"request_range", key_range(key, false)}},
                               json::object{{"request_range", key_range(fence_key, false)}}};
  return text_of(txn);
}

std::string fenced_put_request(std::string_view fence_key, std::int64_t fence_revision,
                               std::string_view key, std::string_view value) {
  return text_of(
      txn_putting(revision_equals(fence_key, "CREATE", fence_revision), put_request(key, value)));
}

std::string lease_grant_request(std::int64_t ttl_seconds) {
  return text_of(json::object{{"TTL", int_text(ttl_seconds)}});
}

std::string lease_id_request(std::int64_t id) {
  return text_of(json::object{{"ID", int_text(id)}});
}

std::string watch_request(std::string_view key, bool whole_prefix, std::int64_t start_revision) {
  json::object create = key_range(key, whole_prefix);
  if (start_revision > 0) {
    create["start_revision"] = int_text(start_revision);
  }
  return text_of(json::object{{"create_request", create}});
}

std::optional<range_result> parse_range(std::string_view text, gateway_error* error) {
  return parse_answer<range_result>(text, error, [](const json::object& o, range_result& out) {
    return read_header(o, out.header) && read_kvs(o, out.kvs);
  });
}

std::optional<txn_result> parse_txn(std::string_view text, gateway_error* error) {
  return parse_answer<txn_result>(text, error, [](const json::object& o, txn_result& out) {
    out.succeeded = read_bool(o, "succeeded");
    const json::value* responses = o.if_contains("responses");
    if (responses == nullptr) {
      return read_header(o, out.header);
    }
    if (!responses->is_array() || !read_header(o, out.header)) {
      return false;
    }
    for (const auto& r : responses->as_array()) {
      const json::value* range =
          r.is_object() ? r.as_object().if_contains("response_range") : nullptr;
      if (range != nullptr && (!range->is_object() || !read_kvs(range->as_object(), out.current))) {
        return false;
      }
    }
    return true;
  });
}

std::optional<response_header> parse_header_only(std::string_view text, gateway_error* error) {
  return parse_answer<response_header>(
      text, error, [](const json::object& o, response_header& out) { return read_header(o, out); });
}

std::optional<lease_result> parse_lease(std::string_view text, gateway_error* error) {
  return parse_answer<lease_result>(text, error, [](const json::object& answer, lease_result& out) {
    const json::object* o = &answer;
    if (const json::value* wrapped = answer.if_contains("result"); wrapped != nullptr) {
      if (!wrapped->is_object()) {
        return false;
      }
      o = &wrapped->as_object();
    }
    return read_header(*o, out.header) && read_int(*o, "ID", out.id) &&
           read_int(*o, "TTL", out.ttl);
  });
}

std::optional<std::string> parse_token(std::string_view text, gateway_error* error) {
  auto got = parse_answer<std::string>(text, error, [](const json::object& o, std::string& out) {
    const json::value* token = o.if_contains("token");
    if (token == nullptr || !token->is_string() || token->as_string().empty()) {
      return false;
    }
    out = std::string(token->as_string());
    return true;
  });
  return got;
}

std::optional<watch_message> parse_watch_line(std::string_view text, gateway_error* error) {
  return parse_answer<watch_message>(text, error, read_watch_result);
}

}  // namespace quikedge::etcd
