// hoso http --db DIR [--listen HOST:PORT] [--token-file F] [--port-file F]:
// serves a database read-only over HTTP (docs/http.md) until SIGINT/SIGTERM,
// beside a writer (serve, ingest) or alone.
#include <signal.h>

#include <cstdio>

#include "tools/hoso/command.h"
#include "tools/hoso/context.h"
#include "tools/hoso/http_api.h"

namespace hoso::tools {
namespace {

struct Args {
  std::string db_path;
  std::string listen = "127.0.0.1:8080";
  std::string token_file;
  std::string port_file;
  int refresh_ms = 1000;
  ReferenceOptions reference;
};

int RunHttp(const Args& args) {
  auto reference = LoadReference(args.reference);
  if (!reference.ok()) return ReportError("http", reference.status());
  HttpOptions options;
  options.listen = args.listen;
  options.refresh_ms = args.refresh_ms;
  if (!args.token_file.empty()) {
    auto token = ReadTokenFile(args.token_file);
    if (!token.ok()) return ReportError("http", token.status());
    options.token = std::move(*token);
  }
  // SIGINT/SIGTERM are taken by sigwait below; blocked before any thread
  // starts so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto api = HttpApi::Start(args.db_path, reference->get(), options);
  if (!api.ok()) return ReportError("http", api.status());
  std::fprintf(stderr, "hoso http: serving %s read-only on port %d (docs/http.md); Ctrl-C stops\n",
               args.db_path.c_str(), (*api)->port());
  if (!args.port_file.empty()) {
    core::Status written = WritePortFile(args.port_file, (*api)->port());
    if (!written.ok()) return ReportError("http", written);
  }
  int signal = 0;
  sigwait(&signals, &signal);
  (*api)->Stop();
  return kExitOk;
}

}  // namespace

void RegisterHttp(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<Args>();
  CLI::App* command = app.add_subcommand(
      "http", "serve a database read-only over HTTP: JSON API, metrics (docs/http.md)");
  command->add_option("--db", args->db_path, "database directory")->required();
  command
      ->add_option("--listen", args->listen,
                   "address to listen on, host:port ([v6]:port); port 0 picks a free one")
      ->capture_default_str();
  command->add_option("--token-file", args->token_file,
                      "file holding a bearer token the API requires (needed off loopback)");
  command->add_option("--port-file", args->port_file, "write the port listened on to this file");
  command
      ->add_option("--refresh-ms", args->refresh_ms,
                   "catch up with the database writer at most this often")
      ->capture_default_str()
      ->check(CLI::Range(0, 60000));
  AddTargetsOption(command, &args->reference);
  AddReferenceOptions(command, &args->reference);
  command->callback([args, exit_code] { *exit_code = RunHttp(*args); });
}

}  // namespace hoso::tools
