// Byte layouts of everything the projections store (design.md §6; described
// for operators in docs/storage.md). Every decoder checks what it reads and
// returns Corruption rather than trusting stored bytes. Variable-length
// strings (ids, hashes) carry a LEB128 varint length: nothing is ever cut, so
// an id of 128 four-byte characters round-trips like any other.
#ifndef HOSO_PROJECTIONS_RECORDS_H_
#define HOSO_PROJECTIONS_RECORDS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "engine/core/alert.h"
#include "engine/core/dossier_state.h"
#include "engine/core/kpi_counters.h"
#include "engine/core/status.h"

namespace hoso::projections {

// Stored beside the data (meta "projection"); a database written by another
// version is refused (rebuild it with `hoso replay`). Bump on any change of a
// layout below or of a rule that changes stored figures.
inline constexpr std::string_view kProjectionName = "hoso-projections";
inline constexpr int kProjectionVersion = 2;
std::string ProjectionTag();  // "hoso-projections/2"

// meta keys
inline constexpr std::string_view kMetaProjection = "projection";
inline constexpr std::string_view kMetaClock = "clock";  // fixed64 ms, event-time watermark
inline constexpr std::string_view kMetaLogSequence = "log_sequence";  // fixed64, events logged
inline constexpr std::string_view kMetaPositionPrefix =
    "position/";  // + source id -> position text

// events: [varint id length][dossier_id][u32 BE sequence]
std::string EventKey(std::string_view dossier_id, uint32_t sequence);
std::string EventKeyPrefix(std::string_view dossier_id);
core::Result<std::pair<std::string, uint32_t>> DecodeEventKey(std::string_view key);

struct LoggedEvent {
  uint64_t global_sequence = 0;  // order of application across all dossiers
  bool derived = false;          // made by the engine (an `overdue` at due_at)
  int32_t partition = 0;         // input partition (-1 for derived events)
  int64_t offset = -1;           // input offset (byte offset for files); -1 for derived
  std::string chain_hash;        // SHA-256(previous hash of the dossier || bytes), 32 bytes
  std::string bytes;             // the event exactly as received (or as encoded, if derived)
};
std::string EncodeLoggedEvent(const LoggedEvent& event);
core::Result<LoggedEvent> DecodeLoggedEvent(std::string_view value);

std::string EncodeDossierState(const core::DossierState& state);
core::Result<core::DossierState> DecodeDossierState(std::string_view value);

// kpi: [u32 BE yyyymm][varint len][agency][varint len][procedure][u32 BE partition + 2^31]
struct KpiKey {
  int month_key = 0;
  std::string agency_id;
  std::string procedure_id;
  int32_t partition = 0;
  auto operator<=>(const KpiKey&) const = default;
};
std::string EncodeKpiKey(const KpiKey& key);
core::Result<KpiKey> DecodeKpiKey(std::string_view key);
std::string EncodeKpiCounters(const core::KpiCounters& counters);
core::Result<core::KpiCounters> DecodeKpiCounters(std::string_view value);

// timers: [u64 BE fires_at minute + 2^63][u8 kind][u64 BE due minute + 2^63][dossier_id]
std::string EncodeTimerKey(const core::TimerSpec& timer, std::string_view dossier_id);
core::Result<std::pair<core::TimerSpec, std::string>> DecodeTimerKey(std::string_view key);

// heads: [u32 BE yyyymm][dossier_id] -> 32-byte chain head. A month's root
// digest is SHA-256 over its entries in key order (see runtime/log_verifier.h).
std::string EncodeHeadKey(int month_key, std::string_view dossier_id);
core::Result<std::pair<int, std::string>> DecodeHeadKey(std::string_view key);

std::string EncodeFixed64(uint64_t value);
core::Result<uint64_t> DecodeFixed64(std::string_view value);

}  // namespace hoso::projections

#endif  // HOSO_PROJECTIONS_RECORDS_H_
