// `sfr serve`: the engine worker. Speaks the JSON-lines protocol of docs/protocol.md on
// stdin/stdout until "shutdown" or the end of stdin; logs go to stderr only, so stdout carries
// nothing but protocol messages. The studio starts one per project and restarts it after a crash
// (a run resumes from its last checkpoint with {"type": "start", ..., "resume": true}).
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "cli_context.h"
#include "sfr/engine/worker/worker_server.h"

namespace sfr::cli {

void addServeCommand(CLI::App& app, Context& context) {
  CLI::App* cmd = app.add_subcommand(
      "serve", "Engine worker: JSON-lines protocol on stdin/stdout (docs/protocol.md)");
  cmd->callback([&context] {
    context.action = [&context] {
      std::ios::sync_with_stdio(false);
      engine::WorkerOptions options;
      options.version = SFR_VERSION;
      engine::WorkerServer server(std::cout, options);
      std::cerr << "sfr serve: protocol " << engine::kWorkerProtocolVersion
                << ", reading requests from stdin" << std::endl;
      // Ctrl-C in a terminal: the reader is blocked on stdin, so a watcher stops the run (which
      // saves its checkpoint) and ends the process with the CLI's "cancelled" code.
      std::atomic<bool> done{false};
      std::thread watcher([&] {
        while (!done.load()) {
          if (context.cancel.isCancelled()) {
            server.close();
            std::cout.flush();
            std::cerr << "sfr: cancelled" << std::endl;
            std::_Exit(130);
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      });
      server.serve(std::cin);
      done = true;
      watcher.join();
    };
  });
}

}  // namespace sfr::cli
