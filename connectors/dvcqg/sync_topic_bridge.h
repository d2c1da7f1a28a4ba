// SyncTopicBridge: serve's `topics.dvcqg` (docs/dvcqg.md "In serve"). A
// thread reads every partition of the topic the national portal's sync
// records are mirrored to, turns each record into lifecycle events
// (ConvertRecord, with the tracks of every dossier kept in memory) and
// produces them to the events topic, keyed by dossier id, where the engine
// consumes them like any other event. Refused records and changes that give
// no event go to the dead-letter topic with their reason, MaHoSo and source
// position - never the record, which carries the applicant's personal data.
//
// The tracks are a function of the sync topic's records, as the engine's
// state is of its input: at start the bridge reads the topic from its first
// record to rebuild them, and produces only for records at or after the
// offsets committed in its own consumer group. An offset is committed only
// once the producer has acknowledged every event and dead letter of the
// records before it. A crash between acknowledgement and commit makes the
// next start produce some events again, with the same deterministic ids,
// which the engine counts as duplicates: the effect is exactly once, and
// dead letters are at least once. Several serve instances may each run a
// bridge: they produce the same events, and the engine keeps one of each.
//
// The sync topic must keep every record (retention -1) for a restart to
// rebuild the tracks; a finite retention is warned about at start. With a
// checkpoint file, the bridge writes the tracks and the offsets they reflect
// there every checkpoint_interval_ms and when it stops, and a restart reads
// on from those offsets instead of from the first record: when the file is
// missing, unreadable, of another topic, group or mapping, or ahead of the
// committed offsets, the bridge says why and rebuilds from the first record.
//
// Thread-safety: stats() and status() from any thread; Stop() from the
// owner.
#ifndef HOSO_CONNECTORS_DVCQG_SYNC_TOPIC_BRIDGE_H_
#define HOSO_CONNECTORS_DVCQG_SYNC_TOPIC_BRIDGE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "connectors/dvcqg/snapshot_diff.h"
#include "connectors/kafka/kafka_handles.h"
#include "engine/core/status.h"

namespace hoso::connectors::dvcqg {

struct SyncTopicBridgeOptions {
  // librdkafka properties of the consumer (bootstrap.servers, security);
  // group membership settings are dropped: partitions are assigned by hand.
  kafka::Properties consumer_properties;
  // librdkafka properties of the producer (no consumer-only ones).
  kafka::Properties producer_properties;
  std::string sync_topic;         // the sync records. Required.
  std::string events_topic;       // where the derived events go. Required.
  std::string dead_letter_topic;  // refused records' reasons. Required.
  // The consumer group whose committed offsets say up to where events were
  // produced. Required (serve: "<group.id>.dvcqg").
  std::string group_id;
  // The status mapping and catalog the records are read with; the mapping
  // must outlive the bridge.
  DiffOptions diff;
  // Most records converted before the producer is flushed and the offsets
  // committed. Default: 2000.
  int batch_max_records = 2000;
  // How often new partitions of the sync topic are looked for, in ms.
  // Default: 5000.
  int metadata_refresh_ms = 5000;
  // The tracks' checkpoint file (see above); "" for none. Default: "".
  std::string checkpoint_path;
  // How often the checkpoint is written while records arrive, in ms.
  // Default: 60000.
  int checkpoint_interval_ms = 60000;
  // Called once, on the bridge's thread, when it stops on an error (a
  // delivery that failed for good): nothing after the last commit is lost,
  // and a restart produces it again. Default: none.
  std::function<void(const core::Status&)> on_failure;
};

class SyncTopicBridge {
 public:
  struct Stats {
    int64_t records = 0;  // read since start, the rebuild included
    // Records before the committed offsets not read yet: the rebuild's
    // progress (0 once rebuilt).
    int64_t rebuild_remaining = 0;
    int64_t events_produced = 0;    // acknowledged by the broker
    int64_t records_refused = 0;    // dead letters produced
    int64_t changes_unapplied = 0;  // dead letters produced
    int64_t dossiers = 0;           // tracks kept
    int64_t checkpoints = 0;        // checkpoint files written
    // Dossiers whose tracks came from the checkpoint file at start.
    int64_t dossiers_from_checkpoint = 0;
  };

  // Checks the options, creates the consumer and producer and starts the
  // thread. InvalidArgument for a missing option or a property librdkafka
  // refuses.
  static core::Result<std::unique_ptr<SyncTopicBridge>> Start(SyncTopicBridgeOptions options);
  // Stops the thread: what is produced and acknowledged is committed.
  ~SyncTopicBridge();
  SyncTopicBridge(const SyncTopicBridge&) = delete;
  SyncTopicBridge& operator=(const SyncTopicBridge&) = delete;

  void Stop();
  Stats stats() const;
  // OK, or why the bridge stopped by itself.
  core::Status status() const;

 private:
  struct State;
  explicit SyncTopicBridge(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace hoso::connectors::dvcqg

#endif  // HOSO_CONNECTORS_DVCQG_SYNC_TOPIC_BRIDGE_H_
