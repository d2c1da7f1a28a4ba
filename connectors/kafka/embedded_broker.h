// EmbeddedBroker: librdkafka's mock cluster on loopback, for demos, tests
// and benchmarks (docs/kafka.md "The embedded broker").
//
// It speaks the real Kafka protocol, so any client (librdkafka, kcat) can
// use it, but it keeps everything in memory inside this process: data is
// lost when the broker stops, and each partition keeps only about 5 MiB
// (older batches are dropped silently). Listen ports are ephemeral; with
// `forward_port` a loopback TCP forwarder on that fixed port proxies the
// bootstrap connection (clients then reconnect to the advertised port).
// Transactions are accepted but not real; Admin CreateTopics is not
// supported, so the hoso topics are created here.
//
// Thread-safety: Start/destructor from one thread; the forwarder runs its
// own threads, stopped and joined by the destructor.
#ifndef HOSO_CONNECTORS_KAFKA_EMBEDDED_BROKER_H_
#define HOSO_CONNECTORS_KAFKA_EMBEDDED_BROKER_H_

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <memory>
#include <string>

#include "engine/core/status.h"

namespace hoso::connectors::kafka {

inline constexpr char kEventsTopic[] = "hoso.dossier-events";
inline constexpr char kDeadLetterTopic[] = "hoso.dead-letter";
inline constexpr char kAlertsTopic[] = "hoso.alerts";
inline constexpr char kKpiTopic[] = "hoso.kpi";
// Which instance owns which input partition (district_view.h).
inline constexpr char kInstancesTopic[] = "hoso.instances";

struct EmbeddedBrokerOptions {
  // Partitions of hoso.dossier-events. At ~300 bytes per event, 64 partitions
  // keep about 1M events under the 5 MiB/partition cap. Valid 1..1024.
  // Default: 64.
  int event_partitions = 64;
  // Partitions of hoso.dead-letter, hoso.alerts and hoso.kpi. Default: 4.
  int sink_partitions = 4;
  // Fixed loopback port of the bootstrap forwarder; 0: no forwarder.
  // Default: 0.
  int forward_port = 0;
};

class EmbeddedBroker {
 public:
  // Starts the mock cluster (one broker) and creates the hoso topics.
  // Fails with InvalidArgument for bad options, IOError when the forwarder
  // port cannot be bound, Unavailable when the mock cannot start.
  static core::Result<std::unique_ptr<EmbeddedBroker>> Start(const EmbeddedBrokerOptions& options);
  ~EmbeddedBroker();
  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  // "127.0.0.1:<ephemeral port>" of the mock broker.
  const std::string& bootstraps() const { return bootstraps_; }
  // The address to give users: the forwarder's when there is one.
  std::string public_bootstraps() const;
  int event_partitions() const { return options_.event_partitions; }
  // The mock cluster itself, for tests that inject faults with librdkafka's
  // rdkafka_mock.h (request errors, round-trip delays, a broker down).
  rd_kafka_mock_cluster_t* mock_cluster() const;

 private:
  struct Impl;
  explicit EmbeddedBroker(const EmbeddedBrokerOptions& options);
  EmbeddedBrokerOptions options_;
  std::string bootstraps_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hoso::connectors::kafka

#endif  // HOSO_CONNECTORS_KAFKA_EMBEDDED_BROKER_H_
