#include "connectors/rocksdb/hardware_crc32c.h"

#include <nmmintrin.h>

#include <cstring>

#ifdef HOSO_WRAP_ROCKSDB_CRC32C
// RocksDB's `crc32c::Extend(uint32_t, const char*, size_t)` (util/crc32c.h,
// not an installed header) is `_ZN7rocksdb6crc32c6ExtendEjPKcm`; the link's
// --wrap of it (connectors/rocksdb/CMakeLists.txt) sends the library's calls
// to `__wrap_` + that name, and `__real_` + that name is the library's own.
extern "C" uint32_t __real__ZN7rocksdb6crc32c6ExtendEjPKcm(uint32_t crc, const char* data,
                                                           size_t size);
extern "C" uint32_t __wrap__ZN7rocksdb6crc32c6ExtendEjPKcm(uint32_t crc, const char* data,
                                                           size_t size);
#endif

namespace hoso::connectors {

namespace {

bool CpuHasSse42() {
  // RocksDB may checksum from static initializers, before libgcc's own
  // constructor has filled in what __builtin_cpu_supports reads.
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}

// Until this file's static initializer has run (RocksDB's may run first),
// false: RocksDB's own code answers those calls.
const bool kHasSse42 = CpuHasSse42();

__attribute__((target("sse4.2"))) uint32_t ExtendSse42(uint32_t crc, const char* data,
                                                       size_t size) {
  uint64_t state = crc ^ 0xffffffffu;
  // Single bytes up to an 8-byte boundary, 8 bytes a step, then the tail.
  while (size > 0 && (reinterpret_cast<uintptr_t>(data) & 7) != 0) {
    state = _mm_crc32_u8(static_cast<uint32_t>(state), static_cast<uint8_t>(*data));
    ++data;
    --size;
  }
  while (size >= 8) {
    uint64_t word;
    std::memcpy(&word, data, sizeof word);
    state = _mm_crc32_u64(state, word);
    data += 8;
    size -= 8;
  }
  while (size > 0) {
    state = _mm_crc32_u8(static_cast<uint32_t>(state), static_cast<uint8_t>(*data));
    ++data;
    --size;
  }
  return static_cast<uint32_t>(state) ^ 0xffffffffu;
}

#ifndef HOSO_WRAP_ROCKSDB_CRC32C
// Bit by bit: the answer where neither the instruction nor RocksDB's own
// code is at hand (a CPU older than 2008 with a shared RocksDB).
uint32_t ExtendBitwise(uint32_t crc, const char* data, size_t size) {
  uint32_t state = crc ^ 0xffffffffu;
  for (size_t i = 0; i < size; ++i) {
    state ^= static_cast<uint8_t>(data[i]);
    for (int bit = 0; bit < 8; ++bit) state = (state >> 1) ^ (0x82f63b78u & (0u - (state & 1u)));
  }
  return state ^ 0xffffffffu;
}
#endif

}  // namespace

uint32_t ExtendCrc32c(uint32_t crc, const char* data, size_t size) {
  if (kHasSse42) return ExtendSse42(crc, data, size);
#ifdef HOSO_WRAP_ROCKSDB_CRC32C
  return __real__ZN7rocksdb6crc32c6ExtendEjPKcm(crc, data, size);
#else
  return ExtendBitwise(crc, data, size);
#endif
}

const char* Crc32cImplementation() {
#ifdef HOSO_WRAP_ROCKSDB_CRC32C
  return kHasSse42 ? "sse4.2" : "software";
#else
  return "software (shared RocksDB)";
#endif
}

}  // namespace hoso::connectors

#ifdef HOSO_WRAP_ROCKSDB_CRC32C
extern "C" uint32_t __wrap__ZN7rocksdb6crc32c6ExtendEjPKcm(uint32_t crc, const char* data,
                                                           size_t size) {
  return hoso::connectors::ExtendCrc32c(crc, data, size);
}
#endif
