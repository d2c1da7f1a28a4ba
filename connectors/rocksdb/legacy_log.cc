#include "connectors/rocksdb/legacy_log.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <vector>

namespace hoso::connectors {

namespace {

using core::Status;

Status Failed(const rocksdb::Status& s, const std::string& context) {
  return Status::IOError(context + ": " + s.ToString());
}

// Value of the old `events` family: u8 format (1), u64 BE global sequence,
// u8 derived, u32 BE partition, u64 BE offset with its sign bit flipped, a
// length-prefixed chain hash (a one-byte length in version 1, a varint in
// version 2: the same byte for the 32-byte hash), then the event's bytes.
bool DecodeLegacyEvent(std::string_view value, LegacyEvent* event) {
  if (value.size() < 1 + 8 + 1 + 4 + 8 + 1 || static_cast<uint8_t>(value[0]) != 1) return false;
  auto u64 = [&](size_t at) {
    uint64_t v = 0;
    for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(value[at + i]);
    return v;
  };
  event->global_sequence = u64(1);
  event->derived = value[9] != 0;
  uint32_t partition = 0;
  for (size_t i = 0; i < 4; ++i) partition = (partition << 8) | static_cast<uint8_t>(value[10 + i]);
  event->partition = static_cast<int32_t>(partition);
  event->offset = static_cast<int64_t>(u64(14) ^ (uint64_t{1} << 63));
  const size_t hash_length = static_cast<uint8_t>(value[22]);
  if (hash_length >= 0x80 || value.size() < 23 + hash_length) return false;
  event->bytes = value.substr(23 + hash_length);
  return true;
}

}  // namespace

core::Result<std::unique_ptr<LegacyLog>> LegacyLog::Open(const std::string& path) {
  std::vector<std::string> families;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &families);
  if (!s.ok()) return Failed(s, "listing column families of " + path);
  if (std::find(families.begin(), families.end(), "events") == families.end() ||
      std::find(families.begin(), families.end(), "meta") == families.end()) {
    return Status::NotFound(path + " is not a database of the previous layout");
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& family : families) {
    descriptors.emplace_back(family, rocksdb::ColumnFamilyOptions());
  }
  std::unique_ptr<LegacyLog> log(new LegacyLog());
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, descriptors, &log->handles_, &raw);
  if (!s.ok()) return Failed(s, "opening " + path);
  log->db_.reset(raw);
  rocksdb::ColumnFamilyHandle* meta = nullptr;
  for (size_t i = 0; i < families.size(); ++i) {
    if (families[i] == "events") log->events_family_ = log->handles_[i];
    if (families[i] == "meta") meta = log->handles_[i];
  }
  s = log->db_->Get(rocksdb::ReadOptions(), meta, "projection", &log->tag_);
  if (!s.ok() || (log->tag_ != "hoso-projections/1" && log->tag_ != "hoso-projections/2")) {
    return Status::VersionMismatch(path + " holds projection version '" +
                                   (s.ok() ? log->tag_ : std::string("unknown")) +
                                   "', which this hoso can neither read nor replay");
  }
  std::string count;
  if (log->db_->Get(rocksdb::ReadOptions(), meta, "log_sequence", &count).ok() &&
      count.size() == 8) {
    for (unsigned char c : count) log->events_ = (log->events_ << 8) | c;
  }
  std::unique_ptr<rocksdb::Iterator> it(log->db_->NewIterator(rocksdb::ReadOptions(), meta));
  for (it->Seek("position/"); it->Valid() && it->key().starts_with("position/"); it->Next()) {
    log->positions_[it->key().ToString()] = it->value().ToString();
  }
  if (!it->status().ok()) return Failed(it->status(), "reading " + path);
  return log;
}

LegacyLog::~LegacyLog() {
  if (!db_) return;
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
}

Status LegacyLog::ForEach(const std::function<Status(const LegacyEvent&)>& visit) {
  // Pass 1: the key of every event by its global sequence.
  std::vector<std::pair<uint64_t, std::string>> order;
  order.reserve(events_);
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), events_family_));
    LegacyEvent event;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (!DecodeLegacyEvent(std::string_view(it->value().data(), it->value().size()), &event)) {
        return Status::Corruption("an event of the old log does not decode (key " +
                                  it->key().ToString(true) + ")");
      }
      order.emplace_back(event.global_sequence, it->key().ToString());
    }
    if (!it->status().ok()) return Failed(it->status(), "reading the old log");
  }
  std::sort(order.begin(), order.end());
  // Pass 2: the values in that order.
  std::string value;
  LegacyEvent event;
  for (size_t i = 0; i < order.size(); ++i) {
    if (order[i].first != i + 1) {
      return Status::Corruption("the old log's event " + std::to_string(i + 1) +
                                " is missing (next is " + std::to_string(order[i].first) + ")");
    }
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), events_family_, order[i].second, &value);
    if (!s.ok()) return Failed(s, "reading the old log");
    if (!DecodeLegacyEvent(value, &event)) return Status::Corruption("an event of the old log");
    HOSO_RETURN_IF_ERROR(visit(event));
  }
  return Status::Ok();
}

}  // namespace hoso::connectors
