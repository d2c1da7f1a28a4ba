// RocksDB's CRC32C, computed with the CPU's crc32 instruction.
//
// Debian builds RocksDB for any x86-64 CPU, so the library checksums every
// write-ahead-log record and table block with a table-driven CRC32C
// (`crc32c::Slow_CRC32`: 0.64 GB/s here, the instruction 4.2 GB/s). That
// was a fifth of a restoring instance's commit thread, and up to a quarter
// of a query right after a crash, which reads the write-ahead log back
// (BENCHMARKS.md "CRC32C in hardware").
//
// Every checksum of the library goes through one function,
// `rocksdb::crc32c::Extend`. With RocksDB linked statically (CMake option
// HOSO_STATIC_ROCKSDB, the default), the link passes
// `--wrap=<that symbol>`, so each of the library's calls reaches
// hardware_crc32c.cc's `__wrap_` definition instead. That computes the same
// function, CRC32C (Castagnoli, reflected, pre- and post-inverted), with
// SSE4.2 when the CPU has it and with RocksDB's own code when it does not:
// the bytes RocksDB writes and checks are the same either way. With the
// shared library, RocksDB keeps its own.
#ifndef HOSO_CONNECTORS_ROCKSDB_HARDWARE_CRC32C_H_
#define HOSO_CONNECTORS_ROCKSDB_HARDWARE_CRC32C_H_

#include <cstddef>
#include <cstdint>

namespace hoso::connectors {

// What RocksDB's checksums run on in this process: "sse4.2" (the crc32
// instruction), "software" (the CPU lacks SSE4.2: RocksDB's own code) or
// "software (shared RocksDB)" (RocksDB's own code: the library is linked
// shared, and its calls stay inside it). Thread-safe.
const char* Crc32cImplementation();

// CRC32C of `size` bytes at `data`, continuing `crc` (0 to start): what
// RocksDB's calls reach. Equal to RocksDB's own `crc32c::Extend` for every
// input. Thread-safe.
uint32_t ExtendCrc32c(uint32_t crc, const char* data, size_t size);

}  // namespace hoso::connectors

#endif  // HOSO_CONNECTORS_ROCKSDB_HARDWARE_CRC32C_H_
