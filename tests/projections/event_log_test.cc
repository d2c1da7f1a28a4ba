// The event log's layout (docs/storage.md "Column families"): segments round-trip
// compressed and not, entries at every limit (ids of 512 bytes, offsets at
// the extremes, large events), damaged values are Corruption, a prefix read
// yields exactly the entries wanted, and the reader finds one dossier's
// events through the index.
#include "projections/event_log.h"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "projections/memory_kv_store.h"
#include "tests/projections/long_ids.h"

namespace hoso::projections {
namespace {

using testing::LongestId;

struct Owned {
  uint64_t sequence;
  bool derived;
  int32_t partition;
  int64_t offset;
  uint32_t dossier_sequence;
  std::string chain_hash, dossier_id, bytes;
  bool operator==(const Owned&) const = default;
};

Owned Own(const LogEntry& e) {
  return Owned{e.sequence,
               e.derived,
               e.partition,
               e.offset,
               e.dossier_sequence,
               std::string(e.chain_hash),
               std::string(e.dossier_id),
               std::string(e.bytes)};
}

LogEntry View(const Owned& o) {
  LogEntry e;
  e.sequence = o.sequence;
  e.derived = o.derived;
  e.partition = o.partition;
  e.offset = o.offset;
  e.dossier_sequence = o.dossier_sequence;
  e.chain_hash = o.chain_hash;
  e.dossier_id = o.dossier_id;
  e.bytes = o.bytes;
  return e;
}

std::vector<Owned> Extremes(uint64_t first_sequence) {
  return {
      {first_sequence, true, -1, std::numeric_limits<int64_t>::min(),
       std::numeric_limits<uint32_t>::max(), std::string(32, '\xff'), LongestId('\x80'),
       std::string(64 * 1024, 'x')},
      {first_sequence + 1, false, std::numeric_limits<int32_t>::max(),
       std::numeric_limits<int64_t>::max(), 0, std::string(32, '\0'), "D", "{}"},
      {first_sequence + 2, false, 0, 0, 7, std::string(32, 'h'), LongestId('\x81'),
       std::string("{\"x\":\"\xC3\xA1\"}")},
  };
}

// The entries of an opened reader; expects the open and every read to succeed.
std::vector<Owned> ReadEntries(core::Result<SegmentReader> reader) {
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  std::vector<Owned> out;
  if (!reader.ok()) return out;
  LogEntry entry;
  core::Status status;
  while (reader->Next(&entry, &status)) out.push_back(Own(entry));
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

std::vector<Owned> ReadAll(std::string_view value) {
  return ReadEntries(SegmentReader::Open(value));
}

// The uncompressed segment of `entries` (their event-id fingerprints all 1).
std::string SegmentOf(const std::vector<Owned>& entries, uint64_t batch_serial) {
  SegmentBuilder builder;
  builder.Reset(batch_serial, entries.front().sequence);
  for (const Owned& e : entries) builder.Add(View(e), 1);
  return std::string(builder.Segment());
}

TEST(EventLogTest, SegmentsRoundTripCompressedAndNot) {
  const std::vector<Owned> entries = Extremes(std::numeric_limits<uint64_t>::max() - 3);
  SegmentBuilder builder;
  builder.Reset(/*batch_serial=*/42, entries[0].sequence);
  for (const Owned& e : entries) builder.Add(View(e), Fingerprint("event-" + e.bytes));
  EXPECT_EQ(builder.count(), 3u);
  std::string_view bytes;
  ASSERT_TRUE(builder.BytesOf(entries[2].sequence, &bytes));
  EXPECT_EQ(bytes, entries[2].bytes);
  EXPECT_FALSE(builder.BytesOf(entries[2].sequence + 1, &bytes));

  const std::string plain(builder.Segment());
  EXPECT_EQ(ReadAll(plain), entries);
  const std::string compressed = CompressSegment(plain);
  EXPECT_LT(compressed.size(), plain.size() / 4);  // 64 KiB of 'x' compresses
  EXPECT_EQ(ReadAll(compressed), entries);
  auto reader = SegmentReader::Open(compressed);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->batch_serial(), 42u);
  EXPECT_EQ(reader->first_sequence(), entries[0].sequence);
  EXPECT_EQ(reader->count(), 3u);

  std::vector<IndexEntry> index;
  ASSERT_TRUE(DecodeLogIndex(builder.Index(), &index).ok());
  ASSERT_EQ(index.size(), 3u);
  EXPECT_EQ(index[0].dossier_fingerprint, Fingerprint(LongestId('\x80')));
  EXPECT_EQ(index[1].event_id_fingerprint, Fingerprint("event-{}"));

  auto key = DecodeLogKey(builder.Key());
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->first, entries[0].sequence);
  EXPECT_EQ(key->second, 42u);
}

TEST(EventLogTest, TakingASegmentLeavesTheBuilderReadyForTheNextBatch) {
  SegmentBuilder builder;
  builder.Reset(1, 1);
  for (const Owned& e : Extremes(1)) builder.Add(View(e), 1);
  const std::string first = builder.TakeSegment(std::string(1000, '?'));
  EXPECT_EQ(ReadAll(first).size(), 3u);
  builder.Reset(2, 4);
  Owned one{4, false, 0, 9, 0, std::string(32, 'a'), "E", "{\"e\":1}"};
  builder.Add(View(one), 2);
  EXPECT_EQ(ReadAll(builder.Segment()), std::vector<Owned>{one});
}

TEST(EventLogTest, DamagedSegmentsAreCorruptionNotGarbage) {
  const std::string segment = SegmentOf(Extremes(1), 1);
  for (const std::string& value : {segment, CompressSegment(segment)}) {
    for (size_t cut = 0; cut < value.size(); cut += cut < 80 ? 1 : 997) {
      const std::string_view damaged = std::string_view(value).substr(0, cut);
      auto reader = SegmentReader::Open(damaged);
      if (!reader.ok()) continue;
      LogEntry entry;
      core::Status status;
      size_t read = 0;
      while (reader->Next(&entry, &status)) ++read;
      EXPECT_FALSE(status.ok()) << "cut at " << cut << " of " << value.size() << " read " << read;
    }
  }
  EXPECT_FALSE(SegmentReader::Open("\x09garbage").ok());
}

// A segment whose first entries are far larger than its average: a prefix
// read's first guess of their bytes falls short and must widen.
std::vector<Owned> UnevenEntries(size_t count) {
  std::vector<Owned> entries;
  for (size_t i = 0; i < count; ++i) {
    const size_t size = i < 3 ? 200'000 : 20 + i % 50;
    entries.push_back(Owned{i + 1, false, 0, static_cast<int64_t>(i), 0, std::string(32, 'c'),
                            "D-" + std::to_string(i % 97), std::string(size, 'a' + i % 26)});
  }
  return entries;
}

std::vector<Owned> ReadPrefix(std::string_view value, uint64_t wanted) {
  return ReadEntries(SegmentReader::OpenPrefix(value, wanted));
}

TEST(EventLogTest, APrefixReadYieldsExactlyTheWantedEntries) {
  const std::vector<Owned> entries = UnevenEntries(2000);
  const std::string segment = SegmentOf(entries, 7);
  const std::string compressed = CompressSegment(segment);
  for (uint64_t wanted : {0u, 1u, 2u, 3u, 4u, 100u, 1999u}) {
    const std::vector<Owned> expected(entries.begin(), entries.begin() + wanted);
    EXPECT_EQ(ReadPrefix(compressed, wanted), expected) << wanted;
  }
  // All of it, or more: the whole segment.
  EXPECT_EQ(ReadPrefix(compressed, 2000), entries);
  EXPECT_EQ(ReadPrefix(compressed, 5000), entries);
  // An uncompressed segment is read whole.
  EXPECT_EQ(ReadPrefix(segment, 10), entries);
  auto reader = SegmentReader::OpenPrefix(compressed, 10);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->batch_serial(), 7u);
  EXPECT_EQ(reader->first_sequence(), 1u);
  EXPECT_EQ(reader->count(), 10u);
}

TEST(EventLogTest, ADamagedSegmentReadInPartIsCorruptionOrTheTrueEntries) {
  const std::vector<Owned> entries = UnevenEntries(300);
  const std::string compressed = CompressSegment(SegmentOf(entries, 1));
  for (size_t cut = 0; cut < compressed.size(); cut += cut < 80 ? 1 : 311) {
    const std::string_view damaged = std::string_view(compressed).substr(0, cut);
    for (uint64_t wanted : {1u, 150u}) {
      auto reader = SegmentReader::OpenPrefix(damaged, wanted);
      if (!reader.ok()) continue;
      LogEntry entry;
      core::Status status;
      std::vector<Owned> read;
      while (reader->Next(&entry, &status)) read.push_back(Own(entry));
      // What a cut leaves whole may be read; never anything else.
      if (status.ok()) {
        EXPECT_EQ(read, std::vector<Owned>(entries.begin(), entries.begin() + wanted)) << cut;
      }
    }
  }
}

TEST(EventLogTest, AStoredSegmentIsRecognizedOnlyWhenItHoldsTheSameEntries) {
  const std::vector<Owned> entries = UnevenEntries(300);
  const std::string segment = SegmentOf(entries, 5);
  const std::string stored = CompressSegment(segment);
  std::string scratch;
  EXPECT_TRUE(StoresSegment(stored, segment, &scratch));
  // One byte of one event's bytes, or of a chain hash, differs.
  std::vector<Owned> edited = entries;
  edited[150].bytes.back() ^= 1;
  EXPECT_FALSE(StoresSegment(stored, SegmentOf(edited, 5), &scratch));
  edited = entries;
  edited[299].chain_hash[0] ^= 1;
  EXPECT_FALSE(StoresSegment(stored, SegmentOf(edited, 5), &scratch));
  // Another batch serial, one entry less, or more.
  EXPECT_FALSE(StoresSegment(stored, SegmentOf(entries, 6), &scratch));
  EXPECT_FALSE(StoresSegment(
      stored, SegmentOf(std::vector<Owned>(entries.begin(), entries.end() - 1), 5), &scratch));
  const std::vector<Owned> more = UnevenEntries(301);
  EXPECT_FALSE(StoresSegment(stored, SegmentOf(more, 5), &scratch));
  // Not a compressed stored segment, or damaged: never taken for one.
  EXPECT_FALSE(StoresSegment(segment, segment, &scratch));
  EXPECT_FALSE(
      StoresSegment(std::string_view(stored).substr(0, stored.size() - 7), segment, &scratch));
  EXPECT_FALSE(StoresSegment("", segment, &scratch));
  // The scratch buffer left from a larger segment serves a smaller one.
  const std::string small = SegmentOf(UnevenEntries(3), 1);
  EXPECT_TRUE(StoresSegment(CompressSegment(small), small, &scratch));
}

// A replay hands the entries its reader decompressed to the writer thread,
// which compares them with the segment it rebuilt instead of decompressing
// the stored value again.
TEST(EventLogTest, AReadersSharedEntriesOutliveItAndServeTheCheck) {
  const std::vector<Owned> entries = UnevenEntries(300);
  const std::string segment = SegmentOf(entries, 5);
  const std::string stored = CompressSegment(segment);
  std::shared_ptr<const char[]> shared;
  size_t shared_size = 0;
  {
    auto reader = SegmentReader::Open(stored);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    shared = reader->shared_entries();
    shared_size = reader->shared_entries_size();
  }
  ASSERT_NE(shared, nullptr);
  const std::string_view shared_view(shared.get(), shared_size);
  std::string scratch;
  EXPECT_TRUE(StoresSegment(stored, segment, &scratch, shared_view));
  std::vector<Owned> edited = entries;
  edited[150].bytes.back() ^= 1;
  EXPECT_FALSE(StoresSegment(stored, SegmentOf(edited, 5), &scratch, shared_view));
  EXPECT_FALSE(StoresSegment(stored, SegmentOf(entries, 6), &scratch, shared_view));
  // Entries of another size than the header's are not taken: decompressed.
  EXPECT_TRUE(StoresSegment(stored, segment, &scratch, shared_view.substr(1)));
  // Nothing to share: an uncompressed segment, a prefix.
  EXPECT_EQ(SegmentReader::Open(segment)->shared_entries(), nullptr);
  EXPECT_EQ(SegmentReader::OpenPrefix(stored, 10)->shared_entries(), nullptr);
}

TEST(EventLogTest, SharedEntriesHeldStayIntactWhileTheThreadReadsOn) {
  // Segments of over 256 KiB each (mapped buffers, reused by the thread's
  // next readers once released), more of them held than the thread keeps.
  std::vector<std::string> segments, stored;
  for (uint64_t serial = 1; serial <= 9; ++serial) {
    std::vector<Owned> entries = UnevenEntries(40);
    for (Owned& entry : entries) entry.bytes[0] = static_cast<char>('A' + serial);
    segments.push_back(SegmentOf(entries, serial));
    stored.push_back(CompressSegment(segments.back()));
  }
  std::vector<std::pair<std::shared_ptr<const char[]>, size_t>> held;
  for (const std::string& value : stored) {
    auto reader = SegmentReader::Open(value);
    ASSERT_TRUE(reader.ok());
    held.emplace_back(reader->shared_entries(), reader->shared_entries_size());
  }
  std::string scratch;
  for (size_t i = 0; i < stored.size(); ++i) {
    const std::string_view entries(held[i].first.get(), held[i].second);
    EXPECT_TRUE(StoresSegment(stored[i], segments[i], &scratch, entries)) << i;
    // The buffer holds this segment's entries, not a later one's.
    const size_t later = (i + 1) % stored.size();
    EXPECT_FALSE(StoresSegment(stored[later], segments[later], &scratch, entries)) << i;
  }
  held.clear();
  for (size_t i = 0; i < stored.size(); ++i) {
    EXPECT_EQ(ReadAll(stored[i]), ReadAll(segments[i])) << i;
  }
}

TEST(EventLogTest, TheReaderVisitsFromASequenceAndFindsADossiersEvents) {
  MemoryKvStore store;
  uint64_t sequence = 1;
  for (uint64_t serial = 1; serial <= 4; ++serial) {
    SegmentBuilder builder;
    builder.Reset(serial, sequence);
    for (int i = 0; i < 3; ++i, ++sequence) {
      std::string dossier = sequence % 4 == 0 ? "A" : "B";
      if (sequence % 4 != 0) dossier.append(std::to_string(sequence));
      Owned e{sequence, false,
              0,        static_cast<int64_t>(sequence),
              0,        std::string(32, 'c'),
              dossier,  "{\"n\":" + std::to_string(sequence) + "}"};
      builder.Add(View(e), Fingerprint(e.bytes));
    }
    auto batch = store.NewBatch();
    batch->Put(Column::kLog, builder.Key(),
               serial % 2 ? CompressSegment(builder.Segment()) : std::string(builder.Segment()));
    batch->Put(Column::kLogIndex, builder.Key(), builder.Index());
    ASSERT_TRUE(store.Write(*batch).ok());
  }
  LogReader reader(&store);
  std::vector<uint64_t> seen;
  ASSERT_TRUE(reader
                  .ForEach(5,
                           [&](const LogEntry& e) {
                             seen.push_back(e.sequence);
                             return core::Status::Ok();
                           })
                  .ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{5, 6, 7, 8, 9, 10, 11, 12}));
  seen.clear();
  ASSERT_TRUE(reader
                  .DossierEvents("A", 1, 0, 0,
                                 [&](const LogEntry& e) {
                                   EXPECT_EQ(e.dossier_id, "A");
                                   seen.push_back(e.sequence);
                                   return core::Status::Ok();
                                 })
                  .ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{4, 8, 12}));
  seen.clear();
  ASSERT_TRUE(reader
                  .DossierEvents("A", 5, 8, 0,
                                 [&](const LogEntry& e) {
                                   seen.push_back(e.sequence);
                                   return core::Status::Ok();
                                 })
                  .ok());
  EXPECT_EQ(seen, (std::vector<uint64_t>{8}));
  // A finished dossier's record gives its first and last event and their
  // count: every event is found, and once all but the last are, the reader
  // goes straight to the segment of the last one (so a count that leaves
  // out the middle event shows the jump).
  for (uint64_t count : {3, 2}) {
    seen.clear();
    ASSERT_TRUE(reader
                    .DossierEvents("A", 4, 12, count,
                                   [&](const LogEntry& e) {
                                     seen.push_back(e.sequence);
                                     return core::Status::Ok();
                                   })
                    .ok());
    EXPECT_EQ(seen,
              count == 3 ? (std::vector<uint64_t>{4, 8, 12}) : (std::vector<uint64_t>{4, 12}));
  }
}

}  // namespace
}  // namespace hoso::projections
