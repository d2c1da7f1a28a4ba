#include "tests/testing/log_surgery.h"

#include <gtest/gtest.h>

namespace hoso::testing {

std::vector<StoredSegment> ReadSegments(projections::KvStore& store) {
  std::vector<StoredSegment> segments;
  auto it = store.NewIterator(projections::Column::kLog);
  std::vector<projections::IndexEntry> index;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto reader = projections::SegmentReader::Open(it->value());
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    if (!reader.ok()) break;
    std::string index_value;
    EXPECT_TRUE(store.Get(projections::Column::kLogIndex, it->key(), &index_value).ok());
    EXPECT_TRUE(projections::DecodeLogIndex(index_value, &index).ok());
    StoredSegment segment;
    segment.key = std::string(it->key());
    segment.batch_serial = reader->batch_serial();
    segment.first_sequence = reader->first_sequence();
    projections::LogEntry entry;
    core::Status status;
    while (reader->Next(&entry, &status)) {
      OwnedEntry owned;
      owned.derived = entry.derived;
      owned.partition = entry.partition;
      owned.offset = entry.offset;
      owned.dossier_sequence = entry.dossier_sequence;
      owned.chain_hash = std::string(entry.chain_hash);
      owned.dossier_id = std::string(entry.dossier_id);
      owned.bytes = std::string(entry.bytes);
      const size_t i = segment.entries.size();
      owned.event_id_fingerprint = i < index.size() ? index[i].event_id_fingerprint : 0;
      segment.entries.push_back(std::move(owned));
    }
    EXPECT_TRUE(status.ok()) << status.ToString();
    segments.push_back(std::move(segment));
  }
  EXPECT_TRUE(it->status().ok());
  return segments;
}

void WriteSegment(projections::KvStore& store, const StoredSegment& segment) {
  projections::SegmentBuilder builder;
  builder.Reset(segment.batch_serial, segment.first_sequence);
  uint64_t sequence = segment.first_sequence;
  for (const OwnedEntry& owned : segment.entries) {
    projections::LogEntry entry;
    entry.sequence = sequence++;
    entry.derived = owned.derived;
    entry.partition = owned.partition;
    entry.offset = owned.offset;
    entry.dossier_sequence = owned.dossier_sequence;
    entry.chain_hash = owned.chain_hash;
    entry.dossier_id = owned.dossier_id;
    entry.bytes = owned.bytes;
    builder.Add(entry, owned.event_id_fingerprint);
  }
  auto batch = store.NewBatch();
  batch->Put(projections::Column::kLog, segment.key,
             projections::CompressSegment(builder.Segment()));
  batch->Put(projections::Column::kLogIndex, segment.key, builder.Index());
  EXPECT_TRUE(store.Write(*batch).ok());
}

}  // namespace hoso::testing
