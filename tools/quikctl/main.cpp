// quikctl: the command-line client of quikedge's admin API.
//
// Exit codes: 0 success on every replica, 1 the proxy refused the call (4xx/5xx)
// on at least one, 2 usage error, 3 a replica could not be reached.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "rollout_args.hpp"
#include "rollout_view.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::string_view usage =
    R"(usage: quikctl [--admin URL]... [--token TOKEN] [--output text|json] [--wait] COMMAND

commands:
  state                          show weights, stacks and endpoints
  fleet                          show the replicas sharing the state store, what each applied
  weights STACK=W [STACK=W...]   set the weights (name every stack) [--if-match N] [--reason TEXT]
  rollback [--to STACK]          all weight back at once [--reason TEXT]
  reload                         re-read the config file
  rollout start --to STACK       start a progressive rollout; steps and gates default to the
                                 config's: [--steps 10:5m,50:10m,100] [--gate-window 60s]
                                 [--min-requests N] [--max-error-rate 0.001] [--max-p99 500ms]
  rollout status [--watch]       show the rollout; --watch redraws it every second until it
                                 ends [--timeout 30m] (also with start)
  rollout pause|resume|promote|abort [--reason TEXT]

--admin may be repeated to apply a command to several replicas (default
http://127.0.0.1:9901). The token comes from --token or QUIKCTL_TOKEN.
--wait (with a change: weights, rollback, reload, rollout start|pause|resume|
promote|abort) answers once every live replica of the fleet applied the change,
or fails (exit 1, the proxy's 504 naming the replicas that lag) after 5 s; the
change itself stands either way.
exit codes: 0 ok, 1 refused by a proxy, 2 usage, 3 a proxy unreachable;
--watch: 0 succeeded, 1 rolled back or aborted, 4 still running at --timeout
)";

struct target {
  std::string host;
  std::string port;
  std::string text;
};

struct options {
  std::vector<target> admins;
  std::string token;
  bool json_output = false;
  bool wait_fleet = false;  ///< --wait: ?wait=fleet on the change
  std::vector<std::string> words;
  std::optional<std::string> to;
  std::optional<std::string> if_match;
  std::optional<std::string> reason;
  quikctl::rollout_flags rollout;
};

struct call_spec {
  http::verb method = http::verb::get;
  std::string path;
  std::string body;
};

struct outcome {
  int status = 0;  ///< 0: unreachable
  std::string body;
  std::string error;
};

std::optional<target> parse_url(const std::string& url) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) {
    rest = rest.substr(7);
  } else if (rest.find("://") != std::string::npos) {
    return std::nullopt;
  }
  while (!rest.empty() && rest.back() == '/') {
    rest.pop_back();
  }
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) {
    return std::nullopt;
  }
  std::string host = rest.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return target{host, rest.substr(colon + 1), url};
}

outcome send(const target& admin, const call_spec& spec, const options& opts) {
  outcome result;
  try {
    boost::asio::io_context io;
    boost::asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(resolver.resolve(admin.host, admin.port));
    http::request<http::string_body> req{spec.method, spec.path, 11};
    req.set(http::field::host, admin.host);
    req.set(http::field::user_agent, "quikctl");
    if (!opts.token.empty()) {
      req.set(http::field::authorization, "Bearer " + opts.token);
    }
    if (opts.if_match) {
      req.set(http::field::if_match, "\"" + *opts.if_match + "\"");
    }
    if (spec.method != http::verb::get) {
      req.set(http::field::content_type, "application/json");
      req.body() = spec.body;
    }
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    result.status = res.result_int();
    result.body = res.body();
  } catch (const std::exception& e) {
    result.error = e.what();
  }
  return result;
}

std::string quoted(const std::string& text) {
  return boost::json::serialize(boost::json::value(text));
}

/// POST /api/v1/rollout with the steps and gates given on the command line.
std::optional<call_spec> rollout_start_call(const options& opts, std::string& error) {
  if (!opts.to) {
    error = "rollout start needs --to STACK";
    return std::nullopt;
  }
  auto body = quikctl::rollout_start_body(*opts.to, opts.reason, opts.rollout, error);
  if (!body) {
    return std::nullopt;
  }
  return call_spec{http::verb::post, "/api/v1/rollout", *body};
}

std::optional<call_spec> build_call(const options& opts, std::string& error) {
  const auto& w = opts.words;
  if (w.empty()) {
    error = "no command given";
    return std::nullopt;
  }
  const std::string reason_field = opts.reason ? ",\"reason\":" + quoted(*opts.reason) : "";
  if (w[0] == "state" && w.size() == 1) {
    return call_spec{http::verb::get, "/api/v1/state", ""};
  }
  if (w[0] == "fleet" && w.size() == 1) {
    return call_spec{http::verb::get, "/api/v1/fleet", ""};
  }
  if (w[0] == "weights" && w.size() >= 2) {
    boost::json::object weights;
    for (std::size_t i = 1; i < w.size(); ++i) {
      auto eq = w[i].find('=');
      if (eq == std::string::npos || eq == 0) {
        error = "expected STACK=WEIGHT, got \"" + w[i] + "\"";
        return std::nullopt;
      }
      const std::string value = w[i].substr(eq + 1);
      char* end = nullptr;
      long long weight = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0') {
        error = "weight of \"" + w[i].substr(0, eq) + "\" is not an integer: \"" + value + "\"";
        return std::nullopt;
      }
      weights[w[i].substr(0, eq)] = weight;
    }
    return call_spec{http::verb::put, "/api/v1/weights",
                     "{\"weights\":" + boost::json::serialize(weights) + reason_field + "}"};
  }
  if (w[0] == "rollback" && w.size() == 1) {
    std::string body = opts.to ? "{\"to\":" + quoted(*opts.to) + reason_field + "}"
                               : (opts.reason ? "{" + reason_field.substr(1) + "}" : "");
    return call_spec{http::verb::post, "/api/v1/rollback", body};
  }
  if (w[0] == "reload" && w.size() == 1) {
    return call_spec{http::verb::post, "/api/v1/reload", ""};
  }
  if (w[0] == "rollout" && w.size() == 2) {
    if (w[1] == "status") {
      return call_spec{http::verb::get, "/api/v1/rollout", ""};
    }
    if (w[1] == "start") {
      return rollout_start_call(opts, error);
    }
    if (w[1] == "pause" || w[1] == "resume" || w[1] == "promote" || w[1] == "abort") {
      return call_spec{http::verb::post, "/api/v1/rollout/" + w[1],
                       opts.reason ? "{" + reason_field.substr(1) + "}" : ""};
    }
  }
  error = "unknown command \"" + w[0] + "\"";
  return std::nullopt;
}

/// `quikctl fleet`: one line per replica, laggards marked.
void print_fleet(const boost::json::object& root) {
  auto text = [](const boost::json::value* v) {
    return v == nullptr
               ? std::string("?")
               : (v->is_string() ? std::string(v->as_string()) : boost::json::serialize(*v));
  };
  std::cout << "backend " << text(root.if_contains("backend")) << "  store "
            << (root.contains("store_up") && root.at("store_up").is_bool() &&
                        root.at("store_up").as_bool()
                    ? "up"
                    : "DOWN")
            << "  version " << text(root.if_contains("version")) << "  rollout leader "
            << text(root.if_contains("rollout_leader")) << "  elected "
            << text(root.if_contains("elected_leader")) << '\n';
  if (!root.at("replicas").is_array()) {
    return;
  }
  for (const auto& r : root.at("replicas").as_array()) {
    if (!r.is_object()) {
      continue;
    }
    const auto& o = r.as_object();
    std::cout << "  " << text(o.if_contains("id")) << "\t" << text(o.if_contains("address"))
              << "\tapplied " << text(o.if_contains("applied_version")) << "\tlag "
              << text(o.if_contains("lag")) << "\tseen " << text(o.if_contains("last_seen"))
              << '\n';
  }
}

/// Human-readable summary of a state document; falls back to the raw body.
void print_text(const std::string& body) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) {
    std::cout << body << '\n';
    return;
  }
  const auto& root = doc.as_object();
  if (auto* err = root.if_contains("error")) {
    std::cout << "error: " << (err->is_string() ? std::string(err->as_string()) : "") << '\n';
    return;
  }
  if (root.contains("replicas") && root.contains("backend")) {
    print_fleet(root);
    return;
  }
  if (root.contains("state") && !root.contains("weights")) {
    std::cout << quikctl::describe_rollout(root);
    return;
  }
  if (root.contains("weights") && root.contains("version")) {
    std::cout << "version " << root.at("version") << "  changed by "
              << (root.contains("changed_by") ? boost::json::serialize(root.at("changed_by")) : "?")
              << " at "
              << (root.contains("changed_at") ? boost::json::serialize(root.at("changed_at")) : "?")
              << '\n';
    std::uint64_t total = 0;
    for (const auto& [name, weight] : root.at("weights").as_object()) {
      total += weight.to_number<std::uint64_t>();
    }
    for (const auto& [name, weight] : root.at("weights").as_object()) {
      auto w = weight.to_number<std::uint64_t>();
      std::cout << "  " << std::string(name) << "\tweight " << w << "\t("
                << (total ? (100.0 * static_cast<double>(w) / static_cast<double>(total)) : 0.0)
                << "%)";
      if (auto* stacks = root.if_contains("stacks")) {
        if (auto* stack = stacks->as_object().if_contains(name)) {
          const auto& s = stack->as_object();
          std::cout << (s.at("healthy").as_bool() ? "\thealthy" : "\tUNHEALTHY");
          if (s.at("draining").as_bool()) {
            std::cout << "\tdraining";
          }
        }
      }
      std::cout << '\n';
    }
    return;
  }
  std::cout << boost::json::serialize(doc) << '\n';
}

/// `rollout status --watch` (after `rollout start` when that was the command).
int watch(const options& opts, const call_spec& spec) {
  const target& admin = opts.admins.front();
  if (spec.method == http::verb::post) {
    outcome started = send(admin, spec, opts);
    if (started.status == 0) {
      std::cerr << "quikctl: cannot reach " << admin.text << ": " << started.error << '\n';
      return 3;
    }
    if (started.status >= 400) {
      std::cerr << "quikctl: " << admin.text << " answered " << started.status << ": ";
      print_text(started.body);
      return 1;
    }
  }
  const call_spec status{http::verb::get, "/api/v1/rollout", ""};
  return quikctl::watch_rollout(
      [&] {
        outcome result = send(admin, status, opts);
        return quikctl::fetched{result.status, result.body, result.error};
      },
      opts.rollout.timeout, ::isatty(STDOUT_FILENO) == 1);
}

}  // namespace

int main(int argc, char** argv) {
  options opts;
  if (const char* token = std::getenv("QUIKCTL_TOKEN")) {
    opts.token = token;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    auto value = [&](const char* flag) -> std::optional<std::string> {
      if (i + 1 >= args.size()) {
        std::cerr << "quikctl: " << flag << " needs a value\n" << usage;
        return std::nullopt;
      }
      return args[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << usage;
      return 0;
    }
    if (a == "--wait") {
      opts.wait_fleet = true;
    } else if (a == "--admin") {
      auto v = value("--admin");
      if (!v) {
        return 2;
      }
      auto t = parse_url(*v);
      if (!t) {
        std::cerr << "quikctl: --admin wants http://HOST:PORT, got \"" << *v << "\"\n";
        return 2;
      }
      opts.admins.push_back(*t);
    } else if (int taken = quikctl::take_rollout_flag(args, i, opts.rollout); taken != 0) {
      if (taken == 2) {
        return 2;
      }
    } else if (a == "--token" || a == "--to" || a == "--if-match" || a == "--reason" ||
               a == "--output") {
      auto v = value(a.c_str());
      if (!v) {
        return 2;
      }
      if (a == "--token") {
        opts.token = *v;
      } else if (a == "--to") {
        opts.to = *v;
      } else if (a == "--if-match") {
        opts.if_match = *v;
      } else if (a == "--reason") {
        opts.reason = *v;
      } else if (*v == "json" || *v == "text") {
        opts.json_output = *v == "json";
      } else {
        std::cerr << "quikctl: --output is text or json\n";
        return 2;
      }
    } else if (a.rfind("--", 0) == 0) {
      std::cerr << "quikctl: unknown option " << a << "\n" << usage;
      return 2;
    } else {
      opts.words.push_back(a);
    }
  }
  if (opts.admins.empty()) {
    opts.admins.push_back(*parse_url("http://127.0.0.1:9901"));
  }
  std::string error;
  auto spec = build_call(opts, error);
  if (!spec) {
    std::cerr << "quikctl: " << error << "\n" << usage;
    return 2;
  }
  if (opts.wait_fleet) {
    if (spec->method == http::verb::get) {
      std::cerr << "quikctl: --wait applies to a change (weights, rollback, reload, rollout "
                   "start|pause|resume|promote|abort)\n";
      return 2;
    }
    spec->path += "?wait=fleet";
  }
  const bool watching = opts.words.size() == 2 && opts.words[0] == "rollout" &&
                        (opts.words[1] == "status" || opts.words[1] == "start");
  if (opts.rollout.watch && (!watching || opts.admins.size() != 1 || opts.json_output)) {
    std::cerr << "quikctl: --watch follows one proxy's rollout: rollout status|start, one "
                 "--admin, text output\n";
    return 2;
  }
  if (opts.rollout.watch) {
    return watch(opts, *spec);
  }
  int exit_code = 0;
  boost::json::array json_results;
  for (const auto& admin : opts.admins) {
    outcome result = send(admin, *spec, opts);
    if (result.status == 0) {
      exit_code = 3;
    } else if (result.status >= 400 && exit_code == 0) {
      exit_code = 1;
    }
    if (opts.json_output) {
      boost::system::error_code ec;
      auto body = boost::json::parse(result.body, ec);
      json_results.push_back(
          boost::json::object{{"admin", admin.text},
                              {"status", result.status},
                              {"response", ec ? boost::json::value(result.body) : body},
                              {"error", result.error}});
      continue;
    }
    if (opts.admins.size() > 1) {
      std::cout << "== " << admin.text << '\n';
    }
    if (result.status == 0) {
      std::cerr << "quikctl: cannot reach " << admin.text << ": " << result.error << '\n';
      continue;
    }
    if (result.status >= 400) {
      std::cerr << "quikctl: " << admin.text << " answered " << result.status << ": ";
    }
    print_text(result.body);
  }
  if (opts.json_output) {
    std::cout << boost::json::serialize(opts.admins.size() == 1 ? json_results[0] : json_results)
              << '\n';
  }
  return exit_code;
}
