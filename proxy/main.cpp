// quikedge: parses arguments and wires the modules together. Nothing else.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "admin/admin_server.hpp"
#include "admin/audit_log.hpp"
#include "demo/demo_upstream.hpp"
#include "quikedge/config_loader.hpp"
#include "server/advertised_address.hpp"
#include "server/control_plane.hpp"
#include "server/etcd_state_store.hpp"
#include "server/file_state_store.hpp"
#include "server/io_backend_choice.hpp"
#include "server/rollout_runtime.hpp"
#include "server/startup.hpp"
#include "server/state_view.hpp"
#include "server/upgrade_client.hpp"
#include "server/upgrade_server.hpp"
#include "server/upgrade_socket_path.hpp"

namespace {

constexpr std::string_view usage =
    "usage: quikedge --config FILE      run the proxy\n"
    "       quikedge --check-config FILE validate FILE and exit (0 valid, 1 errors)\n"
    "       quikedge --demo             two built-in upstreams, 90/10 split on :8080\n";

int check_config(const std::string& path) {
  auto loaded = quikedge::load_config_file(path);
  for (const auto& error : loaded.errors) {
    std::cerr << error.to_string() << '\n';
  }
  if (!loaded.errors.empty()) {
    return 1;
  }
  std::cout << path << ": ok\n";
  return 0;
}

quikedge::config demo_config(std::uint16_t blue_port, std::uint16_t green_port) {
  quikedge::config cfg;
  cfg.environment = "demo";
  // One worker: each worker keeps its own weighted rotation, so the tour's 20
  // curl connections split exactly (18/2, 10/10) only when one worker takes them all.
  cfg.workers = 1;
  cfg.listeners.push_back({"http", {"127.0.0.1", 8080}, std::nullopt});
  cfg.admin.bind = {"127.0.0.1", 9901};
  // Named fields: stack_config keeps growing, and the defaults are what the demo wants.
  for (const auto& [name, port] : {std::pair{"blue", blue_port}, std::pair{"green", green_port}}) {
    quikedge::stack_config stack;
    stack.name = name;
    stack.endpoints = {{"127.0.0.1", port}};
    cfg.stacks.push_back(std::move(stack));
  }
  cfg.routing.weights = {{"blue", 90}, {"green", 10}};
  cfg.routing.override_header = "X-QuikApp-Stack";
  cfg.routing.stack_response_header = "X-QuikEdge-Stack";
  return cfg;
}

void print_demo_help() {
  std::cout << "\nquikedge demo: blue and green upstreams behind http://127.0.0.1:8080 (90/10)\n"
               "  watch the split:  for i in $(seq 20); do curl -s 127.0.0.1:8080/; done | sort "
               "| uniq -c\n"
               "  shift weights:    build/bin/quikctl weights blue=50 green=50\n"
               "  roll back:        build/bin/quikctl rollback --to blue\n"
               "  state / metrics:  build/bin/quikctl state ; curl -s 127.0.0.1:9901/metrics\n"
               "  stop:             Ctrl-C\n"
            << std::endl;
}

/// Runs the proxy until SIGINT/SIGTERM or until a successor takes over.
/// SIGHUP reloads the config file.
int run(std::shared_ptr<const quikedge::config> cfg, bool demo) {
  boost::asio::io_context control_io{1};
  // Every change is stored (on disk, or in etcd for a fleet, before it is
  // answered), applied by the control plane, then seen by the audit log and
  // the rollout engine.
  std::unique_ptr<quikedge::server::state_store> store;
  quikedge::server::etcd_state_store* fleet = nullptr;
  quikedge::server::file_state_store* state_file = nullptr;
  std::string saved_at;
  if (cfg->state.backend == quikedge::state_backend::etcd) {
    auto etcd = std::make_unique<quikedge::server::etcd_state_store>(control_io, *cfg);
    fleet = etcd.get();
    saved_at = etcd->describe();
    store = std::move(etcd);
  } else {
    auto file = std::make_unique<quikedge::server::file_state_store>(
        quikedge::server::file_state_store::path_for(*cfg));
    saved_at = file->path();
    state_file = file.get();
    store = std::move(file);
  }
  auto& saved = *store;
  quikedge::server::control_plane control(control_io, cfg, saved);
  quikedge::admin::audit_log audit;
  audit.open(cfg->admin.audit_log);
  saved.subscribe(audit);
  // One machine: the rollout is kept in the state file. A fleet: one replica,
  // elected through etcd, drives the rollout on every replica's counters.
  quikedge::server::rollout_runtime rollout_runtime(control_io, control, *cfg, state_file);
  auto& rollouts = rollout_runtime.engine();
  saved.subscribe(rollouts);
  quikedge::server::state_view view(control, rollouts);
  quikedge::admin::admin_server admin(control_io, {control, view, rollouts, control_io});
  const std::string upgrade_path = demo ? "" : quikedge::server::upgrade_socket_path(*cfg);
  quikedge::server::upgrade_client client(upgrade_path);
  // Signals are caught from before the first listener opens: one that arrives while
  // start-up finishes waits in the sets for the handlers below instead of killing
  // the process with connections already accepted.
  boost::asio::signal_set stop_signals(control_io, SIGINT, SIGTERM);
  boost::asio::signal_set hangup(control_io, SIGHUP);
  const int inherited_admin =
      quikedge::server::start_serving(control, upgrade_path.empty() ? nullptr : &client, saved_at);
  admin.start(inherited_admin);
  // What other replicas dial (a follower forwards rollout calls to the leader).
  const std::string advertised =
      quikedge::server::advertised_admin_address(admin.bound_address(), *cfg);
  if (advertised != admin.bound_address()) {
    std::cout << "quikedge: admin published to other replicas as " << advertised << std::endl;
  }
  rollout_runtime.start(advertised);
  if (fleet != nullptr) {
    fleet->start(advertised);  // the watch and this replica's registration
  }
  if (demo) {
    print_demo_help();
  }

  quikedge::server::upgrade_server::hooks hooks;
  hooks.sockets = [&control] { return control.listening_sockets(); };
  hooks.admin_fd = [&admin] { return admin.listening_socket(); };
  hooks.admin_configured = cfg->admin.bind.to_string();
  hooks.state_json = [&control] { return control.export_state().to_json(); };
  hooks.stop_serving = [&] {
    admin.stop();
    rollout_runtime.stop();
    if (fleet != nullptr) {
      fleet->stop();  // the successor registers itself
    }
  };
  hooks.drain_and_exit = [&control_io] { control_io.stop(); };
  quikedge::server::upgrade_server upgrades(control_io, upgrade_path, std::move(hooks));
  if (!upgrade_path.empty()) {
    upgrades.start();
  }

  stop_signals.async_wait([&](const boost::system::error_code&, int) {
    admin.stop();
    rollout_runtime.stop();
    if (fleet != nullptr) {
      fleet->stop();
    }
    control_io.stop();
  });
  std::function<void()> wait_hangup = [&] {
    hangup.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) {
        return;
      }
      control.reload({"signal", "local", "SIGHUP", quikedge::server::change_source::signal},
                     [](const quikedge::server::change_result& r) {
                       if (!r.error.empty()) {
                         std::cerr << "quikedge: reload refused: " << r.error << std::endl;
                       }
                     });
      wait_hangup();
    });
  };
  wait_hangup();
  std::cout << "quikedge: ready" << std::endl;
  control_io.run();
  upgrades.stop();
  const auto drain_started = std::chrono::steady_clock::now();
  control.shutdown(control.settings().timeouts.shutdown_drain);
  upgrades.say_exiting();
  const auto drained = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - drain_started);
  std::cout << "quikedge: drained in " << drained.count() << " ms; exiting" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::string mode = argc > 1 ? argv[1] : "";
  try {
    if (mode == "--check-config" && argc == 3) {
      return check_config(argv[2]);
    }
    if (mode == "--config" && argc == 3) {
      auto loaded = quikedge::load_config_file(argv[2]);
      if (!loaded.errors.empty()) {
        for (const auto& error : loaded.errors) {
          std::cerr << error.to_string() << '\n';
        }
        return 1;
      }
      std::cout << "quikedge: " << quikedge::server::enter_io_backend(loaded.value->backend, argv)
                << std::endl;
      return run(std::make_shared<const quikedge::config>(std::move(*loaded.value)), false);
    }
    if (mode == "--demo" && argc == 2) {
      std::cout << "quikedge: "
                << quikedge::server::enter_io_backend(quikedge::io_backend::automatic, argv)
                << std::endl;
      quikedge::demo::demo_upstream blue("blue");
      quikedge::demo::demo_upstream green("green");
      blue.start();
      green.start();
      return run(std::make_shared<const quikedge::config>(demo_config(blue.port(), green.port())),
                 true);
    }
  } catch (const std::exception& e) {
    std::cerr << "quikedge: " << e.what() << std::endl;
    return 1;
  }
  std::cerr << usage;
  return 2;
}
