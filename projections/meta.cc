#include "projections/meta.h"

#include "projections/coding.h"

namespace hoso::projections {

std::string ProjectionTag() {
  return std::string(kProjectionName) + "/" + std::to_string(kProjectionVersion);
}

std::string EncodeEngineMeta(const EngineMeta& meta) {
  std::string out;
  PutI64(&out, meta.clock.epoch_ms);
  PutU64(&out, meta.log_sequence);
  PutU64(&out, meta.batch_serial);
  PutU64(&out, meta.alert_sequence);
  return out;
}

core::Result<EngineMeta> DecodeEngineMeta(std::string_view value) {
  Reader r(value);
  EngineMeta meta;
  meta.clock.epoch_ms = r.I64();
  meta.log_sequence = r.U64();
  meta.batch_serial = r.U64();
  meta.alert_sequence = r.U64();
  if (r.failed() || !r.done()) return Corrupt("engine meta");
  return meta;
}

std::string EncodeCheckpointMeta(const CheckpointMeta& meta) {
  std::string out;
  PutU64(&out, meta.batch_serial);
  PutU64(&out, meta.log_sequence);
  PutU64(&out, meta.alert_sequence);
  return out;
}

core::Result<CheckpointMeta> DecodeCheckpointMeta(std::string_view value) {
  Reader r(value);
  CheckpointMeta meta;
  meta.batch_serial = r.U64();
  meta.log_sequence = r.U64();
  meta.alert_sequence = r.U64();
  if (r.failed() || !r.done()) return Corrupt("checkpoint meta");
  return meta;
}

std::string EncodeFixed64(uint64_t value) {
  std::string out;
  PutU64(&out, value);
  return out;
}

core::Result<uint64_t> DecodeFixed64(std::string_view value) {
  Reader r(value);
  const uint64_t v = r.U64();
  if (r.failed() || !r.done()) return Corrupt("fixed64");
  return v;
}

core::Result<std::optional<EngineMeta>> ReadEngineMeta(KvStore& store) {
  std::string value;
  core::Status s = store.Get(Column::kMeta, kMetaEngine, &value);
  if (s.code() == core::StatusCode::kNotFound) return std::optional<EngineMeta>();
  HOSO_RETURN_IF_ERROR(s);
  auto meta = DecodeEngineMeta(value);
  if (!meta.ok()) return meta.status();
  return std::optional<EngineMeta>(*meta);
}

core::Result<std::optional<CheckpointMeta>> ReadCheckpointMeta(KvStore& store) {
  std::string value;
  core::Status s = store.Get(Column::kMeta, kMetaCheckpoint, &value);
  if (s.code() == core::StatusCode::kNotFound) return std::optional<CheckpointMeta>();
  HOSO_RETURN_IF_ERROR(s);
  auto meta = DecodeCheckpointMeta(value);
  if (!meta.ok()) return meta.status();
  return std::optional<CheckpointMeta>(*meta);
}

std::string EncodeNames(const core::IdTable& names) {
  std::string out;
  PutVarint(&out, names.size());
  for (uint32_t handle = 0; handle < names.size(); ++handle) PutString(&out, names.Name(handle));
  return out;
}

core::Status LoadNames(KvStore& store, core::IdTable* names) {
  if (names->size() != 0) return core::Status::InvalidArgument("LoadNames needs an empty table");
  std::string value;
  core::Status s = store.Get(Column::kMeta, kMetaNames, &value);
  if (s.code() == core::StatusCode::kNotFound) return core::Status::Ok();
  HOSO_RETURN_IF_ERROR(s);
  Reader r(value);
  const uint64_t count = r.Varint();
  for (uint64_t i = 0; i < count && !r.failed(); ++i) {
    const std::string_view name = r.String();
    if (r.failed()) break;
    if (names->Intern(name) != i) return Corrupt("names (a name is repeated)");
  }
  if (r.failed() || !r.done()) return Corrupt("names");
  return core::Status::Ok();
}

}  // namespace hoso::projections
