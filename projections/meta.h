// The `meta` column family (docs/storage.md): the projection version, where
// the engine stands (clock, sequences, the last checkpoint) and the position
// of every source, all written in the same atomic batch as what they
// describe.
#ifndef HOSO_PROJECTIONS_META_H_
#define HOSO_PROJECTIONS_META_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/id_table.h"
#include "engine/core/instant.h"
#include "engine/core/status.h"
#include "projections/kv_store.h"

namespace hoso::projections {

// Stored beside the data (meta "projection"); a database written by another
// version is refused (rebuild it with `hoso replay`). Bump on any change of a
// stored layout or of a rule that changes stored figures.
inline constexpr std::string_view kProjectionName = "hoso-projections";
inline constexpr int kProjectionVersion = 3;
std::string ProjectionTag();  // "hoso-projections/3"

inline constexpr std::string_view kMetaProjection = "projection";
inline constexpr std::string_view kMetaEngine = "engine";                     // EngineMeta
inline constexpr std::string_view kMetaCheckpoint = "checkpoint";             // CheckpointMeta
inline constexpr std::string_view kMetaAlertsPublished = "alerts_published";  // fixed64
inline constexpr std::string_view kMetaPositionPrefix = "position/";          // + source id -> text
inline constexpr std::string_view kMetaNames = "names";                       // EncodeNames
// i64 epoch ms: the next dialogue deadline (15 June or 15 December 00:00
// local) the engine waits to pass (docs/alerts.md "dialogue_missing"); absent
// until the first input event is logged, or when the agency list has no ward.
inline constexpr std::string_view kMetaDialogueNext = "dialogue_next";

// Where the engine stands after the last committed batch.
struct EngineMeta {
  core::Instant clock{INT64_MIN};  // the engine clock (event time, or wall time)
  uint64_t log_sequence = 0;       // events logged (the last event's sequence)
  uint64_t batch_serial = 0;       // batches committed
  uint64_t alert_sequence = 0;     // alerts stored (the last alert's sequence)
};
std::string EncodeEngineMeta(const EngineMeta& meta);
core::Result<EngineMeta> DecodeEngineMeta(std::string_view value);

// The last checkpoint: the dossier records, KPI cells and open dossiers stored
// reflect every batch up to `batch_serial` (log up to `log_sequence`, alerts
// up to `alert_sequence`); later batches are in the log and the deltas.
struct CheckpointMeta {
  uint64_t batch_serial = 0;
  uint64_t log_sequence = 0;
  uint64_t alert_sequence = 0;
};
std::string EncodeCheckpointMeta(const CheckpointMeta& meta);
core::Result<CheckpointMeta> DecodeCheckpointMeta(std::string_view value);

std::string EncodeFixed64(uint64_t value);
core::Result<uint64_t> DecodeFixed64(std::string_view value);

// The names of the engine's IdTable (agencies, procedures) in handle order:
// dossier records and deltas store handles, and this table, written in the
// same batch as the first record that uses a new handle, names them.
//   value: varint n, then n x string
std::string EncodeNames(const core::IdTable& names);
// Loads the stored names into `names`, which must be empty, so that its
// handles are the stored ones. An absent table loads nothing.
core::Status LoadNames(KvStore& store, core::IdTable* names);

// Reads meta `key` and decodes it; nullopt when absent.
core::Result<std::optional<EngineMeta>> ReadEngineMeta(KvStore& store);
core::Result<std::optional<CheckpointMeta>> ReadCheckpointMeta(KvStore& store);

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_META_H_
