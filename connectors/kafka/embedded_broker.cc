#include "connectors/kafka/embedded_broker.h"

#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "connectors/kafka/kafka_handles.h"
#include "connectors/kafka/logger.h"

namespace hoso::connectors::kafka {
namespace {

// Poll interval of the forwarder threads: how fast they notice a stop.
constexpr int kForwarderPollMs = 200;
constexpr size_t kForwarderBufferBytes = 64 * 1024;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Copies bytes both ways between a client and the mock's bootstrap port
// until either side closes or `stop` is set.
void Proxy(int client_fd, int target_port, const std::atomic<bool>* stop) {
  Fd client(client_fd);
  Fd upstream(::socket(AF_INET, SOCK_STREAM, 0));
  if (upstream.get() < 0) return;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(target_port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(upstream.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return;
  }
  std::vector<char> buffer(kForwarderBufferBytes);
  pollfd fds[2] = {{client.get(), POLLIN, 0}, {upstream.get(), POLLIN, 0}};
  while (!stop->load()) {
    int ready = ::poll(fds, 2, kForwarderPollMs);
    if (ready < 0 && errno != EINTR) return;
    for (int i = 0; i < 2 && ready > 0; ++i) {
      if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      ssize_t n = ::recv(fds[i].fd, buffer.data(), buffer.size(), 0);
      if (n <= 0) return;
      if (!WriteAll(fds[1 - i].fd, buffer.data(), static_cast<size_t>(n))) return;
    }
  }
}

}  // namespace

struct EmbeddedBroker::Impl {
  HandlePtr rk;  // hosts the mock cluster; destroyed after it
  rd_kafka_mock_cluster_t* cluster = nullptr;
  std::atomic<bool> stop{false};
  int listen_fd = -1;
  int target_port = 0;
  std::thread acceptor;
  std::mutex mutex;
  std::vector<std::thread> connections;

  void AcceptLoop() {
    while (!stop.load()) {
      pollfd pfd{listen_fd, POLLIN, 0};
      int ready = ::poll(&pfd, 1, kForwarderPollMs);
      if (ready <= 0) continue;
      int fd = ::accept(listen_fd, nullptr, nullptr);
      if (fd < 0) continue;
      std::lock_guard<std::mutex> lock(mutex);
      connections.emplace_back(Proxy, fd, target_port, &stop);
    }
  }

  ~Impl() {
    stop.store(true);
    if (acceptor.joinable()) acceptor.join();
    for (std::thread& t : connections) t.join();
    if (listen_fd >= 0) ::close(listen_fd);
    if (cluster != nullptr) rd_kafka_mock_cluster_destroy(cluster);
  }
};

rd_kafka_mock_cluster_t* EmbeddedBroker::mock_cluster() const { return impl_->cluster; }

EmbeddedBroker::EmbeddedBroker(const EmbeddedBrokerOptions& options)
    : options_(options), impl_(std::make_unique<Impl>()) {}

EmbeddedBroker::~EmbeddedBroker() = default;

std::string EmbeddedBroker::public_bootstraps() const {
  if (options_.forward_port == 0) return bootstraps_;
  return "127.0.0.1:" + std::to_string(options_.forward_port);
}

core::Result<std::unique_ptr<EmbeddedBroker>> EmbeddedBroker::Start(
    const EmbeddedBrokerOptions& options) {
  if (options.event_partitions < 1 || options.event_partitions > 1024) {
    return core::Status::InvalidArgument("--partitions must be 1..1024");
  }
  if (options.sink_partitions < 1 || options.sink_partitions > 1024) {
    return core::Status::InvalidArgument("sink partitions must be 1..1024");
  }
  if (options.forward_port < 0 || options.forward_port > 65535) {
    return core::Status::InvalidArgument("--port must be 0..65535");
  }
  std::unique_ptr<EmbeddedBroker> broker(new EmbeddedBroker(options));
  Impl& impl = *broker->impl_;
  // The hosting client only owns the mock's threads; it never connects. The
  // mock's broker sockets take its socket settings: without
  // socket.nagle.disable, Nagle on the mock's side plus the client's delayed
  // ACK held most Produce acknowledgements 40-50 ms on loopback.
  auto conf = MakeConf({{"log_level", "3"}, {"socket.nagle.disable", "true"}});
  if (!conf.ok()) return conf.status();
  auto rk = MakeHandle(RD_KAFKA_PRODUCER, std::move(*conf));
  if (!rk.ok()) return rk.status();
  impl.rk = std::move(*rk);
  impl.cluster = rd_kafka_mock_cluster_new(impl.rk.get(), 1);
  if (impl.cluster == nullptr) return core::Status::Unavailable("cannot start the mock cluster");
  broker->bootstraps_ = rd_kafka_mock_cluster_bootstraps(impl.cluster);
  const std::pair<const char*, int> topics[] = {
      {kEventsTopic, options.event_partitions},
      {kDeadLetterTopic, options.sink_partitions},
      {kAlertsTopic, options.sink_partitions},
      {kKpiTopic, options.sink_partitions},
      // Announcements of which instance owns which input partition
      // (district_view.h): one partition keeps them in order.
      {kInstancesTopic, 1},
  };
  for (const auto& [name, partitions] : topics) {
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(impl.cluster, name, partitions, 1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return core::Status::Unavailable(std::string("cannot create topic ") + name + ": " +
                                       rd_kafka_err2str(err));
    }
  }
  if (options.forward_port != 0) {
    const std::string& b = broker->bootstraps_;
    impl.target_port = std::stoi(b.substr(b.rfind(':') + 1));
    impl.listen_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(impl.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(options.forward_port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (impl.listen_fd < 0 ||
        ::bind(impl.listen_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(impl.listen_fd, 64) != 0) {
      return core::Status::IOError(
          "cannot listen on 127.0.0.1:" + std::to_string(options.forward_port) + ": " +
          std::strerror(errno));
    }
    impl.acceptor = std::thread([&impl] { impl.AcceptLoop(); });
  }
  Log().info("embedded broker at {} ({} event partitions)", broker->public_bootstraps(),
             options.event_partitions);
  return broker;
}

}  // namespace hoso::connectors::kafka
