#include "connectors/rocksdb/hardware_crc32c.h"

#include <gtest/gtest.h>
#include <rocksdb/file_checksum.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

// RocksDB's own name for the function hardware_crc32c.cc stands in for.
namespace rocksdb::crc32c {
uint32_t Extend(uint32_t init_crc, const char* data, size_t n);
}  // namespace rocksdb::crc32c

extern "C" uint32_t __wrap__ZN7rocksdb6crc32c6ExtendEjPKcm(uint32_t crc, const char* data,
                                                           size_t size);

namespace hoso::connectors {
namespace {

// CRC32C bit by bit, straight from its definition: the reference.
uint32_t ReferenceCrc32c(uint32_t crc, const std::string& bytes) {
  uint32_t state = crc ^ 0xffffffffu;
  for (unsigned char byte : bytes) {
    state ^= byte;
    for (int bit = 0; bit < 8; ++bit) state = (state >> 1) ^ (0x82f63b78u & (0u - (state & 1u)));
  }
  return state ^ 0xffffffffu;
}

uint32_t Crc(const std::string& bytes) { return ExtendCrc32c(0, bytes.data(), bytes.size()); }

TEST(HardwareCrc32cTest, GivesTheIscsiTestVectors) {
  // RFC 3720, appendix B.4, and the common check value.
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending.push_back(static_cast<char>(i));
    descending.push_back(static_cast<char>(31 - i));
  }
  EXPECT_EQ(Crc(std::string(32, '\0')), 0x8a9136aau);
  EXPECT_EQ(Crc(std::string(32, '\xff')), 0x62a8ab43u);
  EXPECT_EQ(Crc(ascending), 0x46dd794eu);
  EXPECT_EQ(Crc(descending), 0x113fdb5cu);
  EXPECT_EQ(Crc("123456789"), 0xe3069283u);
  EXPECT_EQ(Crc(""), 0u);
}

TEST(HardwareCrc32cTest, EqualsTheDefinitionAtEveryLengthAlignmentAndSplit) {
  std::mt19937_64 random(20261205);
  std::vector<char> buffer(4096 + 16);
  for (char& c : buffer) c = static_cast<char>(random());
  for (size_t length : {0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4096}) {
    for (size_t offset = 0; offset < 16; ++offset) {
      const std::string bytes(buffer.data() + offset, length);
      const uint32_t expected = ReferenceCrc32c(0, bytes);
      ASSERT_EQ(ExtendCrc32c(0, bytes.data(), bytes.size()), expected)
          << length << " bytes at offset " << offset;
      // Continued from a CRC of a prefix, as RocksDB does across a record's
      // header and payload.
      const size_t split = length == 0 ? 0 : random() % (length + 1);
      const uint32_t head = ExtendCrc32c(0, bytes.data(), split);
      ASSERT_EQ(ExtendCrc32c(head, bytes.data() + split, length - split), expected)
          << length << " bytes at offset " << offset << " split at " << split;
    }
  }
}

TEST(HardwareCrc32cTest, RocksDbCallsItWhenLinkedStatically) {
#ifdef HOSO_TEST_STATIC_ROCKSDB
  // The link's --wrap turns every reference to RocksDB's function, this
  // test's and the library's alike, into one to the replacement.
  EXPECT_EQ(reinterpret_cast<void*>(&rocksdb::crc32c::Extend),
            reinterpret_cast<void*>(&__wrap__ZN7rocksdb6crc32c6ExtendEjPKcm));
  EXPECT_STREQ(Crc32cImplementation(), __builtin_cpu_supports("sse4.2") ? "sse4.2" : "software");
#else
  EXPECT_STREQ(Crc32cImplementation(), "software (shared RocksDB)");
#endif
  // A checksum computed inside RocksDB (its whole-file CRC32C) is the
  // definition's.
  const std::string bytes = "hồ sơ thủ tục hành chính, một cửa liên thông";
  std::unique_ptr<rocksdb::FileChecksumGenerator> generator =
      rocksdb::GetFileChecksumGenCrc32cFactory()->CreateFileChecksumGenerator(
          rocksdb::FileChecksumGenContext());
  generator->Update(bytes.data(), bytes.size());
  generator->Finalize();
  const std::string stored = generator->GetChecksum();
  ASSERT_EQ(stored.size(), 4u);
  const uint32_t expected = ReferenceCrc32c(0, bytes);
  const auto byte = [&](int i) {
    return static_cast<uint32_t>(static_cast<unsigned char>(stored[i]));
  };
  EXPECT_EQ(byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3), expected);
}

}  // namespace
}  // namespace hoso::connectors
