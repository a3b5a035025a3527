// The dashboard's fleet panel and its actions (weights, rollback, rollouts), driven in
// headless Chromium over the DevTools protocol (tests/integration/dashboard_driver.py)
// against the real quikedge binary: the test types the token, fills inputs, clicks,
// answers the confirm dialog, and checks the outcome through the admin API itself.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <iostream>
#include <regex>
#include <sstream>

#include "admin/auth.hpp"
#include "support/two_stacks.hpp"

namespace quikedge::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* chromium = "/usr/bin/chromium";

/// Where screenshots go for people to look at (as in observability_dashboard_test).
fs::path artifacts_dir() {
  fs::path dir = fs::path(QUIKEDGE_BIN_DIR).parent_path() / "tests" / "artifacts";
  fs::create_directories(dir);
  return dir;
}
constexpr const char* operator_token = "op-7f3a-dashboard-operator";
constexpr const char* viewer_token = "ro-19c2-dashboard-viewer";
// A rollout that stays at its first step (green 10%) long enough to act on it.
constexpr const char* slow_rollout =
    "rollout:\n"
    "  steps: [ { weight: 10, pause: 60s }, { weight: 50, pause: 60s }, { weight: 100 } ]\n"
    "  gates: { window: 2s, min_requests: 20, max_error_rate: 0.5, max_p99_latency: 5s }\n";

// ---- steps for dashboard_driver.py -------------------------------------------------

json::object wait_for(const std::string& js, double timeout = 15) {
  return {{"do", "wait"}, {"js", js}, {"timeout", timeout}};
}
json::object eval(const std::string& js) {
  return {{"do", "eval"}, {"js", js}};
}
json::object type(const std::string& selector, const std::string& text) {
  return {{"do", "type"}, {"selector", selector}, {"text", text}};
}
json::object click(const std::string& selector) {
  return {{"do", "click"}, {"selector", selector}};
}
json::object dialogs(bool accept) {
  return {{"do", "dialogs"}, {"accept", accept}};
}
/// The test's own admin call, from the driver (so it happens while the page is open).
json::object api_call(const std::string& method, const std::string& path, json::value body,
                      const std::string& token) {
  json::object step{{"do", "http"}, {"method", method}, {"path", path}, {"token", token}};
  if (!body.is_null()) {
    step["body"] = std::move(body);
  }
  return step;
}
/// `step` with a name, so the test can find what it printed.
json::object named(const std::string& name, json::object step) {
  step["name"] = name;
  return step;
}

/// A script for the driver, built step by step.
struct script {
  std::vector<json::object> steps;
  script& then(json::object step) {
    steps.push_back(std::move(step));
    return *this;
  }
  script& then(const std::string& name, json::object step) {
    return then(named(name, std::move(step)));
  }
  /// Types `token` into the page's token field and submits it, first opening the
  /// token card from the header as an operator would when the page does not ask.
  script& use_token(const std::string& token) {
    return then(eval("document.getElementById('auth').hidden && "
                     "(document.getElementById('token-button').click(), true)"))
        .then(type("#token", token))
        .then(click("#auth-form button[type=submit]"));
  }
  /// Fills the weights form (as typed) and clicks Set weights.
  script& set_weights(int blue, int green) {
    return then(type("input[data-stack=blue]", std::to_string(blue)))
        .then(type("input[data-stack=green]", std::to_string(green)))
        .then(click("#weights-apply"));
  }
};

/// JS: the action message once it holds `text`, else false.
std::string message_with(const std::string& text) {
  return "(m => m.textContent.includes(" + json::serialize(json::string(text)) +
         ") && m.textContent)(document.getElementById('action-msg'))";
}
/// JS: true once the weights form shows these values (it is filled from the state).
std::string weights_form_shows(int blue, int green) {
  return "(b => b && b.value === '" + std::to_string(blue) +
         "')(document.querySelector('input[data-stack=blue]')) && "
         "document.querySelector('input[data-stack=green]').value === '" +
         std::to_string(green) + "'";
}
std::string rollout_is(const std::string& state) {
  return "document.getElementById('actions').dataset.rollout === '" + state + "'";
}
/// JS: which of the rollout buttons are enabled, e.g. "start,promote".
const char* enabled_rollout_buttons =
    "['start','pause','resume','promote','abort'].filter(a => "
    "!document.getElementById('rollout-' + a).disabled).join(',')";
const char* page_ready = "document.body.dataset.ready === '1'";

/// What the driver printed: one JSON value per line.
struct driver_run {
  int exit_status = -1;
  std::vector<json::value> lines;
  std::string out;
  std::string err;

  /// The value the step named `name` printed (null if it printed none).
  [[nodiscard]] json::value value(std::string_view name) const {
    for (const auto& line : lines) {
      const auto* object = line.if_object();
      const auto* found = object != nullptr ? object->if_contains("name") : nullptr;
      if (found != nullptr && found->is_string() && found->as_string() == name &&
          object->contains("value")) {
        return object->at("value");
      }
    }
    return nullptr;
  }
  /// Every dialog the page opened, in order.
  [[nodiscard]] std::vector<json::object> dialogs() const {
    std::vector<json::object> out;
    for (const auto& line : lines) {
      if (line.is_object() && line.as_object().contains("dialog")) {
        out.push_back(line.as_object());
      }
    }
    return out;
  }
  /// The console and log errors the page produced.
  [[nodiscard]] std::vector<std::string> console() const {
    std::vector<std::string> out;
    for (const auto& line : lines) {
      const auto* object = line.if_object();
      if (object != nullptr && object->contains("console")) {
        for (const auto& entry : object->at("console").as_array()) {
          out.emplace_back(entry.as_string());
        }
      }
    }
    return out;
  }
};

std::string as_text(const json::value& value) {
  return value.is_string() ? std::string(value.as_string()) : json::serialize(value);
}

class dashboard_actions : public two_stacks {
 protected:
  void SetUp() override {
    if (!fs::exists(chromium)) {
      GTEST_SKIP() << chromium << " is missing: install the Debian package `chromium`";
    }
  }

  /// blue and green at these weights, with the operator and viewer tokens when
  /// `with_tokens`, and `extra` top-level YAML (a rollout section).
  void start_proxy(int blue_weight, int green_weight, bool with_tokens,
                   const std::string& extra = "") {
    ASSERT_TRUE(start_upstreams());
    proxy_config config;
    config.stacks = {{"blue", {blue_->address()}, blue_weight},
                     {"green", {green_->address()}, green_weight}};
    config.top_level_extra = extra;
    std::string yaml = render_config(config);
    if (with_tokens) {
      yaml = std::regex_replace(yaml, std::regex("admin:\n  address: \"127.0.0.1:0\"\n"),
                                "admin:\n  address: \"127.0.0.1:0\"\n  tokens:\n"
                                "    - { name: deployer, role: operator, token_sha256: \"" +
                                    admin::sha256_hex(operator_token) +
                                    "\" }\n"
                                    "    - { name: viewer, role: readonly, token_sha256: \"" +
                                    admin::sha256_hex(viewer_token) + "\" }\n");
      tokens_ = true;
    }
    ASSERT_TRUE(proxy.start(yaml));
  }

  std::string url() const { return proxy.admin_url() + "/"; }

  /// An admin call of the test's own (with the operator token when tokens are on).
  http_response api(std::string_view method, std::string_view target, std::string_view body = {}) {
    header_list headers;
    if (tokens_) {
      headers.emplace_back("Authorization", std::string("Bearer ") + operator_token);
    }
    if (method == "POST" || method == "PUT") {
      headers.emplace_back("Content-Type", "application/json");
    }
    http_client client;
    if (!client.connect(proxy.admin_port())) {
      http_response failed;
      failed.error = client.error();
      return failed;
    }
    return client.request(method, target, headers, body);
  }

  json::value api_json(std::string_view target) {
    auto response = api("GET", target);
    EXPECT_EQ(response.status, 200) << target << ": " << response.body;
    boost::system::error_code ec;
    auto value = json::parse(response.body, ec);
    return ec ? json::value() : value;
  }

  /// "blue=W green=W version=N" from GET /api/v1/state.
  std::string live_state() {
    auto state = api_json("/api/v1/state");
    if (!state.is_object()) {
      return "no state";
    }
    const auto& weights = state.at("weights").as_object();
    return "blue=" + json::serialize(weights.at("blue")) +
           " green=" + json::serialize(weights.at("green")) +
           " version=" + json::serialize(state.at("version"));
  }

  std::string rollout_state() {
    auto rollout = api_json("/api/v1/rollout");
    return rollout.is_object() ? as_text(rollout.at("state")) : "no rollout";
  }

  /// Runs the driver on the dashboard with `steps`; fails the test (with everything
  /// it printed) unless every step succeeded.
  driver_run drive(const script& steps, const std::string& page = "") {
    json::array list(steps.steps.begin(), steps.steps.end());
    auto result = run_command(
        {"/usr/bin/python3", source_path("tests/integration/dashboard_driver.py"), "--url",
         page.empty() ? url() : page, "--steps", json::serialize(list), "--timeout", "90"},
        120s);
    driver_run run{result.exit_status, {}, result.out, result.err};
    std::istringstream lines(result.out);
    for (std::string line; std::getline(lines, line);) {
      boost::system::error_code ec;
      auto value = json::parse(line, ec);
      if (!ec) {
        run.lines.push_back(std::move(value));
      }
    }
    EXPECT_EQ(run.exit_status, 0) << "driver output:\n" << run.out << "\nstderr:\n" << run.err;
    return run;
  }

  bool tokens_ = false;
};

// (1) The fleet panel shows this replica as GET /api/v1/fleet reports it.
TEST_F(dashboard_actions, fleet_panel_shows_this_replica) {
  start_proxy(90, 10, false);
  auto fleet = api_json("/api/v1/fleet");
  ASSERT_TRUE(fleet.is_object());
  ASSERT_EQ(as_text(fleet.at("backend")), "file");
  const auto& replica = fleet.at("replicas").as_array().at(0).as_object();
  const std::string id = as_text(replica.at("id")), address = as_text(replica.at("address"));

  auto run =
      drive(script()
                .then(wait_for(page_ready))
                .then(wait_for("document.getElementById('fleet').dataset.backend === 'file'"))
                .then(wait_for("!!document.querySelector('#fleet tr[data-replica]')"))
                .then("text", eval("document.getElementById('fleet-body').textContent"))
                .then("store", eval("document.getElementById('fleet').dataset.storeUp"))
                .then("rows", eval("[...document.querySelectorAll('#fleet tr[data-replica]')].map("
                                   "r => r.dataset.replica + ' lag=' + r.dataset.lag + ' ' + "
                                   "r.className)")));
  const std::string text = as_text(run.value("text"));
  EXPECT_NE(text.find("file"), std::string::npos) << text;
  EXPECT_NE(text.find("store up"), std::string::npos) << text;
  EXPECT_NE(text.find(id), std::string::npos) << "replica id " << id << " in: " << text;
  EXPECT_NE(text.find(address), std::string::npos) << text;
  EXPECT_NE(text.find("in sync"), std::string::npos) << text;
  EXPECT_NE(text.find("rollout leader: none"), std::string::npos) << text;
  EXPECT_NE(text.find("version " + json::serialize(fleet.at("version"))), std::string::npos)
      << text;
  EXPECT_EQ(as_text(run.value("store")), "true");
  EXPECT_EQ(as_text(run.value("rows")), json::serialize(json::array{json::string(id + " lag=0 ")}));
}

// A fleet as a single process cannot show it (an etcd fleet with a lagging replica
// and a rollout leader): the answer is stubbed in the browser, the page is real.
TEST_F(dashboard_actions, fleet_panel_highlights_lagging_replicas_and_names_the_leader) {
  start_proxy(90, 10, false);
  json::object fleet{{"backend", "etcd"},
                     {"store_up", false},
                     {"version", 9},
                     {"replicas", json::array{json::object{{"id", "edge-a"},
                                                           {"address", "10.0.1.4:9901"},
                                                           {"applied_version", 9},
                                                           {"lag", 0},
                                                           {"last_seen", "2026-12-04T10:00:00Z"}},
                                              json::object{{"id", "edge-b"},
                                                           {"address", "10.0.1.5:9901"},
                                                           {"applied_version", 6},
                                                           {"lag", 3},
                                                           {"last_seen", "2026-12-04T10:00:00Z"}}}},
                     {"rollout_leader", "edge-a"}};
  auto run = drive(
      script()
          .then({{"do", "stub"}, {"path", "/api/v1/fleet"}, {"body", fleet}})
          .then(wait_for("document.getElementById('fleet').dataset.backend === 'etcd'"))
          .then("text", eval("document.getElementById('fleet-body').textContent"))
          .then("lagging", eval("[...document.querySelectorAll('#fleet tr.lagging')].map(r => "
                                "r.dataset.replica)")));
  const std::string text = as_text(run.value("text"));
  EXPECT_NE(text.find("store down"), std::string::npos) << text;
  EXPECT_NE(text.find("rollout leader: edge-a"), std::string::npos) << text;
  EXPECT_NE(text.find("3 behind"), std::string::npos) << text;
  EXPECT_EQ(as_text(run.value("lagging")), R"(["edge-b"])")
      << "only the lagging replica is highlighted";
}

// (2) With tokens, the operator's token typed into the page shifts the live weights.
TEST_F(dashboard_actions, operator_token_typed_into_the_page_shifts_weights) {
  start_proxy(90, 10, true);
  ASSERT_EQ(http_get(proxy.admin_port(), "/api/v1/state").status, 401);
  ASSERT_EQ(live_state(), "blue=90 green=10 version=1");

  auto run = drive(script()
                       .then(wait_for(page_ready))
                       .then(wait_for("!document.getElementById('auth').hidden"))
                       .use_token(operator_token)
                       .then(wait_for(weights_form_shows(90, 10)))
                       .set_weights(0, 100)
                       .then("message", wait_for(message_with("Weights set")))
                       .then(wait_for("document.querySelector('[data-stack=green]').dataset."
                                      "weight === '100'")));
  EXPECT_NE(as_text(run.value("message")).find("blue=0 green=100 (version 2)"), std::string::npos)
      << as_text(run.value("message"));

  EXPECT_EQ(live_state(), "blue=0 green=100 version=2");
  auto state = api_json("/api/v1/state");
  EXPECT_EQ(as_text(state.at("changed_by")), "deployer") << "the change ran as the typed token";
  auto seen = split(10, false);
  EXPECT_EQ(seen["green"], 10) << "the data path follows the new weights";
}

// (3) A wrong token shows the API's 401, a readonly one its 403, a negative weight
// its 400; nothing changes.
TEST_F(dashboard_actions, wrong_or_readonly_token_shows_the_refusal_and_changes_nothing) {
  start_proxy(90, 10, true);
  auto run = drive(
      script()
          .then(wait_for(page_ready))
          .use_token(operator_token)
          .then(wait_for(weights_form_shows(90, 10)))
          .use_token("not-the-token")
          .then(wait_for("!document.getElementById('auth').hidden && "
                         "document.getElementById('auth-msg').textContent.includes('refused')"))
          .set_weights(0, 100)
          .then("401", wait_for(message_with("(401)")))
          .use_token(viewer_token)
          .set_weights(0, 100)
          .then("403", wait_for(message_with("(403)")))
          .use_token(operator_token)
          .set_weights(-1, 100)
          .then("400", wait_for(message_with("(400)"))));
  EXPECT_NE(as_text(run.value("401")).find("a valid bearer token is required"), std::string::npos)
      << as_text(run.value("401"));
  EXPECT_NE(as_text(run.value("403")).find("may not call this endpoint"), std::string::npos)
      << as_text(run.value("403"));
  EXPECT_NE(as_text(run.value("400")).find("weight of \"blue\" is negative"), std::string::npos)
      << as_text(run.value("400"));
  EXPECT_EQ(live_state(), "blue=90 green=10 version=1");
}

// A page whose form was edited while someone else changed the weights sends the
// version it showed (If-Match) and gets the 409.
TEST_F(dashboard_actions, a_stale_weights_form_gets_the_409) {
  start_proxy(90, 10, true);
  auto run =
      drive(script()
                .then(wait_for(page_ready))
                .use_token(operator_token)
                .then(wait_for(weights_form_shows(90, 10)))
                .then(type("input[data-stack=blue]", "0"))
                .then(type("input[data-stack=green]", "100"))
                .then("other", api_call("PUT", "/api/v1/weights",
                                        json::object{{"weights", {{"blue", 70}, {"green", 30}}}},
                                        operator_token))
                .then(wait_for("document.getElementById('version').textContent === 'version 2' && "
                               "document.getElementById('weights-base').textContent.includes('now "
                               "version 2')"))
                .then(click("#weights-apply"))
                .then("409", wait_for(message_with("(409)"))));
  EXPECT_EQ(json::serialize(run.value("other").as_object().at("status")), "200")
      << json::serialize(run.value("other"));
  EXPECT_EQ(live_state(), "blue=70 green=30 version=2") << as_text(run.value("409"));
}

// (4) Roll back asks first, naming where the weight goes: dismissed, nothing changes;
// accepted, all weight goes there.
TEST_F(dashboard_actions, rollback_asks_first_and_changes_nothing_when_dismissed) {
  start_proxy(100, 0, true);
  ASSERT_EQ(api("PUT", "/api/v1/weights", R"({"weights":{"blue":40,"green":60}})").status, 200);
  ASSERT_EQ(live_state(), "blue=40 green=60 version=2");
  auto ready = script()
                   .then(wait_for(page_ready))
                   .use_token(operator_token)
                   .then(wait_for("document.getElementById('rollback-to').value === 'blue' && "
                                  "!document.getElementById('rollback').disabled"));

  auto dismissed =
      drive(script(ready)
                .then(dialogs(false))
                .then(click("#rollback"))
                .then(wait_for(message_with("cancelled")))
                .then("version", eval("document.getElementById('version').textContent")));
  ASSERT_EQ(dismissed.dialogs().size(), 1u) << dismissed.out;
  const json::object asked = dismissed.dialogs()[0];
  EXPECT_EQ(as_text(asked.at("dialog")), "confirm");
  EXPECT_NE(as_text(asked.at("message")).find("All weight goes to \"blue\" at once (green to 0)"),
            std::string::npos)
      << as_text(asked.at("message"));
  EXPECT_EQ(as_text(dismissed.value("version")), "version 2") << "the page changed nothing";
  EXPECT_EQ(live_state(), "blue=40 green=60 version=2");

  auto accepted = drive(script(ready)
                            .then(dialogs(true))
                            .then(click("#rollback"))
                            .then(wait_for(message_with("Rolled back"))));
  EXPECT_EQ(accepted.dialogs().size(), 1u) << accepted.out;
  EXPECT_EQ(live_state(), "blue=100 green=0 version=3");
}

// (5) A rollout started, paused and aborted from the page, each button enabled only
// where the API accepts it; the API's own GET /api/v1/rollout confirms each step.
TEST_F(dashboard_actions, rollout_started_paused_and_aborted_from_the_page) {
  start_proxy(100, 0, true, slow_rollout);
  auto run =
      drive(script()
                .then(wait_for(page_ready))
                .use_token(operator_token)
                .then(wait_for(rollout_is("idle") +
                               " && document.getElementById('rollout-to').value === 'green'"))
                .then("idle buttons", eval(enabled_rollout_buttons))
                .then(click("#rollout-start"))
                .then(wait_for(message_with("Started")))
                .then(wait_for(rollout_is("progressing")))
                .then("progressing buttons", eval(enabled_rollout_buttons))
                .then("progressing", api_call("GET", "/api/v1/rollout", nullptr, operator_token))
                .then(click("#rollout-pause"))
                .then(wait_for(rollout_is("paused")))
                .then("paused buttons", eval(enabled_rollout_buttons))
                .then({{"do", "screenshot"},
                       {"path", (artifacts_dir() / "dashboard-actions.png").string()}})
                .then("paused", api_call("GET", "/api/v1/rollout", nullptr, operator_token))
                .then(click("#rollout-abort"))
                .then(wait_for(rollout_is("aborted")))
                .then("aborted buttons", eval(enabled_rollout_buttons)));
  EXPECT_EQ(as_text(run.value("idle buttons")), "start");
  EXPECT_EQ(as_text(run.value("progressing buttons")), "pause,promote,abort");
  EXPECT_EQ(as_text(run.value("paused buttons")), "resume,promote,abort");
  EXPECT_EQ(as_text(run.value("aborted buttons")), "start");
  auto body_of = [&](std::string_view name) {
    const auto value = run.value(name);
    return value.is_object() ? json::parse(as_text(value.as_object().at("body"))) : json::value();
  };
  auto progressing = body_of("progressing");
  ASSERT_TRUE(progressing.is_object()) << run.out;
  EXPECT_EQ(as_text(progressing.at("state")), "progressing");
  EXPECT_EQ(as_text(progressing.at("to")), "green");
  auto paused = body_of("paused");
  ASSERT_TRUE(paused.is_object()) << run.out;
  EXPECT_EQ(as_text(paused.at("state")), "paused");
  EXPECT_EQ(rollout_state(), "aborted");
  EXPECT_EQ(live_state().substr(0, 16), "blue=100 green=0");
}

// (6) The token lives in the page's memory only: after acting it is in no cookie, no
// storage, not in the DOM, and a reload forgets it.
TEST_F(dashboard_actions, the_token_stays_in_memory_only) {
  start_proxy(90, 10, true);
  auto run = drive(
      script()
          .then(wait_for(page_ready))
          .use_token(operator_token)
          .then(wait_for(weights_form_shows(90, 10)))
          .set_weights(50, 50)
          .then(wait_for(message_with("Weights set")))
          .then("after acting",
                eval("JSON.stringify({cookie: document.cookie, local: {...localStorage}, "
                     "session: {...sessionStorage}, field: document.getElementById('token').value, "
                     "dom: document.documentElement.outerHTML})"))
          .then({{"do", "reload"}})
          .then(wait_for(page_ready))
          .then(wait_for("!document.getElementById('auth').hidden && "
                         "document.getElementById('version').textContent === 'metrics-only view'"))
          .then("after reload", eval("JSON.stringify({cookie: document.cookie, local: "
                                     "{...localStorage}, session: {...sessionStorage}})")));
  ASSERT_EQ(live_state(), "blue=50 green=50 version=2") << "the token did act";
  const std::string after_acting = as_text(run.value("after acting"));
  ASSERT_NE(after_acting, "null");
  EXPECT_EQ(after_acting.find(operator_token), std::string::npos) << after_acting.substr(0, 400);
  auto stores = json::parse(after_acting).as_object();
  EXPECT_EQ(as_text(stores.at("cookie")), "");
  EXPECT_TRUE(stores.at("local").as_object().empty());
  EXPECT_TRUE(stores.at("session").as_object().empty());
  EXPECT_EQ(as_text(stores.at("field")), "") << "the field is emptied once the token is used";
  EXPECT_EQ(as_text(run.value("after reload")), R"({"cookie":"","local":{},"session":{}})");
}

// (7) The page is served with a strict CSP and cannot be framed, and Chromium enforces
// both: the page's own script runs, an injected one and an inline handler do not, and
// a frame of the page is refused.
TEST_F(dashboard_actions, page_has_a_strict_csp_and_refuses_to_be_framed) {
  start_proxy(90, 10, false);
  auto response = http_get(proxy.admin_port(), "/");
  ASSERT_EQ(response.status, 200);
  const std::string csp = response.header("Content-Security-Policy");
  EXPECT_EQ(response.header("X-Frame-Options"), "DENY");
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_TRUE(std::regex_search(csp, std::regex("script-src 'sha256-[A-Za-z0-9+/]{43}=';"))) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-eval"), std::string::npos) << csp;
  EXPECT_EQ(response.body.find(" onclick="), std::string::npos) << "no inline handlers";

  auto run = drive(
      script()
          .then(wait_for(page_ready))
          .then("injected",
                eval("(() => { const s = document.createElement('script'); s.textContent = "
                     "'window.injected = 1'; document.body.append(s); const b = "
                     "document.createElement('button'); b.setAttribute('onclick', "
                     "'window.clicked = 1'); document.body.append(b); b.click(); "
                     "return JSON.stringify([window.injected ?? null, window.clicked ?? null]); "
                     "})()"))
          .then({{"do", "console"}, {"contains", "Content Security Policy"}}));
  EXPECT_EQ(as_text(run.value("injected")), "[null,null]")
      << "the injected script and handler were refused";

  // A page of another origin framing the dashboard: Chromium refuses the frame.
  auto framed = drive(script()
                          .then(wait_for(page_ready))
                          .then({{"do", "frame"}, {"src", url()}})
                          .then("refused", {{"do", "console"}, {"contains", "frame-ancestors"}}));
  EXPECT_NE(as_text(framed.value("refused")).find("frame-ancestors 'none'"), std::string::npos)
      << framed.out;
}

// Acting from the page leaves no script error behind (a CSP refusal of the page's
// own script would show here too).
TEST_F(dashboard_actions, acting_raises_no_script_errors) {
  start_proxy(100, 0, false, slow_rollout);
  auto run = drive(script()
                       .then(wait_for(page_ready))
                       .then(wait_for(weights_form_shows(100, 0)))
                       .set_weights(80, 20)
                       .then(wait_for(message_with("Weights set")))
                       .then(wait_for("!!document.querySelector('#fleet tr[data-replica]')")));
  EXPECT_EQ(live_state(), "blue=80 green=20 version=2");
  EXPECT_FALSE(run.lines.empty());
  for (const auto& entry : run.console()) {
    EXPECT_EQ(entry.find("exception"), std::string::npos) << entry;
    EXPECT_EQ(entry.find("Content Security Policy"), std::string::npos) << entry;
    EXPECT_EQ(entry.find("console.error"), std::string::npos) << entry;
  }
}

}  // namespace
}  // namespace quikedge::test
